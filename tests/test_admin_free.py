"""Admin panel › Free: the queue, approve/reject all, wait time, links — through the webhook."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminSection as S
from lucien.db.models import BotConfig, JoinRequest, utcnow
from lucien.telegram.double import TgUser
from tests.access_support import HOSTILE, calls, rows, shows_hostile_name
from tests.admin_support import audit_of, cb, snapshot
from tests.conftest import Harness
from tests.factories import FREE, configure

SOCIAL = {
    "instagram_url": "https://instagram.com/diana",
    "free_invite_link": "https://t.me/+vestibulo123",
}


def visitor(k: int, name: str | None = None) -> TgUser:
    return TgUser(id=7000 + k, first_name=name or f"Visitante {k}")


async def _requests(app: Harness, *people: TgUser) -> None:
    for who in people:
        await app.send(app.double.join_request(FREE, who))


async def _age(app: Harness, minutes: int, *people: TgUser) -> None:
    ids = [p.id for p in people]
    async with app.runtime.sessions.begin() as session:
        await session.execute(
            update(JoinRequest)
            .where(JoinRequest.user_id.in_(ids))
            .values(requested_at=utcnow() - timedelta(minutes=minutes))
        )


async def _statuses(app: Harness) -> dict[int, str]:
    found = await rows(app.runtime, select(JoinRequest).order_by(JoinRequest.id))
    return {r.user_id: r.status for r in found}


async def _config(app: Harness) -> BotConfig:
    return (await rows(app.runtime, select(BotConfig)))[0]


async def _open(app: Harness, owner: TgUser) -> None:
    await app.send(app.updates.command(owner, "admin"))
    await app.press(owner, cb(S.FREE))


async def test_free_menu(app: Harness, owner: TgUser) -> None:
    await configure(app.runtime, app.double, free_wait_minutes=10, **SOCIAL)
    people = [visitor(k) for k in range(3)]
    await _requests(app, *people)
    await _age(app, 30, *people[:2])
    await _open(app, owner)
    app.shows(
        owner,
        "Solicitudes en espera: 3 (listas para aprobar: 2)",
        "Espera antes de abrir: 10 minutos",
        "Redes de Diana: Instagram",
        "https://t.me/+vestibulo123",
        buttons=("Solicitudes", "Aprobar todas", "Rechazar todas", "Tiempo de espera", "Redes"),
    )


async def test_queue_filters_and_pages(app: Harness, owner: TgUser) -> None:
    await configure(app.runtime, app.double, free_wait_minutes=10)
    people = [visitor(k) for k in range(11)] + [visitor(50, HOSTILE)]
    await _requests(app, *people)
    await _age(app, 20, *people[:4])
    async with app.runtime.sessions.begin() as session:
        await session.execute(
            update(JoinRequest)
            .where(JoinRequest.user_id == people[0].id)
            .values(status="approved", decided_at=utcnow())
        )
        await session.execute(
            update(JoinRequest)
            .where(JoinRequest.user_id == people[1].id)
            .values(status="failed", attempts=6, decided_at=utcnow())
        )
    await _open(app, owner)
    await app.press(owner, label="Solicitudes")
    waiting = "Solicitudes · en espera (8)"  # 12 - 2 resolved - 2 ready
    app.shows(owner, waiting, buttons=("Listas (2)", "Resueltas (1)", "Con tropiezos (1)"))
    assert shows_hostile_name(app.screen(owner))

    await app.press(owner, cb(S.FREE, A.LIST, arg="ready"))
    app.shows(owner, "Solicitudes · listas (2)", "Visitante 2", "Visitante 3")
    await app.press(owner, cb(S.FREE, A.LIST, arg="done"))
    assert "Visitante 0" in app.text(owner) and "resuelta" in app.text(owner)
    await app.press(owner, cb(S.FREE, A.LIST, arg="failed"))
    assert "Visitante 1" in app.text(owner) and "6 intentos" in app.text(owner)


async def test_queue_pagination(app: Harness, owner: TgUser) -> None:
    await configure(app.runtime, app.double, free_wait_minutes=10)
    await _requests(app, *(visitor(k) for k in range(12)))
    await _open(app, owner)
    await app.press(owner, cb(S.FREE, A.LIST, arg="waiting"))
    app.shows(owner, "(12)", "Página 1 de 2", "Visitante 0")
    await app.press(owner, label="Siguiente")
    text = app.text(owner)
    assert "Página 2 de 2" in text and "Visitante 11" in text and "Visitante 0 " not in text


async def test_approve_all_now(app: Harness, owner: TgUser) -> None:
    await configure(app.runtime, app.double, free_wait_minutes=60, **SOCIAL)
    ana, bruno, carla = visitor(1, "Ana"), visitor(2, "Bruno"), visitor(3, "Carla")
    await _requests(app, ana, bruno, carla)
    app.double.set_member(FREE, carla)  # already inside: USER_ALREADY_PARTICIPANT
    await _open(app, owner)
    await app.press(owner, label="Aprobar todas")
    assert "¿Abro la puerta ahora a 3 solicitudes" in app.text(owner)
    assert calls(app.double, "approveChatJoinRequest") == []
    await app.press(owner, label="Sí, aprobar")

    assert "Puerta abierta para 2 visitantes" in app.text(owner)
    assert await _statuses(app) == {ana.id: "approved", bruno.id: "approved", carla.id: "closed"}
    assert len(app.double.calls_to("approveChatJoinRequest")) == 3
    assert app.double.is_participant(FREE, ana.id) and app.double.is_participant(FREE, bruno.id)
    assert "https://t.me/+vestibulo123" in str(app.double.last_message(ana.id))  # approved DM
    assert calls(app.double, "declineChatJoinRequest") == []
    found = await rows(app.runtime, select(JoinRequest.claimed_until))
    assert found == [None, None, None]
    (entry,) = await audit_of(app.runtime, "free.approve_all")
    assert entry.actor_id == owner.id and entry.after and entry.after["done"] == 2

    await app.press(owner, cb(S.FREE, A.APPROVE_ALL_OK))  # again: nothing left
    assert "el vestíbulo está en calma" in app.text(owner)
    assert len(app.double.calls_to("approveChatJoinRequest")) == 3


async def test_approve_all_keeps_transient_failures_for_later(app: Harness, owner: TgUser) -> None:
    await configure(app.runtime, app.double, free_wait_minutes=60)
    ana, bruno = visitor(1, "Ana"), visitor(2, "Bruno")
    await _requests(app, ana, bruno)
    app.double.fail("approveChatJoinRequest", 400, "Bad Request: CHAT_ADMIN_REQUIRED")
    await _open(app, owner)
    await app.press(owner, cb(S.FREE, A.APPROVE_ALL_OK))
    app.shows(owner, "Puerta abierta para 1 visitante", "reintentaré")
    pending = await rows(app.runtime, select(JoinRequest).where(JoinRequest.status == "pending"))
    assert len(pending) == 1 and pending[0].attempts == 1 and pending[0].claimed_until is None


async def test_reject_all(app: Harness, owner: TgUser) -> None:
    await configure(app.runtime, app.double, free_wait_minutes=10)
    ana, bruno = visitor(1, "Ana"), visitor(2, "Bruno")
    await _requests(app, ana, bruno)
    messages_before = len(app.double.sent_messages(ana.id))
    await _open(app, owner)
    await app.press(owner, label="Rechazar todas")
    assert "¿Rechazo 2 solicitudes pendientes?" in app.text(owner)
    assert calls(app.double, "declineChatJoinRequest") == []
    await app.press(owner, cb(S.FREE, A.OPEN))  # "No": nothing happens
    assert await _statuses(app) == {ana.id: "pending", bruno.id: "pending"}

    await app.press(owner, label="Rechazar todas")
    await app.press(owner, label="Sí, rechazar")
    assert "2 solicitudes rechazadas" in app.text(owner)
    assert await _statuses(app) == {ana.id: "declined", bruno.id: "declined"}
    assert len(calls(app.double, "declineChatJoinRequest", chat_id=FREE)) == 2
    assert app.double.pending_join_requests(FREE) == []
    assert len(app.double.sent_messages(ana.id)) == messages_before  # no message to them
    (entry,) = await audit_of(app.runtime, "free.reject_all")
    assert entry.actor_id == owner.id and entry.after and entry.after["done"] == 2


async def test_wait_time_wizard(app: Harness, owner: TgUser) -> None:
    await configure(app.runtime, app.double, free_wait_minutes=10)
    await _open(app, owner)
    await app.press(owner, label="Tiempo de espera")
    assert "Ahora espero 10 minutos" in app.text(owner)
    assert "entre 0 y 10080" in await app.say(owner, "un rato")
    assert "entre 0 y 10080" in await app.say(owner, "20000")
    assert (await _config(app)).free_wait_minutes == 10
    assert "esperaré 15 minutos" in await app.say(owner, "15")
    assert (await _config(app)).free_wait_minutes == 15
    (entry,) = await audit_of(app.runtime, "config.updated")
    assert entry.actor_id == owner.id
    assert entry.before == {"free_wait_minutes": 10} and entry.after == {"free_wait_minutes": 15}

    await app.press(owner, cb(S.FREE, A.WAIT))
    await app.press(owner, label="Sin espera")
    assert (await _config(app)).free_wait_minutes == 0
    assert "sin espera" in app.text(owner)


async def test_cancel_leaves_the_wait_wizard(app: Harness, owner: TgUser) -> None:
    await configure(app.runtime, app.double, free_wait_minutes=10)
    await _open(app, owner)
    await app.press(owner, cb(S.FREE, A.WAIT))
    await app.send(app.updates.command(owner, "cancel"))
    await app.say(owner, "30")
    assert (await _config(app)).free_wait_minutes == 10
    await app.press(owner, cb(S.FREE, A.WAIT))
    await app.press(owner, label="Cancelar")
    assert "El jardín" in app.text(owner)
    await app.say(owner, "30")
    assert (await _config(app)).free_wait_minutes == 10


async def test_social_links(app: Harness, owner: TgUser) -> None:
    await configure(app.runtime, app.double)
    await _open(app, owner)
    await app.press(owner, label="Redes")
    assert "Instagram: sin definir" in app.text(owner)
    await app.press(owner, label="✏️ Instagram")
    for bad in (
        "instagram.com/diana",
        "http://instagram.com/diana",
        "https://x.com/<b>",
        "https://",
    ):
        await app.say(owner, bad)
        assert "https://" in app.text(owner) and "255" in app.text(owner), bad
    assert (await _config(app)).instagram_url is None
    assert "Instagram queda como https://instagram.com/diana" in await app.say(
        owner, "https://instagram.com/diana"
    )
    assert (await _config(app)).instagram_url == "https://instagram.com/diana"

    await app.press(owner, cb(S.FREE, A.SOCIAL))
    assert "Instagram: https://instagram.com/diana" in app.text(owner)
    await app.press(owner, label="🗑 Instagram")
    assert (await _config(app)).instagram_url is None
    entries = await audit_of(app.runtime, "config.updated")
    assert [(e.before, e.after) for e in entries] == [
        ({"instagram_url": None}, {"instagram_url": "https://instagram.com/diana"}),
        ({"instagram_url": "https://instagram.com/diana"}, {"instagram_url": None}),
    ]
    assert all(e.actor_id == owner.id for e in entries)


async def test_free_invite_link(app: Harness, owner: TgUser) -> None:
    await configure(app.runtime, app.double)
    await _open(app, owner)
    await app.press(owner, label="Enlace")
    await app.say(owner, "https://example.com/+abcdefgh")
    assert "https://t.me/+AbCdEf123" in app.text(owner)  # the expected shape
    assert "queda como https://t.me/+AbCdEf12345" in await app.say(
        owner, "https://t.me/+AbCdEf12345"
    )
    assert (await _config(app)).free_invite_link == "https://t.me/+AbCdEf12345"
    await app.press(owner, cb(S.FREE, A.LINK))
    await app.press(owner, label="Quitar enlace")
    assert (await _config(app)).free_invite_link is None
    assert len(await audit_of(app.runtime, "config.updated")) == 2


async def test_forged_free_callbacks_from_a_visitor_change_nothing(
    app: Harness, ana: TgUser
) -> None:
    await configure(app.runtime, app.double, free_wait_minutes=10, **SOCIAL)
    await _requests(app, visitor(1), visitor(2))
    await app.send(app.updates.command(ana, "start"))
    before = await snapshot(app.runtime)
    app.double.clear_calls()
    for data in (
        cb(S.FREE),
        cb(S.FREE, A.LIST, arg="ready"),
        cb(S.FREE, A.APPROVE_ALL),
        cb(S.FREE, A.APPROVE_ALL_OK),
        cb(S.FREE, A.REJECT_ALL_OK),
        cb(S.FREE, A.WAIT_SET, arg="0"),
        cb(S.FREE, A.SOCIAL_CLEAR, arg="instagram"),
        cb(S.FREE, A.LINK_CLEAR),
        cb(S.FREE, A.CANCEL),
    ):
        await app.press(ana, data)
        assert "reservada a los custodios" in (app.answer()["text"] or ""), data
    assert await snapshot(app.runtime) == before
    assert {c.method for c in app.double.calls} == {"answerCallbackQuery"}


async def test_unknown_free_actions_are_stale(app: Harness, owner: TgUser) -> None:
    await configure(app.runtime, app.double)
    await _open(app, owner)
    before = await snapshot(app.runtime)
    for data in (
        cb(S.FREE, "zzz"),
        cb(S.FREE, A.WAIT_SET, arg="99999"),
        cb(S.FREE, A.SOCIAL_EDIT, arg="myspace"),
    ):
        await app.press(owner, data)
        assert "ya no está disponible" in (app.answer()["text"] or "")
    assert await snapshot(app.runtime) == before
