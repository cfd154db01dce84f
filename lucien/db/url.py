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
            url = replacement + url[len(prefix) :]
            if dialect_of(url) == "postgresql":
                ssl_from_url(url)  # an unknown sslmode is a configuration error at start
            return url
    scheme = url.split("://", 1)[0] if "://" in url else url[:20]
    raise DatabaseURLError(
        f"unsupported database scheme '{scheme}' (use postgresql:// or sqlite:///)"
    )


def dialect_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


_SSL_MODES = frozenset({"disable", "allow", "prefer", "require", "verify-ca", "verify-full"})


def ssl_from_url(url: str) -> tuple[str, str | bool]:
    """The URL without its ``sslmode``/``ssl`` parameter, and what to hand asyncpg.

    asyncpg's default is ``prefer``: every connection builds an ``SSLContext`` (loading
    the CA bundle) and asks the server for TLS first, even where the server has none —
    about a third of the client's work per connection here, on every request. So TLS is
    off unless the URL asks for it (``?sslmode=require``, ``verify-full``…, the libpq
    names, as Railway's and RDS's URLs spell them).
    """
    from sqlalchemy.engine import make_url  # SQLAlchemy is not for settings to import

    parsed = make_url(url)
    mode = parsed.query.get("sslmode", parsed.query.get("ssl"))
    if mode is None:
        return url, False
    if isinstance(mode, tuple) or mode not in _SSL_MODES:
        raise DatabaseURLError(f"unsupported sslmode {mode!r} (use one of {sorted(_SSL_MODES)})")
    stripped = parsed.difference_update_query(["sslmode", "ssl"])
    return stripped.render_as_string(hide_password=False), mode
