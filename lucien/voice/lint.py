"""The voice linter: Lucien's rules, checked on every string and every rendered variant.

Rules (each :class:`Problem` names one):

- ``tu-form`` — Lucien says *usted*: no tú pronouns, possessives or verb forms (word
  boundaries, so "actitud" is not "tu"). Diana's own note (``speaker="diana"``, and source
  strings assigned to ``DIANA_*`` names) is the one exception.
- ``gender`` — Lucien does not know a person's gender: no "estoy listo", "bienvenido",
  "queda bloqueado", "ha sido retirado", "es ahora custodio", no "custodio" as a form of
  address (see :data:`GENDERED`).
- ``banned-word`` — no technical vocabulary (error, API, token…) in what people read.
- ``signature`` — Lucien's messages start with ``🎩 <b>Lucien:</b>``; Diana's with 🌸.
- ``html`` — valid Telegram HTML: allowed tags only, balanced and nested, ``&`` as entities.
- ``length`` — text 4096 / caption 1024 / alert 200 (UTF-16 units, after entities).
- ``button`` — labels present and short, callback data ≤ 64 bytes and parseable, URLs safe.
- ``placeholder`` — no ``{name}`` left unfilled.
- ``samples`` / ``render`` — every provider method has samples and renders without raising.

Prose inside ``<code>``/``<pre>`` (ids, links, invitations) is not checked for words.
"""

from __future__ import annotations

import argparse
import ast
import html
import inspect
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lucien.voice.limits import ALERT_LIMIT, BUTTON_LABEL_LIMIT, TEXT_LIMIT, utf16_len, visible_len
from lucien.voice.message import DIANA_SIGNATURE, LUCIEN_SIGNATURE, Alert, Message

TU_WORDS = frozenset(
    """
    tú tu tus te ti contigo tuyo tuya tuyos tuyas
    eres estás tienes puedes quieres sabes vienes vas has haces necesitas deseas debes
    prefieres sientes buscas quedas llegas entras sales podrás tendrás serás estarás
    recibirás verás encontrarás estés tengas puedas quieras seas vengas sepas hagas
    olvides dudes preocupes
    pulsa elige selecciona ingresa introduce dime cuéntame avísame escríbeme mírame
    """.split()
)
BANNED = (
    "error",
    "errores",
    "database",
    "base de datos",
    "api",
    "exception",
    "excepción",
    "excepcion",
    "null",
    "none",
    "undefined",
    "callback",
    "token",
    "tokens",
    "bug",
    "bugs",
    "stack",
    "traceback",
    "server",
    "servidor",
    "backend",
    "webhook",
    "json",
    "sql",
    "redis",
    "cron",
    "log",
    "logs",
    "debug",
    "crash",
    "timeout",
    "payload",
    "dry run",
    "dry-run",
    "admin",
    "admins",
    "bot",
    "id",
    "link",
    "status",
    "update",
    "request",
    "query",
    "fsm",
)
#: Forms that agree with a person's gender. Lucien cannot know it, so a message says the
#: same thing through the act or a noun ("He bloqueado a Ana", "tiene la custodia") instead.
_PERSON_PARTICIPLES = (
    "list|bloquead|desbloquead|retirad|expulsad|bienvenid|custodi|segur|encantad|invitad|avisad|"
    "nombrad|elegid|admitid|preparad|convencid|interesad|atent"
)
GENDERED = (
    # "Estoy listo", "está seguro", "queda bloqueado", "ha sido retirado", "es ahora custodio"
    re.compile(
        r"\b(?:estoy|estás?|están|quedas?|quedan|quedó|fue|fueron|ha sido|han sido|"
        r"vuelve a ser|es ahora|ya no es|es|sea|será)\s+(?:" + _PERSON_PARTICIPLES + r")[oa]s?\b"
    ),
    # "bienvenido/a/os" as an adjective ("la bienvenida", "de bienvenida" are nouns)
    re.compile(r"(?<!la )(?<!de )(?<!una )\bbienvenid[oa]s?\b"),
    # "custodio" said to or about one person ("…, custodio.", "como custodio")
    re.compile(r"(?:,\s*|\bcomo\s+|\bun\s+|\buna\s+)custodi[oa]\b"),
    # "querido/a", "estimado/a" as a form of address
    re.compile(r"\b(?:querid|estimad)[oa]s?\s+(?:[a-záéíóúñ]|<)"),
)


def gendered(text: str) -> list[str]:
    """Phrases in ``text`` that assume the gender of the person they are about."""
    flat = re.sub(r"\s+", " ", prose(text))
    return [m.group(0) for pattern in GENDERED for m in pattern.finditer(flat)]


_BANNED_RE = re.compile(
    r"(?<![\w/@-])("
    + "|".join(re.escape(w) for w in sorted(BANNED, key=len, reverse=True))
    + r")(?![\w-])"
)
_WORD_RE = re.compile(r"[a-záéíóúüñ]+")
_ENCLITIC_TE = re.compile(r"^[a-zñ]*[áéíóú][a-záéíóúñ]*te$")

ALLOWED_TAGS: dict[str, frozenset[str]] = {
    "b": frozenset(),
    "strong": frozenset(),
    "i": frozenset(),
    "em": frozenset(),
    "u": frozenset(),
    "ins": frozenset(),
    "s": frozenset(),
    "strike": frozenset(),
    "del": frozenset(),
    "tg-spoiler": frozenset(),
    "span": frozenset({"class"}),
    "a": frozenset({"href"}),
    "code": frozenset({"class"}),
    "pre": frozenset(),
    "blockquote": frozenset({"expandable"}),
    "tg-emoji": frozenset({"emoji-id"}),
}
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:=\"[^\"<>]*\")?)*)\s*>")
_ATTR_RE = re.compile(r"([a-zA-Z-]+)(?:=\"([^\"]*)\")?")
_ENTITY_RE = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")
_CODE_RE = re.compile(r"<(code|pre)\b[^>]*>.*?</\1>", re.S)
_PLACEHOLDER_RE = re.compile(r"\{[a-z_]*\}")


@dataclass(frozen=True)
class Problem:
    rule: str
    where: str
    detail: str

    def __str__(self) -> str:
        return f"{self.where}: [{self.rule}] {self.detail}"


# -- text rules ---------------------------------------------------------------------------


def prose(text: str) -> str:
    """What a reader reads as prose: no code spans, no tags, entities decoded, lowercase."""
    without_code = _CODE_RE.sub(" ", text)
    return html.unescape(re.sub(r"<[^>]*>", " ", without_code)).lower()


def tu_forms(text: str) -> list[str]:
    """The tú forms in ``text`` (HTML or plain)."""
    found = []
    for word in _WORD_RE.findall(prose(text)):
        if word in TU_WORDS or (_ENCLITIC_TE.match(word) and not word.endswith("mente")):
            found.append(word)
    return found


def banned_words(text: str) -> list[str]:
    return [m.group(1) for m in _BANNED_RE.finditer(prose(text))]


def html_problems(text: str) -> list[str]:
    """Why ``text`` is not valid Telegram HTML (empty when it is)."""
    problems: list[str] = []
    stack: list[str] = []
    pos = 0
    for match in re.finditer(r"<[^>]*>?|&[^;\s<>&]*;?|>", text):
        piece = match.group(0)
        pos = match.start()
        if piece == ">":
            problems.append(f"bare '>' at {pos}")
            continue
        if piece.startswith("&"):
            if not _ENTITY_RE.fullmatch(piece):
                problems.append(f"bare '&' or unknown entity {piece[:12]!r} at {pos}")
            continue
        tag = _TAG_RE.fullmatch(piece)
        if not tag:
            problems.append(f"bare '<' or malformed tag {piece[:20]!r} at {pos}")
            continue
        closing, name, attrs = tag.group(1), tag.group(2).lower(), tag.group(3)
        if name not in ALLOWED_TAGS:
            problems.append(f"tag <{name}> is not allowed")
            continue
        if closing:
            if not stack or stack[-1] != name:
                problems.append(f"</{name}> closes {'<' + stack[-1] + '>' if stack else 'nothing'}")
            else:
                stack.pop()
            continue
        for attr, value in _ATTR_RE.findall(attrs):
            if attr not in ALLOWED_TAGS[name]:
                problems.append(f"attribute {attr!r} not allowed on <{name}>")
            elif name == "span" and value != "tg-spoiler":
                problems.append('<span> only with class="tg-spoiler"')
            elif name == "a" and not value:
                problems.append("<a> without href")
        if name == "a" and "href" not in attrs:
            problems.append("<a> without href")
        if stack and stack[-1] in {"code", "pre"} and not (stack[-1] == "pre" and name == "code"):
            problems.append(f"<{name}> inside <{stack[-1]}>")
        if name == "a" and "a" in stack:
            problems.append("<a> inside <a>")
        stack.append(name)
    if stack:
        problems.append("unclosed " + ", ".join(f"<{t}>" for t in stack))
    return problems


def check_text(
    text: str,
    where: str,
    *,
    speaker: str = "lucien",
    limit: int = TEXT_LIMIT,
    signature: bool = True,
    placeholders: bool = True,
) -> list[Problem]:
    """Every rule that applies to one HTML text."""
    out: list[Problem] = []
    if speaker != "diana":
        for word in tu_forms(text):
            out.append(Problem("tu-form", where, f"«{word}» — Lucien says usted"))
    for word in banned_words(text):
        out.append(Problem("banned-word", where, f"«{word}»"))
    for phrase in gendered(text):
        out.append(Problem("gender", where, f"«{phrase}» assumes a gender; say it neutrally"))
    for detail in html_problems(text):
        out.append(Problem("html", where, detail))
    length = visible_len(text)
    if length > limit:
        out.append(Problem("length", where, f"{length} > {limit}"))
    if not text.strip():
        out.append(Problem("length", where, "empty text"))
    if signature:
        expected = DIANA_SIGNATURE if speaker == "diana" else LUCIEN_SIGNATURE
        if not text.startswith(expected):
            out.append(Problem("signature", where, f"must start with {expected!r}"))
    if placeholders:
        for ph in _PLACEHOLDER_RE.findall(text):
            out.append(Problem("placeholder", where, f"unfilled {ph}"))
    return out


def check_alert(alert: Alert, where: str, *, strict: bool = True) -> list[Problem]:
    """Alerts are plain text: no HTML check, but no markup either (``strict``: not hostile)."""
    text = alert.text
    out = [
        p
        for p in check_text(
            html.escape(text, quote=False),
            where,
            limit=ALERT_LIMIT,
            signature=False,
            placeholders=strict,
        )
        if p.rule != "html"
    ]
    if strict and re.search(r"<[a-z/][^>]*>|&[a-z#0-9]+;", text):
        out.append(Problem("html", where, "alerts are plain text (no tags or entities)"))
    return out


def check_buttons(message: Message, where: str) -> list[Problem]:
    from lucien.callbacks import ALL_FACTORIES

    out: list[Problem] = []
    for btn in message.buttons:
        at = f"{where} button {btn.text!r}"
        if not btn.text.strip() or utf16_len(btn.text) > BUTTON_LABEL_LIMIT:
            out.append(Problem("button", at, "label empty or too long"))
        out.extend(
            Problem(p.rule, at, p.detail)
            for p in check_text(btn.text, at, signature=False, placeholders=False)
            if p.rule in {"tu-form", "banned-word", "gender"}
        )
        if btn.callback_data is not None:
            data = btn.callback_data
            if len(data.encode()) > 64:
                out.append(Problem("button", at, f"callback data over 64 bytes: {data!r}"))
            if not any(_unpacks(f, data) for f in ALL_FACTORIES):
                out.append(Problem("button", at, f"callback data does not unpack: {data!r}"))
        elif btn.url is not None:
            if not btn.url.startswith(("https://", "http://", "tg://")) or " " in btn.url:
                out.append(Problem("button", at, f"unsafe url {btn.url[:40]!r}"))
        else:
            out.append(Problem("button", at, "neither callback data nor url"))
    return out


def _unpacks(factory: Any, data: str) -> bool:
    try:
        factory.unpack(data)
    except (TypeError, ValueError):
        return False
    return True


def check_result(result: Any, where: str, *, placeholders: bool = True) -> list[Problem]:
    """Check whatever a provider method returned."""
    if isinstance(result, Message):
        return check_text(
            result.text, where, speaker=result.speaker, placeholders=placeholders
        ) + check_buttons(result, where)
    if isinstance(result, Alert):
        return check_alert(result, where, strict=placeholders)
    if isinstance(result, str):
        return [
            p
            for p in check_text(result, where, signature=False, placeholders=placeholders)
            if p.rule != "length" or result
        ]
    if isinstance(result, list):
        out: list[Problem] = []
        if not result:
            out.append(Problem("render", where, "returned an empty list"))
        for n, item in enumerate(result):
            if isinstance(item, tuple):  # (command, description)
                command, description = item
                if not re.fullmatch(r"[a-z0-9_]{1,32}", command):
                    out.append(Problem("button", where, f"bad command {command!r}"))
                if not 1 <= len(description) <= 256:
                    out.append(Problem("length", where, f"command description {command!r}"))
                out.extend(check_text(description, f"{where}/{command}", signature=False))
            else:
                out.extend(check_result(item, f"{where}#{n}", placeholders=placeholders))
        return out
    return [Problem("render", where, f"unexpected result {type(result).__name__}")]


# -- sources ------------------------------------------------------------------------------

SOURCE_DIRS = ("providers",)
SOURCE_FILES = ("dates.py", "markup.py", "message.py")


def source_files() -> list[Path]:
    root = Path(__file__).parent
    files = [root / name for name in SOURCE_FILES]
    for folder in SOURCE_DIRS:
        files.extend(sorted((root / folder).glob("*.py")))
    return files


def _looks_like_prose(value: str) -> bool:
    return bool(re.search(r"[A-Za-zÁÉÍÓÚáéíóúñÑ]{2}", value)) and (
        " " in value.strip() or bool(re.search(r"[áéíóúñ¿¡]", value))
    )


def check_source(path: Path) -> list[Problem]:
    """Check every string literal (not docstrings) of one module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    docstrings: set[int] = set()
    diana: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id.startswith("DIANA_") for t in node.targets
        ):
            diana.update(id(n) for n in ast.walk(node.value))
    out: list[Problem] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        if id(node) in docstrings or not _looks_like_prose(node.value):
            continue
        where = f"{path.name}:{node.lineno}"
        literal = html.escape(node.value, quote=False) if "<" not in node.value else node.value
        if id(node) not in diana:
            out.extend(Problem("tu-form", where, f"«{w}»") for w in tu_forms(literal))
        out.extend(Problem("banned-word", where, f"«{w}»") for w in banned_words(literal))
        out.extend(Problem("gender", where, f"«{w}»") for w in gendered(literal))
    return out


# -- rendering every provider method ------------------------------------------------------


def provider_methods() -> Iterator[tuple[str, str, Any]]:
    """``(provider, method, function)`` for every public method of every provider."""
    from lucien.voice.service import PROVIDERS, Voice

    voice = Voice(history=None, user_id=None)
    for name in PROVIDERS:
        provider = getattr(voice, name)
        for attr, func in sorted(vars(type(provider)).items()):
            if not attr.startswith("_") and inspect.isfunction(func):
                yield name, attr, func


def render(
    provider: str,
    method: str,
    kwargs: dict[str, Any],
    variant: int | None = None,
    user_id: int | None = None,
) -> tuple[Any, dict[str, int]]:
    """Render one method with ``kwargs``; returns the result and the variant counts."""
    from lucien.voice import samples
    from lucien.voice.service import Voice

    voice = Voice(history=None, user_id=user_id, now=samples.fixed_now(), force_variant=variant)
    result = getattr(getattr(voice, provider), method)(**kwargs)
    return result, dict(voice.variant_counts)


def render_all(hostile: bool = True) -> Iterator[tuple[str, Any]]:
    """Yield ``(where, result_or_problem)`` for every method × case × variant (× hostile)."""
    from lucien.voice import samples

    for provider, method, _ in provider_methods():
        cases = samples.cases(provider, method)
        if not cases:
            yield (
                f"{provider}.{method}",
                Problem("samples", f"{provider}.{method}", "no sample cases in samples.py"),
            )
            continue
        for n, case in enumerate(cases):
            values: list[tuple[str, dict[str, Any]]] = [("", case)]
            if hostile:
                values += [
                    (f" hostile={h[:12]!r}", samples.hostile(case, h)) for h in samples.HOSTILE
                ]
            for label, kwargs in values:
                variant = 0
                total = 1
                while variant < total:
                    where = f"{provider}.{method}[case {n}, variant {variant}{label}]"
                    try:
                        result, counts = render(provider, method, kwargs, variant)
                    except Exception as exc:  # report, do not stop the lint
                        yield where, Problem("render", where, f"{type(exc).__name__}: {exc}")
                        break
                    total = max(counts.values(), default=1)
                    yield where, result
                    variant += 1


def run(hostile: bool = True) -> list[Problem]:
    problems: list[Problem] = []
    for path in source_files():
        problems.extend(check_source(path))
    for where, result in render_all(hostile=hostile):
        if isinstance(result, Problem):
            problems.append(result)
        else:
            problems.extend(check_result(result, where, placeholders="hostile" not in where))
    return problems


def _dedupe(problems: Iterable[Problem]) -> list[Problem]:
    seen: set[tuple[str, str]] = set()
    out = []
    for p in problems:
        key = (p.rule, p.where.split("[")[0] + p.detail)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def lint_main(argv: list[str] | None = None) -> int:
    """``lucien voice lint``: print every problem; exit 1 if there is any."""
    parser = argparse.ArgumentParser(prog="lucien voice lint", description=__doc__.split("\n")[0])
    parser.add_argument("--no-hostile", action="store_true", help="skip hostile sample values")
    parser.add_argument("--all", action="store_true", help="list repeated problems too")
    args = parser.parse_args(argv)
    problems = run(hostile=not args.no_hostile)
    shown = problems if args.all else _dedupe(problems)
    for problem in shown:
        print(problem)
    methods = sum(1 for _ in provider_methods())
    if problems:
        print(f"\n{len(problems)} problem(s) ({len(shown)} shown) across {methods} messages.")
        return 1
    print(f"Voice lint: {methods} messages, every variant and hostile value — all clean.")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(lint_main())
