"""Entry points for ``lucien voice lint`` and ``lucien voice preview``."""

from __future__ import annotations

from lucien.voice.lint import lint_main
from lucien.voice.preview import preview_main

__all__ = ["lint_main", "preview_main"]
