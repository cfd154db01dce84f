"""The sandbox chat page in a real browser: headless Chromium driven by selenium.

The app is served by uvicorn on a free port in sandbox mode (the in-process double, a
fresh SQLite file); the page talks to it over real HTTP, posting Update JSON to /webhook.
Without Debian's ``chromium`` and ``chromium-driver`` (or selenium) these tests skip with
the reason; in CI (``LUCIEN_REQUIRE_SERVICES=1`` or ``CI=true``) a missing browser fails.

``LUCIEN_SCREENSHOTS=<folder>`` saves the README's screenshots along the way.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from lucien import clock
from tests.conftest import free_port

IN_CI = os.environ.get("LUCIEN_REQUIRE_SERVICES") == "1" or os.environ.get("CI") == "true"
SCREENSHOTS = os.environ.get("LUCIEN_SCREENSHOTS")
WAIT = 30.0


def _missing_browser() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    for tool, package in (("chromium", "chromium"), ("chromedriver", "chromium-driver")):
        if shutil.which(tool) is None:
            return f"{tool} not found (apt-get install -y {package})"
    return None


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    from lucien.db.migrations import upgrade
    from lucien.runtime import Runtime
    from lucien.sandbox.cli import sandbox_settings
    from lucien.sandbox.web import mount_sandbox
    from lucien.web.cron import cron_routes
    from lucien.web.webhook import create_webhook_app

    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('sandbox') / 'lucien.db'}"
    upgrade(url)
    runtime = Runtime(sandbox_settings(url, webhook_secret="sandbox-secret", admin_user_ids=""))
    app = create_webhook_app(runtime)
    app.router.routes.extend(cron_routes())
    mount_sandbox(app, runtime)

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    clock.reset()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    problem = _missing_browser()
    if problem:
        if IN_CI:
            pytest.fail(f"{problem} (in CI the browser tests must run, not skip)")
        pytest.skip(problem)
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(shutil.which("chromium"))
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1440,900",
        "--lang=es",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(str(shutil.which("chromedriver"))), options=options)
    driver.set_page_load_timeout(WAIT)
    yield driver
    driver.quit()


def wait_for(condition: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + WAIT
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = condition()
            if result:
                return result
        except Exception as exc:  # the page is redrawing; try again
            last = exc
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what} ({last!r})")


class ChatPage:
    def __init__(self, driver: Any) -> None:
        from selenium.webdriver.common.by import By

        self.driver = driver
        self.by = By

    def css(self, selector: str) -> list[Any]:
        return list(self.driver.find_elements(self.by.CSS_SELECTOR, selector))

    def idle(self) -> None:
        wait_for(lambda: "busy" not in (self.css("body")[0].get_attribute("class") or ""), "idle")

    def click(self, selector: str) -> None:
        wait_for(lambda: self.css(selector), selector)[0].click()
        self.idle()

    def persona(self, key: str) -> None:
        self.click(f'li[data-persona="{key}"]')
        wait_for(
            lambda: "active" in self.css(f'li[data-persona="{key}"]')[0].get_attribute("class"), key
        )

    def send(self, text: str) -> None:
        box = self.css("#text")[0]
        box.clear()
        box.send_keys(text)
        self.click("#send")

    def bot_texts(self) -> list[str]:
        return [e.text for e in self.css("#messages .msg.in .text")]

    def button(self, label: str) -> Any:
        def find() -> Any:
            found = [b for b in self.css("#messages button.kb") if label in b.text]
            return found[-1] if found else None

        return wait_for(find, f"button {label!r}")

    def press(self, label: str) -> None:
        self.button(label).click()
        self.idle()

    def shot(self, name: str) -> None:
        if SCREENSHOTS:
            Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
            time.sleep(0.3)
            self.driver.save_screenshot(str(Path(SCREENSHOTS) / f"sandbox-{name}.png"))


def test_start_ritual_join_and_the_owner_sees_the_member(served: str, browser: Any) -> None:
    page = ChatPage(browser)
    browser.get(f"{served}/sandbox/")
    wait_for(lambda: page.css('li[data-persona="visitor"]'), "the personas")

    # A new visitor says /start and is greeted (the page posts the Update to /webhook).
    page.persona("visitor")
    page.send("/start")
    greeting = wait_for(lambda: page.bot_texts(), "the greeting")[-1]
    assert greeting.startswith("🎩 Lucien:") and "Ana" in greeting
    # Telegram HTML is rendered as Telegram does: bold is bold, never literal tags.
    assert page.css("#messages .msg.in .text b") and "<b>" not in greeting

    # Diana's stage: channels, Lucien as admin, calibration; an invitation to hand out.
    page.click("#stage")
    wait_for(lambda: page.css('#invitation button[data-open-as="visitor"]'), "the invitation")
    page.click('#invitation button[data-open-as="visitor"]')

    # The ritual: each press edits or answers in place, ending with the personal link.
    page.press("Continuar")
    before = len(page.css("#messages .msg.in"))
    page.press("Acepto")
    wait_for(lambda: page.button("Entrar al Diván"), "the personal link")
    assert len(page.css("#messages .msg.in")) <= before + 1
    page.shot("ritual")
    page.press("Entrar al Diván")  # a URL button: opening the invite link joins the channel
    wait_for(lambda: "👑 Diván" in page.css('li[data-persona="visitor"]')[0].text, "Ana inside")
    wait_for(lambda: any("enlace personal" in t for t in page.bot_texts()), "the welcome")

    # The owner's panel shows the member; section changes edit the panel in place.
    page.persona("owner")
    page.send("/admin")
    page.press("Círculo VIP")
    count = len(page.css("#messages .msg.in"))
    page.press("Miembros")
    assert len(page.css("#messages .msg.in")) == count  # edited, not a new message
    wait_for(lambda: "Ana · Mensual" in page.bot_texts()[-1], "Ana in the member list")
    page.shot("owner-panel")

    # The channel's own view: members, the bot's rights, the used personal link.
    page.click("li[data-channel]")
    wait_for(lambda: "Ana" in page.css("#members")[0].text, "Ana among the members")
    assert page.css('#rights input[data-right="can_invite_users"]')[0].is_selected()
    page.shot("channel")


def test_telegram_entities_render_as_telegram_shows_them(served: str, browser: Any) -> None:
    """The page's renderer, run in the browser on text + entities as the double stores
    them (UTF-16 offsets, nesting, a hostile name that must stay text)."""
    from lucien.telegram.double.formatting import parse_html

    browser.get(f"{served}/sandbox/")
    wait_for(lambda: browser.execute_script("return typeof LucienRender"), "the renderer")
    source = (
        "<b>Hola <i>&lt;b&gt;Ana&amp;</i></b> 👑 <tg-spoiler>secreto</tg-spoiler> "
        '<a href="https://t.me/+abc">entrar</a> <code>-1001</code>\n<blockquote>cita</blockquote>'
    )
    text, entities = parse_html(source)
    html = browser.execute_script(
        "return LucienRender.render(arguments[0], arguments[1])", text, entities
    )
    assert html.startswith("<b>Hola <i>&lt;b&gt;Ana&amp;</i></b> 👑 ")
    assert '<span class="spoiler" title="Spoiler: clic para mostrar">secreto</span>' in html
    assert '<a href="https://t.me/+abc" data-url="https://t.me/+abc">entrar</a>' in html
    assert "<code>-1001</code>" in html and "<blockquote>cita</blockquote>" in html
    # A bare link in plain text is linked, as Telegram does; never twice inside a link.
    plain = browser.execute_script(
        "return LucienRender.render(arguments[0], [])", "ver https://t.me/+x"
    )
    assert plain == 'ver <a href="https://t.me/+x" data-url="https://t.me/+x">https://t.me/+x</a>'
