"""Handle a batch of claimed rows a few at a time, stopping cleanly when time runs out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from lucien.jobs.context import CronContext
from lucien.telegram.limiter import BudgetExhausted

log = logging.getLogger(__name__)

T = TypeVar("T")


async def run_pool(
    ctx: CronContext,
    step: str,
    items: Sequence[T],
    work: Callable[[T], Awaitable[None]],
    *,
    release: Callable[[T], Awaitable[None]] | None = None,
) -> None:
    """Run ``work`` over ``items`` with ``ctx.concurrency`` at a time.

    Once the budget is spent (or a call raised :class:`BudgetExhausted`) the items not
    started yet are handed to ``release`` (which gives their claims back for the next run)
    and not worked on. An unexpected failure of one item is recorded, its claim released,
    and the others go on.
    """
    gate = asyncio.Semaphore(ctx.concurrency)

    async def give_back(item: T) -> None:
        if release is None:
            return
        try:
            await release(item)
        except Exception:
            log.exception("cron %s: could not release a claim", step)

    async def one(item: T) -> None:
        async with gate:
            if ctx.budget_exhausted or not ctx.budget.allows(0.5):
                ctx.budget_exhausted = True
                await give_back(item)
                return
            try:
                await work(item)
            except BudgetExhausted:
                ctx.budget_exhausted = True
                await give_back(item)
            except Exception as exc:
                log.exception("cron %s: unexpected failure", step)
                ctx.error(step, f"{type(exc).__name__}: {exc}")
                await give_back(item)

    await asyncio.gather(*(one(item) for item in items))


async def drain(
    ctx: CronContext,
    step: str,
    claim: Callable[[CronContext, int], Awaitable[Sequence[int]]],
    process: Callable[[CronContext, int], Awaitable[None]],
    release: Callable[[CronContext, int], Awaitable[None]],
) -> None:
    """Claim a batch, work it, and again, until nothing is due or the budget is spent."""
    while ctx.may_claim():
        ids = await claim(ctx, ctx.batch_size)
        if not ids:
            break
        await run_pool(
            ctx,
            step,
            ids,
            lambda item_id: process(ctx, item_id),
            release=lambda item_id: release(ctx, item_id),
        )
        if ctx.budget_exhausted:
            break
