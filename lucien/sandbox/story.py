"""The whole story, played in the sandbox: ``lucien sandbox demo``.

Diana sets up her channels and calibrates Lucien through the admin panel; an invitation
is sold (issued as the ``lucien invitations issue`` command would); Ana redeems it, goes
through the ritual and enters the Diván; the clock moves and the cron reminds her and,
at the end, says goodbye and removes her; Carla asks to join the Vestíbulo and is let in
after the wait. Every step is Update JSON through the real webhook, so the transcript is
what the same people would see in Telegram.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from lucien import clock
from lucien.runtime import Runtime
from lucien.sandbox.driver import Driver
from lucien.sandbox.world import FREE_CHANNEL, VIP_CHANNEL, SandboxError, World

PLAN_NAME = "Mensual"
PLAN_DAYS = 30


@dataclass
class Invitation:
    token: str
    link: str


async def set_the_stage(driver: Driver) -> None:
    """Channels with Lucien as administrator, named to Lucien through the calibration panel."""
    world = driver.world
    driver.transcript.note("Diana creates El Diván and El Vestíbulo and makes Lucien an admin")
    await driver.deliver(world.setup_channels())
    world.post(VIP_CHANNEL, "Bienvenidos al Diván ✨")
    world.post(FREE_CHANNEL, "El Vestíbulo abre sus puertas 🌿")
    driver.transcript.note("Diana names both channels to Lucien (Calibración)")
    for label, chat_id in (("Canal del Diván", VIP_CHANNEL), ("Canal del Vestíbulo", FREE_CHANNEL)):
        await driver.say("owner", "/admin")
        await driver.press("owner", "Calibración")
        await driver.press("owner", label)
        await driver.deliver(world.forward_post("owner", chat_id))


async def issue_invitation(runtime: Runtime) -> Invitation:
    """A plan (created once) and one invitation, as ``lucien invitations issue`` makes them."""
    from sqlalchemy import select

    from lucien.access.botinfo import bot_username, deep_link
    from lucien.access.invitations import issue
    from lucien.access.plans import create_plan
    from lucien.db.models import Plan

    async with runtime.sessions.begin() as session:
        plan = await session.scalar(select(Plan).where(Plan.name == PLAN_NAME))
        if plan is None:
            plan = await create_plan(session, PLAN_NAME, PLAN_DAYS, "19.99", "USD")
        issued = (await issue(session, plan.id))[0]
    username = await bot_username(runtime)
    return Invitation(issued.token, deep_link(username, issued.token))


async def enter_the_divan(driver: Driver, who: str, invitation: Invitation) -> None:
    """Redeem, the three-step ritual, then the personal link into the channel."""
    await driver.say(who, f"/start {invitation.token}")
    await driver.press(who, "Continuar")
    await driver.press(who, "Acepto")
    _, url = driver.find_button(who, "Entrar al Diván", "url")
    driver.transcript.note(f"{driver.world.person(who).first_name} opens the personal link")
    await driver.deliver(driver.world.join_by_url(who, url))


async def play(runtime: Runtime) -> list[str]:
    """Play the story from an empty world; returns the transcript lines."""
    if runtime.double is None:
        raise SandboxError("the story needs sandbox mode (no BOT_TOKEN)")
    world = World(runtime.double, runtime.settings.owner_id)
    driver = Driver(runtime, world)
    note = driver.transcript.note

    await set_the_stage(driver)

    note(
        f"Diana sells an invitation outside Telegram (lucien invitations issue --plan {PLAN_NAME})"
    )
    invitation = await issue_invitation(runtime)
    driver.transcript.lines.append(f"· {invitation.link}")

    note("Ana opens the invitation link")
    await enter_the_divan(driver, "visitor", invitation)
    if not world.is_in(VIP_CHANNEL, world.person("visitor").id):
        raise SandboxError("Ana did not get into the Diván")

    note("Diana looks at her members (Círculo VIP → Miembros)")
    await driver.say("owner", "/admin")
    await driver.press("owner", "Círculo VIP")
    await driver.press("owner", "Miembros")

    note("Carla asks to join the Vestíbulo")
    await driver.deliver(world.join("free", FREE_CHANNEL))

    note("The clock moves 15 minutes; the cron runs (Free approvals)")
    clock.advance(timedelta(minutes=15))
    await driver.cron()

    note(f"The clock moves to 3 days before Ana's {PLAN_DAYS} days end; the cron runs")
    clock.advance(timedelta(days=PLAN_DAYS - 3, minutes=1))
    await driver.cron()

    note("Two more days; the cron runs (the last reminder)")
    clock.advance(timedelta(days=2))
    await driver.cron()

    note("The membership ends; the cron runs")
    clock.advance(timedelta(days=1, minutes=10))
    await driver.cron()
    if world.is_in(VIP_CHANNEL, world.person("visitor").id):
        raise SandboxError("Ana is still in the Diván after her membership ended")
    return driver.transcript.lines
