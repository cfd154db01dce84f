"""The voice linter passes on the project's texts and catches each kind of mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from lucien.voice import Message, lint
from lucien.voice.lint import Problem, check_alert, check_result, check_source, check_text
from lucien.voice.message import Alert
from lucien.voice.preview import preview_main
from lucien.voice.providers.common import CommonProvider

SIG = "🎩 <b>Lucien:</b>\n"


def rules(problems: list[Problem]) -> set[str]:
    return {p.rule for p in problems}


def test_project_texts_pass_the_linter(capsys: pytest.CaptureFixture[str]) -> None:
    """Every source string and every variant of every method, with hostile values."""
    assert lint.lint_main([]) == 0
    assert "all clean" in capsys.readouterr().out


def test_every_provider_method_has_samples() -> None:
    from lucien.voice import samples

    missing = [f"{p}.{m}" for p, m, _ in lint.provider_methods() if not samples.cases(p, m)]
    assert missing == []
    assert sum(1 for _ in lint.provider_methods()) > 120


#: Each rule, and texts that break it (planted in an otherwise clean, signed message).
PLANTED: dict[str, list[str]] = {
    "tu-form": [
        "¿Tú qué opinas?",
        "Aquí está tu menú.",
        "Te espero en el Diván.",
        "Si quieres, entra.",
        "¿Puedes esperar?",
        "Pulsa el botón.",
        "Únete al círculo.",
        "Para ti, nada más.",
        "No te preocupes.",
        "Eres bienvenido.",
    ],
    "banned-word": [
        "Hubo un error.",
        "La base de datos no responde.",
        "Su token es válido.",
        "Falló la API.",
        "Valor null.",
        "Un callback perdido.",
        "Excepción inesperada.",
    ],
    "html": [
        "<b>abierto",
        "<b><i>cruzado</b></i>",
        "cerrado</b>",
        "<div>bloque</div>",
        "Ana & Bob",
        "3 < 4",
        "4 > 3",
        '<span class="rojo">x</span>',
        "<a>sin destino</a>",
        "<code><b>dentro</b></code>",
        "&nbsp;",
    ],
    "gender": [
        "Estoy listo.",
        "Ana queda bloqueada. No recibiré más mensajes suyos.",
        "Ana ha sido retirado de los canales.",
        "Ana es ahora custodio de Diana.",
        "Ana vuelve a ser bienvenida.",
        "Bienvenido, Ana.",
        "Es un honor recibirle, custodio.",
        "Como custodia, puede abrir el panel.",
        "¿Está seguro de retirarla?",
        "Querida Ana, gracias.",
    ],
}


@pytest.mark.parametrize(
    ("rule", "text"), [(rule, text) for rule, texts in PLANTED.items() for text in texts]
)
def test_planted_mistakes_are_caught(rule: str, text: str) -> None:
    assert rule in rules(check_text(SIG + text, "planted"))


@pytest.mark.parametrize(
    "text",
    [
        "Su actitud es admirable.",
        "La tutela de Diana.",
        "Una estatua en el jardín.",
        "Aquí tiene su menú; puede volver cuando guste.",
        "Diana lo escribió rápidamente.",
        "Un té en el jardín.",
        "<code>tu-token-te</code> queda anotado.",
    ],
)
def test_usted_prose_is_not_flagged(text: str) -> None:
    assert rules(check_text(SIG + text, "clean")) == set()


def test_diana_may_say_tu_but_nothing_else_is_excused() -> None:
    diana = "🌸 <b>Diana:</b>\n¡Hola! Vi que te interesa y te escribo pronto 💕"
    assert rules(check_text(diana, "diana", speaker="diana")) == set()
    assert "signature" in rules(check_text(diana, "diana as lucien"))
    assert "banned-word" in rules(check_text(diana + " error", "diana", speaker="diana"))


def test_commands_and_handles_are_not_banned_words() -> None:
    assert rules(check_text(SIG + "Use /admin o escriba a @admin_diana.", "x")) == set()


def test_missing_signature_is_caught() -> None:
    assert "signature" in rules(check_text("Buenas noches.", "planted"))
    assert "signature" in rules(check_text("<b>Lucien:</b> Buenas noches.", "planted"))


def test_valid_telegram_html_passes() -> None:
    text = (
        SIG + "<b>a</b> <strong>b</strong> <i>c</i> <u>d</u> <s>e</s> <tg-spoiler>f</tg-spoiler>"
        ' <span class="tg-spoiler">g</span> <a href="tg://user?id=1">h</a> <code>i</code>'
        ' <pre><code class="language-python">j</code></pre> <blockquote>k</blockquote>'
        " &lt;&gt;&amp;&quot;&#39;&#x27;"
    )
    assert rules(check_text(text, "valid")) == set()


def test_over_long_texts_are_caught() -> None:
    assert "length" in rules(check_text(SIG + "a" * 4096, "planted"))
    assert rules(check_text(SIG + "a" * 1000, "caption", limit=1024)) == set()
    assert "length" in rules(check_text(SIG + "a" * 1100, "caption", limit=1024))
    long_alert = object.__new__(Alert)
    object.__setattr__(long_alert, "text", "a" * 201)
    object.__setattr__(long_alert, "show_alert", False)
    assert "length" in rules(check_alert(long_alert, "planted"))


def test_unfilled_placeholders_and_bad_buttons_are_caught() -> None:
    from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

    assert "placeholder" in rules(check_text(SIG + "Hola, {name}.", "planted"))
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text="Ver", callback_data="zz:unknown")],
            [InlineKeyboardButton(text="Abrir", url="javascript:alert(1)")],
            [InlineKeyboardButton(text="Pulsa aquí", callback_data="h")],
        ]
    )
    problems = check_result(Message(text=SIG + "Hola.", keyboard=keyboard), "planted")
    details = " ".join(p.detail for p in problems)
    assert "does not unpack" in details and "unsafe url" in details
    assert "tu-form" in rules(problems)


def test_source_strings_are_checked_but_docstrings_and_diana_are_not(tmp_path: Path) -> None:
    module = tmp_path / "planted.py"
    module.write_text(
        '"""Docstring with tú and error is fine."""\n'
        'BAD = "¿Tú quieres entrar?"\n'
        'WORSE = f"Hubo un error con {1}"\n'
        'DIANA_NOTE = "Te escribo pronto, tú sabes."\n'
        'KEY = "admin.error_count"\n'
        'def f():\n    """Tú."""\n    return "Su actitud."\n',
        encoding="utf-8",
    )
    problems = check_source(module)
    assert {(p.rule, p.where) for p in problems} == {
        ("tu-form", "planted.py:2"),
        ("banned-word", "planted.py:3"),
    }


def test_a_bad_provider_text_fails_the_render_lint(monkeypatch: pytest.MonkeyPatch) -> None:
    def bad(self: CommonProvider) -> Message:
        return self.message("blocked", "Ya no puedes escribirme: hubo un error <b>grave")

    monkeypatch.setattr(CommonProvider, "blocked_notice", bad)
    found = [p for p in lint.run(hostile=False) if p.where.startswith("common.blocked")]
    assert {"tu-form", "banned-word", "html"} <= rules(found)


@pytest.mark.parametrize(
    "text",
    [
        "Le doy la bienvenida al jardín.",
        "Quien lo abra entrará al ritual de bienvenida.",
        "He bloqueado a Ana. No recibiré más mensajes suyos.",
        "Todo está dispuesto para su revisión.",
        "Ana tiene ahora la custodia de la casa.",
        "He retirado su enlace personal.",
    ],
)
def test_neutral_forms_pass_the_gender_rule(text: str) -> None:
    assert "gender" not in rules(check_text(SIG + text, "planted"))


def test_preview_prints_text_and_buttons(capsys: pytest.CaptureFixture[str]) -> None:
    assert preview_main(["menus", "vip", "--variant", "1"]) == 0
    out = capsys.readouterr().out
    assert "variante 2/3" in out and "[🗝 Contenido del Diván] → v:content:0:0" in out
    assert preview_main(["start", "greeting_line", "--role", "admin"]) == 0
    assert "custodia" in capsys.readouterr().out
    assert preview_main(["flows", "free_welcome"]) == 0
    assert "→ https://instagram.com/diana" in capsys.readouterr().out
    assert preview_main([]) == 0
    assert "admin_vip" in capsys.readouterr().out
    assert preview_main(["nada"]) == 2


def test_preview_all_renders_everything(capsys: pytest.CaptureFixture[str]) -> None:
    assert preview_main(["--all"]) == 0
    out = capsys.readouterr().out
    methods = sum(1 for _ in lint.provider_methods())
    assert out.count("── ") >= methods
    assert "🌸 <b>Diana:</b>" in out


def test_module_entry_point(capsys: pytest.CaptureFixture[str]) -> None:
    from lucien.voice.__main__ import main

    assert main(["preview", "common", "stale"]) == 0
    assert "ya no está disponible" in capsys.readouterr().out
    assert main(["nothing"]) == 2
