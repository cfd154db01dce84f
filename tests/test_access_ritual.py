"""The entry ritual, personal links and the VIP channel's door, through the webhook."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from sqlalchemy import select, update

from lucien.access.config import update_config
from lucien.db.models import InviteLink, Subscription, utcnow
from lucien.telegram.double import TgUser
from tests.access_support import (
    HOSTILE,
    button,
    buttons,
    calls,
    count,
    rows,
    shows_hostile_name,
    subscription_of,
)
from tests.conftest import ADMIN_ID, OWNER_ID, Harness
from tests.factories import (
    VIP,
    configure,
    configure_with_other_channel,
    make_invitation,
    make_plan,
)


async def _redeem(app: Harness, who: TgUser) -> Subscription:
    plan = await make_plan(app.runtime)
    invitation = await make_invitation(app.runtime, plan.id)
    await app.send(app.updates.command(who, "start", invitation.token))
    return await subscription_of(app.runtime, who.id)


async def _press(app: Harness, who: TgUser, label: str, message_id: int | None = None) -> str:
    """Press the button ``label`` on the bot's last message; returns its callback data."""
    message = app.double.last_message(who.id)
    data = button(message, label)["callback_data"]
    await app.send(app.updates.callback(who, data, message_id=message_id))
    return str(data)


async def _to_stage3(app: Harness, who: TgUser) -> tuple[Subscription, str, str]:
    sub = await _redeem(app, who)
    stage1 = await _press(app, who, "Continuar")
    await _press(app, who, "Acepto")
    link = (await rows(app.runtime, select(InviteLink.link)))[0]
    return sub, stage1, link


async def test_three_stages_and_a_personal_link(app: Harness, ana: TgUser) -> None:
    await configure(app.runtime, app.double)
    sub = await _redeem(app, ana)
    stage1_id = app.double.last_message(ana.id)["message_id"]  # type: ignore[index]

    await _press(app, ana, "Continuar")
    stage2 = app.double.last_message(ana.id)
    assert stage2 is not None and stage2["message_id"] == stage1_id  # edited in place
    assert button(stage2, "Acepto")
    assert (await subscription_of(app.runtime, ana.id)).ritual_stage == 2

    await _press(app, ana, "Acepto")
    stage3 = app.double.last_message(ana.id)
    created = calls(app.double, "createChatInviteLink", chat_id=VIP)
    assert len(created) == 1
    params = created[0].params
    assert params["member_limit"] == 1 and params["name"] == "Ana"
    assert abs(int(params["expire_date"]) - (time.time() + 86400)) < 60
    link = created[0].result["invite_link"]
    assert stage3 is not None and link in stage3["text"]
    assert button(stage3, "Entrar al Diván")["url"] == link
    stored = (await rows(app.runtime, select(InviteLink)))[0]
    assert (stored.user_id, stored.subscription_id, stored.link) == (ana.id, sub.id, link)
    assert (await subscription_of(app.runtime, ana.id)).ritual_stage == 3


async def test_double_tap_advances_once(app: Harness, ana: TgUser) -> None:
    await configure(app.runtime, app.double)
    await _redeem(app, ana)
    data = button(app.double.last_message(ana.id), "Continuar")["callback_data"]
    taps = [app.updates.callback(ana, data) for _ in range(2)]
    await asyncio.gather(*(app.send(t) for t in taps))
    assert (await subscription_of(app.runtime, ana.id)).ritual_stage == 2

    data = button(app.double.last_message(ana.id), "Acepto")["callback_data"]
    taps = [app.updates.callback(ana, data) for _ in range(3)]
    await asyncio.gather(*(app.send(t) for t in taps))
    assert (await subscription_of(app.runtime, ana.id)).ritual_stage == 3
    open_links = await rows(app.runtime, select(InviteLink).where(InviteLink.revoked_at.is_(None)))
    assert len(open_links) == 1
    answers = [a["text"] for a in app.double.callback_answers]
    assert len(answers) == 5 and sum(1 for a in answers if a and "quedó atrás" in a) == 3


async def test_an_old_button_after_stage_three_changes_nothing(app: Harness, ana: TgUser) -> None:
    await configure(app.runtime, app.double)
    _, stage1_data, link = await _to_stage3(app, ana)
    app.double.clear_calls()

    await app.send(app.updates.callback(ana, stage1_data))

    assert (await subscription_of(app.runtime, ana.id)).ritual_stage == 3
    assert calls(app.double, "createChatInviteLink") == []
    assert "quedó atrás" in (app.double.callback_answers[-1]["text"] or "")
    assert link in app.double.last_message(ana.id)["text"]  # type: ignore[index]
    # A forged stage (another period) is stale too.
    await app.send(app.updates.callback(ana, "r:2:999999"))
    assert (await subscription_of(app.runtime, ana.id)).ritual_stage == 3


async def test_start_at_stage_three_shows_the_same_link(app: Harness, ana: TgUser) -> None:
    await configure(app.runtime, app.double)
    _, _, link = await _to_stage3(app, ana)
    for _ in range(2):
        await app.send(app.updates.command(ana, "start"))
        assert link in app.double.last_message(ana.id)["text"]  # type: ignore[index]
    await app.send(app.updates.command(ana, "menu"))
    assert link in app.double.last_message(ana.id)["text"]  # type: ignore[index]
    assert len(calls(app.double, "createChatInviteLink")) == 1


async def test_start_resumes_stage_one_and_two(app: Harness, ana: TgUser) -> None:
    await configure(app.runtime, app.double)
    await _redeem(app, ana)
    await app.send(app.updates.command(ana, "start"))
    assert button(app.double.last_message(ana.id), "Continuar")
    await _press(app, ana, "Continuar")
    await app.send(app.updates.command(ana, "start"))
    assert button(app.double.last_message(ana.id), "Acepto")


async def test_an_expired_link_is_revoked_and_replaced(app: Harness, ana: TgUser) -> None:
    await configure(app.runtime, app.double)
    _, _, old = await _to_stage3(app, ana)
    async with app.runtime.sessions.begin() as session:
        await session.execute(update(InviteLink).values(expires_at=utcnow() - timedelta(minutes=1)))

    await app.send(app.updates.command(ana, "start"))

    assert [c.params["invite_link"] for c in calls(app.double, "revokeChatInviteLink")] == [old]
    links = await rows(app.runtime, select(InviteLink).order_by(InviteLink.id))
    assert len(links) == 2 and links[0].revoked_at is not None and links[1].revoked_at is None
    assert links[1].link in app.double.last_message(ana.id)["text"]  # type: ignore[index]


async def test_long_and_hostile_names(app: Harness) -> None:
    await configure(app.runtime, app.double)
    hostile = TgUser(id=6001, first_name=HOSTILE, last_name="Ñ" * 40)
    await _redeem(app, hostile)
    assert shows_hostile_name(app.double.last_message(hostile.id))
    await _press(app, hostile, "Continuar")
    await _press(app, hostile, "Acepto")
    name = calls(app.double, "createChatInviteLink")[0].params["name"]
    assert len(name) == 32 and name.startswith(HOSTILE)


async def test_joining_the_channel_completes_the_ritual(app: Harness, ana: TgUser) -> None:
    await configure(app.runtime, app.double)
    _, _, link = await _to_stage3(app, ana)

    await app.send(app.double.member_joins(VIP, ana, invite_link=link))

    stored = (await rows(app.runtime, select(InviteLink)))[0]
    assert stored.used_at is not None and stored.revoked_at is not None
    assert [c.params["invite_link"] for c in calls(app.double, "revokeChatInviteLink")] == [link]
    assert (await subscription_of(app.runtime, ana.id)).ritual_stage == 4
    assert calls(app.double, "banChatMember") == []
    assert (
        "Ya está dentro" in app.texts_to(ana.id)[-1] or "ya forma parte" in app.texts_to(ana.id)[-1]
    )
    await app.send(app.updates.command(ana, "start"))
    after = app.double.last_message(ana.id)  # the VIP greeting/menu, not the ritual again
    assert after is not None and link not in after["text"]
    assert not any(b.get("callback_data", "").startswith("r:") for b in buttons(after))


async def test_a_join_without_membership_is_undone_and_admins_told(
    app: Harness, ana: TgUser
) -> None:
    await configure(app.runtime, app.double)
    _, _, link = await _to_stage3(app, ana)
    intruder = TgUser(id=6666, first_name=HOSTILE, username="colado")
    app.double.clear_calls()

    await app.send(app.double.member_joins(VIP, intruder, invite_link=link))

    bans = calls(app.double, "banChatMember", chat_id=VIP, user_id=intruder.id)
    unbans = calls(app.double, "unbanChatMember", chat_id=VIP, user_id=intruder.id)
    assert len(bans) == 1 and len(unbans) == 1 and unbans[0].params["only_if_banned"] is True
    order = [c.method for c in app.double.calls if c.method in ("banChatMember", "unbanChatMember")]
    assert order == ["banChatMember", "unbanChatMember"]
    assert not app.double.is_participant(VIP, intruder.id)
    assert intruder.id not in app.double.banned_users(VIP)  # a future invitation still works
    for admin in (OWNER_ID, ADMIN_ID):
        notice = app.double.last_message(admin)
        assert notice is not None and "sin membresía" in notice["text"]
        assert shows_hostile_name(notice)
    ana_link = (await rows(app.runtime, select(InviteLink)))[0]
    assert ana_link.revoked_at is not None and ana_link.used_at is None
    # Ana's next /start gets a fresh link.
    await app.send(app.updates.command(ana, "start"))
    fresh = await rows(app.runtime, select(InviteLink).where(InviteLink.revoked_at.is_(None)))
    assert len(fresh) == 1 and fresh[0].link != link


async def test_notices_can_be_switched_off_and_admins_are_left_alone(
    app: Harness, ana: TgUser
) -> None:
    await configure(app.runtime, app.double, notify_unauthorized_joins=False)
    await app.send(app.double.member_joins(VIP, ana))
    assert len(calls(app.double, "banChatMember")) == 1
    assert app.double.sent_messages(OWNER_ID) == []
    app.double.clear_calls()
    owner = TgUser(id=OWNER_ID, first_name="Diana")
    await app.send(app.double.member_joins(VIP, owner))
    assert calls(app.double, "banChatMember") == []


async def test_other_chats_are_ignored(app: Harness, ana: TgUser) -> None:
    other = await configure_with_other_channel(app.runtime, app.double)
    await app.send(app.double.member_joins(other, ana))
    assert app.double.calls == []


async def test_a_blocked_intruder_is_still_removed(app: Harness, ana: TgUser) -> None:
    await configure(app.runtime, app.double)
    await app.send(app.updates.command(ana, "start"))
    from lucien.db.models import User

    async with app.runtime.sessions.begin() as session:
        await session.execute(update(User).where(User.id == ana.id).values(is_blocked=True))
    await app.send(app.double.member_joins(VIP, ana))
    assert len(calls(app.double, "banChatMember", user_id=ana.id)) == 1


async def test_renewed_member_already_inside_skips_the_link(app: Harness, ana: TgUser) -> None:
    await configure(app.runtime, app.double)
    await _redeem(app, ana)
    await _press(app, ana, "Continuar")
    app.double.set_member(VIP, ana)
    await _press(app, ana, "Acepto")
    assert calls(app.double, "createChatInviteLink") == []
    assert (await subscription_of(app.runtime, ana.id)).ritual_stage == 4
    assert await count(app.runtime, InviteLink) == 0


async def test_no_vip_channel_yet_offers_to_try_again(app: Harness, ana: TgUser) -> None:
    await configure(app.runtime, app.double)
    async with app.runtime.sessions.begin() as session:
        await update_config(session, vip_channel_id=None)
    await _redeem(app, ana)
    await _press(app, ana, "Continuar")
    await _press(app, ana, "Acepto")
    assert button(app.double.last_message(ana.id), "Intentar de nuevo")
    async with app.runtime.sessions.begin() as session:
        await update_config(session, vip_channel_id=VIP)
    await _press(app, ana, "Intentar de nuevo")
    assert len(calls(app.double, "createChatInviteLink")) == 1


async def test_a_member_entering_with_someone_elses_link_closes_it(
    app: Harness, ana: TgUser
) -> None:
    await configure(app.runtime, app.double)
    _, _, ana_link = await _to_stage3(app, ana)
    bruno = TgUser(id=5002, first_name="Bruno")
    plan = await make_plan(app.runtime, "Otro")
    await app.send(
        app.updates.command(bruno, "start", (await make_invitation(app.runtime, plan.id)).token)
    )

    await app.send(app.double.member_joins(VIP, bruno, invite_link=ana_link))

    assert calls(app.double, "banChatMember") == []  # Bruno is a member: he stays
    assert (await subscription_of(app.runtime, bruno.id)).ritual_stage == 4
    spent = (await rows(app.runtime, select(InviteLink).where(InviteLink.link == ana_link)))[0]
    assert spent.revoked_at is not None
    assert ana_link in [c.params["invite_link"] for c in calls(app.double, "revokeChatInviteLink")]
    await app.send(app.updates.command(ana, "start"))  # Ana gets a fresh one
    assert ana_link not in app.double.last_message(ana.id)["text"]  # type: ignore[index]
