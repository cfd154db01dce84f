"""What a write statement reports back.

``session.execute`` is typed to return ``Result``; only its ``CursorResult`` form has
``rowcount``, which every conditional update here depends on ("did I win?").
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy.engine import CursorResult, Result


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE, DELETE or INSERT matched."""
    return int(cast(CursorResult[Any], result).rowcount or 0)
