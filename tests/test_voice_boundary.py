"""Every word a person reads comes from lucien/voice/.

Scans the string literals (not docstrings) of every module outside the voice package —
handlers, services, jobs, entries — for Spanish prose. A literal with Spanish letters or
common Spanish words would be a message written around the voice layer.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCANNED = [ROOT / "lucien", ROOT / "functions"]
# The voice itself, the Telegram double (it plays Telegram and the people writing to the
# bot: its sample texts are theirs, not Lucien's) and the sandbox (it plays the creator and
# the people of the story: channel titles, posts, the labels of the buttons they press).
EXEMPT = [
    ROOT / "lucien" / "voice",
    ROOT / "lucien" / "telegram" / "double",
    ROOT / "lucien" / "sandbox",
]
SPANISH = re.compile(
    r"[áéíóúñ¿¡]|\b(usted|ustedes|señor|señora|bienvenid[oa]s?|gracias|por favor|"
    r"el diván|vestíbulo|círculo|invitación|suscripción|estimad[oa])\b",
    re.IGNORECASE,
)


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def spanish_literals(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    return [
        f"{path.relative_to(root)}:{node.lineno}: {node.value[:60]!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and SPANISH.search(node.value)
    ]


def _modules() -> list[Path]:
    return [
        path
        for base in SCANNED
        for path in sorted(base.rglob("*.py"))
        if not any(path.is_relative_to(exempt) for exempt in EXEMPT)
    ]


def test_no_spanish_prose_outside_the_voice_package() -> None:
    modules = _modules()
    assert len(modules) > 40
    found = [hit for path in modules for hit in spanish_literals(path)]
    assert found == [], "\n".join(found)


def test_the_scan_catches_a_planted_message(tmp_path: Path) -> None:
    planted = tmp_path / "handler.py"
    planted.write_text(
        '"""Docstrings may say anything: bienvenida."""\n'
        "async def on_start(message):\n"
        '    await message.answer("Bienvenido al jardín, estimado visitante")\n'
    )
    assert len(spanish_literals(planted, tmp_path)) == 1
