"""Telegram's HTML parse mode: turn markup into plain text plus entities, or refuse it.

The product promises that user-typed text is HTML-escaped wherever it is interpolated
("a name like ``<b>&`` never breaks a message"). Only a double that parses HTML the way
Telegram does can test that promise: an unescaped ``<`` or an unclosed ``<b>`` must fail
here with Telegram's own 400, not silently pass. The rules follow tdlib's ``parse_html``:

* ``<`` always starts a tag; an unknown tag name (including empty, as in ``a < b``) is
  "Unsupported start tag";
* ``&`` is only special when it forms ``&lt;`` ``&gt;`` ``&amp;`` ``&quot;`` or a numeric
  reference; a lone ``&`` is literal text;
* tags must nest properly and be closed.

Offsets and lengths are in UTF-16 code units, as in the Bot API. MarkdownV2 is not parsed
(the product speaks HTML); such text is stored as sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final

JSON = dict[str, Any]

_TAG_ENTITY: Final = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_REFERENCES: Final = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_REFERENCE = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|(lt|gt|amp|quot));")
_ATTRIBUTE = re.compile(r"""\s*([a-zA-Z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")


class HtmlParseError(ValueError):
    """Telegram's "can't parse entities" (the message is the part after that prefix)."""


@dataclass
class _OpenTag:
    name: str
    offset: int
    attributes: dict[str, str]
    children_language: str | None = None
    extra: JSON = field(default_factory=dict)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: how the Bot API measures text."""
    return len(text.encode("utf-16-le")) // 2


def _decode_references(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        decimal, hexadecimal, name = match.groups()
        if name:
            return _NAMED_REFERENCES[name]
        code = int(decimal) if decimal else int(hexadecimal, 16)
        return chr(code) if 0 < code <= 0x10FFFF else match.group(0)

    return _REFERENCE.sub(replace, text)


def _find_tag_end(source: str, start: int) -> int:
    """Index of the ``>`` closing a tag, skipping quoted attribute values; -1 if none."""
    quote: str | None = None
    for index in range(start, len(source)):
        char = source[index]
        if quote is not None:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == ">":
            return index
    return -1


def _parse_attributes(raw: str) -> dict[str, str]:
    attributes: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(raw.strip().rstrip("/")):
        name, double_quoted, single_quoted, bare = match.groups()
        value = next((v for v in (double_quoted, single_quoted, bare) if v is not None), "")
        attributes[name.lower()] = _decode_references(value)
    return attributes


def parse_html(source: str) -> tuple[str, list[JSON]]:
    """Return ``(plain_text, entities)`` or raise :class:`HtmlParseError`."""
    pieces: list[str] = []
    position = 0  # UTF-16 offset in the plain text produced so far
    stack: list[_OpenTag] = []
    entities: list[JSON] = []
    index = 0
    length = len(source)

    def byte_offset(at: int) -> int:
        return len(source[:at].encode())

    while index < length:
        char = source[index]
        if char == "&":
            match = _REFERENCE.match(source, index)
            if match is not None:
                decoded = _decode_references(match.group(0))
                pieces.append(decoded)
                position += utf16_len(decoded)
                index = match.end()
                continue
        if char != "<":
            pieces.append(char)
            position += utf16_len(char)
            index += 1
            continue

        end = _find_tag_end(source, index + 1)
        if index + 1 < length and source[index + 1] == "/":
            if end == -1:
                raise HtmlParseError(f"Unclosed end tag at byte offset {byte_offset(index)}")
            name = source[index + 2 : end].strip().lower()
            if not stack:
                raise HtmlParseError(f"Unexpected end tag at byte offset {byte_offset(index)}")
            opened = stack.pop()
            if name and name != opened.name:
                raise HtmlParseError(
                    f"Unmatched end tag at byte offset {byte_offset(index)}, expected "
                    f'"</{opened.name}>", found "</{name}>"'
                )
            _close(opened, position, stack, entities)
            index = end + 1
            continue

        name_end = index + 1
        while name_end < length and not source[name_end].isspace() and source[name_end] not in ">/":
            name_end += 1
        name = source[index + 1 : name_end].lower()
        if name not in _TAG_ENTITY:
            raise HtmlParseError(
                f'Unsupported start tag "{name}" at byte offset {byte_offset(index)}'
            )
        if end == -1:
            raise HtmlParseError(f"Unclosed start tag at byte offset {byte_offset(index)}")
        attributes = _parse_attributes(source[name_end:end])
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise HtmlParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(index)}'
            )
        stack.append(_OpenTag(name, position, attributes))
        index = end + 1

    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(pieces), entities


def _close(opened: _OpenTag, position: int, stack: list[_OpenTag], out: list[JSON]) -> None:
    """Emit the entity for a closed tag (empty ones vanish, as in Telegram)."""
    entity_length = position - opened.offset
    kind = _TAG_ENTITY[opened.name]
    if kind == "code" and stack and stack[-1].name == "pre":
        # <pre><code class="language-x"> is one pre entity with a language.
        language = opened.attributes.get("class", "")
        if language.startswith("language-"):
            stack[-1].children_language = language.removeprefix("language-")
        return
    if entity_length <= 0:
        return
    entity: JSON = {"type": kind, "offset": opened.offset, "length": entity_length}
    if kind == "text_link":
        url = opened.attributes.get("href", "")
        if not url:
            return
        entity["url"] = url
    elif kind == "pre" and opened.children_language:
        entity["language"] = opened.children_language
    elif kind == "blockquote" and "expandable" in opened.attributes:
        entity["type"] = "expandable_blockquote"
    elif kind == "custom_emoji":
        entity["custom_emoji_id"] = opened.attributes.get("emoji-id", "")
    out.append(entity)


def strip_text(text: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
    """Telegram trims surrounding whitespace from texts and captions; keep entities aligned."""
    stripped_start = text.lstrip()
    lead = utf16_len(text) - utf16_len(stripped_start)
    result = stripped_start.rstrip()
    total = utf16_len(result)
    kept: list[JSON] = []
    for entity in entities:
        start = max(int(entity["offset"]) - lead, 0)
        end = min(int(entity["offset"]) + int(entity["length"]) - lead, total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return result, kept
