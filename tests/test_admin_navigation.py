"""Navigation keeps its place: "Back" from a detail returns to the list page it came from.

Each paged list's buttons carry their page (and filter) to the detail, and the detail's
"Volver" carries them back. One subscription is told the same way on every screen.
"""

from __future__ import annotations

from datetime import timedelta

from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminSection as S
from lucien.db.models import utcnow
from lucien.services import admin_users, admin_vip
from lucien.telegram.double import TgUser
from tests.access_support import set_subscription
from tests.admin_support import cb
from tests.conftest import Harness
from tests.factories import add_subscription, add_user, make_package, make_plan


async def _back_to_page_two(app: Harness, owner: TgUser, first: str, detail_label: str) -> None:
    await app.send(app.updates.command(owner, "admin"))
    await app.press(owner, first)
    await app.press(owner, label="Siguiente")
    assert "Página 2 de 2" in app.text(owner)
    await app.press(owner, label=detail_label)
    assert "Página" not in app.text(owner)  # the detail
    await app.press(owner, label="Volver")
    assert "Página 2 de 2" in app.text(owner), app.text(owner)


async def test_back_from_a_subscriber_returns_to_its_page(app: Harness, owner: TgUser) -> None:
    plan = await make_plan(app.runtime)
    for n in range(10):
        await add_subscription(
            app.runtime, 6100 + n, timedelta(days=n + 1), plan_id=plan.id, first_name=f"Zoe{n}"
        )
    # the page is ordered by end date: the last two end latest
    await _back_to_page_two(app, owner, cb(S.SUBS, A.LIST, arg="active"), "Zoe9")
    assert "vencen" not in app.text(owner) and "activ" in app.text(owner).lower()


async def test_back_from_a_package_returns_to_its_page_and_category(
    app: Harness, owner: TgUser
) -> None:
    for n in range(10):
        await make_package(app.runtime, f"Postal {n:02d}", "VIP_CONTENT")
    await make_package(app.runtime, "Otra cosa", "FREE_CONTENT")
    await _back_to_page_two(app, owner, cb(S.CONTENT, A.LIST, arg="VIP_CONTENT"), "Postal")
    assert "Otra cosa" not in app.text(owner)  # still the category it was filtered by


async def test_one_subscription_one_status_on_every_screen(app: Harness) -> None:
    """A removal that failed is not "removed" (the member may still be in the channel) —
    on the subscriber's detail and on the person's profile alike."""
    await add_user(app.runtime, 6001, "Ana")
    sub_id = await add_subscription(app.runtime, 6001, timedelta(days=-2), status="expired")
    await set_subscription(
        app.runtime, sub_id, removed_at=utcnow(), removal_error="Bad Request: not enough rights"
    )
    async with app.runtime.sessions() as session:
        detail = await admin_vip.subscription(session, sub_id)
        card = await admin_users.get_card(session, app.runtime.settings, 6001)
        assert detail is not None and card is not None
        (profile,) = await admin_users.subscriptions_of(session, card)
    assert detail.status == profile.status == "expired"
