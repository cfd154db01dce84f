"""An order-independent fingerprint of a table: count plus the sum of row digests.

Each normalised row is serialised canonically (sorted keys, no whitespace) and hashed
with SHA-256; the table's checksum is the sum of those digests modulo 2**256. Adding is
commutative, so the order in which two databases return rows does not matter, and unlike
XOR two identical rows do not cancel out.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

_MOD = 2**256


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def row_bytes(row: dict[str, Any]) -> bytes:
    return _ENCODER.encode(row).encode()


@dataclass
class Fingerprint:
    rows: int = 0
    total: int = 0

    def add(self, canonical_row: dict[str, Any]) -> None:
        self.add_bytes(row_bytes(canonical_row))

    def add_bytes(self, data: bytes) -> None:
        digest = hashlib.sha256(data).digest()
        self.total = (self.total + int.from_bytes(digest, "big")) % _MOD
        self.rows += 1

    @property
    def checksum(self) -> str:
        return f"{self.total:064x}"

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "checksum": self.checksum}
