"""Deliver the sandbox world's updates to the webhook in-process, and write down what happened.

The driver is what ``lucien sandbox demo`` and the page's one-click scenes use: each action
of :class:`~lucien.sandbox.world.World` returns Update JSON, the driver posts it to the
real webhook app (secret, ledger, dispatcher, handlers) and then delivers the updates
Lucien's own calls caused (an approved request becomes a ``chat_member`` update), until
the world is quiet. A :class:`Transcript` turns the double's record into lines a person
can read: who said what, what Lucien sent, edited or answered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import httpx

from lucien.runtime import Runtime
from lucien.sandbox.world import SandboxError, World
from lucien.telegram.double.objects import JSON

_TAGLESS = re.compile(r"\s+")


def _short(text: str, width: int = 0) -> str:
    flat = _TAGLESS.sub(" ", text).strip()
    return flat if not width or len(flat) <= width else flat[: width - 1] + "…"


def button_rows(message: JSON) -> list[list[JSON]]:
    markup = message.get("reply_markup") or {}
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    return [list(row) for row in rows]


@dataclass
class Transcript:
    """Readable lines for every delivered update and what Lucien did about it."""

    world: World
    lines: list[str] = field(default_factory=list)
    _seen: dict[tuple[int, int], str] = field(default_factory=dict)

    def name_of(self, chat: JSON) -> str:
        return str(chat.get("title") or chat.get("first_name") or chat.get("id"))

    def incoming(self, update: JSON) -> None:
        if "message" in update:
            message = update["message"]
            who = message["from"]["first_name"]
            if "forward_origin" in message:
                origin = message["forward_origin"]["chat"]
                self.lines.append(f"{who} › (forwards a post from {origin.get('title')})")
            elif "successful_payment" in message:
                paid = message["successful_payment"]
                self.lines.append(f"{who} › (pays {paid['total_amount']} ⭐)")
            else:
                self.lines.append(f"{who} › {message.get('text', '')}")
        elif "callback_query" in update:
            query = update["callback_query"]
            label = next(
                (
                    b["text"]
                    for row in button_rows(query["message"])
                    for b in row
                    if b.get("callback_data") == query["data"]
                ),
                query["data"],
            )
            self.lines.append(f"{query['from']['first_name']} › [{label}]")
        elif "pre_checkout_query" in update:
            query = update["pre_checkout_query"]
            self.lines.append(f"{query['from']['first_name']} › [Pay {query['total_amount']} ⭐]")
        elif "chat_join_request" in update:
            req = update["chat_join_request"]
            self.lines.append(
                f"{req['from']['first_name']} asks to join {self.name_of(req['chat'])}"
            )
        elif "chat_member" in update:
            change = update["chat_member"]
            user = change["new_chat_member"]["user"]["first_name"]
            old = change["old_chat_member"]["status"]
            new = change["new_chat_member"]["status"]
            self.lines.append(f"· {user} in {self.name_of(change['chat'])}: {old} → {new}")
        elif "my_chat_member" in update:
            change = update["my_chat_member"]
            status = change["new_chat_member"]["status"]
            self.lines.append(f"· Lucien is now {status} of {self.name_of(change['chat'])}")

    def bot_output(self) -> None:
        """New and edited messages from Lucien since the last look, plus popup answers."""
        double = self.world.double
        for message in double.sent_messages():
            key = (int(message["chat"]["id"]), int(message["message_id"]))
            invoice = message.get("invoice")
            body = message.get("text") or message.get("caption") or ""
            if invoice is not None:
                body = f"(invoice) {invoice['title']}: {invoice['total_amount']} ⭐"
            buttons = [b["text"] for row in button_rows(message) for b in row]
            signature = body + "|" + "|".join(buttons)
            previous = self._seen.get(key)
            if previous == signature:
                continue
            self._seen[key] = signature
            verb = "sends" if previous is None else "edits"
            self.lines.append(f"Lucien {verb} → {self.name_of(message['chat'])}:")
            self.lines.extend("    " + line for line in body.splitlines() if line.strip())
            if buttons:
                self.lines.append("    " + "  ".join(f"[{b}]" for b in buttons))
        for answer in double.callback_answers:
            if answer.get("text"):
                kind = "alert" if answer.get("show_alert") else "toast"
                self.lines.append(f"Lucien ({kind}): {answer['text']}")
        double.callback_answers.clear()

    def note(self, text: str) -> None:
        self.lines.append("")
        self.lines.append(f"— {text}")


class Driver:
    """Posts updates to the webhook app exactly as Telegram would, in-process."""

    def __init__(self, runtime: Runtime, world: World) -> None:
        from lucien.web.webhook import create_webhook_app

        self.runtime = runtime
        self.world = world
        self.transcript = Transcript(world)
        self._app = create_webhook_app(runtime)
        self.transcript.bot_output()  # what was already said is not news

    async def deliver(self, updates: list[JSON]) -> None:
        """Deliver updates, then those Lucien's actions caused, until nothing is left."""
        headers = {}
        secret = self.runtime.settings.webhook_secret
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret.get_secret_value()
        transport = httpx.ASGITransport(app=self._app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
            queue = list(updates)
            while queue:
                update = queue.pop(0)
                self.transcript.incoming(update)
                response = await client.post("/webhook", json=update, headers=headers)
                if response.status_code != 200:
                    raise SandboxError(f"the webhook answered {response.status_code}")
                self.transcript.bot_output()
                queue.extend(self.world.pending())

    async def cron(self) -> dict[str, Any]:
        from lucien.jobs.runner import run_cron

        summary = await run_cron(self.runtime)
        self.transcript.lines.append(f"· cron: {summary['status']}, {summary['totals']}")
        self.transcript.bot_output()
        await self.deliver(self.world.pending())
        return summary

    # ------------------------------------------------------------------ conveniences

    async def say(self, who: str, text: str) -> None:
        await self.deliver(self.world.say(who, text))

    async def press(self, who: str, label: str) -> None:
        """Press the newest button in this person's chat whose label contains ``label``."""
        message_id, data = self.find_button(who, label, "callback_data")
        await self.deliver(self.world.press(who, message_id, data))

    async def pay(self, who: str) -> None:
        """Press "Pay" on the newest invoice in this person's chat, as Telegram walks it:
        the checkout question first, then (if Lucien said yes) the payment."""
        invoices = [m for m in self.world.conversation(who) if "invoice" in m]
        if not invoices:
            raise SandboxError(f"no invoice in {who}'s chat")
        await self.deliver(self.world.checkout(who, int(invoices[-1]["message_id"])))
        await self.deliver(self.world.charge(who))

    def find_button(self, who: str, label: str, kind: str = "callback_data") -> tuple[int, str]:
        for message in reversed(self.world.conversation(who)):
            for row in button_rows(message):
                for item in row:
                    if label in item["text"] and item.get(kind):
                        return int(message["message_id"]), str(item[kind])
        raise SandboxError(f"no button {label!r} in {who}'s chat")

    def last_text(self, who: str) -> str:
        mine = [m for m in self.world.conversation(who) if not m["outgoing"]]
        return str(mine[-1].get("text") or "") if mine else ""
