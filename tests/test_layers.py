"""The package's layers point one way (the ``layers`` contract in ``pyproject.toml``).

import-linter reads every import (function-local ones too) and fails on any that runs
upward; the contract lists no exceptions. The second test keeps the contract honest: every
top-level part of ``lucien`` must be named in it, so a new package cannot sit outside the
layers unnoticed.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _contract() -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["id"] == "layers"]
    return contract


def test_layer_contract_is_kept() -> None:
    assert not _contract().get("ignore_imports"), "the layer contract admits no exceptions"
    # In its own process: import-linter configures logging with dictConfig, which would
    # silence every logger the rest of the suite reads (caplog).
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports; "
            "sys.exit(lint_imports(no_cache=True, no_logo=True))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, f"an import runs upward:\n{run.stdout}{run.stderr}"


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
    # A package may be split across layers by its modules (``lucien.ops.observe`` low,
    # ``lucien.ops.diagnostics`` high): then each of its modules must be named.
    split = {part for part in parts - named if any(n.startswith(part + ".") for n in named)}
    for package in split:
        modules = {
            f"{package}.{path.stem}"
            for path in (ROOT / package.replace(".", "/")).glob("*.py")
            if path.stem != "__init__"
        }
        assert modules <= named, f"not in any layer: {sorted(modules - named)}"
    assert parts - split <= named, f"not in any layer: {sorted(parts - split - named)}"
