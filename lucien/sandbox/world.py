"""The sandbox's Telegram world: what a person can do there, as Telegram would report it.

Every action changes the double the way Telegram's own servers would change and returns the
Update JSON Telegram would then send to the bot (``chat_member``, ``chat_join_request``, a
message, a button press). Whoever called the action delivers those updates to the webhook:
the chat page in the browser posts them to ``/webhook`` itself, the story driver posts
them in-process. Nothing here touches the bot's database; the bot learns of the world
only through updates, exactly as in production.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

from lucien import clock
from lucien.settings import SANDBOX_OWNER_ID
from lucien.telegram.double import TelegramDouble, TgUser
from lucien.telegram.double.objects import JSON, PARTICIPANT_STATUSES

VIP_CHANNEL: Final = -1002000000001
FREE_CHANNEL: Final = -1002000000002
#: The bot rights the sandbox lets one switch off, to watch the calibration check notice.
ADJUSTABLE_RIGHTS: Final = ("can_invite_users", "can_restrict_members", "can_post_messages")


class SandboxError(ValueError):
    """An action Telegram itself would refuse (the page shows the reason)."""


@dataclass(frozen=True)
class Persona:
    key: str
    user: TgUser
    label: str

    def to_dict(self) -> JSON:
        return {
            "key": self.key,
            "id": self.user.id,
            "name": self.user.first_name,
            "label": self.label,
        }


def personas(owner_id: int | None) -> list[Persona]:
    """The owner and three people who arrive with no history: what they become is the story."""
    return [
        Persona("owner", TgUser(owner_id or SANDBOX_OWNER_ID, "Diana", username="diana"), "dueña"),
        Persona("visitor", TgUser(5001, "Ana", username="ana"), "visitante nueva"),
        Persona("vip", TgUser(5002, "Bruno", username="bruno"), "futuro miembro VIP"),
        Persona("free", TgUser(5003, "Carla", username="carla"), "futura miembro Free"),
    ]


class World:
    """Actions on the double that Telegram users (not the bot) would perform."""

    def __init__(self, double: TelegramDouble, owner_id: int | None) -> None:
        self.double = double
        self.people = {p.key: p for p in personas(owner_id)}
        self.owner = self.people["owner"].user
        # The double dates messages with the same moved clock the bot reads.
        double.now = lambda: time.time() + clock.shift().total_seconds()

    # ----------------------------------------------------------------- people

    def person(self, ref: str | int) -> TgUser:
        for persona in self.people.values():
            if ref in (persona.key, persona.user.id, str(persona.user.id)):
                return persona.user
        raise SandboxError(f"no conozco a la persona {ref!r}")

    # ----------------------------------------------------------------- channels

    def setup_channels(self, **rights: bool) -> list[JSON]:
        """Diana creates both channels and adds Lucien as an administrator of each."""
        updates = []
        for chat_id, title in ((VIP_CHANNEL, "El Diván"), (FREE_CHANNEL, "El Vestíbulo")):
            created = chat_id not in self.double.chats
            self.double.add_chat(chat_id, "channel", title=title)
            if created:
                self.double.set_owner(chat_id, self.owner)
            updates.extend(self.set_bot_rights(chat_id, **rights))
        return updates

    def set_bot_rights(self, chat_id: int, **rights: bool) -> list[JSON]:
        """Diana promotes Lucien (or changes its rights); Telegram tells the bot."""
        chat = self._channel(chat_id)
        old = self.double.member_status(chat.id, self.double.bot_id)
        current = self.double.member(chat.id, self.double.bot_id)
        granted = {
            name: bool(
                rights.get(name, current.effective_rights().get(name, True) if current else True)
            )
            for name in ADJUSTABLE_RIGHTS
        }
        self.double.set_bot_admin(chat.id, **granted)
        full = self.double.member(chat.id, self.double.bot_id)
        assert full is not None
        return [
            self.double.updates.my_chat_member(
                chat.id,
                old,
                "administrator",
                from_user=self.owner,
                rights=full.effective_rights(),
            )
        ]

    def post(self, chat_id: int, text: str) -> JSON:
        """Diana posts in her channel (no update: the bot does not ask for channel posts)."""
        chat = self._channel(chat_id)
        if not text.strip():
            raise SandboxError("una publicación necesita algo de texto")
        message: JSON = {
            "message_id": self.double.allocate_message_id(chat.id),
            "date": self.double.date(),
            "chat": chat.to_dict(),
            "sender_chat": chat.to_dict(),
            "text": text.strip(),
        }
        self.double.store_message(message, from_bot=False)
        return message

    def forward_post(self, who: str | int, chat_id: int) -> list[JSON]:
        """Forward the channel's latest post to Lucien (how a channel is named to the bot)."""
        chat = self._channel(chat_id)
        posts = [m for m in self.double.messages(chat.id) if m.get("text")]
        post = posts[-1] if posts else self.post(chat.id, "Bienvenida al canal")
        return [
            self.double.updates.forwarded_channel_post(
                self.person(who),
                chat.id,
                chat.title or "",
                chat.username,
                text=str(post["text"]),
                channel_message_id=int(post["message_id"]),
            )
        ]

    def join(self, who: str | int, chat_id: int, link: str | None = None) -> list[JSON]:
        """Open an invite link (or ask to join): a member, or a pending join request."""
        chat = self._channel(chat_id)
        user = self.person(who)
        if self.double.is_participant(chat.id, user.id):
            raise SandboxError(f"{user.first_name} ya está en {chat.title}")
        if self.double.member_status(chat.id, user.id) == "kicked":
            raise SandboxError(f"{user.first_name} tiene vetada la entrada a {chat.title}")
        if link is None:
            return [self.double.join_request(chat.id, user)]
        known = chat.invite_links.get(link)
        if known is None:
            raise SandboxError("este enlace de invitación no es de este canal")
        if not known.usable(self.double.date()):
            raise SandboxError("este enlace de invitación ha caducado o ya se ha usado")
        if known.creates_join_request:
            return [self.double.join_request(chat.id, user, invite_link=link)]
        return [self.double.member_joins(chat.id, user, invite_link=link)]

    def join_by_url(self, who: str | int, url: str) -> list[JSON]:
        """Open a ``t.me/+…`` link wherever it was shown (a button, a message)."""
        link = self.double.find_invite_link(url)
        if link is None:
            raise SandboxError("Telegram no conoce este enlace de invitación")
        return self.join(who, link.chat_id, url)

    def leave(self, who: str | int, chat_id: int) -> list[JSON]:
        chat = self._channel(chat_id)
        user = self.person(who)
        if not self.double.is_participant(chat.id, user.id):
            raise SandboxError(f"{user.first_name} no está en {chat.title}")
        return [self.double.member_leaves(chat.id, user)]

    def pending(self) -> list[JSON]:
        """Updates the bot's own actions caused (approvals, bans), oldest first."""
        return self.double.take_updates()

    # ----------------------------------------------------------------- private chat

    def say(self, who: str | int, text: str) -> list[JSON]:
        if not text.strip():
            raise SandboxError("no se puede enviar un mensaje vacío")
        return [self.double.updates.message(self.person(who), text.strip())]

    def press(self, who: str | int, message_id: int, data: str) -> list[JSON]:
        """Press a button of a message Lucien sent this person."""
        user = self.person(who)
        stored = self.double.find_message(user.id, message_id)
        if stored is None or not stored.from_bot:
            raise SandboxError("ese mensaje ya no existe")
        offered = [
            b.get("callback_data")
            for row in (stored.message.get("reply_markup") or {}).get("inline_keyboard", [])
            for b in row
        ]
        if data not in offered:
            raise SandboxError("ese mensaje no tiene ese botón (o ya no lo tiene)")
        return [self.double.updates.callback(user, data, message_id=message_id)]

    # ----------------------------------------------------------------- Stars payments

    def checkout(self, who: str | int, message_id: int) -> list[JSON]:
        """Press "Pay" on an invoice Lucien sent: Telegram asks the bot to confirm."""
        user = self.person(who)
        stored = self.double.find_message(user.id, message_id)
        if stored is None or not stored.from_bot or "invoice" not in stored.message:
            raise SandboxError("ese mensaje no es una factura")
        return [self.double.checkout(user, stored.message)]

    def charge(self, who: str | int) -> list[JSON]:
        """Telegram charges the Stars of this person's latest checkout, if Lucien said yes."""
        user = self.person(who)
        mine = [c for c in self.double.stars.checkouts.values() if int(c.user["id"]) == user.id]
        if not mine or mine[-1].charge_id is not None:
            raise SandboxError("primero pulsa Pagar en una factura")
        checkout = mine[-1]
        paid = self.double.complete_checkout(checkout.id)
        if paid is None:
            reason = checkout.error_message or "Lucien did not answer in time"
            raise SandboxError(f"Telegram canceló el pago: {reason}")
        return [paid]

    # ----------------------------------------------------------------- clock

    @staticmethod
    def advance(seconds: float) -> float:
        if seconds <= 0 or seconds > 400 * 86400:
            raise SandboxError("adelanta el reloj entre 1 segundo y 400 días")
        return clock.advance(timedelta(seconds=seconds)).total_seconds()

    # ----------------------------------------------------------------- reading

    def channels(self) -> list[JSON]:
        out = []
        for chat_id, kind in ((VIP_CHANNEL, "vip"), (FREE_CHANNEL, "free")):
            chat = self.double.chats.get(chat_id)
            if chat is None:
                continue
            bot = self.double.member(chat_id, self.double.bot_id)
            rights = bot.effective_rights() if bot else {}
            out.append(
                {
                    "id": chat_id,
                    "kind": kind,
                    "title": chat.title,
                    "bot": {
                        "status": bot.status if bot else "left",
                        "rights": {name: bool(rights.get(name)) for name in ADJUSTABLE_RIGHTS},
                    },
                    "members": [
                        {
                            "id": uid,
                            "name": m.user.get("first_name"),
                            "status": m.status,
                            "is_bot": bool(m.user.get("is_bot")),
                        }
                        for uid, m in chat.members.items()
                    ],
                    "participants": sum(
                        1 for uid in chat.members if self.double.is_participant(chat_id, uid)
                    ),
                    "links": [
                        self.double.invite_link_dict(link)
                        | {"usable": link.usable(self.double.date())}
                        for link in chat.invite_links.values()
                    ],
                    "join_requests": [
                        {"id": uid, "name": r.user.get("first_name")}
                        for uid, r in chat.join_requests.items()
                    ],
                    "posts": self.double.messages(chat_id),
                }
            )
        return out

    def conversation(self, who: str | int) -> list[JSON]:
        """The private chat with Lucien as it stands: both sides, edits applied."""
        user = self.person(who)
        out = []
        for message in self.double.messages(user.id):
            sender = message.get("from") or {}
            out.append({**message, "outgoing": not sender.get("is_bot", False)})
        return out

    def membership(self, user_id: int) -> dict[str, str]:
        return {
            kind: self.double.member_status(chat_id, user_id)
            for chat_id, kind in ((VIP_CHANNEL, "vip"), (FREE_CHANNEL, "free"))
        }

    def is_in(self, chat_id: int, user_id: int) -> bool:
        return self.double.member_status(chat_id, user_id) in PARTICIPANT_STATUSES

    def _channel(self, chat_id: Any) -> Any:
        try:
            wanted = int(chat_id)
        except (TypeError, ValueError):
            raise SandboxError("el id de un canal es un número") from None
        chat = self.double.chats.get(wanted)
        if chat is None or chat.type != "channel":
            raise SandboxError("primero prepara los canales")
        return chat
