"""Reading a Bot API request the way Telegram does.

Telegram accepts parameters as a query string, ``application/x-www-form-urlencoded``,
``multipart/form-data`` or ``application/json``. aiogram (and our httpx session) send form
fields where every value is a string: numbers arrive as ``"123"``, booleans as ``"true"``
and nested objects (``reply_markup``, ``commands``, ``scope``) as JSON text. The double
normalises all of that into one typed dict so handlers never care how a value travelled.

Free-text fields (message text, captions, names, callback query ids, secret tokens…) are
never coerced: a message whose text is ``"42"`` or ``"[1]"`` stays a string.

``multipart/form-data`` is parsed with the standard library's ``email`` package so the
double works without ``python-multipart``. Uploaded files become small descriptive dicts
(``{"filename", "mime_type", "file_size"}``) in place of the ``attach://`` reference.
"""

from __future__ import annotations

import json
import re
from email import policy
from email.parser import BytesParser
from typing import Any, Final
from urllib.parse import parse_qsl

from starlette.requests import Request

from lucien.telegram.double.errors import bad_request

JSON = dict[str, Any]

#: Fields whose values are free text or opaque ids and must stay exactly as sent.
TEXT_FIELDS: Final = frozenset(
    {
        "text",
        "caption",
        "name",
        "title",
        "description",
        "short_description",
        "custom_title",
        "username",
        "first_name",
        "last_name",
        "url",
        "data",
        "query",
        "callback_query_id",
        "inline_message_id",
        "business_connection_id",
        "message_effect_id",
        "secret_token",
        "ip_address",
        "invite_link",
        "language_code",
        "parse_mode",
        "emoji",
        "payload",
        "start_parameter",
        "photo",
        "document",
        "video",
        "audio",
        "animation",
        "voice",
        "video_note",
        "sticker",
        "thumbnail",
        "file_id",
        "action",
    }
)
_INTEGER = re.compile(r"^-?\d{1,20}$")
_ATTACH = "attach://"


def coerce_value(key: str, value: Any) -> Any:
    """Give a form-encoded value back its JSON type (ints, bools, objects, arrays)."""
    if not isinstance(value, str) or key in TEXT_FIELDS:
        return value
    if value in ("true", "false"):
        return value == "true"
    if _INTEGER.match(value):
        return int(value)
    if value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def coerce_params(raw: dict[str, Any]) -> JSON:
    return {key: coerce_value(key, value) for key, value in raw.items()}


def _parse_multipart(body: bytes, content_type: str) -> tuple[dict[str, str], dict[str, JSON]]:
    header = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=policy.HTTP).parsebytes(header + body)
    if not message.is_multipart():
        raise bad_request("Bad Request: can't parse multipart/form-data")
    fields: dict[str, str] = {}
    files: dict[str, JSON] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            files[name] = {
                "filename": filename,
                "mime_type": part.get_content_type(),
                "file_size": len(content),
            }
        else:
            charset = part.get_content_charset() or "utf-8"
            fields[name] = content.decode(charset, errors="replace")
    return fields, files


def _attach_files(fields: dict[str, Any], files: dict[str, JSON]) -> dict[str, Any]:
    """Replace ``attach://key`` references with the uploaded file they point at."""
    used: set[str] = set()
    for key, value in list(fields.items()):
        if isinstance(value, str) and value.startswith(_ATTACH):
            target = value.removeprefix(_ATTACH)
            if target in files:
                fields[key] = files[target]
                used.add(target)
    for key, upload in files.items():
        if key not in used and key not in fields:
            fields[key] = upload
    return fields


async def read_params(request: Request) -> JSON:
    """All parameters of a Bot API request: query string first, then the body."""
    raw: dict[str, Any] = dict(request.query_params)
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if body:
        if media_type == "application/json":
            try:
                decoded = json.loads(body)
            except ValueError as exc:
                raise bad_request("Bad Request: can't parse JSON object") from exc
            if not isinstance(decoded, dict):
                raise bad_request("Bad Request: can't parse JSON object")
            raw.update(decoded)
        elif media_type == "multipart/form-data":
            fields, files = _parse_multipart(body, content_type)
            raw.update(_attach_files(dict(fields), files))
        else:
            raw.update(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
    return coerce_params(raw)
