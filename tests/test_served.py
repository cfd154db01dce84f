"""The deployed shape: uvicorn serving functions.webhook:app, Telegram at TELEGRAM_API_URL.

Two real processes on loopback: a Bot API server (the project's double under uvicorn) and
the webhook function under uvicorn, configured only through the environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from lucien.db.migrations import upgrade
from lucien.telegram.double import TgUser, UpdateFactory
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[1]
SECRET = "served-secret"


def _wait(url: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 90  # a loaded 2-core machine can take this long to import
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "exited")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise TimeoutError(url)


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[str, str]]:
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'served.db'}"
    upgrade(db_url)
    tg_port, hook_port = free_port(), free_port()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("LUCIEN_", "REDIS", "DATABASE"))
    }
    tg = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import uvicorn; from lucien.telegram.double import TelegramDouble; "
            f"uvicorn.run(TelegramDouble().app, host='127.0.0.1', port={tg_port}, "
            "log_level='warning')",
        ],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
    )
    hook = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "functions.webhook:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(hook_port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={
            **env,
            "BOT_TOKEN": "123456:SERVED",
            "WEBHOOK_SECRET": SECRET,
            "DATABASE_URL": db_url,
            "TELEGRAM_API_URL": f"http://127.0.0.1:{tg_port}",
            "ADMIN_USER_IDS": "1",
        },
        stderr=subprocess.PIPE,
    )
    try:
        _wait(f"http://127.0.0.1:{tg_port}/_double/calls", tg)
        _wait(f"http://127.0.0.1:{hook_port}/health", hook)
        yield f"http://127.0.0.1:{tg_port}", f"http://127.0.0.1:{hook_port}"
    finally:
        for proc in (hook, tg):
            proc.terminate()
            proc.wait(timeout=10)


def _start_update(update_id: int) -> dict:
    return UpdateFactory(update_id).command(TgUser(4242, "Lucía"), "start")


def test_start_through_uvicorn_reaches_the_bot_api(servers: tuple[str, str]) -> None:
    telegram, webhook = servers
    wrong = httpx.post(
        f"{webhook}/webhook",
        json=_start_update(1),
        headers={"X-Telegram-Bot-Api-Secret-Token": "nope"},
    )
    assert wrong.status_code == 401
    assert [
        c for c in httpx.get(f"{telegram}/_double/calls").json() if c["method"] == "sendMessage"
    ] == []

    ok = httpx.post(
        f"{webhook}/webhook",
        json=_start_update(2),
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        timeout=30,
    )
    assert ok.status_code == 200, ok.text
    sent = [
        c for c in httpx.get(f"{telegram}/_double/calls").json() if c["method"] == "sendMessage"
    ]
    assert len(sent) == 1
    text = json.dumps(sent[0]["params"], ensure_ascii=False)
    assert "Lucien" in text and "Lucía" in text
    health = httpx.get(f"{webhook}/health")
    assert health.status_code == 200
