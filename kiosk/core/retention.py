"""Data retention (AVG): a signup is kept until `retention_days` (coordinator setting,
default 30) after its activity ended, then deleted with every row that carries it.

Rows that carry a signup are found, not listed: any table with a foreign key to signups
(it must go first, or the delete fails) and the outbox, whose payload holds the name and
phone. Records that deliberately hold no personal data (slips, the volunteers' audit log)
keep their signup id as a dangling reference, as their design intends.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

import sqlite_utils

from kiosk.core import config, inputs, wishes
from kiosk.core.clock import utc_iso
from kiosk.core.db import write_transaction
from kiosk.core.maintenance_log import log_event

DEFAULT_DAYS = int(config.SETTINGS["retention_days"].default)


def retention_days(db: sqlite_utils.Database) -> int:
    """The coordinator's setting; a value that is not a whole number of days counts as the
    default rather than stopping the nightly purge."""
    days = inputs.pad_number(config.get_setting(db, "retention_days"), 1, 36500)
    return days if days is not None else DEFAULT_DAYS


def _signup_references(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    """(table, column) pairs whose rows belong to a signup and go when it goes."""
    found = [("outbox", "signup_id")]
    for table in db.table_names():
        for fk in db.execute(f"PRAGMA foreign_key_list([{table}])").fetchall():
            if fk[2] == "signups" and table != "signups":
                found.append((table, fk[3]))
    return list(dict.fromkeys(found))


def delete_signups(db: sqlite_utils.Database, signup_ids: list[str]) -> dict[str, int]:
    """Delete these signups and the rows that carry them; call inside a write transaction.
    Returns the number of rows deleted per table."""
    db.execute("CREATE TEMP TABLE IF NOT EXISTS doomed_signups (id TEXT PRIMARY KEY)")
    db.execute("DELETE FROM temp.doomed_signups")
    db.conn.executemany(
        "INSERT OR IGNORE INTO temp.doomed_signups (id) VALUES (?)", [(i,) for i in signup_ids]
    )
    deleted: dict[str, int] = {}
    for table, column in _signup_references(db):
        cursor = db.execute(
            f"DELETE FROM [{table}] WHERE [{column}] IN (SELECT id FROM temp.doomed_signups)"
        )
        deleted[table] = deleted.get(table, 0) + cursor.rowcount
    cursor = db.execute("DELETE FROM signups WHERE id IN (SELECT id FROM temp.doomed_signups)")
    deleted["signups"] = cursor.rowcount
    db.execute("DELETE FROM temp.doomed_signups")
    return deleted


# Signups whose activity ended before the cutoff; ends_at and starts_at carry their offset,
# which SQLite's datetime() turns into UTC.
_EXPIRED = (
    "SELECT s.id FROM signups s JOIN activities a ON a.id = s.activity_id "
    "WHERE datetime(COALESCE(a.ends_at, a.starts_at)) < datetime(?)"
)


@dataclass(frozen=True)
class PurgeResult:
    cutoff: str  # activities that ended before this moment (UTC)
    days: int
    signups: int
    never_sent: int  # outbox rows of purged signups the hub never got (kiosk offline)
    print_jobs: int
    outbox: int
    wish_contacts: int = 0  # wishes whose name and phone went (their own, longer term)


def purge_expired(
    db: sqlite_utils.Database, now: datetime | None = None, days: int | None = None
) -> PurgeResult:
    """Delete the signups of activities that ended more than `days` ago, old finished print
    jobs (attendance lists name people too) and delivered outbox rows, and blank the
    contact details of wishes past their own term; log the counts."""
    days = days if days is not None else retention_days(db)
    cutoff = utc_iso((now or datetime.now(UTC)) - timedelta(days=days))
    with write_transaction(db):
        never_sent = db.execute(
            f"SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND signup_id IN ({_EXPIRED})",
            [cutoff],
        ).fetchone()[0]
        expired = [row[0] for row in db.execute(_EXPIRED, [cutoff]).fetchall()]
        deleted = delete_signups(db, expired)
        old_jobs = db.execute(
            "DELETE FROM print_jobs WHERE status != 'pending' AND created_at < ?", [cutoff]
        ).rowcount
        # Let in on a ticket alone: by code, day and key, no name; gone as the signups go.
        db.execute("DELETE FROM ticket_check_ins WHERE day < ?", [cutoff[:10]])
        old_outbox = db.execute(
            "DELETE FROM outbox WHERE sent_at IS NOT NULL AND created_at < ?", [cutoff]
        ).rowcount
        result = PurgeResult(
            cutoff=cutoff,
            days=days,
            signups=deleted["signups"],
            never_sent=never_sent,
            print_jobs=deleted.get("print_jobs", 0) + old_jobs,
            outbox=deleted.get("outbox", 0) + old_outbox,
            wish_contacts=wishes.purge_contacts(db, now),
        )
        log_event(db, "purge", **asdict(result))
    return result

