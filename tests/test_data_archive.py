"""``lucien export`` / ``lucien import``: a backup taken on one backend restores on the other
with equal checksums; a damaged archive, an unknown revision or a non-empty database is
refused and leaves the database as it was."""

from __future__ import annotations

import asyncio
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from lucien.data.archive import export_archive, import_archive
from lucien.data.schema import DataError
from lucien.db.migrations import expected_head
from tests.conftest import Backend, Harness
from tests.data_support import fresh_database, populate, prints_of
from tests.test_data_migrate import OTHER, run_cli


def _rewrite(archive: Path, member: str, change: Any) -> None:
    """Copy the archive with one member's bytes changed."""
    copy = archive.with_suffix(".tmp")
    with zipfile.ZipFile(archive) as old, zipfile.ZipFile(copy, "w") as new:
        for item in old.infolist():
            data = old.read(item)
            new.writestr(item, change(data) if item.filename == member else data)
    copy.replace(archive)


async def test_export_then_import_on_the_other_backend(
    app: Harness,
    backend: Backend,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await populate(app)
    archive = tmp_path / "backup.zip"
    monkeypatch.setenv("DATABASE_URL", backend.database_url)
    from lucien.settings import get_settings

    get_settings.cache_clear()
    try:
        code, exported = await run_cli(capsys, "export", str(archive))
        assert code == 0, exported
        assert exported["schema_revision"] == expected_head()
        source_prints = await prints_of(backend.database_url)
        manifest_prints = {
            t["name"]: {"rows": t["rows"], "checksum": t["checksum"]} for t in exported["tables"]
        }
        assert manifest_prints == source_prints

        async with fresh_database(OTHER[backend.name], tmp_path) as target:
            monkeypatch.setenv("DATABASE_URL", target)
            get_settings.cache_clear()
            code, imported = await run_cli(capsys, "import", str(archive))
            assert (code, imported["status"]) == (0, "ok"), imported
            assert imported["tables"] == source_prints
            assert await prints_of(target) == source_prints

            # Importing again over the restored data is refused unless forced.
            code, again = await run_cli(capsys, "import", str(archive))
            assert code == 2 and "not empty" in again["error"]
            code, forced = await run_cli(capsys, "import", "--force", str(archive))
            assert (code, forced["status"]) == (0, "ok")
            assert await prints_of(target) == source_prints
    finally:
        get_settings.cache_clear()


async def _small_archive(tmp_path: Path) -> tuple[Path, str]:
    from tests.test_data_migrate import _sqlite_at_head, _users

    source, path = await _sqlite_at_head(tmp_path)
    _users(
        path,
        *[
            (n, f"Persona {n}", None, None, "2026-01-01 00:00:00", "2026-01-01 00:00:00", 0, 0, 0)
            for n in range(1, 2501)
        ],
    )
    archive = tmp_path / "small.zip"
    manifest = await export_archive(source, archive, batch_size=100)
    users = next(t for t in manifest["tables"] if t["name"] == "users")
    assert users["rows"] == 2500
    return archive, source


async def test_a_damaged_archive_is_refused_and_restores_nothing(tmp_path: Path) -> None:
    archive, _ = await _small_archive(tmp_path)
    _rewrite(archive, "tables/users.jsonl", lambda b: b.replace(b'Persona 17"', b'Persona 71"'))
    target = f"sqlite+aiosqlite:///{tmp_path / 'restored.db'}"
    with pytest.raises(DataError, match=r"users.*the archive is damaged"):
        await import_archive(target, archive)
    prints = await prints_of(target)
    assert all(p["rows"] == 0 for p in prints.values())


async def test_a_revision_it_cannot_bridge_is_refused(tmp_path: Path) -> None:
    archive, _ = await _small_archive(tmp_path)

    def future(data: bytes) -> bytes:
        manifest = json.loads(data)
        manifest["schema_revision"] = "9999_from_the_future"
        return json.dumps(manifest).encode()

    _rewrite(archive, "manifest.json", future)
    target = tmp_path / "restored.db"
    with pytest.raises(DataError, match="9999_from_the_future, which this Lucien cannot bridge"):
        await import_archive(f"sqlite:///{target}", archive)
    assert not await asyncio.to_thread(target.exists)


async def test_not_an_archive_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.zip"
    with zipfile.ZipFile(junk, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(DataError, match="not a Lucien archive"):
        await import_archive(f"sqlite:///{tmp_path / 'x.db'}", junk)


def test_the_railway_backup_service_exports_daily_and_keeps_thirty() -> None:
    import tomllib

    root = Path(__file__).resolve().parents[1]
    config = tomllib.loads((root / "railway.backup.toml").read_text())
    deploy = config["deploy"]
    assert deploy["startCommand"].startswith("sh -c 'lucien export \"/backups/lucien-")
    assert "tail -n +31" in deploy["startCommand"]
    assert deploy["cronSchedule"] == "30 3 * * *" and deploy["restartPolicyType"] == "NEVER"
