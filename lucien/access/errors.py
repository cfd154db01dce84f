"""A refusal the caller puts into words: a ``code`` and, for a range, the ``limit``.

Plans and invitations refuse the same way: the panel and the command line look the code up
in the voice layer (``limit`` fills in the sentence), so this layer never writes text.
"""

from __future__ import annotations


class CodedError(ValueError):
    """``code`` names what was refused (each subclass lists its codes); ``limit`` is the
    bound that was crossed, when there is one."""

    def __init__(self, code: str, limit: object = None) -> None:
        super().__init__(code if limit is None else f"{code} (limit {limit})")
        self.code = code
        self.limit = limit
