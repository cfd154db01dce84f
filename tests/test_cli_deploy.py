"""The deploy steps: ``lucien set-webhook`` and ``lucien webhook-info`` against the double."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

import lucien.runtime
import lucien.settings
from lucien.cli import ALLOWED_UPDATES, main
from lucien.runtime import Runtime
from lucien.telegram.double import TelegramDouble
from tests.conftest import Backend


@pytest.fixture
def deployed(sqlite_backend: Backend, monkeypatch: pytest.MonkeyPatch) -> Iterator[TelegramDouble]:
    env = {
        "BOT_TOKEN": "123456:DEPLOY",
        "WEBHOOK_SECRET": "deploy-secret",
        "PUBLIC_URL": "https://lucien.example.com/",
        "DATABASE_URL": sqlite_backend.database_url,
        "ADMIN_USER_IDS": "1001",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("RAILWAY_PUBLIC_DOMAIN", raising=False)
    lucien.settings.get_settings.cache_clear()
    double = TelegramDouble()

    def runtime_with_double() -> Runtime:
        settings = lucien.settings.get_settings()
        return Runtime(settings, telegram_transport=httpx.ASGITransport(app=double.app))

    monkeypatch.setattr(lucien.runtime, "get_runtime", runtime_with_double)
    yield double
    lucien.settings.get_settings.cache_clear()


def test_set_webhook_registers_url_secret_and_update_types(deployed: TelegramDouble) -> None:
    assert main(["set-webhook"]) == 0
    hook = deployed.webhook
    assert hook.url == "https://lucien.example.com/webhook"
    assert hook.secret_token == "deploy-secret"
    assert set(hook.allowed_updates or []) == set(ALLOWED_UPDATES)
    assert {"chat_member", "chat_join_request", "callback_query"} <= set(ALLOWED_UPDATES)
    call = deployed.calls_to("setWebhook")[-1]
    assert not call.params.get("drop_pending_updates")
    # The command lists per role went out in the same step.
    assert [c["command"] for c in deployed.my_commands()] == ["start", "menu", "help", "cancel"]


def test_webhook_info_prints_what_telegram_reports(
    deployed: TelegramDouble, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["set-webhook"]) == 0
    capsys.readouterr()
    deployed.set_pending_update_count(7)
    deployed.set_webhook_error("Wrong response from the webhook: 500 Internal Server Error")
    assert main(["webhook-info"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["url"] == "https://lucien.example.com/webhook"
    assert info["pending_update_count"] == 7
    assert "500" in info["last_error_message"]
    assert info["last_error_date"]


def test_set_webhook_needs_a_public_url(
    deployed: TelegramDouble, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PUBLIC_URL")
    lucien.settings.get_settings.cache_clear()
    assert main(["set-webhook"]) == 2
    assert "PUBLIC_URL" in capsys.readouterr().err
    assert deployed.calls_to("setWebhook") == []


def test_set_webhook_derives_the_url_from_railway_when_public_url_is_unset(
    deployed: TelegramDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PUBLIC_URL")
    monkeypatch.setenv("RAILWAY_PUBLIC_DOMAIN", "lucien-production.up.railway.app")
    lucien.settings.get_settings.cache_clear()
    assert main(["set-webhook"]) == 0
    assert deployed.webhook.url == "https://lucien-production.up.railway.app/webhook"


def test_public_url_wins_over_railway_domain(
    deployed: TelegramDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAILWAY_PUBLIC_DOMAIN", "other.up.railway.app")
    lucien.settings.get_settings.cache_clear()
    assert main(["set-webhook"]) == 0
    assert deployed.webhook.url == "https://lucien.example.com/webhook"
