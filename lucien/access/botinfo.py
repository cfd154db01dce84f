"""The bot's username (for deep links), from ``getMe`` and cached.

It holds no user state, so a warm process may keep it in memory; with Redis configured it
is also shared between processes with a TTL, so a renamed bot is picked up within the hour.
"""

from __future__ import annotations

import logging
import time

from redis.exceptions import RedisError

from lucien.runtime import Runtime

log = logging.getLogger(__name__)

TTL_SECONDS = 3600
_memory: dict[str, tuple[float, str]] = {}


def _bot_key(runtime: Runtime) -> str:
    return runtime.settings.token.split(":", 1)[0]


async def bot_username(runtime: Runtime) -> str:
    key = _bot_key(runtime)
    cached = _memory.get(key)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    redis = runtime.redis()
    redis_key = f"{runtime.settings.redis_prefix}bot:username:{key}"
    username: str | None = None
    if redis is not None:
        try:
            raw = await redis.get(redis_key)
            if raw:
                username = raw.decode() if isinstance(raw, bytes) else str(raw)
        except (RedisError, OSError):
            log.warning("redis unavailable for the bot username cache")
    if username is None:
        me = await runtime.bot.get_me()
        username = me.username or ""
        if redis is not None and username:
            try:
                await redis.set(redis_key, username, ex=TTL_SECONDS)
            except (RedisError, OSError):
                pass
    _memory[key] = (time.monotonic() + TTL_SECONDS, username)
    return username


def deep_link(username: str, token: str) -> str:
    return f"https://t.me/{username}?start={token}"
