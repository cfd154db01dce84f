"""The base provider: composition, variants, dates and shared buttons."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, TypedDict, Unpack

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from lucien.callbacks import AdminAction, AdminCB, AdminSection, HomeCB
from lucien.voice import dates
from lucien.voice.data import Page
from lucien.voice.limits import TEXT_LIMIT, fit
from lucien.voice.markup import i
from lucien.voice.message import (
    DIANA_SIGNATURE,
    LUCIEN_SIGNATURE,
    Alert,
    Message,
    Row,
    Speaker,
    button,
    keyboard,
)

if TYPE_CHECKING:
    from lucien.voice.service import Voice

#: A variant is its text, or ``(weight, text)`` when it should come up more (or less) often.
Variant = str | tuple[float, str]
Variants = Sequence[Variant]


class Where(TypedDict, total=False):
    """Which item, page and argument an admin button points at (see :meth:`Provider.cb`)."""

    id: int
    page: int
    arg: str


@dataclass(frozen=True, slots=True)
class Listing:
    """What stays the same about one filtered admin list (:meth:`Provider.filtered`): its
    ``section``, its title's icon and noun, its filter buttons (one tuple per row of
    ``(arg, label)``) and where "Volver" leads."""

    section: AdminSection
    heading: tuple[str, str]
    filters: tuple[tuple[tuple[str, str], ...], ...]
    back: AdminSection


class Provider:
    """Base of every provider: ``area`` prefixes the message keys (``"menus.vip"``)."""

    area: ClassVar[str] = ""

    def __init__(self, voice: Voice) -> None:
        self.voice = voice

    # -- variants ---------------------------------------------------------------------

    def pick(self, key: str, variants: Variants, /) -> str:
        """Choose one variant of ``area.key`` (weighted, without recent repeats)."""
        weights = [v[0] if isinstance(v, tuple) else 1.0 for v in variants]
        index = self.voice.choose(f"{self.area}.{key}", weights)
        chosen = variants[index]
        return chosen[1] if isinstance(chosen, tuple) else chosen

    def say(self, key: str, variants: Variants, /, **values: object) -> str:
        """Pick a variant and fill its ``{placeholders}`` (values must be escaped HTML)."""
        return self.pick(key, variants).format(**values)

    # -- composition ------------------------------------------------------------------

    def message(
        self,
        name: str,
        *parts: str | None,
        keyboard: InlineKeyboardMarkup | None = None,
        speaker: Speaker = "lucien",
        limit: int = TEXT_LIMIT,
    ) -> Message:
        """Sign, join the non-empty ``parts`` with blank lines and fit the limit."""
        signature = DIANA_SIGNATURE if speaker == "diana" else LUCIEN_SIGNATURE
        body = "\n\n".join(p for p in parts if p)
        text = fit(f"{signature}\n{body}" if body else signature, limit)
        return Message(text=text, keyboard=keyboard, key=f"{self.area}.{name}", speaker=speaker)

    def alert(self, name: str, text: str, show_alert: bool = False) -> Alert:
        return Alert(text=text, show_alert=show_alert, key=f"{self.area}.{name}")

    # -- dates ------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.voice.now()

    def when(self, moment: datetime) -> str:
        """``martes 3 de marzo de 2026, 18:30`` in the display zone."""
        return dates.long_datetime(moment, self.voice.tz)

    def day(self, moment: datetime) -> str:
        """``martes 3 de marzo de 2026``"""
        return dates.long_date(moment, self.voice.tz)

    def short(self, moment: datetime) -> str:
        """``3 mar 2026, 18:30``"""
        return dates.short_datetime(moment, self.voice.tz)

    def short_day(self, moment: datetime) -> str:
        return dates.short_date(moment, self.voice.tz)

    def days_left(self, until: datetime) -> int:
        return dates.days_between(self.now(), until)

    def period(self, at: datetime | None = None) -> str:
        return dates.time_of_day(at or self.now(), self.voice.tz)

    # -- shared buttons ---------------------------------------------------------------

    @staticmethod
    def home_button(label: str = "🏛 Volver al menú") -> InlineKeyboardButton:
        return button(label, HomeCB())

    @staticmethod
    def cb(
        section: AdminSection,
        action: AdminAction | str = AdminAction.OPEN,
        *,
        id: int = 0,
        page: int = 0,
        arg: str = "",
    ) -> AdminCB:
        return AdminCB(section=section, action=action, id=id, page=page, arg=arg)

    @classmethod
    def admin_button(
        cls,
        label: str,
        section: AdminSection,
        action: AdminAction | str = AdminAction.OPEN,
        **where: Unpack[Where],
    ) -> InlineKeyboardButton:
        """A button carrying :meth:`cb` (``id``, ``page``, ``arg`` as there)."""
        return button(label, cls.cb(section, action, **where))

    @classmethod
    def opens(
        cls, label: str, section: AdminSection, id: int, page: Page, filter: str = ""
    ) -> list[InlineKeyboardButton]:
        """A list item's row: it opens the item and carries the list's page and filter, so
        the item's "Volver" returns to the page it came from."""
        return [
            cls.admin_button(label, section, AdminAction.VIEW, id=id, page=page.page, arg=filter)
        ]

    @classmethod
    def back_to(cls, section: AdminSection, label: str = "⬅️ Volver") -> InlineKeyboardButton:
        return cls.admin_button(label, section, AdminAction.OPEN)

    @classmethod
    def cancel(cls, section: AdminSection = AdminSection.MAIN) -> InlineKeyboardButton:
        return cls.admin_button("✖️ Cancelar", section, AdminAction.CANCEL)

    @staticmethod
    def pager(page: Page, make: Callable[[int], CallbackData]) -> list[InlineKeyboardButton]:
        """``‹ Anterior`` / ``Siguiente ›`` for a paginated list (empty if one page)."""
        row: list[InlineKeyboardButton] = []
        if page.has_prev:
            row.append(button("‹ Anterior", make(page.page - 1)))
        if page.has_next:
            row.append(button("Siguiente ›", make(page.page + 1)))
        return row

    def paged(
        self,
        name: str,
        title: str,
        lines: Sequence[str],
        empty: str,
        page: Page,
        turn: Callable[[int], CallbackData],
        *,
        above: Sequence[Row | None] = (),
        below: Sequence[Row | None] = (),
    ) -> Message:
        """Every paged list screen, one layout: the title, the page's lines (``empty`` in
        italics when there are none) and "Página x de y"; buttons: the ``above`` rows (items,
        filters), the pager (``turn`` makes a page's callback), the ``below`` rows (back)."""
        return self.message(
            name,
            title,
            "\n".join(lines) or i(empty),
            self.page_line(page),
            keyboard=keyboard(*above, self.pager(page, turn), *below),
        )

    def filtered(
        self,
        name: str,
        listing: Listing,
        current: str,
        lines: Sequence[str],
        empty: str,
        page: Page,
        counts: Mapping[str, int] | None = None,
        *,
        items: Sequence[Row] = (),
    ) -> Message:
        """A section's list seen through its ``current`` filter (see :class:`Listing`): the
        title names the filter, the pages turn within it, and the filter buttons (marked,
        with their ``counts``) sit under the ``items``."""
        icon, noun = listing.heading
        label = dict(option for row in listing.filters for option in row).get(current, "")
        return self.paged(
            name,
            f"{icon} <b>{noun} · {label.lower()}</b> ({page.total})",
            lines,
            empty,
            page,
            lambda n: self.cb(listing.section, AdminAction.LIST, page=n, arg=current),
            above=[
                *items,
                *(
                    self.filter_row(listing.section, row, current, counts)
                    for row in listing.filters
                ),
            ],
            below=[[self.back_to(listing.back)]],
        )

    @staticmethod
    def page_line(page: Page) -> str | None:
        if page.pages <= 1:
            return None
        return f"<i>Página {page.page + 1} de {page.pages}</i>"

    @classmethod
    def filter_row(
        cls,
        section: AdminSection,
        options: Sequence[tuple[str, str]],
        current: str,
        counts: Mapping[str, int] | None = None,
        action: AdminAction | str = AdminAction.LIST,
    ) -> list[InlineKeyboardButton]:
        """Filter buttons (``(arg, label)``); the current one is marked, counts appended."""
        row: list[InlineKeyboardButton] = []
        for arg, label in options:
            count = f" ({counts[arg]})" if counts is not None and arg in counts else ""
            mark = "· " if arg == current else ""
            row.append(cls.admin_button(f"{mark}{label}{count}", section, action, arg=arg))
        return row
