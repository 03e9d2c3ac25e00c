"""The volunteers' audit log: who did what, and when.

`detail` is a Dutch sentence for the coordinator. It names signups by their ticket
code, never by the resident's name or phone: the log outlives the signups it mentions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils

from kiosk.core.clock import now_iso


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    actor: str
    action: str
    detail: str
    activity_id: str | None
    signup_id: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AuditEntry:
        return cls(**{k: row[k] for k in cls.__dataclass_fields__})


def record(
    db: sqlite_utils.Database,
    actor: str,
    action: str,
    detail: str = "",
    *,
    activity_id: str | None = None,
    signup_id: str | None = None,
) -> None:
    """Call inside the caller's transaction, so the deed and its record commit together."""
    db.execute(
        "INSERT INTO audit_log (at, actor, action, detail, activity_id, signup_id) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [now_iso(), actor, action, detail, activity_id, signup_id],
    )


def recent(db: sqlite_utils.Database, limit: int = 200, offset: int = 0) -> list[AuditEntry]:
    return [
        AuditEntry.from_row(row)
        for row in db.query(
            "SELECT * FROM audit_log ORDER BY id DESC LIMIT ? OFFSET ?", [limit, offset]
        )
    ]


def count(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
