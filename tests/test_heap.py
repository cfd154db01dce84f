"""The deployed webhook keeps its long-lived objects out of the garbage collector's walks
(``lucien.web.heap``): frozen once at import and once more after its first update, with the
collector off until then."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: What every probe starts with: the deployed entry imported (the collector still off),
#: and a ``/start`` to post.
ENTRY = """
import asyncio, gc, httpx
import functions.webhook as fw
after_import = gc.get_freeze_count()
assert not gc.isenabled(), 'the collector ran during import'
update = {'update_id': 1, 'message': {'message_id': 1, 'date': 1790000000, 'text': '/start',
          'entities': [{'type': 'bot_command', 'offset': 0, 'length': 6}],
          'chat': {'id': 9, 'type': 'private', 'first_name': 'A'},
          'from': {'id': 9, 'is_bot': False, 'first_name': 'A'}}}
"""


def deployed(tmp_path: Path, script: str) -> list[str]:
    """``script`` after ``ENTRY``, in a fresh interpreter on a migrated SQLite file: what
    it printed, word by word."""
    from lucien.db.migrations import upgrade

    url = f"sqlite:///{tmp_path}/heap.db"
    upgrade(url)
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "REDIS_URL")}
    env.update(DATABASE_URL=url, LOG_LEVEL="WARNING")
    done = subprocess.run(
        [sys.executable, "-c", ENTRY + script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split()


UPDATES = """
async def post(n):
    transport = httpx.ASGITransport(app=fw.app)
    async with httpx.AsyncClient(transport=transport, base_url='http://x') as client:
        r = await client.post('/webhook', json=dict(update, update_id=n))
        assert r.status_code == 200, r.text
asyncio.run(post(1))
after_first = gc.get_freeze_count()
assert gc.isenabled(), 'the collector stayed off after the first update'

asyncio.run(post(2))
print(after_import, after_first, gc.get_freeze_count())
"""


def test_the_deployed_webhook_freezes_its_heap_at_import_and_after_the_first_update(
    tmp_path: Path,
) -> None:
    after_import, after_first, after_second = map(int, deployed(tmp_path, UPDATES))
    # Import alone leaves hundreds of thousands of objects that will never be garbage.
    assert after_import > 100_000
    # The first update's schemas join them; later updates freeze nothing more (frozen
    # objects whose last reference goes are still freed, so the count may only drop).
    assert after_first > after_import
    assert after_second <= after_first


HEALTH_FIRST = """
async def main():
    transport = httpx.ASGITransport(app=fw.app)
    async with httpx.AsyncClient(transport=transport, base_url='http://x') as client:
        await client.get('/no-such-page')
        print(gc.isenabled())
        for path in ('/health', '/metrics'):
            await client.get(path)
        print(gc.isenabled())
        before = gc.get_freeze_count()
        r = await client.post('/webhook', json=update)
        assert r.status_code == 200, r.text
        print(gc.get_freeze_count() > before)
asyncio.run(main())
"""


def test_a_process_health_checked_before_its_first_update_collects_and_still_freezes(
    tmp_path: Path,
) -> None:
    """The collector waits for the first request of any kind, not only for an update (here
    a path that does not exist): a webhook process scraped or health-checked for days
    before its first update must not keep every cycle those requests left. And those
    requests do not use up the freeze after the first update, whose schemas are the other
    big batch."""
    assert deployed(tmp_path, HEALTH_FIRST) == ["True", "True", "True"]


def test_apps_made_in_tests_leave_the_collector_alone() -> None:
    import gc

    from lucien.web.webhook import create_webhook_app

    before = gc.get_freeze_count()
    create_webhook_app()
    assert gc.get_freeze_count() == before
