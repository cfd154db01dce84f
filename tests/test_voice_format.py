"""Escaping, Spanish dates, time-of-day greetings, Telegram limits and safe truncation."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from lucien.voice import Alert, Message, Voice
from lucien.voice.data import PackageCard, Role, UserCard
from lucien.voice.dates import (
    MONTHS,
    WEEKDAYS,
    duration,
    long_date,
    long_datetime,
    short_datetime,
    time_of_day,
    zone,
)
from lucien.voice.limits import chunk_blocks, fit, paginate, utf16_len, visible_len
from lucien.voice.lint import html_problems
from lucien.voice.message import LUCIEN_SIGNATURE
from lucien.voice.samples import NOW

HOSTILE = '<b>Ana & "Bob"</b>'
ESCAPED = "&lt;b&gt;Ana &amp; &quot;Bob&quot;&lt;/b&gt;"
MX = zone("America/Mexico_City")


def voice(**kwargs: object) -> Voice:
    return Voice(history=None, user_id=None, now=lambda: NOW, **kwargs)  # type: ignore[arg-type]


def test_person_typed_values_are_escaped() -> None:
    v = voice()
    greeting = v.start.greeting_line(name=HOSTILE, role=Role.VIP)
    assert ESCAPED in greeting and HOSTILE not in greeting
    assert html_problems(greeting) == []
    package = PackageCard(id=1, name=HOSTILE, description=f"{HOSTILE} & más <i>", price=None)
    detail = v.menus.package(audience="free", package=package)
    assert detail.text.count(ESCAPED) == 2 and html_problems(detail.text) == []
    diana = v.flows.interest_confirmation(name=HOSTILE, package_name=HOSTILE)
    assert ESCAPED in diana.text and html_problems(diana.text) == []
    user = UserCard(id=5, first_name=HOSTILE, username="x<y")
    notice = v.expiry.unauthorized_join(user=user)
    assert ESCAPED in notice.text and "x&lt;y" in notice.text


def test_a_4096_character_name_keeps_every_message_within_limits() -> None:
    v = voice()
    huge = "Ñ" * 4096
    for message in (
        v.menus.vip(name=huge, ends_at=NOW + timedelta(days=3)),
        v.menus.package(audience="vip", package=PackageCard(id=1, name=huge, description=huge)),
    ):
        assert visible_len(message.text) <= 4096
        assert html_problems(message.text) == []
        assert message.text.startswith(LUCIEN_SIGNATURE)
        assert all(utf16_len(b.text) <= 64 for b in message.buttons)


def test_send_kwargs_use_html_and_no_link_preview() -> None:
    message = voice().common.failure()
    kwargs = message.as_send_kwargs()
    assert kwargs["parse_mode"] == "HTML" and kwargs["text"] == message.text
    assert kwargs["reply_markup"] is message.keyboard
    assert kwargs["link_preview_options"].is_disabled is True
    alert = voice().common.stale()
    assert isinstance(alert, Alert) and alert.as_answer_kwargs()["text"] == alert.text
    assert len(Alert("x" * 500).text) <= 200


def test_spanish_dates_without_locale() -> None:
    assert long_datetime(NOW, MX) == "martes 3 de marzo de 2026, 18:30"
    assert long_date(NOW, MX) == "martes 3 de marzo de 2026"
    assert short_datetime(NOW, MX) == "3 mar 2026, 18:30"
    madrid = zone("Europe/Madrid")  # summer time is applied
    assert long_datetime(datetime(2026, 7, 1, 12, 0, tzinfo=UTC), madrid) == (
        "miércoles 1 de julio de 2026, 14:00"
    )
    assert long_datetime(datetime(2026, 1, 4, 12, 0, tzinfo=UTC), madrid).startswith(
        "domingo 4 de enero"
    )
    assert len(MONTHS) == 12 and MONTHS[8] == "septiembre" and WEEKDAYS[5] == "sábado"
    assert zone("Not/AZone") is zone("America/Mexico_City")


def test_display_zone_of_the_voice_is_used() -> None:
    text = (
        voice(tz="Europe/Madrid")
        .menus.vip_status(plan_name="Mensual", started_at=NOW, ends_at=NOW + timedelta(days=2))
        .text
    )
    assert "miércoles 4 de marzo de 2026, 01:30" in text


@pytest.mark.parametrize(
    ("minutes", "words"),
    [
        (0, "un instante"),
        (1, "1 minuto"),
        (45, "45 minutos"),
        (60, "1 hora"),
        (90, "1 hora y 30 minutos"),
        (600, "10 horas"),
        (1440, "1 día"),
        (1500, "1 día y 1 hora"),
        (72 * 60, "3 días"),
    ],
)
def test_durations_in_words(minutes: int, words: str) -> None:
    assert duration(minutes) == words


@pytest.mark.parametrize(
    ("hour_utc", "period", "opening"),
    [
        (12, "early", "Buenos días"),  # 06:00 in Mexico City
        (15, "morning", "Buenos días"),
        (17, "morning", "Buenos días"),  # 11:00 there: not "tan temprano"
        (18, "afternoon", "Buenas tardes"),
        (21, "afternoon", "Buenas tardes"),
        (3, "evening", "Buenas noches"),
        (8, "night", "Buenas noches"),
    ],
)
def test_greeting_follows_the_time_of_day_in_the_display_zone(
    hour_utc: int, period: str, opening: str
) -> None:
    at = datetime(2026, 3, 3, hour_utc, 0, tzinfo=UTC)
    assert time_of_day(at, MX) == period
    for n in range(3):
        text = voice(force_variant=n).start.greeting_line(name="Ana", role=Role.ADMIN, at=at)
        assert opening.lower() in text.lower()
        assert "custodia" in text
        assert ("temprano" in text) <= (period == "early")
        assert ("tardías" in text) <= (period == "night")


@pytest.mark.parametrize(
    ("role", "word"), [(Role.VIP, "círculo"), (Role.FREE, "jardín"), (Role.ADMIN, "custodia")]
)
def test_every_greeting_variant_says_the_role(role: Role, word: str) -> None:
    for n in range(3):
        assert word in voice(force_variant=n).start.greeting_line(name="A", role=role)


SAMPLE_HTML = (
    '🎩 <b>Lucien:</b>\n<i>Hola &amp; adiós, <a href="https://t.me/x?a=1&amp;b=2">enlace '
    "<b>fuerte</b></a></i> &lt;3 <code>x &gt; y</code> 👑 fin <blockquote>cita <u>larga</u>"
    "</blockquote> &#128512; y más"
)


def test_fit_never_breaks_tags_or_entities() -> None:
    full = visible_len(SAMPLE_HTML)
    assert fit(SAMPLE_HTML, full) == SAMPLE_HTML
    for limit in range(1, full):
        cut = fit(SAMPLE_HTML, limit)
        assert visible_len(cut) <= limit, (limit, cut)
        assert html_problems(cut) == [], (limit, cut)
        assert cut.endswith(("…", ">"))


def test_fit_fuzz() -> None:
    rng = random.Random(9)
    pieces = ["<b>", "</b>", "<i>", "</i>", "&amp;", "&lt;", "ñ", "a", " ", "💕", "\n"]
    for _ in range(200):
        stack: list[str] = []
        out = []
        for _ in range(rng.randint(1, 80)):
            p = rng.choice(pieces)
            if p in ("<b>", "<i>"):
                if p[1] in stack:
                    continue
                stack.append(p[1])
            elif p in ("</b>", "</i>"):
                if not stack or stack[-1] != p[2]:
                    continue
                stack.pop()
            out.append(p)
        source = "".join(out) + "".join(f"</{t}>" for t in reversed(stack))
        assert html_problems(source) == []
        limit = rng.randint(1, 60)
        cut = fit(source, limit)
        assert visible_len(cut) <= limit and html_problems(cut) == []


def test_chunk_blocks_and_paginate() -> None:
    blocks = [f"<b>{n}</b> " + "x" * 300 for n in range(40)]
    chunks = chunk_blocks(blocks, 1000, header="<i>lista</i>")
    assert len(chunks) > 1
    assert all(visible_len(c) <= 1000 and html_problems(c) == [] for c in chunks)
    assert all(c.startswith("<i>lista</i>") for c in chunks)
    assert sum(c.count("<b>") for c in chunks) == 40
    items, page, pages = paginate(list(range(25)), 5, 10)
    assert (items, page, pages) == ([20, 21, 22, 23, 24], 2, 3)
    assert paginate([], 3, 10) == ([], 0, 1)


def test_batch_of_fifty_invitations_is_split_across_messages() -> None:
    from lucien.voice import samples

    case = samples.cases("admin_vip", "issued")[1]
    messages = voice().admin_vip.issued(**case)
    assert len(messages) > 1 and all(isinstance(m, Message) for m in messages)
    assert all(visible_len(m.text) <= 4096 and html_problems(m.text) == [] for m in messages)
    assert sum(m.text.count("?start=") for m in messages) == 50
    assert messages[-1].keyboard is not None and messages[0].keyboard is None


def test_importing_the_package_stays_cheap() -> None:
    import subprocess
    import sys

    code = (
        "import sys, lucien.voice as v; "
        "print(sorted(m for m in sys.modules if m.startswith('lucien.voice.providers')), "
        "'redis' in sys.modules, 'sqlalchemy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[] False False"
