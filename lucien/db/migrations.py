"""Alembic, seen from the running code (health checks and ``lucien migrate``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


def _project_root() -> Path:
    """Where ``alembic.ini`` and ``migrations/`` are.

    Next to the package in a checkout or an editable install; the working directory when
    the package was installed into site-packages (Railway's build, a Lambda bundle), which
    is where the deploy puts them.
    """
    for candidate in (Path(__file__).resolve().parents[2], Path.cwd()):
        if (candidate / "alembic.ini").is_file() and (candidate / "migrations").is_dir():
            return candidate
    return Path.cwd()


ROOT = _project_root()
ALEMBIC_INI = ROOT / "alembic.ini"
SCRIPTS = ROOT / "migrations"


def alembic_config(database_url: str | None = None):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(SCRIPTS))
    if database_url:
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


@lru_cache(maxsize=1)
def expected_head() -> str | None:
    """The newest revision in ``migrations/``, read once per process."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(SCRIPTS)).get_current_head()


def upgrade(database_url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(database_url), revision)
