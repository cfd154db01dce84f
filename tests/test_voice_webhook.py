"""The voice as people meet it: through the webhook, across stateless requests."""

from __future__ import annotations

import html
import itertools

from lucien.db.models import utcnow
from lucien.telegram.double import TgUser
from lucien.voice import MemoryVariantHistory, Voice
from lucien.voice.data import Role
from lucien.voice.providers.start import _OPENING
from tests.conftest import Harness

HOSTILE = '<b>Ana & "Bob"</b>'


def _openings(name: str, period: str) -> list[str]:
    """The opening line of every greeting variant, as a person reads it."""
    lines = []
    for index in range(len(_OPENING[period])):
        voice = Voice(history=MemoryVariantHistory(), user_id=None, force_variant=index)
        rendered = voice.start.greeting_line(name=name, role=Role.FREE).split("\n")[0]
        lines.append(html.unescape(rendered.replace("<b>", "").replace("</b>", "")))
    return lines


async def test_a_hundred_starts_never_repeat_the_greeting(app: Harness) -> None:
    alma = TgUser(id=7100, first_name="Alma")
    period = Voice(history=None, user_id=None).start.period(utcnow())
    openings = _openings(alma.first_name, period)
    assert len(set(openings)) >= 3

    shown: list[int] = []
    for _ in range(100):
        await app.send(app.updates.command(alma, "/start"))
        message = app.double.last_message(alma.id)
        assert message is not None, "no greeting after /start"
        text = message["text"]
        matches = [i for i, line in enumerate(openings) if line in text]
        assert matches, text
        # One opening may begin like another: the longest one contained is the one shown.
        shown.append(max(matches, key=lambda i: len(openings[i])))
    assert all(a != b for a, b in itertools.pairwise(shown)), shown
    # The last two are excluded while a third remains: no A-B-A either.
    assert all(shown[i] != shown[i + 2] for i in range(len(shown) - 2)), shown
    assert len(set(shown)) >= 3


async def test_a_hostile_name_is_escaped_in_the_greeting(app: Harness) -> None:
    hostile = TgUser(id=7101, first_name=HOSTILE)
    await app.send(app.updates.command(hostile, "/start"))
    sent = app.double.calls_to("sendMessage")[-1]
    assert sent.ok  # the double parses HTML like Telegram: a raw "<b>Ana &" would be refused
    assert html.escape(HOSTILE) in sent.params["text"]
    message = app.double.last_message(hostile.id)
    assert message is not None and HOSTILE in message["text"]
