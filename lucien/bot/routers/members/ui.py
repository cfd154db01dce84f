"""Shared pieces of the member screens: edit in place, the menu of each derived role."""

from __future__ import annotations

import logging

from lucien.access.roles import Role
from lucien.access.subscriptions import current_subscription
from lucien.bot.visit import Visit
from lucien.db.models import BotConfig, User
from lucien.runtime import Runtime
from lucien.voice import Voice
from lucien.voice.data import SocialLinks
from lucien.voice.message import Message as VoiceMessage

log = logging.getLogger(__name__)


def social_of(config: BotConfig) -> SocialLinks:
    """Diana's profiles as configured (unset ones are simply absent)."""
    return SocialLinks(instagram=config.instagram_url, tiktok=config.tiktok_url, x=config.x_url)


async def admin_home(runtime: Runtime, user: User, config: BotConfig, voice: Voice) -> VoiceMessage:
    """The admin greeting with the main menu, as the admin panel's home composes it."""
    # Imported here: the admin panel's package imports its sections, and they are free to
    # import member helpers from this module.
    from lucien.bot.routers.admin.home import admin_home_message

    return await admin_home_message(runtime, voice, user)


async def vip_menu(runtime: Runtime, user: User, voice: Voice) -> VoiceMessage | None:
    """The VIP menu, or ``None`` if the membership ended meanwhile."""
    async with runtime.sessions() as session:
        sub = await current_subscription(session, user.id)
    if sub is None:
        return None
    return voice.menus.vip(name=user.first_name, ends_at=sub.ends_at)


def free_menu(
    user: User, config: BotConfig, voice: Voice, *, first_visit: bool = False
) -> VoiceMessage:
    has_social = bool(social_of(config).items())
    return voice.menus.free(name=user.first_name, has_social=has_social, first_visit=first_visit)


async def menu_for(visit: Visit, *, first_visit: bool = False) -> VoiceMessage:
    """The home screen of the role derived for this update."""
    runtime, user, config, voice = visit.runtime, visit.user, visit.config, visit.voice
    if visit.role is Role.ADMIN:
        return await admin_home(runtime, user, config, voice)
    if visit.role is Role.VIP:
        shown = await vip_menu(runtime, user, voice)
        if shown is not None:
            return shown
    return free_menu(user, config, voice, first_visit=first_visit)
