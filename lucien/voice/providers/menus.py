"""Member menus: VIP and Free menus, content lists, package detail, status, renewal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from aiogram.filters.callback_data import CallbackData

from lucien.callbacks import FreeAction, FreeCB, VipAction, VipCB
from lucien.voice.data import Audience, PackageCard, Page, PlanCard, Role, SocialLinks, StarsOffer
from lucien.voice.markup import b, esc, i, label_value, money, tme
from lucien.voice.message import Message, button, keyboard, url_button
from lucien.voice.providers import words
from lucien.voice.providers.base import Provider
from lucien.voice.providers.keyboards import free_menu, social_buttons, vip_menu
from lucien.voice.providers.payments import pay_buttons, pay_line

DESCRIPTION_LIMIT = 2500

_VIP_INTRO = (
    "¿Qué desea hacer?",
    "Dígame a dónde desea ir.",
    (0.7, "Todo está en su sitio, como a Diana le gusta. ¿Por dónde empezamos?"),
)
_FREE_INTRO = (
    "¿Qué desea explorar?",
    "Dígame a dónde desea ir.",
    (0.7, "Algunos senderos del jardín llevan más lejos de lo que parece…"),
)
_FIRST_VISIT = (
    "Soy Lucien, mayordomo de Diana y guardián de sus secretos. Desde aquí podrá ver lo que "
    "ella comparte en el jardín y, si lo desea, asomarse a su círculo más íntimo."
)


def _cb(audience: Audience, action: str, id: int = 0, page: int = 0) -> CallbackData:
    if audience == "vip":
        return VipCB(action=action, id=id, page=page)
    return FreeCB(action=action, id=id, page=page)


class MenusProvider(Provider):
    area = "menus"

    def vip(
        self,
        *,
        name: str,
        ends_at: datetime,
        days_left: int | None = None,
        at: datetime | None = None,
    ) -> Message:
        """VIP menu: greeting with the name, end date, days left and the three buttons."""
        left = self.days_left(ends_at) if days_left is None else days_left
        status = (
            f"Su membresía está vigente hasta el {b(self.when(ends_at))}.\n"
            f"Le {'queda' if left == 1 else 'quedan'} {b(str(left))} "
            f"{'día' if left == 1 else 'días'} en el Diván."
        )
        nudge = (
            i(
                "Su tiempo en el círculo se acerca a su fin… en «Cómo renovar» le explico cómo "
                "prolongarlo."
            )
            if left <= 7
            else None
        )
        return self.message(
            "vip",
            self.voice.start.greeting_line(name=name, role=Role.VIP, at=at),
            status,
            nudge,
            self.pick("vip.intro", _VIP_INTRO),
            keyboard=vip_menu(),
        )

    def free(
        self,
        *,
        name: str,
        has_social: bool = True,
        first_visit: bool = False,
        at: datetime | None = None,
    ) -> Message:
        """Free menu: free content, the VIP circle, Diana's social profiles (if any)."""
        return self.message(
            "free",
            self.voice.start.greeting_line(name=name, role=Role.FREE, at=at),
            _FIRST_VISIT if first_visit else None,
            self.pick("free.intro", _FREE_INTRO),
            keyboard=free_menu(has_social),
        )

    def content(
        self, *, audience: Audience, packages: Sequence[PackageCard], page: Page
    ) -> Message:
        """A page of packages (VIP: VIP_CONTENT + VIP_PREMIUM; Free: FREE_CONTENT)."""
        menu = VipAction.MENU if audience == "vip" else FreeAction.MENU
        title = "🗝 <b>Contenido del Diván</b>" if audience == "vip" else "🌿 <b>Del jardín</b>"
        if not packages:
            return self.message(
                "content_empty",
                title,
                "Diana aún está preparando lo que compartirá aquí… vuelva pronto.",
                keyboard=keyboard([button("⬅️ Volver", _cb(audience, menu))]),
            )
        lines = [
            f"• {b(esc(p.name, 80))} — {money(p.price, p.currency)}"
            + (f" · {words.CATEGORY_SHORT[p.category]}" if audience == "vip" else "")
            for p in packages
        ]
        items = [
            [button(label_value(p.name, 40), _cb(audience, "pkg", p.id, page.page))]
            for p in packages
        ]
        return self.message(
            "content",
            title,
            self.pick(
                "content.intro",
                (
                    "Esto es lo que Diana ha dispuesto:",
                    "Diana ha reunido esto para usted:",
                ),
            ),
            "\n".join(lines),
            self.page_line(page),
            keyboard=keyboard(
                *items,
                self.pager(page, lambda n: _cb(audience, "content", page=n)),
                [button("⬅️ Volver", _cb(audience, menu))],
            ),
        )

    def package(self, *, audience: Audience, package: PackageCard, page: int = 0) -> Message:
        """Package detail: name, description, price or "gratuito", category, Me interesa."""
        description = esc(package.description, DESCRIPTION_LIMIT) or i("Sin descripción.")
        return self.message(
            "package",
            f"🎁 {b(esc(package.name, 100))}",
            description,
            f"Categoría: {words.category(package.category)}\n"
            f"Precio: {b(money(package.price, package.currency))}",
            keyboard=keyboard(
                [button("✨ Me interesa", _cb(audience, "int", package.id))],
                [button("⬅️ Volver", _cb(audience, "content", page=page))],
            ),
        )

    def vip_status(
        self,
        *,
        plan_name: str | None,
        started_at: datetime,
        ends_at: datetime,
        days_left: int | None = None,
    ) -> Message:
        left = self.days_left(ends_at) if days_left is None else days_left
        plan = b(esc(plan_name, 64)) if plan_name else i("plan personal")
        return self.message(
            "vip_status",
            "📜 <b>Su membresía</b>",
            f"Plan: {plan}\n"
            f"Desde: {self.when(started_at)}\n"
            f"Hasta: {b(self.when(ends_at))}\n"
            f"{'Queda' if left == 1 else 'Quedan'}: {b(str(left))} "
            f"{'día' if left == 1 else 'días'}",
            self.pick(
                "vip_status.outro",
                (
                    "Todo en orden. Diana se alegra de tenerle cerca.",
                    "Su lugar en el Diván está asegurado hasta esa fecha.",
                ),
            ),
            keyboard=keyboard(
                [button("🔁 Cómo renovar", VipCB(action=VipAction.RENEW))],
                [button("⬅️ Volver", VipCB(action=VipAction.MENU))],
            ),
        )

    def vip_renew(
        self,
        *,
        ends_at: datetime,
        creator_username: str | None = None,
        offers: Sequence[StarsOffer] = (),
    ) -> Message:
        """How to renew; with plans sold for Stars, a pay button for each (``offers``)."""
        url = tme(creator_username)
        contact = "escríbale directamente o pulse «Me interesa»" if url else "pulse «Me interesa»"
        return self.message(
            "vip_renew",
            "🔁 <b>Cómo renovar</b>",
            f"Su membresía concluye el {b(self.when(ends_at))}.",
            "Diana entrega cada invitación en persona. Para prolongar su estancia, "
            f"{contact}: avisaré a los custodios y le escribirán con los detalles. "
            "Al canjear la nueva invitación, el tiempo se suma a partir de su fecha actual; "
            "no perderá ni un día.",
            pay_line(offers, renewing=True),
            keyboard=keyboard(
                *pay_buttons(offers),
                [url_button("💬 Escribir a Diana", url)] if url else None,
                [button("✨ Me interesa", VipCB(action=VipAction.RENEW_INTEREST))],
                [button("⬅️ Volver", VipCB(action=VipAction.MENU))],
            ),
        )

    def circle(
        self,
        *,
        plans: Sequence[PlanCard] = (),
        creator_username: str | None = None,
        offers: Sequence[StarsOffer] = (),
    ) -> Message:
        """What the VIP circle offers, with "Me interesa" for the subscription itself (and a
        pay button per plan sold for Stars: ``offers``)."""
        url = tme(creator_username)
        offer = (
            "El círculo es el espacio íntimo de Diana: el <b>Diván</b> 👑\n"
            "• Lo que no se muestra en el jardín.\n"
            "• Novedades antes que nadie, y contenido reservado.\n"
            "• Una cercanía que Diana solo comparte con unos pocos."
        )
        active = [p for p in plans if p.active]
        plan_lines = (
            "Formas de entrar:\n"
            + "\n".join(
                f"• {b(esc(p.name, 64))}: {p.days} días · {money(p.price, p.currency)}"
                for p in active[:10]
            )
            if active
            else None
        )
        return self.message(
            "circle",
            offer,
            plan_lines,
            self.pick(
                "circle.outro",
                (
                    "Si siente curiosidad, pulse «Me interesa» y Diana sabrá de usted.",
                    "La puerta no está cerrada… solo espera a que alguien llame. "
                    "«Me interesa» basta.",
                ),
            ),
            pay_line(offers),
            keyboard=keyboard(
                *pay_buttons(offers),
                [button("✨ Me interesa", FreeCB(action=FreeAction.CIRCLE_INTEREST))],
                [url_button("💬 Escribir a Diana", url)] if url else None,
                [button("⬅️ Volver", FreeCB(action=FreeAction.MENU))],
            ),
        )

    def social(self, *, links: SocialLinks, audience: Audience = "free") -> Message:
        """Diana's social profiles from the configuration (never placeholders)."""
        back = [button("⬅️ Volver", _cb(audience, "menu"))]
        buttons = social_buttons(links)
        if not buttons:
            return self.message(
                "social_empty",
                "Diana aún no ha compartido dónde más encontrarla… pronto, quizá.",
                keyboard=keyboard(back),
            )
        return self.message(
            "social",
            self.pick(
                "social",
                (
                    "Diana también se deja ver fuera de aquí:",
                    "Si desea seguirla más allá del jardín, aquí la encontrará:",
                ),
            ),
            keyboard=keyboard(*[[x] for x in buttons], back),
        )
