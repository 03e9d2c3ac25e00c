"""The outbox: every signup change is written here in the same transaction as the
change itself, so the sync worker can deliver it later, exactly once (its id is the
hub's idempotency key)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import sqlite_utils

from kiosk.core.clock import now_iso


def record_change(
    db: sqlite_utils.Database, kind: str, signup_id: str, payload: dict[str, Any]
) -> str:
    row_id = str(uuid.uuid4())
    db.execute(
        "INSERT INTO outbox (id, kind, signup_id, payload, created_at) VALUES (?, ?, ?, ?, ?)",
        [row_id, kind, signup_id, json.dumps(payload, ensure_ascii=False), now_iso()],
    )
    return row_id


def unsent_count(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0]
