"""aiogram's types built on first use (``lucien.lazy_types``) validate and serialise exactly
as aiogram's own eager import builds them: every type and method in aiogram's lists, in
both directions, compared in fresh interpreters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
DUMP = Path(__file__).with_name("lazy_schema_dump.py")


def _python(
    code_or_file: str | Path, *, eager: bool = False, **extra_env: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "LUCIEN_EAGER_AIOGRAM"}
    env.update(extra_env)
    if eager:
        env["LUCIEN_EAGER_AIOGRAM"] = "1"
    args = [str(code_or_file)] if isinstance(code_or_file, Path) else ["-c", code_or_file]
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )


def _dump(*, eager: bool) -> dict[str, Any]:
    done = _python(DUMP, eager=eager)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def dumps() -> tuple[dict[str, Any], dict[str, Any]]:
    return _dump(eager=True), _dump(eager=False)


def test_every_type_and_method_builds_the_same_schema(dumps: tuple[dict, dict]) -> None:
    eager, lazy = dumps
    # Same lists in both directions: nothing lost, nothing added.
    assert set(eager["digests"]) == set(lazy["digests"])
    assert len(eager["digests"]) > 500  # aiogram's ~440 types and ~170 methods
    different = sorted(k for k in eager["digests"] if eager["digests"][k] != lazy["digests"][k])
    assert different == []


def test_the_import_builds_nothing_until_it_is_used(dumps: tuple[dict, dict]) -> None:
    eager, lazy = dumps
    assert eager["incomplete"] == [] and eager["deferred"] == []
    types_ = {k.removeprefix("aiogram.types.") for k in lazy["digests"] if ".types." in k}
    deferred = {name.rsplit(".", 1)[1] for name in lazy["deferred"]}
    # Every model in aiogram.types.__all__ was deferred (and only those).
    assert deferred == types_
    # Every type and method waits for its first use; only the methods' generic bases
    # (built before the deferral could apply) are complete.
    complete = set(lazy["digests"]) - set(lazy["incomplete"])
    assert complete == {f"aiogram.methods.{n}" for n in ("Request", "Response", "TelegramMethod")}


def test_an_untested_aiogram_version_stops_the_import() -> None:
    done = _python(
        "import lucien.lazy_types as lazy; lazy.TESTED_AIOGRAM = frozenset({'0.0'}); import aiogram"
    )
    assert done.returncode != 0
    assert "UntestedAiogram" in done.stderr and "tested with aiogram 0.0" in done.stderr


def test_the_health_function_never_imports_aiogram_nor_sqlalchemy() -> None:
    """Its cold start pays for neither (SQLAlchemy loads on its first request), even with
    a PostgreSQL URL whose ``sslmode`` the settings check at start."""
    done = _python(
        "import sys, functions.health\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'aiogram', 'sqlalchemy'}))",
        DATABASE_URL="postgresql://u@127.0.0.1:1/db?sslmode=require",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"


def test_the_deployed_webhook_never_imports_httpx() -> None:
    """With a real token the webhook talks to Telegram over aiohttp; httpx (and the rich,
    click and pygments its CLI extras pull in, ~0.15 s of a cold start) belongs to the tests'
    and the sandbox's injected transport only."""
    done = _python(
        "import sys, functions.webhook\n"
        "print(sorted(m for m in ('httpx', 'httpcore', 'rich', 'click') if m in sys.modules))",
        BOT_TOKEN="42:TEST",
        WEBHOOK_SECRET="s3cret",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"


def test_the_webhook_answers_with_the_types_it_built_on_first_use(tmp_path: Path) -> None:
    from lucien.db.migrations import upgrade

    url = f"sqlite:///{tmp_path}/lazy.db"
    upgrade(url)
    # A fresh process: import, one /start through the app, and only what it used was built.
    done = _python(
        "import asyncio, httpx, functions.webhook as fw\n"
        "from aiogram import types\n"
        "from lucien.lazy_types import deferred\n"
        "async def go():\n"
        "    t = httpx.ASGITransport(app=fw.app)\n"
        "    async with httpx.AsyncClient(transport=t, base_url='http://x') as c:\n"
        "        u = {'update_id': 1, 'message': {'message_id': 1, 'date': 1790000000,\n"
        "             'text': '/start', 'entities': [{'type': 'bot_command', 'offset': 0,\n"
        "             'length': 6}], 'chat': {'id': 9, 'type': 'private', 'first_name': 'A'},\n"
        "             'from': {'id': 9, 'is_bot': False, 'first_name': 'A'}}}\n"
        "        r = await c.post('/webhook', json=u)\n"
        "        assert r.status_code == 200, r.text\n"
        "asyncio.run(go())\n"
        "built = [c for c in deferred if c.__pydantic_complete__]\n"
        "print(types.Update.__pydantic_complete__, len(built), len(deferred))\n",
        DATABASE_URL=url,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    update_built, built, total = done.stdout.split()
    assert update_built == "True"
    assert 0 < int(built) < int(total) // 4


def test_message_is_built_once_before_the_types_that_embed_it() -> None:
    """Building ``Update`` first builds ``Message`` on its own, so ``Message``'s schema is
    generated once and reused (by ``Update``, ``Response[Message]``, the journal's dump)
    instead of inline in each of them."""
    done = _python(
        "import lucien.voice.message\n"  # builds LinkPreviewOptions at import
        "from aiogram import types\n"
        "print(types.LinkPreviewOptions.__pydantic_complete__,"
        " types.Message.__pydantic_complete__)\n"
        "types.Update.model_validate({'update_id': 1})\n"
        "print(types.Message.__pydantic_complete__)\n"
    )
    assert done.returncode == 0, done.stderr[-2000:]
    # A small type built early does not build Message; validating an Update does, first.
    assert done.stdout.split() == ["True", "False", "True"]
