"""The sandbox's HTTP face, mounted at ``/sandbox`` in sandbox mode only.

* ``GET /sandbox/`` — the chat page (static HTML, CSS and JS in ``static/``, no build step);
* ``/sandbox/api/…`` — the world's controls. Each action answers ``{"updates": [...]}``:
  the Update JSON Telegram would send the bot. The page then posts those updates to
  ``/webhook`` itself, so the page reaches Lucien only the way Telegram does;
* ``/sandbox/_double/…`` — the double's own inspection routes (calls, messages, reset).

Refusals Telegram itself would make (joining twice, a used link, a button that is gone)
answer 400 with the reason, and change nothing.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from lucien import clock
from lucien.runtime import Runtime
from lucien.sandbox.world import SandboxError, World
from lucien.telegram.double.objects import JSON

STATIC = Path(__file__).parent / "static"
MAX_BODY = 64 * 1024

Action = Callable[[World, JSON], Any]


def _int(body: JSON, name: str) -> int:
    try:
        return int(body[name])
    except (KeyError, TypeError, ValueError):
        raise SandboxError(f"{name} debe ser un número") from None


def _text(body: JSON, name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise SandboxError(f"{name} debe ser texto")
    return value


def _rights(body: JSON) -> dict[str, bool]:
    given = body.get("rights") or {}
    if not isinstance(given, dict):
        raise SandboxError("rights debe ser un objeto")
    return {str(k): bool(v) for k, v in given.items()}


def _no_update(_: object) -> list[JSON]:
    """Channel posts reach no one: the bot does not subscribe to ``channel_post``."""
    return []


#: POST /sandbox/api/<name>: what each control does to the world.
ACTIONS: dict[str, Action] = {
    "setup": lambda w, b: w.setup_channels(**_rights(b)),
    "rights": lambda w, b: w.set_bot_rights(_int(b, "chat_id"), **_rights(b)),
    "say": lambda w, b: w.say(_text(b, "persona"), _text(b, "text")),
    "press": lambda w, b: w.press(_text(b, "persona"), _int(b, "message_id"), _text(b, "data")),
    "forward": lambda w, b: w.forward_post(_text(b, "persona"), _int(b, "chat_id")),
    "join": lambda w, b: w.join(_text(b, "persona"), _int(b, "chat_id"), b.get("link") or None),
    "open_link": lambda w, b: w.join_by_url(_text(b, "persona"), _text(b, "url")),
    "leave": lambda w, b: w.leave(_text(b, "persona"), _int(b, "chat_id")),
    "post": lambda w, b: _no_update(w.post(_int(b, "chat_id"), _text(b, "text"))),
    "pending": lambda w, b: w.pending(),
    "checkout": lambda w, b: w.checkout(_text(b, "persona"), _int(b, "message_id")),
    "charge": lambda w, b: w.charge(_text(b, "persona")),
}


class SandboxApp:
    def __init__(self, runtime: Runtime) -> None:
        assert runtime.double is not None, "the sandbox needs the in-process double"
        self.runtime = runtime
        self.world = World(runtime.double, runtime.settings.owner_id)

    async def _body(self, request: Request) -> JSON:
        raw = await request.body()
        if len(raw) > MAX_BODY:
            raise SandboxError("petición demasiado grande")
        if not raw:
            return {}
        try:
            body = json.loads(raw)
        except ValueError:
            raise SandboxError("JSON no válido") from None
        if not isinstance(body, dict):
            raise SandboxError("envía un objeto JSON")
        return body

    def _guard(
        self, handler: Callable[[Request], Awaitable[Any]]
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                return JSONResponse(await handler(request))
            except SandboxError as exc:
                return JSONResponse({"ok": False, "error": str(exc)}, status_code=400)

        return endpoint

    async def action(self, request: Request) -> JSON:
        name = str(request.path_params["name"])
        act = ACTIONS.get(name)
        if act is None:
            raise SandboxError(f"acción desconocida: {name!r}")
        result = act(self.world, await self._body(request))
        return {"ok": True, "updates": result}

    async def clock_forward(self, request: Request) -> JSON:
        body = await self._body(request)
        try:
            seconds = float(body.get("seconds", 0))
        except (TypeError, ValueError):
            raise SandboxError("seconds debe ser un número") from None
        return {"ok": True, "shift_seconds": self.world.advance(seconds)}

    async def cron(self, request: Request) -> JSON:
        from lucien.jobs.runner import run_cron

        summary = await run_cron(self.runtime)
        return {"ok": True, "summary": summary, "updates": self.world.pending()}

    async def story(self, request: Request) -> JSON:
        """One click: the stage (channels, calibration) and an invitation to redeem."""
        from lucien.sandbox.driver import Driver
        from lucien.sandbox.story import issue_invitation, set_the_stage

        await set_the_stage(Driver(self.runtime, self.world))
        invitation = await issue_invitation(self.runtime)
        return {"ok": True, "invitation": {"token": invitation.token, "link": invitation.link}}

    async def invitation(self, request: Request) -> JSON:
        from lucien.sandbox.story import issue_invitation

        invitation = await issue_invitation(self.runtime)
        return {"ok": True, "invitation": {"token": invitation.token, "link": invitation.link}}

    async def state(self, request: Request) -> JSON:
        persona = request.query_params.get("persona") or "owner"
        user = self.world.person(persona)
        secret = self.runtime.settings.webhook_secret
        return {
            "ok": True,
            "bot": {"id": self.world.double.bot_id, "username": self.world.double.bot_username},
            "personas": [
                p.to_dict() | {"in": self.world.membership(p.user.id)}
                for p in self.world.people.values()
            ],
            "persona": persona,
            "conversation": self.world.conversation(user.id),
            "channels": self.world.channels(),
            "toasts": self._take_toasts(user.id),
            "clock": {
                "now": clock.utcnow().isoformat(),
                "shift_seconds": clock.shift().total_seconds(),
            },
            # Sandbox mode only (production always has a real token): the page needs it
            # to post to /webhook as Telegram would.
            "webhook_secret": secret.get_secret_value() if secret else None,
        }

    def _take_toasts(self, user_id: int) -> list[JSON]:
        double = self.world.double
        prefix = str(user_id)
        mine = [
            a
            for a in double.callback_answers
            if str(a.get("callback_query_id", "")).startswith(prefix)
            and len(str(a["callback_query_id"])) == len(prefix) + 8  # the double's id shape
        ]
        for answer in mine:
            double.callback_answers.remove(answer)
        return [
            {"text": a["text"], "alert": bool(a.get("show_alert"))} for a in mine if a.get("text")
        ]

    def routes(self) -> list[Any]:
        async def index(request: Request) -> Response:
            return FileResponse(STATIC / "index.html")

        g = self._guard
        return [
            Route("/", index, methods=["GET"]),
            Route("/api/state", g(self.state), methods=["GET"]),
            Route("/api/clock", g(self.clock_forward), methods=["POST"]),
            Route("/api/cron", g(self.cron), methods=["POST"]),
            Route("/api/story", g(self.story), methods=["POST"]),
            Route("/api/invitation", g(self.invitation), methods=["POST"]),
            Route("/api/{name}", g(self.action), methods=["POST"]),
            Mount("/static", app=StaticFiles(directory=STATIC)),
            Mount("", app=self.world.double.app),  # /_double/… inspection routes
        ]


def create_sandbox_app(runtime: Runtime) -> Starlette:
    return Starlette(routes=SandboxApp(runtime).routes())


def mount_sandbox(app: Starlette, runtime: Runtime) -> None:
    """In sandbox mode only, the chat page and the world's controls at ``/sandbox/``.

    Only the local app (``lucien serve``) calls it: a deployed function never loads the
    sandbox.
    """
    if runtime.double is not None:
        app.router.routes.append(Mount("/sandbox", app=create_sandbox_app(runtime)))
