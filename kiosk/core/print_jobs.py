"""The print queue table: the domain adds jobs inside its transaction; a worker
in printing/ takes them out after the commit. Nothing here talks to a printer."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlite_utils

from kiosk.core.clock import now_iso, utc_iso

# A job that keeps failing waits longer each time, but never longer than this:
# a volunteer who plugs the printer back in should not wait long.
MAX_RETRY_SECONDS = 30


def queue_print_job(
    db: sqlite_utils.Database,
    kind: str,
    signup_id: str | None = None,
    payload: dict[str, Any] | None = None,
) -> int:
    now = now_iso()
    cursor = db.execute(
        "INSERT INTO print_jobs (kind, signup_id, payload, created_at, next_attempt_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [kind, signup_id, json.dumps(payload or {}), now, now],
    )
    return int(cursor.lastrowid or 0)


def due_jobs(db: sqlite_utils.Database, limit: int = 10) -> list[dict[str, Any]]:
    return list(
        db.query(
            "SELECT * FROM print_jobs WHERE status = 'pending' AND next_attempt_at <= ? "
            "ORDER BY id LIMIT ?",
            [now_iso(), limit],
        )
    )


def mark_printed(db: sqlite_utils.Database, job_id: int) -> None:
    db.execute(
        "UPDATE print_jobs SET status = 'printed', printed_at = ?, attempts = attempts + 1, "
        "last_error = '' WHERE id = ?",
        [now_iso(), job_id],
    )


def mark_failed(db: sqlite_utils.Database, job_id: int, error: str) -> None:
    attempts = db.execute("SELECT attempts FROM print_jobs WHERE id = ?", [job_id]).fetchone()[0]
    delay = min(2 ** attempts, MAX_RETRY_SECONDS)
    retry_at = utc_iso(datetime.now(UTC) + timedelta(seconds=delay))
    db.execute(
        "UPDATE print_jobs SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? "
        "WHERE id = ?",
        [error[:500], retry_at, job_id],
    )


def mark_abandoned(db: sqlite_utils.Database, job_id: int, error: str) -> None:
    """A job that can never print (its signup was purged): out of the queue, reason kept."""
    db.execute(
        "UPDATE print_jobs SET status = 'abandoned', attempts = attempts + 1, last_error = ? "
        "WHERE id = ?",
        [error[:500], job_id],
    )


def retry_now(db: sqlite_utils.Database) -> None:
    """'Opnieuw proberen' on the volunteer screen, or the printer came back."""
    db.execute("UPDATE print_jobs SET next_attempt_at = ? WHERE status = 'pending'", [now_iso()])


def pending_count(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT COUNT(*) FROM print_jobs WHERE status = 'pending'").fetchone()[0]


def stuck_jobs(db: sqlite_utils.Database) -> tuple[int, str | None]:
    """Jobs that failed at least once and wait for a retry, and the latest reason why."""
    stuck = "FROM print_jobs WHERE status = 'pending' AND attempts > 0"
    count = db.execute(f"SELECT COUNT(*) {stuck}").fetchone()[0]
    if not count:
        return 0, None
    return count, db.execute(f"SELECT last_error {stuck} ORDER BY id DESC LIMIT 1").fetchone()[0]


def ticket_outlook(db: sqlite_utils.Database, signup_id: str, printer_set_up: bool) -> str:
    """What the done screen may truthfully say about a resident's ticket:
    'printing' (it comes out, or already did), 'no_printer' (write the code down) or
    'trouble' (the printer is failing; a volunteer prints it later)."""
    if not printer_set_up:
        return "no_printer"
    job = db.execute(
        "SELECT status, attempts FROM print_jobs WHERE signup_id = ? AND kind = 'ticket' "
        "ORDER BY id DESC LIMIT 1",
        [signup_id],
    ).fetchone()
    if job is None or job[0] == "abandoned":
        return "trouble"
    if job[0] == "printed":
        return "printing"
    # Not tried yet: it will fail too if the jobs before it are failing.
    return "trouble" if job[1] > 0 or stuck_jobs(db)[0] else "printing"
