"""Setting an update aside: the dead letter is written, then the owner is told, once.

"Once" rests on the table: only the attempt whose insert created the row sends the
message. The message is best effort — when Telegram itself is what keeps failing it may
not arrive, and ``lucien dead-letters`` still lists the letter.
"""

from __future__ import annotations

import logging

from aiogram.types import Update

from lucien.ledger import Ticket
from lucien.runtime import Runtime
from lucien.services import dead_letters
from lucien.services.config import get_config
from lucien.voice import Voice

log = logging.getLogger(__name__)


async def set_aside(runtime: Runtime, update: Update, ticket: Ticket, error: str) -> None:
    payload = update.model_dump(mode="json", exclude_none=True, by_alias=True)
    async with runtime.sessions.begin() as session:
        letter_id = await dead_letters.record(
            session,
            update_id=update.update_id,
            payload=payload,
            error=error,
            attempts=ticket.attempt,
            first_attempt_at=ticket.first_attempt_at,
        )
        config = await get_config(session)
    owner = runtime.settings.owner_id
    if letter_id is None or owner is None:
        return
    voice = Voice(history=None, user_id=None, tz=config.timezone)
    notice = voice.diagnostics.dead_letter(
        letter_id=letter_id, update_id=update.update_id, attempts=ticket.attempt, error=error
    )
    try:
        await runtime.bot.send_message(owner, **notice.as_send_kwargs())
    except Exception as exc:
        log.warning("dead letter %s: the owner could not be told: %s", letter_id, exc)
