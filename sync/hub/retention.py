"""The hub keeps signups no longer than a kiosk does (AVG): they go a number of days
after their activity ended, with the idempotency records that name them."""

from __future__ import annotations

import os
from datetime import datetime, timedelta

import sqlite_utils

from kiosk.core import inputs
from kiosk.core.clock import utc_iso
from kiosk.core.db import write_transaction
from sync.hub import monitor, wishes

DEFAULT_DAYS = 30


def retention_days() -> int:
    days = inputs.pad_number(os.environ.get("BUURTKIOSK_RETENTION_DAYS", ""), 1, 36500)
    return days if days is not None else DEFAULT_DAYS


def purge(db: sqlite_utils.Database, now: datetime, days: int | None = None) -> int:
    """Delete signups of activities that began more than `days` ago, the same rule the
    kiosk follows, after folding what they count for into the Monitor's kept figures.
    Also: wishes' contact details past their term, and months whose figures are due to be
    fixed. Returns how many signups went."""
    cutoff = utc_iso(now - timedelta(days=days or retention_days()))
    doomed = (
        "SELECT s.id FROM signups s JOIN activities a ON a.id = s.activity_id "
        "WHERE a.starts_utc < ?"
    )
    with write_transaction(db):
        monitor.fold(db, doomed, [cutoff])
        db.execute(f"DELETE FROM received_events WHERE signup_id IN ({doomed})", [cutoff])
        gone = db.execute(f"DELETE FROM signups WHERE id IN ({doomed})", [cutoff]).rowcount
        wishes.purge_contacts(db, now)
        monitor.fix_months(db, now)
    return int(gone)
