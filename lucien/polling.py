"""Long polling for local development, through the same per-update pipeline."""

from __future__ import annotations

import asyncio
import logging

from lucien.ops.panel import provide as provide_operations
from lucien.ops.seam import run_observed
from lucien.pipeline import Outcome, parse_update, shared_dispatcher
from lucien.runtime import Runtime

log = logging.getLogger(__name__)


async def run_polling(runtime: Runtime, allowed_updates: list[str]) -> None:
    provide_operations(shared_dispatcher())
    bot = runtime.bot
    await bot.delete_webhook(drop_pending_updates=False)
    offset: int | None = None
    log.info("polling for updates; Ctrl+C stops")
    try:
        while True:
            updates = await bot.get_updates(
                offset=offset, timeout=25, allowed_updates=allowed_updates, request_timeout=35
            )
            if not updates:
                await asyncio.sleep(0)  # an empty long poll: let the loop breathe
            for update in updates:
                raw = update.model_dump(mode="json", exclude_none=True, by_alias=True)
                outcome = await run_observed(runtime, parse_update(runtime, raw))
                if outcome in (Outcome.FAILED, Outcome.BUSY):
                    # Like Telegram's redelivery: try this one again before moving on.
                    await asyncio.sleep(2)
                    break
                offset = update.update_id + 1
    finally:
        await runtime.aclose()
