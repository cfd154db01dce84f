"""What the panel's ``/run_tests`` and ``/profile`` call, handed to the bot from above.

The diagnostics report runs smoke updates through the pipeline, which dispatches to the
bot: the bot may not import it (the layers point one way). The entries that build the
webhook and polling apps put an :class:`Operations` into the dispatcher's data instead,
and the panel's handlers receive it as ``operations``. The modules are imported on first
use, so a cold start does not pay for them.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any


class Operations:
    @property
    def diagnostics(self) -> ModuleType:
        from lucien.ops import diagnostics

        return diagnostics

    @property
    def profiling(self) -> ModuleType:
        from lucien.ops import profiling

        return profiling


def provide(dispatcher: Any) -> None:
    """Make :class:`Operations` reachable to the dispatcher's handlers (idempotent)."""
    if "operations" not in dispatcher.workflow_data:
        dispatcher["operations"] = Operations()
