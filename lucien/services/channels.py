"""The two channels: which chat each one is, and whether the bot can really manage it.

A channel is named by forwarding one of its posts to the bot (``forward_origin`` of type
channel), or by its numeric id or public ``@username`` (resolved with ``getChat``). Then
``getChatMember(chat, bot)`` tells whether the bot is an administrator with the rights the
product needs: invite users (personal links), restrict members (removals) and post
messages (broadcasts, in channels). The report names exactly what is missing.

Decision: a channel that resolves is **saved even when rights are missing**, and the admin
is told what to fix (the report offers "check again"). Refusing to save would only make the
creator repeat the whole step after promoting the bot; the dashboard and the calibration
menu keep showing the warning until the rights are there.

Telegram calls happen with no transaction open; saving is one short transaction.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Literal

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramNotFound
from aiogram.types import Message, MessageOriginChannel
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.access import audit
from lucien.access.config import get_config, update_config
from lucien.db.models import BotConfig
from lucien.voice.data import ChannelCard, ChannelKind, Right

log = logging.getLogger(__name__)

#: (right as the voice names it, ChatMemberAdministrator attribute, channels only)
RIGHTS: tuple[tuple[Right, str, bool], ...] = (
    ("invite", "can_invite_users", False),
    ("restrict", "can_restrict_members", False),
    ("post", "can_post_messages", True),
)
COLUMN: dict[str, str] = {"vip": "vip_channel_id", "free": "free_channel_id"}
KINDS: tuple[ChannelKind, ...] = ("vip", "free")

_NUMERIC = re.compile(r"^-?\d{5,20}$")
_USERNAME = re.compile(r"^(?:@|(?:https?://)?t\.me/)([A-Za-z][A-Za-z0-9_]{3,31})/?$")


@dataclass(frozen=True)
class ChannelRef:
    """What the admin gave: a chat id (forwarded post or number) or a public username."""

    chat_id: int | None = None
    username: str | None = None
    title: str | None = None
    forwarded: bool = False
    not_a_channel: bool = False

    @property
    def lookup(self) -> int | str:
        return self.chat_id if self.chat_id is not None else f"@{self.username}"

    @property
    def shown(self) -> str:
        return str(self.chat_id) if self.chat_id is not None else f"@{self.username}"


def parse_reference(message: Message) -> ChannelRef | None:
    """A forwarded post, ``-100…``, ``@name`` or ``t.me/name``; None when it is none of these."""
    origin = message.forward_origin
    if origin is not None:
        if isinstance(origin, MessageOriginChannel):
            return ChannelRef(chat_id=origin.chat.id, title=origin.chat.title, forwarded=True)
        return ChannelRef(not_a_channel=True)
    text = (message.text or "").strip()
    if not text or len(text) > 64:
        return None
    if _NUMERIC.match(text):
        return ChannelRef(chat_id=int(text))
    found = _USERNAME.match(text)
    if found:
        return ChannelRef(username=found.group(1))
    return None


@dataclass(frozen=True)
class Resolved:
    chat_id: int
    title: str | None
    type: str


async def resolve(bot: Bot, ref: ChannelRef) -> Resolved | None:
    """``getChat``: None when Telegram does not show the chat to the bot."""
    try:
        chat = await bot.get_chat(ref.lookup)
    except (TelegramBadRequest, TelegramForbiddenError, TelegramNotFound) as exc:
        log.info("channel %s not resolved: %s", ref.shown, exc)
        return None
    return Resolved(chat.id, chat.title, str(chat.type))


async def check_rights(
    bot: Bot, kind: ChannelKind, chat_id: int, *, title: str | None = None, is_channel: bool = True
) -> ChannelCard:
    """What the bot may do there; ``missing`` names each right it lacks."""
    me = await bot.me()
    everything = tuple(r for r, _, channel_only in RIGHTS if is_channel or not channel_only)
    try:
        member = await bot.get_chat_member(chat_id, me.id)
    except (TelegramBadRequest, TelegramForbiddenError, TelegramNotFound) as exc:
        log.info("rights in %s not readable: %s", chat_id, exc)
        return ChannelCard(kind, chat_id, title, missing=everything, is_admin=False)
    if member.status == "creator":
        return ChannelCard(kind, chat_id, title)
    if member.status != "administrator":
        return ChannelCard(kind, chat_id, title, missing=everything, is_admin=False)
    missing = tuple(
        right
        for right, attribute, channel_only in RIGHTS
        if (is_channel or not channel_only) and not getattr(member, attribute, False)
    )
    return ChannelCard(kind, chat_id, title, missing=missing)


async def inspect(bot: Bot, kind: ChannelKind, chat_id: int) -> ChannelCard:
    """The configured channel as it stands now (title from ``getChat`` when visible)."""
    title: str | None = None
    is_channel = True
    try:
        chat = await bot.get_chat(chat_id)
        title, is_channel = chat.title, chat.type == "channel"
    except (TelegramBadRequest, TelegramForbiddenError, TelegramNotFound):
        pass
    return await check_rights(bot, kind, chat_id, title=title, is_channel=is_channel)


def configured(config: BotConfig, kind: ChannelKind) -> int | None:
    value = getattr(config, COLUMN[kind])
    return int(value) if value is not None else None


def other_kind(kind: ChannelKind) -> ChannelKind:
    return "free" if kind == "vip" else "vip"


SaveOutcome = Literal["saved", "unchanged", "taken"]


async def save_channel(
    session: AsyncSession, kind: ChannelKind, chat_id: int, *, actor_id: int
) -> SaveOutcome:
    """Name ``chat_id`` as the VIP or Free channel (audited). ``taken``: it is already the
    other one (one chat cannot be both: the VIP door would remove the Free members)."""
    config = await get_config(session)
    if configured(config, other_kind(kind)) == chat_id:
        return "taken"
    before = configured(config, kind)
    if before == chat_id:
        return "unchanged"
    await update_config(session, **{COLUMN[kind]: chat_id})
    field = COLUMN[kind]
    await audit.change(
        session, "config.update", ("config", field), field, (before, chat_id), actor_id=actor_id
    )
    return "saved"
