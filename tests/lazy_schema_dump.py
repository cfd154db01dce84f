"""Dump every aiogram type's and method's schema in a canonical form, as JSON on stdout.

Run in a fresh interpreter by tests/test_lazy_types.py, once with aiogram imported as
released (``LUCIEN_EAGER_AIOGRAM=1``) and once with Lucien's deferral.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported for real in main(), after lucien.lazy_types.install()
    from pydantic import BaseModel

_ADDRESS = re.compile(r"0x[0-9a-f]+|:\d{5,}")


def _canonical(schema: Any) -> dict[str, Any]:
    """The schema as a table of named (``ref``) parts, each with its named children by ref.

    A model built while its children were built (eager) embeds them inline; built before
    them (lazy) it may hold them in ``definitions``. Both mean the same validator; the
    table is equal exactly when the schemas are.
    """
    table: dict[str, Any] = {}

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            kind = node.get("type")
            if kind == "definition-ref":
                return ("ref", _ADDRESS.sub("#", node["schema_ref"]))
            if kind == "definitions":
                for part in node["definitions"]:
                    walk(part)
                return walk(node["schema"])
            if "ref" in node:
                ref = _ADDRESS.sub("#", node["ref"])
                body = {k: walk(v) for k, v in node.items()}
                if table.setdefault(ref, body) != body:
                    raise AssertionError(f"two shapes for {ref}")
                return ("ref", ref)
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list | tuple):
            return [walk(v) for v in node]
        return _ADDRESS.sub("#", repr(node))  # functions built per schema differ only in address

    root = walk(schema)
    return {"root": root, "parts": dict(sorted(table.items()))}


def _digest(cls: type[BaseModel]) -> str:
    text = _ADDRESS.sub("#", repr(_canonical(cls.__pydantic_core_schema__)))
    return hashlib.sha256(text.encode()).hexdigest()


def main() -> None:
    import lucien.lazy_types

    lucien.lazy_types.install()  # before aiogram (no-op with LUCIEN_EAGER_AIOGRAM=1)
    import aiogram.methods
    import aiogram.types
    from pydantic import BaseModel

    lazy = {f"{c.__module__}.{c.__qualname__}" for c in lucien.lazy_types.deferred}
    incomplete_at_import = sorted(
        f"{pkg.__name__}.{name}"
        for pkg in (aiogram.types, aiogram.methods)
        for name in pkg.__all__
        if isinstance(getattr(pkg, name), type)
        and issubclass(getattr(pkg, name), BaseModel)
        and not getattr(pkg, name).__pydantic_complete__
    )
    digests: dict[str, str] = {}
    for pkg in (aiogram.types, aiogram.methods):
        for name in pkg.__all__:
            cls = getattr(pkg, name)
            if not (isinstance(cls, type) and issubclass(cls, BaseModel)):
                continue
            # The first use builds a deferred type, exactly as a handler would.
            cls.__pydantic_core_schema__.get("type")
            if not cls.__pydantic_complete__:
                raise AssertionError(f"{name} did not build on first use")
            digests[f"{pkg.__name__}.{name}"] = _digest(cls)
    json.dump(
        {"digests": digests, "deferred": sorted(lazy), "incomplete": incomplete_at_import},
        sys.stdout,
    )


if __name__ == "__main__":
    main()
