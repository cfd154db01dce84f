"""What a warm process may keep between requests, and nothing more.

A ``Runtime`` holds objects without user state: settings, the engine (``NullPool``: no
connection outlives a request), the Bot with its HTTP client, a Redis client per event
loop, and in sandbox mode the in-process Telegram double. Everything a user did lives in
the database or Redis.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lucien.settings import Settings, get_settings

if TYPE_CHECKING:
    import httpx
    from aiogram import Bot
    from redis.asyncio import Redis
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from lucien.cache import UpdateContextCache
    from lucien.telegram.double import TelegramDouble

log = logging.getLogger(__name__)


class Runtime:
    def __init__(
        self,
        settings: Settings,
        *,
        telegram_transport: httpx.AsyncBaseTransport | None = None,
        double: TelegramDouble | None = None,
    ) -> None:
        # Imported here, not at the top: the health function imports this module and
        # should not pay for SQLAlchemy and httpx before its first request.
        import httpx

        from lucien.db.engine import create_engine, session_factory

        self.settings = settings
        self.engine: AsyncEngine = create_engine(settings.database_url)
        # Importing the cache registers the session events that invalidate it on commit.
        from lucien.cache import session_info

        self.sessions: async_sessionmaker[AsyncSession] = session_factory(
            self.engine, info=session_info(lambda: self.cache())
        )
        self.double = double
        if settings.sandbox and telegram_transport is None:
            if self.double is None:
                from lucien.telegram.double import TelegramDouble

                self.double = TelegramDouble()
            telegram_transport = httpx.ASGITransport(app=self.double.app)
        self._telegram_transport = telegram_transport
        self._bot: Bot | None = None
        self._redis: dict[int, Redis] = {}

    @property
    def bot(self) -> Bot:
        if self._bot is None:
            from aiogram import Bot
            from aiogram.client.default import DefaultBotProperties
            from aiogram.enums import ParseMode

            from lucien.telegram.journal import JournalMiddleware
            from lucien.telegram.redelivery import ExpiredCallbackMiddleware
            from lucien.telegram.retry import RetryAfterMiddleware
            from lucien.telegram.session import make_session

            session = make_session(self.settings.telegram_api_url, self._telegram_transport)
            session.middleware(JournalMiddleware())  # outermost: a replayed call waits for nothing
            session.middleware(RetryAfterMiddleware())
            session.middleware(ExpiredCallbackMiddleware())
            self._bot = Bot(
                self.settings.token,
                session=session,
                default=DefaultBotProperties(
                    parse_mode=ParseMode.HTML, link_preview_is_disabled=True
                ),
            )
        return self._bot

    def redis(self) -> Redis | None:
        """The Redis client for the running loop (pools are bound to a loop)."""
        if not self.settings.redis_url:
            return None
        loop_id = id(asyncio.get_running_loop())
        client = self._redis.get(loop_id)
        if client is None:
            from redis.asyncio import BlockingConnectionPool, Redis

            # A blocking pool: when every connection is busy a request waits briefly for
            # one instead of raising "Too many connections" — which the fallbacks would
            # read as "Redis is down" and quietly move the load to the database.
            pool = BlockingConnectionPool.from_url(
                self.settings.redis_url,
                max_connections=self.settings.redis_max_connections,
                timeout=self.settings.redis_pool_timeout_seconds,
                socket_connect_timeout=2,
                socket_timeout=5,
                health_check_interval=30,
                retry_on_timeout=False,
            )
            client = Redis.from_pool(pool)
            self._redis = {loop_id: client}  # a new loop means the old one is gone
        return client

    def cache(self) -> UpdateContextCache:
        """The configuration and role cache (Redis; without Redis every read is a miss)."""
        from lucien.cache import UpdateContextCache

        return UpdateContextCache(self.redis(), self.settings.redis_prefix)

    async def aclose(self) -> None:
        if self._bot is not None:
            await self._bot.session.close()
        # A client belongs to the loop that made it; one from another (finished) loop
        # cannot be closed from here and is simply dropped.
        client = self._redis.pop(id(asyncio.get_running_loop()), None)
        if client is not None:
            await client.aclose()
        self._redis.clear()
        await self.engine.dispose()


_default: Runtime | None = None


def get_runtime(**kwargs: Any) -> Runtime:
    """The process-wide runtime, created on first use from the environment."""
    global _default
    if _default is None:
        _default = Runtime(get_settings(), **kwargs)
    return _default


def runtime_provider(runtime: Runtime | Callable[[], Runtime] | None) -> Callable[[], Runtime]:
    """Apps take a runtime, a factory, or nothing (the process-wide one, made lazily)."""
    if runtime is None:
        return get_runtime
    if isinstance(runtime, Runtime):
        return lambda: runtime
    return runtime
