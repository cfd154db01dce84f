"""The bot session's request middlewares, each wrapped around one Telegram call.

aiogram hands a request middleware the rest of the chain, the bot and the method. The
journal (``lucien.telegram.journal``), the flood retry (``lucien.telegram.retry``) and the
expired-callback guard (``lucien.telegram.redelivery``) each only decide what happens
around that one call, so they write :meth:`CallMiddleware.around` and aiogram's signature
lives here once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType

if TYPE_CHECKING:
    from aiogram import Bot

#: The call itself (the rest of the chain, then Telegram), made each time it is awaited.
#: Its answer is typed ``Any``: aiogram's chain says ``Response`` but hands back the result.
Call = Callable[[], Awaitable[Any]]


class CallMiddleware(BaseRequestMiddleware):
    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        return await self.around(lambda: make_request(bot, method), bot, method)

    async def around(self, call: Call, bot: Bot, method: TelegramMethod[Any]) -> Any:
        """What this middleware does around one call; ``call()`` makes it (again if need be)."""
        raise NotImplementedError
