"""Telegram's size limits, and cutting HTML to them without breaking it.

Telegram counts a message's length after parsing entities, in UTF-16 code units (an emoji
outside the BMP counts as two). :func:`visible_len` measures exactly that; :func:`fit`
shortens a Telegram-HTML string to a limit, never cutting inside a tag or an entity and
closing whatever is still open.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Sequence
from typing import TypeVar

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
ALERT_LIMIT = 200
BUTTON_LABEL_LIMIT = 64
ELLIPSIS = "…"

T = TypeVar("T")

_TOKEN = re.compile(r"<[^<>]*>|&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});")
_TAG_NAME = re.compile(r"^</?\s*([a-zA-Z][a-zA-Z0-9-]*)")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _tokens(source: str) -> Iterator[tuple[str, str]]:
    """Yield ``("tag"|"entity"|"text", piece)``; text comes one character at a time."""
    pos = 0
    for match in _TOKEN.finditer(source):
        for ch in source[pos : match.start()]:
            yield "text", ch
        piece = match.group(0)
        yield ("tag" if piece.startswith("<") else "entity"), piece
        pos = match.end()
    for ch in source[pos:]:
        yield "text", ch


def visible_text(source: str) -> str:
    """The text a reader sees: tags removed, entities decoded."""
    out: list[str] = []
    for kind, piece in _tokens(source):
        if kind == "text":
            out.append(piece)
        elif kind == "entity":
            out.append(html.unescape(piece))
    return "".join(out)


def visible_len(source: str) -> int:
    return utf16_len(visible_text(source))


def _tag_name(tag: str) -> str:
    match = _TAG_NAME.match(tag)
    return match.group(1).lower() if match else ""


def fit(source: str, limit: int = TEXT_LIMIT, ellipsis: str = ELLIPSIS) -> str:
    """Return ``source`` unchanged if it fits, else a shortened, well-formed version.

    The cut happens between characters of text (never inside a tag or an entity), an
    ellipsis is appended, and every tag still open is closed in order.
    """
    if visible_len(source) <= limit:
        return source
    budget = limit - utf16_len(ellipsis)
    out: list[str] = []
    stack: list[str] = []
    used = 0
    for kind, piece in _tokens(source):
        if kind == "tag":
            name = _tag_name(piece)
            if piece.startswith("</"):
                if name in stack:
                    while stack:
                        top = stack.pop()
                        out.append(f"</{top}>")
                        if top == name:
                            break
                continue
            if not piece.endswith("/>") and name:
                stack.append(name)
            out.append(piece)
            continue
        size = utf16_len(html.unescape(piece) if kind == "entity" else piece)
        if used + size > budget:
            break
        used += size
        out.append(piece)
    # Drop tags opened right before the cut that hold nothing.
    while (
        out
        and stack
        and out[-1].startswith("<")
        and not out[-1].startswith("</")
        and _tag_name(out[-1]) == stack[-1]
    ):
        out.pop()
        stack.pop()
    text = "".join(out).rstrip()
    closing = "".join(f"</{name}>" for name in reversed(stack))
    return f"{text}{ellipsis}{closing}"


def shorten(text: str, limit: int, ellipsis: str = ELLIPSIS) -> str:
    """Shorten plain (not HTML) text to ``limit`` UTF-16 units."""
    if utf16_len(text) <= limit:
        return text
    out: list[str] = []
    used = 0
    budget = limit - utf16_len(ellipsis)
    for ch in text:
        size = utf16_len(ch)
        if used + size > budget:
            break
        used += size
        out.append(ch)
    return "".join(out).rstrip() + ellipsis


def paginate(items: Sequence[T], page: int, per_page: int) -> tuple[list[T], int, int]:
    """Return ``(items_on_page, page, pages)`` with ``page`` clamped into range."""
    per_page = max(1, per_page)
    pages = max(1, -(-len(items) // per_page))
    page = min(max(0, page), pages - 1)
    start = page * per_page
    return list(items[start : start + per_page]), page, pages


def chunk_blocks(blocks: Sequence[str], limit: int = TEXT_LIMIT, header: str = "") -> list[str]:
    """Group HTML blocks (each well-formed) into texts that each fit ``limit``.

    ``header`` starts every text. A single block too long on its own is shortened with
    :func:`fit`. Blocks are joined with a blank line.
    """
    texts: list[str] = []
    current = header
    sep = "\n\n"
    for block in blocks:
        candidate = f"{current}{sep}{block}" if current else block
        if visible_len(candidate) <= limit:
            current = candidate
            continue
        if current and current != header:
            texts.append(current)
        current = f"{header}{sep}{block}" if header else block
        if visible_len(current) > limit:
            current = fit(current, limit)
    if current and (current != header or not texts):
        texts.append(current)
    return texts
