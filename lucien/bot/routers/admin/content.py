"""Admin panel › catalogue: package list, create wizard, edit any field, (de)activate.

Behind the admin router's ADMIN filter. The create wizard (name → description → price →
category → confirm) and the single-field edits keep their answers in the FSM storage, so
they continue across stateless requests; a refused answer keeps the step. Saving a draft
is claimed once (a double tap on "Añadir" creates one package); (de)activation asks for
confirmation and is a conditional update. Every change is audited by the service.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from lucien.bot.filters import Presses, not_a_command
from lucien.bot.ui import answer, open_screen, reply, show
from lucien.bot.visit import Visit, list_press
from lucien.bot.wizard import Step, ask, from_data, text_step
from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminCB
from lucien.callbacks import AdminSection as S
from lucien.db.models import Package, User
from lucien.runtime import Runtime
from lucien.services import packages
from lucien.voice import Voice
from lucien.voice.data import CATEGORIES, PackageDraft, Page
from lucien.voice.message import Message as VoiceMessage

PER_PAGE = 8
STEPS = 4
FILTERS = ("all", *CATEGORIES)


class ContentWizard(StatesGroup):
    name = State()
    description = State()
    price = State()
    category = State()
    confirm = State()


class ContentEdit(StatesGroup):
    value = State()  # data: edit_id, edit_field


at_content = Presses(S.CONTENT)


def _draft(data: dict[str, Any]) -> PackageDraft:
    return PackageDraft(
        name=data.get("name"),
        description=data.get("description"),
        price=packages.price_from_text(data.get("price")),
        free=bool(data.get("free")),
        category=data.get("category"),
    )


def _refusal(voice: Voice, exc: packages.InvalidValue) -> VoiceMessage:
    field = exc.field if exc.field in ("name", "description", "price") else "text"
    if exc.problem == "too_long":
        return voice.validation.too_long(
            field=field,  # type: ignore[arg-type]
            limit=exc.limit,
            length=exc.length,
            section=S.CONTENT,
        )
    if exc.problem == "price":
        return voice.validation.invalid_price(maximum=int(packages.PRICE_MAX), section=S.CONTENT)
    return voice.validation.too_short(field=field, minimum=1, section=S.CONTENT)  # type: ignore[arg-type]


# -- list and detail ----------------------------------------------------------------------


async def _list(runtime: Runtime, voice: Voice, category: str, page: int) -> VoiceMessage:
    category = category if category in FILTERS else "all"
    async with runtime.sessions() as session:
        found = await packages.list_packages(
            session,
            categories=None if category == "all" else [category],
            page=page,
            per_page=PER_PAGE,
        )
    return voice.admin_content.packages(
        packages=[packages.card(p) for p in found.items],
        page=Page.of(found.total, found.page, PER_PAGE),
        category=category,
    )


# the menu's button opens the first page, unfiltered ("all")
on_list = at_content.on(A.OPEN, A.LIST)(list_press(_list))


@at_content.on(A.VIEW)
async def on_view(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
    package = await visit.named(query, "package", packages.get_package, callback_data.id)
    if package is None:
        return
    await query.answer()
    back = callback_data.arg if callback_data.arg in CATEGORIES else ""
    shown = visit.voice.admin_content.package(
        package=packages.card(package), back_category=back, back_page=callback_data.page
    )
    await show(query, shown)


# -- the create wizard --------------------------------------------------------------------


@at_content.on(A.NEW)
async def on_new(query: CallbackQuery, visit: Visit) -> None:
    await visit.state.clear()
    question = visit.voice.admin_content.ask(field="name", step=1, total=STEPS)
    await ask(query, visit, ContentWizard.name, question, data={"draft": uuid.uuid4().hex})


def _price(text: str) -> str | None:
    return packages.price_text(packages.parse_price(text))


#: typed step → (how its answer is read, the next state, the next question's field, its number)
_STEPS: dict[str, tuple[Callable[[str], Any], State, str, int]] = {
    "name": (packages.clean_name, ContentWizard.description, "description", 2),
    "description": (packages.clean_description, ContentWizard.price, "price", 3),
    "price": (_price, ContentWizard.category, "category", 4),
}


def _step(field: str) -> Step:
    """The handler of one typed step of the create wizard (name → description → price)."""
    read, next_state, next_field, number = _STEPS[field]

    async def step(message: Message, text: str, visit: Visit) -> None:
        try:
            value = read(text)
        except packages.InvalidValue as exc:
            await reply(message, _refusal(visit.voice, exc))
            return
        await visit.state.update_data(
            {field: value, **({"free": value is None} if field == "price" else {})}
        )
        await visit.state.set_state(next_state)
        asked = visit.voice.admin_content.ask(field=next_field, step=number, total=STEPS)  # type: ignore[arg-type]
        await reply(message, asked)

    step.__name__ = step.__qualname__ = f"on_{field}"
    return step


async def _to_category(state: FSMContext, price: str | None) -> None:
    await state.update_data(price=price, free=price is None)
    await state.set_state(ContentWizard.category)


async def on_category_text(message: Message, visit: Visit) -> None:
    """The category is chosen with the buttons; a typed code is accepted too."""
    try:
        category = packages.clean_category(message.text)
    except packages.InvalidValue:
        await reply(message, visit.voice.admin_content.ask(field="category", step=4, total=STEPS))
        return
    await visit.state.update_data(category=category)
    await visit.state.set_state(ContentWizard.confirm)
    await reply(
        message, visit.voice.admin_content.draft_confirm(draft=_draft(await visit.state.get_data()))
    )


async def on_confirm_text(message: Message, visit: Visit) -> None:
    await reply(
        message, visit.voice.admin_content.draft_confirm(draft=_draft(await visit.state.get_data()))
    )


@at_content.on(A.SAVE)
async def on_save(query: CallbackQuery, visit: Visit) -> None:
    if await visit.state.get_state() != ContentWizard.confirm.state:
        await answer(query, visit.voice.common.stale())
        return
    data = await visit.state.get_data()
    draft = _draft(data)
    if not (draft.name and draft.description and draft.category and data.get("draft")):
        await visit.state.clear()
        await answer(query, visit.voice.common.stale())
        return
    async with visit.runtime.sessions.begin() as session:
        claimed = await packages.claim_once(session, f"pkgdraft:{data.get('draft')}")
        package = None
        if claimed:
            package = await packages.create_package(
                session,
                name=draft.name or "",
                description=draft.description or "",
                price=draft.price,
                category=draft.category or "",
                actor_id=visit.user.id,
            )
    if package is None:  # a second tap on the same draft
        await answer(query, visit.voice.common.unchanged())
        return
    await visit.state.clear()
    await answer(query, visit.voice.common.saved())
    await show(query, visit.voice.admin_content.created(package=packages.card(package)))


# -- single-field edits and the wizard's buttons -----------------------------------------


@at_content.on(A.EDIT, arg_in=packages.FIELDS)
async def on_edit(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
    field = callback_data.arg
    package = await visit.named(query, "package", packages.get_package, callback_data.id)
    if package is None:
        return
    current: dict[str, str] = {
        "name": package.name,
        "description": package.description or "",
        "price": "gratuito" if not package.price else str(package.price),
        "category": package.category,
    }
    await visit.state.clear()
    if field != "category":  # the category is chosen with buttons, no typing
        await visit.state.set_state(ContentEdit.value)
        await visit.state.set_data({"edit_id": package.id, "edit_field": field})
    await query.answer()
    await show(
        query,
        visit.voice.admin_content.ask(
            field=field,  # type: ignore[arg-type]
            package_id=package.id,
            current=current[field],
        ),
    )


async def _apply_edit(
    runtime: Runtime, user: User, package_id: int, field: str, value: Any
) -> Package | None:
    async with runtime.sessions.begin() as session:
        return await packages.edit_package(session, package_id, field, value, actor_id=user.id)


async def on_edit_value(message: Message, text: str, visit: Visit) -> None:
    data = await visit.state.get_data()
    field, package_id = data.get("edit_field"), data.get("edit_id")
    if field not in ("name", "description", "price") or not isinstance(package_id, int):
        await visit.state.clear()
        await reply(message, visit.voice.common.stale_message())
        return
    try:
        package = await _apply_edit(visit.runtime, visit.user, package_id, field, text)
    except packages.InvalidValue as exc:
        await reply(message, _refusal(visit.voice, exc))
        return
    await visit.state.clear()
    if package is None:
        await reply(message, visit.voice.common.not_found("package"))
        return
    await message.answer(
        **visit.voice.admin_content.edited(
            package=packages.card(package), field=field
        ).as_send_kwargs()  # type: ignore[arg-type]
    )


@at_content.on(A.SET_FREE)
async def on_set_free(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
    if callback_data.id == 0:  # the create wizard's price step
        if await visit.state.get_state() != ContentWizard.price.state:
            await answer(query, visit.voice.common.stale())
            return
        await _to_category(visit.state, None)
        await open_screen(
            query, visit.voice.admin_content.ask(field="category", step=4, total=STEPS)
        )
        return
    await _edit_by_button(query, visit, callback_data.id, "price", None)


@at_content.on(A.SET_CATEGORY, arg_in=CATEGORIES)
async def on_set_category(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
    if callback_data.id == 0:  # the create wizard's category step
        if await visit.state.get_state() != ContentWizard.category.state:
            await answer(query, visit.voice.common.stale())
            return
        await visit.state.update_data(category=callback_data.arg)
        await visit.state.set_state(ContentWizard.confirm)
        await open_screen(
            query,
            visit.voice.admin_content.draft_confirm(draft=_draft(await visit.state.get_data())),
        )
        return
    await _edit_by_button(query, visit, callback_data.id, "category", callback_data.arg)


async def _edit_by_button(
    query: CallbackQuery, visit: Visit, package_id: int, field: str, value: str | None
) -> None:
    """An edit a button makes in one press (the price "gratuito", a category): save it, stop
    waiting for a typed value, and show the package edited."""
    package = await _apply_edit(visit.runtime, visit.user, package_id, field, value)
    if package is None:
        await answer(query, visit.voice.common.not_found_alert("package"))
        return
    await _leave_edit(visit.state, package.id)
    await answer(query, visit.voice.common.saved())
    edited = visit.voice.admin_content.edited(package=packages.card(package), field=field)  # type: ignore[arg-type]
    await show(query, edited)


async def _leave_edit(state: FSMContext, package_id: int) -> None:
    """A button finished the edit a typed answer was awaited for: stop waiting."""
    if await state.get_state() == ContentEdit.value.state:
        if (await state.get_data()).get("edit_id") == package_id:
            await state.clear()


# -- (de)activation -----------------------------------------------------------------------


@at_content.on(A.TOGGLE)
async def on_toggle(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
    package = await visit.named(query, "package", packages.get_package, callback_data.id)
    if package is None:
        return
    await open_screen(
        query, visit.voice.admin_content.toggle_confirm(package=packages.card(package))
    )


@at_content.on(A.TOGGLE_OK, arg_in=("on", "off"))
async def on_toggle_ok(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
    async with visit.runtime.sessions.begin() as session:
        changed = await packages.set_active(
            session, callback_data.id, callback_data.arg == "on", actor_id=visit.user.id
        )
        package = await packages.get_package(session, callback_data.id)
    if package is None:
        await answer(query, visit.voice.common.not_found_alert("package"))
        return
    card = packages.card(package)
    alert = (
        visit.voice.admin_content.toggled(package=card)
        if changed
        else visit.voice.common.unchanged()
    )
    await answer(query, alert)
    await show(query, visit.voice.admin_content.package(package=card))


# -- leaving ------------------------------------------------------------------------------


@at_content.on(A.CANCEL)
async def on_cancel(query: CallbackQuery, visit: Visit) -> None:
    await open_screen(query, visit.voice.common.cancelled(), state=visit.state)
    await query.bot.send_message(  # type: ignore[union-attr]
        query.from_user.id, **(await _list(visit.runtime, visit.voice, "all", 0)).as_send_kwargs()
    )


def build() -> Router:
    router = Router(name="admin.content")
    at_content.register(router)
    msg = router.message
    for field in _STEPS:
        state = getattr(ContentWizard, field)
        text_step(router, state, _step(field), field=field, section=S.CONTENT)  # type: ignore[arg-type]
    msg.register(on_category_text, StateFilter(ContentWizard.category), not_a_command)
    msg.register(on_confirm_text, StateFilter(ContentWizard.confirm), not_a_command)
    text_step(
        router, ContentEdit.value, on_edit_value, field=from_data("edit_field"), section=S.CONTENT
    )
    return router
