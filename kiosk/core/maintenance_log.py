"""A short record of the kiosk's housekeeping (backup, restore, purge, AVG requests), so the
coordinator's status screen can say when each last ran. Counts and dates only: the record
of a deletion must not keep what was deleted."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from kiosk.core.clock import now_iso


@dataclass(frozen=True)
class MaintenanceEvent:
    at: str
    kind: str
    detail: dict[str, Any]


def log_event(db: sqlite_utils.Database, kind: str, **detail: Any) -> None:
    db.execute(
        "INSERT INTO maintenance_log (at, kind, detail) VALUES (?, ?, ?)",
        [now_iso(), kind, json.dumps(detail, ensure_ascii=False)],
    )


def last_event(db: sqlite_utils.Database, kind: str) -> MaintenanceEvent | None:
    row = db.execute(
        "SELECT at, kind, detail FROM maintenance_log WHERE kind = ? ORDER BY id DESC LIMIT 1",
        [kind],
    ).fetchone()
    return MaintenanceEvent(row[0], row[1], json.loads(row[2])) if row else None
