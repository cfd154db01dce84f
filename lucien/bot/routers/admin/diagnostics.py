"""Admin panel · diagnostics: ``/run_tests`` (and the "Diagnóstico" button), the cron
rehearsal, the alert opt-out, and ``/profile``.

The report itself is built by :mod:`lucien.ops.diagnostics`; this module only wires it to
Telegram. It reaches it as ``operations`` (:mod:`lucien.ops.panel`), put in the
dispatcher's data by the app that feeds it: the report runs updates through the pipeline,
so the bot may not import it.
While the checks run (a few seconds) the custodian sees a "one moment" message, which the
report then replaces.
"""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from lucien.bot.filters import Presses
from lucien.bot.ui import reply, show
from lucien.bot.visit import Visit
from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminCB
from lucien.callbacks import AdminSection as S
from lucien.runtime import Runtime
from lucien.voice import Voice
from lucien.voice.data import ProfileReport
from lucien.voice.message import Message as VoiceMessage

at_diagnostics = Presses(S.DIAGNOSTICS)


async def _report(runtime: Runtime, voice: Voice, user_id: int, operations: Any) -> VoiceMessage:
    from lucien.ops import alerts

    found = await operations.diagnostics.run_report(runtime)
    return voice.diagnostics.report(
        checks=found["checks"],
        smoke=found["smoke"],
        pytest=found["pytest"],
        duration_ms=found["duration_ms"],
        alerts_on=await alerts.alerts_on(runtime, user_id),
    )


async def on_run_tests(message: Message, operations: Any, visit: Visit) -> None:
    assert message.from_user is not None
    waiting = await message.answer(**visit.voice.diagnostics.running().as_send_kwargs())
    shown = await _report(visit.runtime, visit.voice, message.from_user.id, operations)
    await waiting.edit_text(**shown.as_edit_kwargs())


@at_diagnostics.on(A.OPEN)
async def on_open(query: CallbackQuery, operations: Any, visit: Visit) -> None:
    await query.answer()
    await show(query, visit.voice.diagnostics.running())
    await show(query, await _report(visit.runtime, visit.voice, query.from_user.id, operations))


@at_diagnostics.on(A.REHEARSE)
async def on_rehearse(query: CallbackQuery, operations: Any, visit: Visit) -> None:
    await query.answer()
    run, actions = await operations.diagnostics.rehearsal(visit.runtime)
    await show(
        query,
        [
            visit.voice.diagnostics.run_report(run=run),
            *visit.voice.diagnostics.dry_run_plan(run=run, actions=actions),
        ],
    )


@at_diagnostics.on(A.ALERTS)
async def on_alerts(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
    from lucien.ops import alerts
    from lucien.voice.providers.diagnostics import report_keyboard

    on = callback_data.arg == "on"
    await alerts.set_alerts(visit.runtime, query.from_user.id, on)
    await query.answer(**visit.voice.diagnostics.alerts_toggled(on=on).as_answer_kwargs())
    if query.message is not None and callback_data.arg in ("on", "off"):
        markup = getattr(query.message, "reply_markup", None)
        if markup is not None and any(
            (b.callback_data or "").startswith(f"a:{S.DIAGNOSTICS.value}:{A.REHEARSE.value}")
            for row in markup.inline_keyboard
            for b in row
        ):
            await query.message.edit_reply_markup(reply_markup=report_keyboard(alerts_on=on))  # type: ignore[union-attr]


async def on_profile(
    message: Message, command: CommandObject, operations: Any, visit: Visit
) -> None:
    profiling = operations.profiling
    raw = (command.args or "").strip()
    if not raw:
        found = await profiling.report(visit.runtime)
        await reply(
            message,
            visit.voice.diagnostics.profile_report(
                report=ProfileReport(
                    remaining=found["remaining"],
                    profiled=found["profiled"],
                    hot_spots=tuple(found["hot_spots"]),
                    slowest=tuple(found["slowest"]),
                )
            ),
        )
        return
    if not raw.isdigit() or int(raw) > profiling.MAX_REQUEST:
        await reply(message, visit.voice.diagnostics.profile_usage(maximum=profiling.MAX_REQUEST))
        return
    count = await profiling.arm(visit.runtime, int(raw))
    await reply(message, visit.voice.diagnostics.profile_armed(count=count))


def build() -> Router:
    router = Router(name="admin.diagnostics")
    router.message.register(on_run_tests, Command("run_tests"))
    router.message.register(on_profile, Command("profile"))
    at_diagnostics.register(router)
    return router
