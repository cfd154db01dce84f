"""``DATABASE_URL`` as people write it → the async driver URL SQLAlchemy needs.

Railway and Heroku hand out ``postgres://``; people write ``sqlite:///``. Both are
rewritten to the async drivers this project uses (asyncpg, aiosqlite).
"""

from __future__ import annotations


class DatabaseURLError(ValueError):
    pass


_REWRITES = (
    ("postgres://", "postgresql+asyncpg://"),
    ("postgresql://", "postgresql+asyncpg://"),
    ("postgresql+psycopg2://", "postgresql+asyncpg://"),
    ("postgresql+asyncpg://", "postgresql+asyncpg://"),
    ("sqlite+aiosqlite://", "sqlite+aiosqlite://"),
    ("sqlite://", "sqlite+aiosqlite://"),
)


def normalize_database_url(url: str) -> str:
    url = url.strip()
    for prefix, replacement in _REWRITES:
        if url.startswith(prefix):
            return replacement + url[len(prefix) :]
    scheme = url.split("://", 1)[0] if "://" in url else url[:20]
    raise DatabaseURLError(
        f"unsupported database scheme '{scheme}' (use postgresql:// or sqlite:///)"
    )


def dialect_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"
