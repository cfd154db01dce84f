"""Press every button reachable from /admin, the VIP menu and the Free menu.

On seeded data (channels, plans, invitations in every state, members active, expiring and
expired, packages of every category, interests, join requests), a breadth-first crawl
presses each distinct button once through the webhook. Every press must be answered 200,
must answer its callback query, and must never land in the fallback ("no longer
available" / "reserved") — that would be a button nobody handles. Destructive
confirmations are pressed last, so they cannot hide screens from the crawl.

A button's kind is its data without the id and page (see ``_kind``); the argument stays in
it, because for most actions it says what the button does (a list's filter, the field an
edit asks for, a network). On a detail button the argument is the list it was opened from,
so "Volver" returns there: subscribers and interests carried their filter this way before
the codebase-shape refactor (261 admin presses, with diagnostics), and the content
catalogue does since "Back keeps its place" (issue 9). Its three category filters add
three kinds of detail button, pressed three times each: 270 admin presses, every one
handled. Folding the list context into one kind here would drop the interests' and
subscribers' kinds too (far below 261) and stop pressing detail buttons that really are
different data; carrying no context would make Back lose its place. So the crawl keeps
counting them, and the count is 261 + 9 by design. Telegram Stars then added nine presses
of its own (the payments section: its menu, its list, a payment, a refund and its
confirmation; each plan's "⭐ Estrellas" edit): 279. The
refactors since (issue 9's duplicate folds, ``IssueCB`` for the deadline buttons) kept
279, with nothing unhandled.
"""

from __future__ import annotations

from collections import Counter, deque
from datetime import timedelta
from decimal import Decimal
from typing import Any

from lucien.access.invitations import issue, revoke
from lucien.access.join_requests import record_request
from lucien.access.users import TelegramIdentity, touch_user
from lucien.db.models import Interest, Invitation, Subscription, utcnow
from lucien.services.packages import create_package
from lucien.telegram.double import TgUser
from lucien.voice import MemoryVariantHistory, Voice
from tests.conftest import Harness
from tests.factories import FREE, add_payment, configure, make_plan

VIP_USER = TgUser(id=6001, first_name="Valeria", username="valeria")
FREE_USER = TgUser(id=6002, first_name="Fabián", username="fabian")
MAX_PRESSES = 1200
PER_KIND = 3  # presses per kind of button (same factory, section, action and argument)


def _kind(data: str) -> str:
    """A button's kind: its data without the id and page (``a:s:view:17:2:`` → ``a:s:view::``)."""
    parts = data.split(":")
    if parts[0] == "a" and len(parts) >= 6:
        return ":".join([*parts[:3], parts[5]])
    if parts[0] == "i" and len(parts) == 4:  # IssueCB: the plan is its id, the rest its argument
        return ":".join(["i", *parts[2:]])
    return ":".join(parts[:2])


def _destructive(data: str) -> bool:
    """Confirmations (``…_ok`` actions) end or destroy something: pressed last."""
    parts = data.split(":")
    return len(parts) > 2 and parts[2].endswith("_ok")


async def seed(app: Harness) -> None:
    runtime, now = app.runtime, utcnow()
    await configure(runtime, app.double, instagram_url="https://instagram.com/diana")
    monthly = await make_plan(runtime, "Mensual", 30)
    await make_plan(runtime, "Anual", 365)
    async with runtime.sessions.begin() as session:
        for who in (VIP_USER, FREE_USER, TgUser(id=6003, first_name="Eco")):
            await touch_user(session, TelegramIdentity(id=who.id, first_name=who.first_name))
        issued = await issue(session, monthly.id, count=6)
        await revoke(session, issued[0].id)
        used = await session.get(Invitation, issued[1].id)
        assert used is not None
        used.used_by, used.used_at = VIP_USER.id, now
        expired = await session.get(Invitation, issued[2].id)
        assert expired is not None
        expired.redeem_by = now - timedelta(days=1)
        session.add_all(
            [
                Subscription(
                    user_id=VIP_USER.id,
                    plan_id=monthly.id,
                    ends_at=now + timedelta(days=3),
                    status="active",
                    ritual_stage=4,
                ),
                Subscription(
                    user_id=6003,
                    plan_id=monthly.id,
                    ends_at=now - timedelta(days=2),
                    status="expired",
                    ritual_stage=4,
                ),
            ]
        )
        packages = []
        for category in ("FREE_CONTENT", "VIP_CONTENT", "VIP_PREMIUM"):
            for i in range(7):
                packages.append(
                    await create_package(
                        session,
                        name=f"{category.title()} {i}",
                        description="Preparado por Diana.",
                        price=None if i % 2 else Decimal("9.90"),
                        category=category,
                    )
                )
        await session.flush()
        session.add_all(
            [
                Interest(user_id=FREE_USER.id, package_id=packages[0].id, created_at=now),
                Interest(user_id=FREE_USER.id, package_id=None, created_at=now),
                Interest(
                    user_id=VIP_USER.id,
                    package_id=packages[8].id,
                    created_at=now,
                    attended_at=now,
                    attended_by=1001,
                ),
            ]
        )
        await record_request(session, FREE_USER.id, FREE)
    # A Stars payment, so the payments screens and the refund are pressed too.
    await add_payment(runtime, VIP_USER.id, plan=monthly, double=app.double)


def _callback_buttons(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    found = []
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if "callback_data" in button:
                found.append(button["callback_data"])
    return found


def _refusals() -> set[str]:
    voice = Voice(history=MemoryVariantHistory(), user_id=None)
    return {
        voice.common.stale().text,
        voice.common.not_authorized().text,
        voice.common.vip_only().text,
    }


async def crawl(app: Harness, who: TgUser, entry: str) -> set[str]:
    await app.send(app.updates.command(who, entry))
    refusals = _refusals()
    pressed: set[str] = set()
    queue: deque[tuple[int, str]] = deque()
    later: deque[tuple[int, str]] = deque()
    seen: set[str] = set()
    kinds: Counter[str] = Counter()
    destroyed = False

    def discover() -> None:
        for message in app.double.sent_messages(who.id):
            for data in _callback_buttons(message):
                if data in pressed or data in seen or kinds[_kind(data)] >= PER_KIND:
                    continue
                seen.add(data)
                kinds[_kind(data)] += 1
                (later if _destructive(data) else queue).append((message["message_id"], data))

    discover()
    while queue or later:
        assert len(pressed) < MAX_PRESSES, "the crawl does not converge"
        message_id, data = queue.popleft() if queue else later.popleft()
        if data in pressed:
            continue
        pressed.add(data)
        answers_before = len(app.double.callback_answers)
        response = await app.post(app.updates.callback(who, data, message_id=message_id))
        assert response.status_code == 200, (data, response.text)
        answers = app.double.callback_answers[answers_before:]
        assert answers, f"button {data!r} was not answered"
        destroyed = destroyed or _destructive(data)
        if not destroyed:
            assert answers[-1]["text"] not in refusals, f"button {data!r} fell through: {answers}"
        discover()
    return pressed


async def test_every_button_is_handled(app: Harness, owner: TgUser) -> None:
    await seed(app)
    # Members first: the admin crawl ends by confirming removals and deletions.
    vip_pressed = await crawl(app, VIP_USER, "/menu")
    free_pressed = await crawl(app, FREE_USER, "/menu")
    admin_pressed = await crawl(app, owner, "/admin")
    # The crawl really went deep: every admin section and the member screens were reached.
    sections = {data.split(":")[1] for data in admin_pressed if data.startswith("a:")}
    assert sections >= {"m", "d", "v", "t", "s", "p", "f", "c", "i", "u", "g", "o", "b", "y"}
    assert any(d.startswith("a:y:rfnd_ok:") for d in admin_pressed)  # a refund, confirmed
    assert len(admin_pressed) > 60
    print(f"crawled: admin {len(admin_pressed)}, vip {len(vip_pressed)}, free {len(free_pressed)}")
    assert any(d.startswith("v:") for d in vip_pressed)
    assert any(d.startswith("f:") for d in free_pressed)
    failed = [c for c in app.double.calls if not c.ok and c.method != "editMessageText"]
    assert not [c for c in failed if c.error_code and c.error_code >= 500], failed
