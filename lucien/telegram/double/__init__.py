"""The project's Telegram Bot API double: an in-memory Telegram for one bot.

The local sandbox runs the bot against it instead of Telegram, and the tests fake Telegram
only at the HTTP boundary with it (``httpx.ASGITransport(app=double.app)``), so the real
aiogram client, request encoding and error handling are exercised.

Typical use::

    double = TelegramDouble()
    double.add_chat(-100123, "channel", title="El Diván")
    double.set_bot_admin(-100123)
    update = double.updates.command(TgUser(5001, "Ana"), "start", "token123")
    ...  # post ``update`` to the webhook app
    assert "Bienvenida" in double.last_message(5001)["text"]
    double.fail("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)

Modules: ``state`` (the world), ``methods`` (the Bot API method table), ``updates``
(Update JSON builders), ``server`` (HTTP, recording, fault injection), ``formatting``
(HTML parse mode), ``params`` (request decoding), ``objects`` (Bot API object shapes).
"""

from lucien.telegram.double.errors import BotApiError
from lucien.telegram.double.methods import METHODS, Handler, method
from lucien.telegram.double.objects import TgUser
from lucien.telegram.double.payments import PaymentResult
from lucien.telegram.double.server import (
    BadGatewayError,
    Call,
    Fault,
    NetworkFailureError,
    TelegramDouble,
)
from lucien.telegram.double.state import ChatState, DoubleState, InviteLink, Member
from lucien.telegram.double.updates import UpdateFactory

__all__ = [
    "METHODS",
    "BadGatewayError",
    "BotApiError",
    "Call",
    "ChatState",
    "DoubleState",
    "Fault",
    "Handler",
    "InviteLink",
    "Member",
    "NetworkFailureError",
    "PaymentResult",
    "TelegramDouble",
    "TgUser",
    "UpdateFactory",
    "method",
]
