"""``DATABASE_URL`` as people write it → the async driver URL SQLAlchemy needs.

Railway and Heroku hand out ``postgres://``; people write ``sqlite:///``. Both are
rewritten to the async drivers this project uses (asyncpg, aiosqlite).
"""

from __future__ import annotations

from urllib.parse import unquote_plus, urlsplit, urlunsplit


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

    Read with the standard library, not SQLAlchemy's ``make_url``: settings validate the
    URL at every start, and the health function would otherwise import SQLAlchemy for it
    (~0.14 s of its cold start).
    """
    scheme, netloc, path, query, fragment = urlsplit(url)
    kept, modes = [], []
    for pair in query.split("&") if query else ():
        key, _, value = pair.partition("=")
        if unquote_plus(key) in ("sslmode", "ssl"):
            modes.append(unquote_plus(value))
        else:
            kept.append(pair)  # verbatim: the driver decodes it, as before
    if not modes:
        return url, False
    mode = modes[0]
    if len(modes) > 1 or mode not in _SSL_MODES:
        shown = tuple(modes) if len(modes) > 1 else mode
        raise DatabaseURLError(f"unsupported sslmode {shown!r} (use one of {sorted(_SSL_MODES)})")
    return urlunsplit((scheme, netloc, path, "&".join(kept), fragment)), mode
