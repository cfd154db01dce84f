"""The sandbox: its controls answer with Telegram's updates, which reach Lucien only through
the webhook; refusals Telegram would make change nothing; the demo plays the whole story;
production never loads it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from lucien import clock
from lucien.sandbox.cli import cmd_demo
from lucien.sandbox.web import create_sandbox_app
from lucien.sandbox.world import FREE_CHANNEL, VIP_CHANNEL
from tests.conftest import SECRET, Harness


@pytest.fixture(autouse=True)
def real_time() -> Iterator[None]:
    clock.reset()
    yield
    clock.reset()


class Page:
    """What the chat page does: call a control, post its updates to /webhook, repeat."""

    def __init__(self, app: Harness, client: httpx.AsyncClient) -> None:
        self.app = app
        self.client = client

    async def api(self, name: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return await self.client.post(f"/api/{name}", json=body or {})

    async def act(self, name: str, **body: Any) -> dict[str, Any]:
        response = await self.api(name, body)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        await self.deliver(data.get("updates", []))
        return data

    async def deliver(self, updates: list[dict[str, Any]]) -> None:
        queue = list(updates)
        while queue:
            await self.app.send(queue.pop(0))
            queue.extend((await self.api("pending")).json()["updates"])

    async def state(self, persona: str) -> dict[str, Any]:
        response = await self.client.get("/api/state", params={"persona": persona})
        assert response.status_code == 200
        return dict(response.json())

    async def press(self, persona: str, label: str, kind: str = "callback_data") -> str:
        for message in reversed((await self.state(persona))["conversation"]):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for item in row:
                    if label in item["text"] and item.get(kind):
                        if kind == "url":
                            return str(item["url"])
                        await self.act(
                            "press",
                            persona=persona,
                            message_id=message["message_id"],
                            data=item[kind],
                        )
                        return str(item[kind])
        raise AssertionError(f"no button {label!r} for {persona}")


@pytest.fixture
async def page(app: Harness) -> AsyncIterator[Page]:
    sandbox = create_sandbox_app(app.runtime)
    transport = httpx.ASGITransport(app=sandbox)
    async with httpx.AsyncClient(transport=transport, base_url="http://lucien.test") as client:
        yield Page(app, client)


async def test_the_page_is_served_with_its_scripts(page: Page) -> None:
    index = await page.client.get("/")
    assert index.status_code == 200 and "sandbox.js" in index.text
    for name in ("sandbox.js", "render.js", "sandbox.css"):
        assert (await page.client.get(f"/static/{name}")).status_code == 200
    state = await page.state("owner")
    assert state["webhook_secret"] == SECRET  # the page posts to /webhook like Telegram
    assert [p["key"] for p in state["personas"]] == ["owner", "visitor", "vip", "free"]


async def test_the_whole_story_through_the_page_controls(page: Page) -> None:
    story = await page.act("story")
    token = story["invitation"]["token"]
    assert story["invitation"]["link"].endswith(f"?start={token}")
    await page.deliver((await page.api("pending")).json()["updates"])

    await page.act("say", persona="visitor", text=f"/start {token}")
    await page.press("visitor", "Continuar")
    await page.press("visitor", "Acepto")
    url = await page.press("visitor", "Entrar al Diván", "url")
    await page.act("open_link", persona="visitor", url=url)
    state = await page.state("visitor")
    assert state["personas"][1]["in"]["vip"] == "member"
    assert "He retirado su enlace personal" in state["conversation"][-1]["text"]

    # The personal link was for one person: a second use is refused and changes nothing.
    again = await page.api("open_link", {"persona": "vip", "url": url})
    assert again.status_code == 400 and "ha caducado o ya se ha usado" in again.json()["error"]
    assert (await page.state("vip"))["personas"][2]["in"]["vip"] == "left"

    await page.act("say", persona="owner", text="/admin")
    await page.press("owner", "Círculo VIP")
    await page.press("owner", "Miembros")
    assert "Ana · Mensual" in (await page.state("owner"))["conversation"][-1]["text"]


async def test_free_request_approved_after_the_clock_moves(page: Page) -> None:
    await page.act("story")
    await page.act("join", persona="free", chat_id=FREE_CHANNEL)
    assert "breve espera" in page.app.texts_to(5003)[-1]
    twice = await page.api("join", {"persona": "free", "chat_id": FREE_CHANNEL})
    assert twice.status_code == 200  # a second request replaces the first, as in Telegram

    before = clock.utcnow()
    moved = await page.act("clock", seconds=15 * 60)
    assert moved["shift_seconds"] == 900 and (clock.utcnow() - before).total_seconds() >= 900
    result = await page.act("cron")
    assert result["summary"]["totals"]["approved"] == 1
    state = await page.state("free")
    assert state["personas"][3]["in"]["free"] == "member"
    await page.act("leave", persona="free", chat_id=FREE_CHANNEL)
    assert (await page.state("free"))["personas"][3]["in"]["free"] == "left"


async def test_rights_can_be_taken_away_and_the_check_notices(page: Page) -> None:
    await page.act("story")
    data = await page.act("rights", chat_id=VIP_CHANNEL, rights={"can_invite_users": False})
    [update] = data["updates"]
    assert update["my_chat_member"]["new_chat_member"]["can_invite_users"] is False
    channel = next(c for c in (await page.state("owner"))["channels"] if c["id"] == VIP_CHANNEL)
    assert channel["bot"]["rights"]["can_invite_users"] is False
    await page.act("say", persona="owner", text="/admin")
    await page.press("owner", "Calibración")
    await page.press("owner", "Revisar Diván")
    assert "invitar usuarios" in (await page.state("owner"))["conversation"][-1]["text"]


@pytest.mark.parametrize(
    ("action", "body", "reason"),
    [
        ("join", {"persona": "visitor", "chat_id": VIP_CHANNEL}, "primero prepara los canales"),
        ("say", {"persona": "nobody", "text": "hola"}, "no conozco a la persona"),
        ("say", {"persona": "visitor", "text": "   "}, "mensaje vacío"),
        ("press", {"persona": "visitor", "message_id": 99, "data": "x"}, "ya no existe"),
        ("clock", {"seconds": -5}, "adelanta el reloj"),
        ("clock", {"seconds": "soon"}, "número"),
        ("nonsense", {}, "acción desconocida"),
    ],
)
async def test_refusals_are_clear_and_change_nothing(
    page: Page, action: str, body: dict[str, Any], reason: str
) -> None:
    response = await page.api(action, body)
    assert response.status_code == 400 and reason in response.json()["error"]
    assert page.app.double.calls == [] and clock.shift().total_seconds() == 0


async def test_a_button_that_is_not_offered_cannot_be_pressed(page: Page) -> None:
    await page.act("say", persona="visitor", text="/start")
    message = (await page.state("visitor"))["conversation"][-1]
    forged = await page.api(
        "press", {"persona": "visitor", "message_id": message["message_id"], "data": "adm:x"}
    )
    assert forged.status_code == 400 and "no tiene ese botón" in forged.json()["error"]


async def test_bad_bodies_are_refused(page: Page) -> None:
    for raw in (b"{", b"[1]", b"x" * 70_000):
        response = await page.client.post("/api/say", content=raw)
        assert response.status_code == 400


def test_demo_plays_the_whole_story(capsys: pytest.CaptureFixture[str]) -> None:
    assert cmd_demo(None) == 0  # type: ignore[arg-type]
    out = capsys.readouterr().out
    for moment in (
        "Diván (canal VIP): queda asociado a El Diván",
        "Ana › [Continuar ›]",
        "Ana in El Diván: left → member",
        "He retirado su enlace personal",
        "Ana · Mensual",
        "Carla asks to join El Vestíbulo",
        "Carla in El Vestíbulo: left → member",
        "'reminders': 1",
        "Ana in El Diván: member → kicked",
    ):
        assert moment in out, moment


def test_production_entries_never_load_the_sandbox() -> None:
    code = (
        "import sys, functions.webhook, functions.health, functions.cron_expiry;"
        "loaded = [m for m in sys.modules if m.startswith('lucien.sandbox')];"
        "assert not loaded, loaded"
    )
    env = {"BOT_TOKEN": "1:x", "WEBHOOK_SECRET": "s3cret", "CRON_SECRET": "s3cret-cron"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


async def _price_in_stars(page: Page, stars: int) -> None:
    """The story's plan sold for ``stars`` (as the panel or CLI would set)."""
    from sqlalchemy import update

    from lucien.db.models import Plan

    async with page.app.runtime.sessions.begin() as session:
        await session.execute(update(Plan).values(price_stars=stars))


async def _invoice_for_stars(page: Page) -> dict[str, Any]:
    """The story's stage, its plan at 250 Stars, and the invoice the VIP persona asks for."""
    await page.act("story")
    await _price_in_stars(page, 250)
    await page.act("say", persona="vip", text="/start")
    await page.press("vip", "círculo")
    await page.press("vip", "⭐ Mensual")
    return (await page.state("vip"))["conversation"][-1]


async def test_the_page_can_pay_an_invoice_with_stars(page: Page) -> None:
    invoice = await _invoice_for_stars(page)
    assert invoice["invoice"]["total_amount"] == 250

    await page.act("checkout", persona="vip", message_id=invoice["message_id"])
    await page.act("charge", persona="vip")
    conversation = (await page.state("vip"))["conversation"]
    assert any("successful_payment" in m for m in conversation)
    assert "Continuar" in str(conversation[-1].get("reply_markup"))  # the ritual begins

    again = await page.api("charge", {"persona": "vip"})  # that checkout is spent
    assert again.status_code == 400 and "pulsa Pagar" in again.json()["error"]


async def test_the_page_shows_why_a_payment_was_refused(page: Page) -> None:
    invoice = await _invoice_for_stars(page)
    await _price_in_stars(page, 300)
    await page.act("checkout", persona="vip", message_id=invoice["message_id"])
    refused = await page.api("charge", {"persona": "vip"})
    assert refused.status_code == 400
    assert "Telegram canceló el pago" in refused.json()["error"]
    assert "cambiaron" in refused.json()["error"]
    not_invoice = await page.api("checkout", {"persona": "vip", "message_id": 1})
    assert not_invoice.status_code == 400 and "no es una factura" in not_invoice.json()["error"]


async def test_the_driver_pays_and_the_transcript_says_so(app: Harness) -> None:
    from sqlalchemy import update

    from lucien.db.models import Plan
    from lucien.sandbox.driver import Driver
    from lucien.sandbox.story import issue_invitation, set_the_stage
    from lucien.sandbox.world import World

    driver = Driver(app.runtime, World(app.double, app.runtime.settings.owner_id))
    await set_the_stage(driver)
    await issue_invitation(app.runtime)
    async with app.runtime.sessions.begin() as session:
        await session.execute(update(Plan).values(price_stars=250))
    await driver.say("vip", "/start")
    await driver.press("vip", "círculo")
    await driver.press("vip", "⭐ Mensual")
    await driver.pay("vip")
    lines = "\n".join(driver.transcript.lines)
    assert "(invoice) El Diván · Mensual: 250 ⭐" in lines
    assert "Bruno › [Pay 250 ⭐]" in lines and "Bruno › (pays 250 ⭐)" in lines
    assert "Continuar" in lines
