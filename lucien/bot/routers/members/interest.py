""" "Me interesa" from a member screen: record it once, tell the custodians, thank the user.

The interest is recorded (or refused as too soon) in one short transaction; only then are
messages sent: the user's confirmation, then one notification per custodian, each on its
own (a custodian who blocked the bot does not stop the others). A transient failure fails
the update; its redelivery finds the interest already recorded (the journal) and sends
only the messages that did not go out.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import CallbackQuery

from lucien.access.roles import admin_ids
from lucien.access.users import mark_unreachable
from lucien.bot.ui import answer
from lucien.bot.visit import Visit
from lucien.db.models import BotConfig
from lucien.runtime import Runtime
from lucien.services import interests
from lucien.services import packages as packages_service
from lucien.voice import Voice
from lucien.voice.data import InterestCard

log = logging.getLogger(__name__)


async def notify_admins(runtime: Runtime, config: BotConfig, card: InterestCard) -> int:
    """Best effort, per custodian; returns how many were told."""
    async with runtime.sessions() as session:
        recipients = await admin_ids(session, runtime.settings)
    voice = Voice(history=None, user_id=None, tz=config.timezone)
    notice = voice.admin_interests.notification(interest=card)
    told = 0
    for admin_id in recipients:
        try:
            await runtime.bot.send_message(admin_id, **notice.as_send_kwargs())
            told += 1
        except TelegramForbiddenError:
            async with runtime.sessions.begin() as session:
                await mark_unreachable(session, admin_id)
        except TelegramBadRequest as exc:
            # The interest is recorded and shows in the panel; one custodian's refusal
            # must not keep the others uninformed. (A network error or a 5xx fails the
            # update: the redelivery tells whoever was not told yet, and only them.)
            log.warning("interest %s: custodian %s not told: %s", card.id, admin_id, exc)
    return told


async def express(
    query: CallbackQuery, visit: Visit, package_id: int | None, categories: Sequence[str] = ()
) -> None:
    runtime, user, voice = visit.runtime, visit.user, visit.voice
    async with runtime.sessions.begin() as session:
        result = await interests.express_interest(
            session, user.id, package_id=package_id, categories=categories
        )
    if result.outcome is interests.Outcome.UNAVAILABLE:
        await answer(query, voice.common.not_found_alert("package"))
        return
    if result.outcome is interests.Outcome.TOO_SOON:
        await answer(query, voice.flows.interest_too_soon())
        return

    await query.answer()
    assert result.interest_id is not None and result.created_at is not None
    package = result.package
    try:
        await runtime.bot.send_message(
            user.id,
            **voice.flows.interest_confirmation(
                name=user.first_name, package_name=package.name if package else None
            ).as_send_kwargs(),
        )
    except (TelegramBadRequest, TelegramForbiddenError) as exc:
        log.warning("interest %s: confirmation not delivered: %s", result.interest_id, exc)
    card = InterestCard(
        id=result.interest_id,
        user=interests.user_card(user, visit.role.value),  # type: ignore[arg-type]
        package=packages_service.card(package) if package is not None else None,
        created_at=result.created_at,
    )
    await notify_admins(runtime, visit.config, card)


async def on_circle_interest(query: CallbackQuery, visit: Visit) -> None:
    """ "Me interesa" for the VIP subscription itself (the Free circle screen, VIP renewal)."""
    await express(query, visit, package_id=None)
