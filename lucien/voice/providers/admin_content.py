"""Admin · the catalogue: package list, create wizard, edits, (de)activation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminSection as S
from lucien.voice.data import CATEGORIES, PackageCard, PackageDraft, Page
from lucien.voice.markup import b, esc, i, label_value, money, number
from lucien.voice.message import Alert, Message, keyboard
from lucien.voice.providers import words
from lucien.voice.providers.base import Provider

PackageField = Literal["name", "description", "price", "category"]
LIMITS: dict[str, int] = {"name": 100, "description": 1000, "price": 1_000_000}
CATEGORY_FILTERS: tuple[tuple[str, str], ...] = (
    ("all", "Todo"),
    ("FREE_CONTENT", "Jardín"),
    ("VIP_CONTENT", "Diván"),
    ("VIP_PREMIUM", "Premium"),
)

_PROMPT: dict[str, str] = {
    "name": "¿Cómo se llama el contenido? (hasta {limit} caracteres)",
    "description": "Descríbalo como Diana lo contaría (hasta {limit} caracteres).",
    "price": ("¿Qué precio tiene? Un número como 19.99 (hasta {limit}), o pulse «Gratuito»."),
    "category": "¿Dónde se muestra?",
}


class AdminContentProvider(Provider):
    area = "admin_content"

    def packages(
        self, *, packages: Sequence[PackageCard], page: Page, category: str = "all"
    ) -> Message:
        lines = [
            f"• {b(esc(p.name, 80))} · {words.CATEGORY_SHORT[p.category]} · "
            f"{money(p.price, p.currency)}" + ("" if p.active else f" · {i('inactivo')}")
            for p in packages
        ]
        filter = "" if category == "all" else category
        rows = [
            self.opens(
                ("" if p.active else "💤 ") + label_value(p.name, 40), S.CONTENT, p.id, page, filter
            )
            for p in packages
        ]
        return self.paged(
            "packages",
            f"🎁 <b>Catálogo</b> ({page.total})",
            lines,
            "El catálogo está vacío por ahora.",
            page,
            lambda n: self.cb(S.CONTENT, A.LIST, page=n, arg=category),
            above=[*rows, self.filter_row(S.CONTENT, CATEGORY_FILTERS, category)],
            below=[
                [self.admin_button("➕ Nuevo contenido", S.CONTENT, A.NEW)],
                [self.back_to(S.MAIN)],
            ],
        )

    def package(
        self, *, package: PackageCard, back_category: str = "", back_page: int = 0
    ) -> Message:
        p = package
        state = "visible" if p.active else "oculto (desactivado)"
        return self.message(
            "package",
            f"🎁 {b(esc(p.name, 100))}",
            esc(p.description, 1500) or i("Sin descripción."),
            f"Categoría: {words.category(p.category)}\n"
            f"Precio: {b(money(p.price, p.currency))}\n"
            f"Estado: {state}",
            keyboard=keyboard(
                [
                    self.admin_button("✏️ Nombre", S.CONTENT, A.EDIT, id=p.id, arg="name"),
                    self.admin_button(
                        "✏️ Descripción", S.CONTENT, A.EDIT, id=p.id, arg="description"
                    ),
                ],
                [
                    self.admin_button("✏️ Precio", S.CONTENT, A.EDIT, id=p.id, arg="price"),
                    self.admin_button("✏️ Categoría", S.CONTENT, A.EDIT, id=p.id, arg="category"),
                ],
                [
                    self.admin_button(
                        "💤 Desactivar" if p.active else "✅ Reactivar",
                        S.CONTENT,
                        A.TOGGLE,
                        id=p.id,
                    )
                ],
                [
                    self.admin_button(
                        "⬅️ Volver", S.CONTENT, A.LIST, page=back_page, arg=back_category
                    )
                ],
            ),
        )

    def ask(
        self,
        *,
        field: PackageField,
        package_id: int = 0,
        step: int | None = None,
        total: int | None = None,
        current: str | None = None,
    ) -> Message:
        """A create-wizard step (``package_id=0``, ``step``/``total``) or an edit prompt."""
        prompt = _PROMPT[field].format(limit=LIMITS.get(field, 0))
        head = f"<i>Paso {step} de {total}</i>" if step and total else None
        if current is not None and field == "price":
            current = number(current)  # "19,99", as every price is shown
        now = f"Valor actual: {b(esc(current, 200))}" if current is not None else None
        extra = None
        if field == "category":
            extra = [
                [
                    self.admin_button(
                        words.CATEGORY[c], S.CONTENT, A.SET_CATEGORY, id=package_id, arg=c
                    )
                ]
                for c in CATEGORIES
            ]
        elif field == "price":
            extra = [[self.admin_button("🎁 Gratuito", S.CONTENT, A.SET_FREE, id=package_id)]]
        return self.message(
            f"ask_{field}",
            head,
            prompt,
            now,
            keyboard=keyboard(*(extra or []), [self.cancel(S.CONTENT)]),
        )

    def draft_confirm(self, *, draft: PackageDraft) -> Message:
        price = "gratuito" if draft.free else money(draft.price, draft.currency)
        category = words.category(draft.category) if draft.category else "—"
        return self.message(
            "draft_confirm",
            "¿Añado este contenido al catálogo?",
            f"{b(esc(draft.name or '—', 100))}\n"
            f"{esc(draft.description or '', 1500) or i('Sin descripción.')}\n\n"
            f"Categoría: {category}\nPrecio: {b(price)}",
            keyboard=keyboard(
                [self.admin_button("✅ Añadir", S.CONTENT, A.SAVE), self.cancel(S.CONTENT)]
            ),
        )

    def created(self, *, package: PackageCard) -> Message:
        return self.message(
            "created",
            self.pick(
                "created",
                ("Añadido al catálogo.", "Listo: ya forma parte del catálogo de Diana."),
            ),
            f"{b(esc(package.name, 100))} · {words.category(package.category)} · "
            f"{money(package.price, package.currency)}",
            keyboard=keyboard(
                [self.admin_button("🎁 Ver", S.CONTENT, A.VIEW, id=package.id)],
                [self.admin_button("➕ Otro más", S.CONTENT, A.NEW)],
                [self.admin_button("⬅️ Catálogo", S.CONTENT, A.LIST)],
            ),
        )

    def edited(self, *, package: PackageCard, field: PackageField) -> Message:
        what = {
            "name": "El nombre",
            "description": "La descripción",
            "price": "El precio",
            "category": "La categoría",
        }[field]
        return self.message(
            "edited",
            f"{what} de {b(esc(package.name, 100))} ya está al día.",
            keyboard=keyboard([self.admin_button("🎁 Ver", S.CONTENT, A.VIEW, id=package.id)]),
        )

    def toggle_confirm(self, *, package: PackageCard) -> Message:
        if package.active:
            question = (
                f"¿Desactivo {b(esc(package.name, 100))}? Dejará de mostrarse a los miembros y "
                "visitantes; los intereses ya registrados se conservan."
            )
            label = "💤 Sí, desactivar"
        else:
            question = f"¿Reactivo {b(esc(package.name, 100))}? Volverá a mostrarse de inmediato."
            label = "✅ Sí, reactivar"
        return self.message(
            "toggle_confirm",
            question,
            keyboard=keyboard(
                [
                    # arg: the state asked for, so a double tap cannot flip it back.
                    self.admin_button(
                        label,
                        S.CONTENT,
                        A.TOGGLE_OK,
                        id=package.id,
                        arg="off" if package.active else "on",
                    ),
                    self.admin_button("No", S.CONTENT, A.VIEW, id=package.id),
                ]
            ),
        )

    def toggled(self, *, package: PackageCard) -> Alert:
        text = "🎩 Reactivado: vuelve a mostrarse." if package.active else "🎩 Desactivado."
        return self.alert("toggled", text)
