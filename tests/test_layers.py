"""The package's layers point one way (the ``layers`` contract in ``pyproject.toml``).

import-linter reads every import (function-local ones too) and fails on any that runs
upward; the contract lists no exceptions. The second test keeps the contract honest: every
top-level part of ``lucien`` must be named in it, so a new package cannot sit outside the
layers unnoticed.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]


def _contract() -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["id"] == "layers"]
    return contract


def test_layer_contract_is_kept(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    contract = _contract()
    assert not contract.get("ignore_imports"), "the layer contract admits no exceptions"
    assert lint_imports(no_cache=True, no_logo=True) == 0, "an import runs upward (see output)"


def test_every_part_of_the_package_is_in_a_layer() -> None:
    named = {
        name.strip()
        for layer in _contract()["layers"]
        for name in layer.replace(":", "|").split("|")
    }
    parts = {
        f"lucien.{path.stem if path.is_file() else path.name}"
        for path in (ROOT / "lucien").iterdir()
        if (path.suffix == ".py" and path.stem != "__init__")
        or (path.is_dir() and (path / "__init__.py").exists())
    }
    assert parts <= named, f"not in any layer: {sorted(parts - named)}"
