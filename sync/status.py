"""The kiosk's sync state: last success, last error, and when to try the hub again.

Backoff after a failure: 1 minute, doubling to at most 1 hour, so a hub that is down
for a day costs the kiosk a couple of dozen tries, not thousands.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta

import sqlite_utils

from kiosk.core.clock import utc_iso

HUB_INTERVAL = timedelta(seconds=60)
FIRST_BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=1)


@dataclass(frozen=True)
class SyncStatus:
    agenda_cursor: str = ""
    last_attempt_at: str | None = None
    last_success_at: str | None = None
    last_error: str = ""
    failures: int = 0
    next_attempt_at: str | None = None


def backoff(failures: int) -> timedelta:
    if failures <= 0:
        return HUB_INTERVAL
    return min(FIRST_BACKOFF * 2 ** (failures - 1), MAX_BACKOFF)


def get_status(db: sqlite_utils.Database) -> SyncStatus:
    names = [f.name for f in fields(SyncStatus)]
    row = db.execute(f"SELECT {', '.join(names)} FROM sync_state WHERE id = 1").fetchone()
    return SyncStatus(**dict(zip(names, row, strict=True))) if row else SyncStatus()


def hub_due(status: SyncStatus, now: datetime, unsent: int) -> bool:
    """Due when its time has come, or at once for a new signup while all is well."""
    if status.next_attempt_at is None or status.next_attempt_at <= utc_iso(now):
        return True
    return unsent > 0 and status.failures == 0


def record_success(db: sqlite_utils.Database, now: datetime) -> None:
    db.execute(
        "UPDATE sync_state SET last_attempt_at = ?, last_success_at = ?, last_error = '', "
        "failures = 0, next_attempt_at = ? WHERE id = 1",
        [utc_iso(now), utc_iso(now), utc_iso(now + HUB_INTERVAL)],
    )


def record_failure(db: sqlite_utils.Database, now: datetime, message: str) -> None:
    failures = get_status(db).failures + 1
    db.execute(
        "UPDATE sync_state SET last_attempt_at = ?, last_error = ?, failures = ?, "
        "next_attempt_at = ? WHERE id = 1",
        [utc_iso(now), message[:500], failures, utc_iso(now + backoff(failures))],
    )


def request_now(db: sqlite_utils.Database) -> None:
    """'Nu synchroniseren': the hub and every feed are due at once, backoff or not."""
    db.execute("UPDATE sync_state SET next_attempt_at = NULL WHERE id = 1")
    db.execute("UPDATE feed_state SET last_attempt_at = NULL")


def set_cursor(db: sqlite_utils.Database, cursor: str) -> None:
    db.execute("UPDATE sync_state SET agenda_cursor = ? WHERE id = 1", [cursor])
