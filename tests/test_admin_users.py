"""Admin panel · people, through the webhook: lists, search, profile, roles, blocks, removal."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import insert, select

from lucien.access.roles import Role, derive_role
from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminSection as S
from lucien.db.models import (
    AdminGrant,
    FSMRecord,
    Interest,
    InviteLink,
    JoinRequest,
    Package,
    Subscription,
    User,
    VoiceHistory,
    utcnow,
)
from lucien.telegram.double import TgUser
from tests.access_support import HOSTILE, calls, count, rows
from tests.admin_support import (
    add_personal_link,
    audit_of,
    button_data,
    cb,
    has_button,
    user_row,
    viewed_ids,
)
from tests.conftest import ADMIN_ID, OWNER_ID, Harness
from tests.factories import FREE, VIP, add_grant, add_subscription, add_user, configure, make_plan

BOB = TgUser(id=5002, first_name="Bob", username="bobby")
SECOND = TgUser(id=ADMIN_ID, first_name="Segundo", username="segundo")


async def _role(app: Harness, user_id: int) -> Role:
    async with app.runtime.sessions.begin() as session:
        return await derive_role(session, app.runtime.settings, user_id)


async def _seed_people(app: Harness) -> dict[str, set[int]]:
    """One of each kind; returns the expected ids per list."""
    rt = app.runtime
    base = utcnow() - timedelta(days=1)
    await add_user(rt, OWNER_ID, "Diana", "diana", seen_at=base)
    await add_user(rt, ADMIN_ID, "Segundo", seen_at=base)
    await add_user(rt, 6001, "Gala", "gala", seen_at=base)  # granted admin and VIP
    await add_grant(rt, 6001, OWNER_ID)
    await add_subscription(rt, 6001, ends_in=timedelta(days=20))
    await add_user(rt, 6002, "Vera", seen_at=base)  # VIP
    await add_subscription(rt, 6002, ends_in=timedelta(days=3))
    await add_user(rt, 6003, "Vito", seen_at=base, is_blocked=True)  # VIP, blocked
    await add_subscription(rt, 6003, ends_in=timedelta(hours=2))
    await add_user(rt, 6004, "Eva", seen_at=base)  # period still "active" but over
    await add_subscription(rt, 6004, ends_in=timedelta(hours=-1))
    await add_user(rt, 6005, "Elio", seen_at=base)  # expired period
    await add_subscription(rt, 6005, ends_in=timedelta(days=-5), status="expired")
    await add_user(rt, 6006, "Rita", seen_at=base)  # revoked grant
    await add_grant(rt, 6006, OWNER_ID, revoked=True)
    free = {6004, 6005, 6006}
    for k in range(13):
        await add_user(rt, 7000 + k, f"Visitante {k}", seen_at=base - timedelta(minutes=k))
        free.add(7000 + k)
    await add_user(rt, 7100, "Blanca", seen_at=base, is_blocked=True)
    free.add(7100)
    return {
        "admin": {OWNER_ID, ADMIN_ID, 6001},
        "vip": {6002, 6003},
        "free": free,
        "blocked": {6003, 7100},
    }


async def _walk(app: Harness, who: TgUser, role: str) -> tuple[int, list[int]]:
    """Every page of one list through its buttons: (total in the header, ids seen)."""
    await app.press(who, cb(S.USERS, A.LIST, arg=role))
    message = app.screen(who)
    header = re.search(r"\((\d+)\)", message["text"])
    assert header, message["text"]
    seen = viewed_ids(message)
    pages = 1
    while has_button(message, "Siguiente"):
        await app.press(who, button_data(message, "Siguiente"))
        message = app.screen(who)
        seen.extend(viewed_ids(message))
        pages += 1
        assert pages < 10
    return int(header.group(1)), seen


async def test_counts_agree_with_the_paginated_lists(app: Harness, owner: TgUser) -> None:
    expected = await _seed_people(app)
    await app.press(owner, cb(S.USERS))
    menu = app.text(owner)
    shown = {
        "admin": int(re.search(r"Custodios: (\d+)", menu).group(1)),  # type: ignore[union-attr]
        "vip": int(re.search(r"Círculo: (\d+)", menu).group(1)),  # type: ignore[union-attr]
        "free": int(re.search(r"Jardín: (\d+)", menu).group(1)),  # type: ignore[union-attr]
        "blocked": int(re.search(r"Bloqueados: (\d+)", menu).group(1)),  # type: ignore[union-attr]
    }
    total = int(re.search(r"En total: (\d+)", menu).group(1))  # type: ignore[union-attr]
    assert total == len(await rows(app.runtime, select(User.id)))
    for role, ids in expected.items():
        header, seen = await _walk(app, owner, role)
        assert len(seen) == len(set(seen)), f"{role}: a person on two pages"
        assert set(seen) == ids, role
        assert header == shown[role] == len(seen), role
    # The SQL derivation agrees with the one the bot uses when handling an update.
    for role in ("admin", "vip", "free"):
        for user_id in expected[role]:
            assert (await _role(app, user_id)).value == role, user_id
    assert shown["admin"] + shown["vip"] + shown["free"] == total


async def test_search_wizard_continues_across_requests(app: Harness, owner: TgUser) -> None:
    await add_user(app.runtime, 5001, "Ana", "ana")
    await add_user(app.runtime, 5003, "Anabel", "anabel_r")
    await add_user(app.runtime, 5004, HOSTILE, "hostil")
    await app.press(owner, cb(S.USERS, A.FIND))
    assert "número de Telegram" in app.text(owner)

    await app.say(owner, "hola mundo!")  # neither an id nor a username
    app.shows(owner, "64", "@nombre")
    assert has_button(app.screen(owner), "Cancelar")

    await app.say(owner, "@ANA")  # a separate request: the wizard is still waiting
    found = app.screen(owner)
    assert viewed_ids(found)[:2] == [5001, 5003]  # the exact match first

    await app.say(owner, "@ana")  # the wizard is over: not taken as a search
    assert viewed_ids(app.screen(owner)) == []

    await app.press(owner, cb(S.USERS, A.FIND))
    await app.say(owner, "5004")
    found = app.screen(owner)
    assert viewed_ids(found) == [5004]
    assert HOSTILE in found["text"]  # escaped: shown literally

    await app.press(owner, cb(S.USERS, A.FIND))
    assert "No encuentro" in await app.say(owner, "@nadie_aqui")


async def test_cancel_leaves_the_search(app: Harness, owner: TgUser) -> None:
    await add_user(app.runtime, 5001, "Ana", "ana")
    await app.press(owner, cb(S.USERS, A.FIND))
    await app.press(owner, cb(S.USERS, A.CANCEL))
    assert "Personas" in app.text(owner)
    await app.say(owner, "@ana")
    assert viewed_ids(app.screen(owner)) == []
    await app.press(owner, cb(S.USERS, A.FIND))
    await app.send(app.updates.command(owner, "cancel"))
    await app.say(owner, "@ana")
    assert viewed_ids(app.screen(owner)) == []


async def test_profile_tabs(app: Harness, owner: TgUser) -> None:
    rt = app.runtime
    plan = await make_plan(rt, name="Trimestral", days=90)
    await add_user(rt, BOB.id, "Bob", "bobby")
    await add_subscription(rt, BOB.id, ends_in=timedelta(days=30), plan_id=plan.id)
    async with rt.sessions.begin() as session:
        package = (
            await session.execute(
                insert(Package)
                .values(name="Sesión privada", category="VIP_CONTENT", description="x")
                .returning(Package.id)
            )
        ).scalar_one()
        await session.execute(insert(Interest).values(user_id=BOB.id, package_id=package))
        await session.execute(insert(Interest).values(user_id=BOB.id, package_id=None))
    for _ in range(6):  # 12 audit entries about Bob → two pages
        await app.press(owner, cb(S.USERS, A.BLOCK_OK, id=BOB.id))
        await app.press(owner, cb(S.USERS, A.UNBLOCK_OK, id=BOB.id))

    await app.press(owner, cb(S.USERS, A.VIEW, id=BOB.id, arg="sum"))
    summary = app.screen(owner)
    assert "Bob" in summary["text"] and str(BOB.id) in summary["text"]
    assert "miembro del círculo" in summary["text"]
    assert has_button(summary, "Dar la custodia")  # the owner sees it
    assert has_button(summary, "Bloquear") and has_button(summary, "Borrar sus datos")

    await app.press(owner, cb(S.USERS, A.VIEW, id=BOB.id, arg="sub"))
    assert "Trimestral" in app.text(owner) and "vigente" in app.text(owner)

    await app.press(owner, cb(S.USERS, A.VIEW, id=BOB.id, arg="aud"))
    first = app.screen(owner)
    assert (
        first["text"].count("recibió un bloqueo") + first["text"].count("recuperó el acceso") == 10
    )
    assert "Página 1 de 2" in first["text"]
    await app.press(owner, button_data(first, "Siguiente"))
    second = app.text(owner)
    assert second.count("recibió un bloqueo") + second.count("recuperó el acceso") == 2
    assert "por Diana" in second

    await app.press(owner, cb(S.USERS, A.VIEW, id=BOB.id, arg="int"))
    app.shows(owner, "Sesión privada", "Círculo")

    answer = await app.press(owner, cb(S.USERS, A.VIEW, id=999999, arg="sum"))
    assert "No encuentro" in (answer["text"] or "")


async def test_owner_grants_and_revokes_admin(app: Harness, owner: TgUser, ana: TgUser) -> None:
    await app.send(app.updates.command(ana, "start"))
    assert await _role(app, ana.id) is Role.FREE

    await app.press(owner, cb(S.USERS, A.GRANT, id=ana.id))
    assert "¿Concedo la custodia" in app.text(owner)
    await app.press(owner, button_data(app.screen(owner), "Sí, conceder"))
    assert "comparte ahora la custodia" in app.text(owner)
    assert await _role(app, ana.id) is Role.ADMIN
    # A double tap (or an old button) grants nothing more.
    answer = await app.press(owner, cb(S.USERS, A.GRANT_OK, id=ana.id))
    assert "nada que cambiar" in (answer["text"] or "")
    assert await count(app.runtime, AdminGrant, AdminGrant.revoked_at.is_(None)) == 1
    (grant,) = await audit_of(app.runtime, "admin.grant")
    assert (grant.actor_id, grant.target_id) == (OWNER_ID, str(ana.id))
    assert grant.before == {"role": "free"} and grant.after == {"role": "admin"}
    commands = app.double.my_commands(scope={"type": "chat", "chat_id": ana.id})
    assert "admin" in [c["command"] for c in commands]  # the new custodian's menu follows

    await app.press(owner, cb(S.USERS, A.UNGRANT_OK, id=ana.id))
    assert "ya no tiene la custodia" in app.text(owner)
    assert await _role(app, ana.id) is Role.FREE
    (revoke,) = await audit_of(app.runtime, "admin.revoke")
    assert revoke.before == {"role": "admin"} and revoke.after == {"role": "free"}
    assert app.double.my_commands(scope={"type": "chat", "chat_id": ana.id}) == []

    # Granted again after a revocation: a new active grant (the old one stays revoked).
    await app.press(owner, cb(S.USERS, A.GRANT_OK, id=ana.id))
    assert await _role(app, ana.id) is Role.ADMIN
    assert await count(app.runtime, AdminGrant) == 2


async def test_only_the_owner_grants_and_never_on_himself(
    app: Harness, owner: TgUser, ana: TgUser
) -> None:
    await add_user(app.runtime, ana.id, "Ana", "ana")
    await add_user(app.runtime, BOB.id, "Bob", "bobby")
    await add_grant(app.runtime, BOB.id, OWNER_ID)

    # The second env admin is an admin, but not the owner.
    for action, target in ((A.GRANT, ana.id), (A.GRANT_OK, ana.id), (A.UNGRANT_OK, BOB.id)):
        answer = await app.press(SECOND, cb(S.USERS, action, id=target))
        assert "Solo la dueña" in (answer["text"] or "")
    await app.press(SECOND, cb(S.USERS, A.VIEW, id=ana.id, arg="sum"))
    assert not has_button(app.screen(SECOND), "Dar la custodia")
    assert await _role(app, ana.id) is Role.FREE
    assert await _role(app, BOB.id) is Role.ADMIN

    answer = await app.press(owner, cb(S.USERS, A.UNGRANT_OK, id=OWNER_ID))
    assert "sobre sí mismo" in (answer["text"] or "")
    answer = await app.press(owner, cb(S.USERS, A.UNGRANT_OK, id=ADMIN_ID))
    assert "por disposición de Diana" in (answer["text"] or "")
    assert await _role(app, OWNER_ID) is Role.ADMIN and await _role(app, ADMIN_ID) is Role.ADMIN
    assert await audit_of(app.runtime) == []


async def test_forged_admin_callbacks_from_a_visitor_change_nothing(
    app: Harness, ana: TgUser
) -> None:
    await add_user(app.runtime, BOB.id, "Bob", "bobby")
    await app.send(app.updates.command(ana, "start"))
    for data in (
        cb(S.USERS, A.GRANT_OK, id=ana.id),
        cb(S.USERS, A.BLOCK_OK, id=OWNER_ID),
        cb(S.USERS, A.BLOCK_OK, id=BOB.id),
        cb(S.USERS, A.KICK_OK, id=BOB.id),
        cb(S.USERS, A.WIPE_OK, id=BOB.id),
        cb(S.USERS, A.VIEW, id=BOB.id, arg="aud"),
        cb(S.USERS, A.LIST, arg="vip"),
    ):
        answer = await app.press(ana, data)
        assert "custodios" in (answer["text"] or ""), data
    assert await count(app.runtime, AdminGrant) == 0
    bob = await user_row(app.runtime, BOB.id)
    assert bob is not None and not bob.is_blocked
    assert await audit_of(app.runtime) == []
    assert "Bob" not in " ".join(m.get("text", "") for m in app.double.sent_messages(ana.id))


async def test_block_ignores_the_user_with_one_notice(app: Harness, owner: TgUser) -> None:
    await app.send(app.updates.command(BOB, "start"))
    await app.press(owner, cb(S.USERS, A.BLOCK, id=BOB.id))
    assert "¿Bloqueo" in app.text(owner)
    await app.press(owner, cb(S.USERS, A.BLOCK_OK, id=BOB.id))
    assert "He bloqueado a" in app.text(owner)
    (entry,) = await audit_of(app.runtime, "user.block")
    assert entry.before == {"is_blocked": False} and entry.after == {"is_blocked": True}

    before = len(app.double.sent_messages(BOB.id))
    await app.send(app.updates.command(BOB, "start"))
    await app.send(app.updates.message(BOB, "hola"))
    await app.send(app.updates.command(BOB, "menu"))
    after = app.double.sent_messages(BOB.id)[before:]
    assert len(after) == 1  # the one notice

    await app.press(owner, cb(S.USERS, A.UNBLOCK_OK, id=BOB.id))
    assert "vuelve a tener las puertas abiertas" in app.text(owner)
    await app.send(app.updates.command(BOB, "start"))
    assert len(app.double.sent_messages(BOB.id)) == before + 2  # answered again

    # A new block earns one new notice.
    await app.press(owner, cb(S.USERS, A.BLOCK_OK, id=BOB.id))
    await app.send(app.updates.message(BOB, "¿hola?"))
    await app.send(app.updates.message(BOB, "¿hola??"))
    assert len(app.double.sent_messages(BOB.id)) == before + 3
    actions = [e.action for e in await audit_of(app.runtime)]
    assert actions == ["user.block", "user.unblock", "user.block"]


async def test_admins_cannot_be_blocked(app: Harness, owner: TgUser) -> None:
    await add_user(app.runtime, ADMIN_ID, "Segundo")
    await add_user(app.runtime, BOB.id, "Bob", "bobby")
    await add_grant(app.runtime, BOB.id, OWNER_ID)
    for target in (ADMIN_ID, BOB.id):
        for action in (A.BLOCK, A.BLOCK_OK, A.KICK_OK, A.WIPE_OK):
            answer = await app.press(owner, cb(S.USERS, action, id=target))
            assert "por disposición de Diana" in (answer["text"] or ""), (target, action)
    answer = await app.press(SECOND, cb(S.USERS, A.BLOCK_OK, id=ADMIN_ID))
    assert "sobre sí mismo" in (answer["text"] or "")
    blocked = await rows(app.runtime, select(User.id).where(User.is_blocked.is_(True)))
    assert blocked == [] and await audit_of(app.runtime) == []
    assert await count(app.runtime, User, User.id == BOB.id) == 1


async def _member_in_both_channels(app: Harness) -> tuple[int, str]:
    await configure(app.runtime, app.double)
    plan = await make_plan(app.runtime)
    await app.send(app.updates.command(BOB, "start"))
    sub_id = await add_subscription(
        app.runtime, BOB.id, ends_in=timedelta(days=12), plan_id=plan.id
    )
    app.double.set_member(VIP, BOB)
    app.double.set_member(FREE, BOB)
    link = await add_personal_link(app.runtime, BOB.id, sub_id)
    async with app.runtime.sessions.begin() as session:
        await session.execute(
            insert(JoinRequest).values(
                user_id=BOB.id, chat_id=FREE, requested_at=utcnow(), status="pending"
            )
        )
    return sub_id, link


async def test_remove_from_channels(app: Harness, owner: TgUser) -> None:
    sub_id, link = await _member_in_both_channels(app)
    assert await _role(app, BOB.id) is Role.VIP
    app.double.clear_calls()

    await app.press(owner, cb(S.USERS, A.KICK, id=BOB.id))
    assert "¿Retiro" in app.text(owner)
    await app.press(owner, cb(S.USERS, A.KICK_OK, id=BOB.id))
    assert "de los canales" in app.text(owner)

    for chat in (VIP, FREE):
        assert len(calls(app.double, "banChatMember", chat_id=chat, user_id=BOB.id)) == 1
        (unban,) = calls(app.double, "unbanChatMember", chat_id=chat, user_id=BOB.id)
        assert unban.params["only_if_banned"] is True
        assert app.double.member_status(chat, BOB.id) == "left"  # not banned for good
    assert len(calls(app.double, "revokeChatInviteLink", invite_link=link)) == 1
    (sub,) = await rows(app.runtime, select(Subscription).where(Subscription.id == sub_id))
    assert sub.status == "expired" and sub.removed_at is not None and sub.ends_at <= utcnow()
    (stored,) = await rows(app.runtime, select(InviteLink))
    assert stored.revoked_at is not None
    (request,) = await rows(app.runtime, select(JoinRequest))
    assert request.status == "declined"  # the cron will not let him back in
    assert await _role(app, BOB.id) is Role.FREE
    (entry,) = await audit_of(app.runtime, "user.kick")
    assert entry.actor_id == OWNER_ID and entry.target_id == str(BOB.id)
    assert entry.before == {"active_subscriptions": 1, "pending_free_requests": 1}

    await app.press(owner, cb(S.USERS, A.VIEW, id=BOB.id, arg="aud"))
    assert "salió de los canales" in app.text(owner)


async def test_remove_from_channels_without_a_vip_channel_says_so(
    app: Harness, owner: TgUser
) -> None:
    from lucien.access.config import update_config

    await _member_in_both_channels(app)
    async with app.runtime.sessions.begin() as session:
        await update_config(session, vip_channel_id=None)
    app.double.clear_calls()

    await app.press(owner, cb(S.USERS, A.KICK_OK, id=BOB.id))

    app.shows(owner, "No hay ningún Diván calibrado", "no lo intentaré más adelante")
    assert calls(app.double, "banChatMember", chat_id=VIP) == []
    assert len(calls(app.double, "banChatMember", chat_id=FREE)) == 1


async def test_delete_a_users_data(app: Harness, owner: TgUser) -> None:
    await _member_in_both_channels(app)
    async with app.runtime.sessions.begin() as session:
        await session.execute(insert(Interest).values(user_id=BOB.id))
        await session.execute(
            insert(VoiceHistory).values(user_id=BOB.id, message_key="menus.vip", recent="0")
        )
        await session.execute(
            insert(FSMRecord).values(
                key=f"fsm:777000001:{BOB.id}:{BOB.id}:default", state="x", data=None
            )
        )
    app.double.clear_calls()

    await app.press(owner, cb(S.USERS, A.WIPE, id=BOB.id))
    assert "no se puede deshacer" in app.text(owner)
    await app.press(owner, cb(S.USERS, A.WIPE_OK, id=BOB.id))
    assert "han sido borrados" in app.text(owner)

    assert await user_row(app.runtime, BOB.id) is None
    for model in (Subscription, InviteLink, JoinRequest, Interest, VoiceHistory):
        assert await count(app.runtime, model, model.user_id == BOB.id) == 0, model
    assert await count(app.runtime, FSMRecord, FSMRecord.key.like(f"%:{BOB.id}:%")) == 0
    for chat in (VIP, FREE):
        assert calls(app.double, "banChatMember", chat_id=chat, user_id=BOB.id)
        assert app.double.member_status(chat, BOB.id) == "left"
    (entry,) = await audit_of(app.runtime, "user.delete")
    assert entry.target_id is None and entry.actor_id == OWNER_ID  # the event, not the person
    assert "Bob" not in repr((entry.before, entry.after, entry.reason))
    # A pressed-again button finds nobody.
    answer = await app.press(owner, cb(S.USERS, A.WIPE_OK, id=BOB.id))
    assert "No encuentro" in (answer["text"] or "")
    assert await rows(app.runtime, select(User.id)) == [OWNER_ID]


async def test_a_removal_telegram_refuses_is_reported(app: Harness, owner: TgUser) -> None:
    sub_id, _ = await _member_in_both_channels(app)
    app.double.set_bot_admin(VIP, can_restrict_members=False)
    await app.press(owner, cb(S.USERS, A.KICK_OK, id=BOB.id))
    assert "no he podido retirarle de todos los canales" in app.text(owner)
    assert app.double.member_status(VIP, BOB.id) == "member"
    assert app.double.member_status(FREE, BOB.id) == "left"  # the other channel still done
    (sub,) = await rows(app.runtime, select(Subscription).where(Subscription.id == sub_id))
    assert sub.status == "expired"
    # Once the rights are back, removing again finishes the job.
    app.double.set_bot_admin(VIP)
    await app.press(owner, cb(S.USERS, A.KICK_OK, id=BOB.id))
    assert "He retirado a Bob de los canales" in app.text(owner)
    assert app.double.member_status(VIP, BOB.id) == "left"
