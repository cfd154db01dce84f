"""Configuration: URL rewriting, production strictness, one line per problem, no secrets."""

from __future__ import annotations

import subprocess
import sys

import pytest

from lucien.db.url import DatabaseURLError, normalize_database_url
from lucien.settings import ConfigError, load_settings


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@h:5432/db", "postgresql+asyncpg://u:p@h:5432/db"),
        ("postgresql://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("sqlite:///./lucien.db", "sqlite+aiosqlite:///./lucien.db"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
    ],
)
def test_database_url_rewriting(given: str, expected: str) -> None:
    assert normalize_database_url(given) == expected


def test_unsupported_database_url() -> None:
    with pytest.raises(DatabaseURLError):
        normalize_database_url("mysql://root@localhost/db")


def test_defaults_are_local_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BOT_TOKEN", "DATABASE_URL", "REDIS_URL", "LUCIEN_ENV", "ADMIN_USER_IDS"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.sandbox
    assert settings.database_url == "sqlite+aiosqlite:///./lucien.db"
    assert settings.redis_url is None


def test_the_environment_is_read_by_name_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    monkeypatch.setenv("cron_time_budget_seconds", "12.5")
    monkeypatch.setenv("Lucien_Cron_Dry_Run", "yes")
    monkeypatch.setenv("UNRELATED_VARIABLE", "ignored")
    settings = load_settings(admin_user_ids="5,6")
    assert settings.redis_url == "redis://127.0.0.1:6379/3"
    assert settings.cron_time_budget_seconds == 12.5
    assert settings.lucien_cron_dry_run is True
    assert settings.admin_ids == (5, 6)
    # An explicit value wins over the environment; a bad one in the environment is a line.
    assert load_settings(redis_url="redis://h/1").redis_url == "redis://h/1"
    monkeypatch.setenv("UPDATE_LEASE_SECONDS", "soon")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert [line.split(":")[0] for line in caught.value.problems] == ["UPDATE_LEASE_SECONDS"]


def test_production_lists_every_problem_without_secrets() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(
            lucien_env="production",
            database_url="sqlite:///x.db",
            bot_token=None,
            webhook_secret=None,
            admin_user_ids="",
        )
    problems = caught.value.problems
    assert any("BOT_TOKEN" in p for p in problems)
    assert any("WEBHOOK_SECRET" in p for p in problems)
    assert any("PostgreSQL" in p for p in problems)
    assert len(problems) >= 3


def test_each_bad_field_is_its_own_line() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(
            admin_user_ids="12,abc", database_url="oracle://x", webhook_secret="bad secret!"
        )
    lines = caught.value.problems
    assert len(lines) == 3
    assert any(line.startswith("ADMIN_USER_IDS") for line in lines)
    assert any(line.startswith("DATABASE_URL") for line in lines)
    assert any(line.startswith("WEBHOOK_SECRET") for line in lines)
    assert "bad secret!" not in "\n".join(lines)


def test_the_cron_dry_run_switch_is_read_at_start() -> None:
    assert load_settings(lucien_cron_dry_run="").lucien_cron_dry_run is False
    assert load_settings(lucien_cron_dry_run=" yes ").lucien_cron_dry_run is True
    assert load_settings(lucien_cron_dry_run="0").lucien_cron_dry_run is False
    with pytest.raises(ConfigError) as caught:
        load_settings(lucien_cron_dry_run="maybe")
    (line,) = caught.value.problems
    assert line.startswith("LUCIEN_CRON_DRY_RUN: ") and "'maybe'" in line, line


def test_secrets_never_in_repr() -> None:
    settings = load_settings(bot_token="123:SUPERSECRET", webhook_secret="hush-hush")
    assert "SUPERSECRET" not in repr(settings)
    assert "hush-hush" not in repr(settings)


def test_admin_ids_and_owner() -> None:
    settings = load_settings(admin_user_ids=" 10, 20 ,30")
    assert settings.admin_ids == (10, 20, 30)
    assert settings.owner_id == 10


def test_process_stops_at_start_with_one_line_per_problem() -> None:
    env = {
        "LUCIEN_ENV": "production",
        "BOT_TOKEN": "123:VERYSECRETTOKEN",
        "DATABASE_URL": "sqlite:///x.db",
        "ADMIN_USER_IDS": "1",
        "PATH": "/usr/bin:/bin",
    }
    proc = subprocess.run(
        [sys.executable, "-c", "import functions.webhook"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.startswith("lucien: configuration")]
    assert len(lines) == 2, proc.stderr
    assert "VERYSECRETTOKEN" not in proc.stderr
