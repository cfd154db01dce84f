"""Every message read as a member would: no dead messages, Spanish prices, a way into the
Vestíbulo with every approval, a one-line renewal with a button that leads to it."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from lucien.db.models import BotConfig
from lucien.jobs.runner import run_cron
from lucien.telegram.double import TgUser
from lucien.voice import lint
from lucien.voice.markup import money, number
from tests.access_support import button, buttons, calls, end_in, rows
from tests.conftest import Harness
from tests.factories import FREE, configure

ROOT = Path(__file__).resolve().parents[1]

#: Messages written ahead of the code that will send them, each with the open issue that
#: wires it. Keep this as small as possible: anything else unused is deleted.
NOT_YET_SENT: dict[str, str] = {}
#: Where messages are only rendered for checking or previewing, not sent.
_TOOLS = {"samples.py", "lint.py", "preview.py", "cli.py"}


def _sending_code() -> dict[str, str]:
    sources = {}
    for path in (ROOT / "lucien").rglob("*.py"):
        if path.parent.name == "voice" and path.name in _TOOLS:
            continue
        sources[str(path.relative_to(ROOT))] = path.read_text(encoding="utf-8")
    return sources


def test_every_voice_message_is_sent_by_some_path() -> None:
    sources = _sending_code()
    unused = set()
    for provider, method, _ in lint.provider_methods():
        call = re.compile(rf"\b{provider}\s*\.\s*{method}\b")
        if not any(call.search(text) for text in sources.values()):
            unused.add(f"{provider}.{method}")

    from lucien.voice.providers.dashboard import WARNINGS

    service = sources["lucien/services/dashboard.py"].replace("{card.kind}", "{kind}")
    for code in WARNINGS:
        templated = re.sub(r"^(vip|free)_", "{kind}_", code)
        if f'"{code}"' not in service and f'f"{templated}"' not in service:
            unused.add(f"dashboard.WARNINGS.{code}")

    assert unused - set(NOT_YET_SENT) == set(), "send these messages or delete them"
    assert set(NOT_YET_SENT) - unused == set(), "now sent: remove them from NOT_YET_SENT"


def test_the_unused_message_check_can_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    from lucien.voice.providers.common import CommonProvider

    def orphan(self: CommonProvider) -> object:
        return self.message("orphan", "Nadie me envía.")

    monkeypatch.setattr(CommonProvider, "orphan_message", orphan, raising=False)
    with pytest.raises(AssertionError, match=r"common\.orphan_message"):
        test_every_voice_message_is_sent_by_some_path()


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("19.99"), "19,99 USD"),
        (Decimal("1250"), "1.250 USD"),
        (Decimal("1234.5"), "1.234,50 USD"),
        (Decimal("0.5"), "0,50 USD"),
        (0, "gratuito"),
        (None, "gratuito"),
    ],
)
def test_prices_follow_spanish_conventions(amount: Decimal | None, shown: str) -> None:
    assert money(amount) == shown


def test_numbers_match_the_stats() -> None:
    assert number(1234567) == "1.234.567" and number("19.99") == "19,99"
    assert number("gratuito") == "gratuito"


async def test_free_approval_carries_a_link_created_when_missing(app: Harness, ana: TgUser) -> None:
    await configure(app.runtime, app.double, free_wait_minutes=0)
    bruno = TgUser(id=5002, first_name="Bruno")
    for who in (ana, bruno):
        await app.send(app.double.join_request(FREE, who))
    await run_cron(app.runtime)

    [link] = await rows(app.runtime, select(BotConfig.free_invite_link))
    created = calls(app.double, "createChatInviteLink", chat_id=FREE)
    assert link in [c.result["invite_link"] for c in created]
    assert all(c.result["creates_join_request"] for c in created)  # a forwarded copy waits
    # Approvals handled at once may each make one; only the stored one stays usable.
    usable = [x for x in app.double.invite_links(FREE) if not x["is_revoked"]]
    assert [x["invite_link"] for x in usable if x.get("name") == "Vestíbulo"] == [link]
    for who in (ana, bruno):
        approved = app.double.last_message(who.id)
        assert link in [b.get("url") for b in buttons(approved)]


async def test_free_approval_uses_the_configured_link(app: Harness, ana: TgUser) -> None:
    await configure(
        app.runtime, app.double, free_wait_minutes=0, free_invite_link="https://t.me/+vestibulo"
    )
    await app.send(app.double.join_request(FREE, ana))
    await run_cron(app.runtime)
    assert calls(app.double, "createChatInviteLink") == []
    assert button(app.double.last_message(ana.id), "Vestíbulo")["url"] == "https://t.me/+vestibulo"


async def test_reminder_says_renewal_in_one_line_with_a_button_to_it(
    app: Harness, ana: TgUser
) -> None:
    from tests.test_cron import _member

    await configure(app.runtime, app.double, creator_username="diana")
    sub = await _member(app, ana)
    await end_in(app.runtime, sub.id, timedelta(hours=30))
    await run_cron(app.runtime)
    reminder = app.double.last_message(ana.id)
    assert reminder is not None
    lines = [line for line in reminder["text"].splitlines() if line.strip()]
    renewal = [line for line in lines if "renueva" in line.lower()]
    assert len(renewal) == 1 and len(renewal[0]) <= 100
    assert "custodios" not in reminder["text"]

    renew = button(reminder, "Renovar")
    await app.send(app.updates.callback(ana, renew["callback_data"]))
    screen = app.double.last_message(ana.id)
    assert screen is not None and any("Me interesa" in b["text"] for b in buttons(screen))
