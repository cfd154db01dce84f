"""Admin panel › interests: the "Me interesa" notes with filters, detail, mark attended.

Behind the admin router's ADMIN filter. Lists are paginated in SQL with their counts per
filter; marking attended is a conditional update (the first custodian wins, the others are
told who did it) and is audited.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery

from lucien.access.roles import derive_role
from lucien.bot.filters import Presses
from lucien.bot.ui import answer, open_screen, show
from lucien.bot.visit import Visit, list_press
from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminCB
from lucien.callbacks import AdminSection as S
from lucien.runtime import Runtime
from lucien.services import interests
from lucien.voice import Voice
from lucien.voice.data import Page
from lucien.voice.message import Message as VoiceMessage

PER_PAGE = 8

at_interests = Presses(S.INTERESTS)


async def _list(runtime: Runtime, voice: Voice, filter: str, page: int) -> VoiceMessage:
    filter = interests.normalize_filter(filter)
    async with runtime.sessions() as session:
        found = await interests.list_interests(session, filter, page=page, per_page=PER_PAGE)
        counts = await interests.counts(session)
    return voice.admin_interests.interests(
        interests=[interests.card(row) for row in found.items],
        filter=filter,  # type: ignore[arg-type]
        page=Page.of(found.total, found.page, PER_PAGE),
        counts=counts,
    )


async def _detail(
    runtime: Runtime, voice: Voice, interest_id: int, back_filter: str, back_page: int
) -> VoiceMessage | None:
    async with runtime.sessions() as session:
        row = await interests.get_interest(session, interest_id)
        if row is None:
            return None
        role = await derive_role(session, runtime.settings, row.user.id)
    return voice.admin_interests.interest(
        interest=interests.card(row, role.value),  # type: ignore[arg-type]
        back_filter=interests.normalize_filter(back_filter),
        back_page=back_page,
    )


# the menu's button opens the first page, unfiltered ("pending")
on_list = at_interests.on(A.OPEN, A.LIST)(list_press(_list))


@at_interests.on(A.VIEW)
async def on_view(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
    shown = await _detail(
        visit.runtime, visit.voice, callback_data.id, callback_data.arg, callback_data.page
    )
    if shown is None:
        await answer(query, visit.voice.common.not_found_alert("interest"))
        return
    await open_screen(query, shown)


@at_interests.on(A.ATTEND)
async def on_attend(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
    async with visit.runtime.sessions.begin() as session:
        result = await interests.mark_attended(session, callback_data.id, visit.user.id)
    if not result.found:
        await answer(query, visit.voice.common.not_found_alert("interest"))
        return
    if result.done:
        await answer(query, visit.voice.admin_interests.attended())
    else:
        await answer(
            query,
            visit.voice.admin_interests.already_attended(
                by=result.attended_by_name, at=result.attended_at
            ),
        )
    shown = await _detail(
        visit.runtime,
        visit.voice,
        callback_data.id,
        callback_data.arg or "pending",
        callback_data.page,
    )
    if shown is not None:
        await show(query, shown)


def build() -> Router:
    router = Router(name="admin.interests")
    at_interests.register(router)
    return router
