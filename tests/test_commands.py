"""The command menu registered with Telegram per role (setMyCommands with scopes)."""

from __future__ import annotations

from typing import Any

from lucien.access.users import TelegramIdentity, touch_user
from lucien.bot.commands import register_admin_commands, register_commands
from lucien.db.models import AdminGrant, utcnow
from lucien.runtime import Runtime
from lucien.telegram.double import METHODS, DoubleState, TelegramDouble
from lucien.telegram.double.errors import bad_request
from tests.conftest import ADMIN_ID, OWNER_ID

MEMBER = ["start", "menu", "help", "cancel"]


def names(commands: list[dict[str, str]]) -> list[str]:
    return [c["command"] for c in commands]


def chat(user_id: int) -> dict[str, object]:
    return {"type": "chat", "chat_id": user_id}


async def grant(runtime: Runtime, user_id: int, *, revoked: bool = False) -> None:
    async with runtime.sessions.begin() as session:
        await touch_user(session, TelegramIdentity(id=user_id, first_name="Custodio"))
        session.add(
            AdminGrant(
                user_id=user_id,
                granted_by=OWNER_ID,
                revoked_at=utcnow() if revoked else None,
                revoked_by=OWNER_ID if revoked else None,
            )
        )


async def test_default_scope_for_members_and_a_chat_scope_per_admin(
    runtime: Runtime, double: TelegramDouble
) -> None:
    await grant(runtime, 7001)
    await grant(runtime, 7002, revoked=True)
    await register_commands(runtime)

    default = double.my_commands()
    assert names(default) == MEMBER
    assert all(c["description"] for c in default)
    for admin_id in (OWNER_ID, ADMIN_ID, 7001):
        commands = names(double.my_commands(scope=chat(admin_id)))
        assert "admin" in commands and set(MEMBER) <= set(commands)
    assert double.my_commands(scope=chat(7002)) == []  # revoked: the default menu applies
    calls = double.calls_to("setMyCommands")
    assert len(calls) == 4 and all(c.ok for c in calls)


async def test_one_refused_admin_scope_does_not_stop_the_rest(
    runtime: Runtime, double: TelegramDouble
) -> None:
    original = METHODS["setMyCommands"]

    def refuse_the_owner(state: DoubleState, params: dict[str, Any]) -> Any:
        scope = params.get("scope") or {}
        if isinstance(scope, dict) and scope.get("chat_id") == OWNER_ID:
            raise bad_request("Bad Request: chat not found")
        return original(state, params)

    double.register("setMyCommands", refuse_the_owner)
    await register_commands(runtime)
    assert names(double.my_commands()) == MEMBER
    assert double.my_commands(scope=chat(OWNER_ID)) == []
    assert "admin" in names(double.my_commands(scope=chat(ADMIN_ID)))


async def test_grant_and_revoke_follow_the_admin_menu(
    runtime: Runtime, double: TelegramDouble
) -> None:
    await register_admin_commands(runtime, 7001, admin=True)
    assert "admin" in names(double.my_commands(scope=chat(7001)))
    await register_admin_commands(runtime, 7001, admin=False)
    assert double.my_commands(scope=chat(7001)) == []
