"""Giving an activity a new id while keeping everything that points at it.

Used once per activity when ids became stable (a one-off feed event used to carry its
start time in its id, so moving it by an hour orphaned its signups), on the kiosk and
on the hub alike, each with its own tables that name an activity.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlite_utils

# (table, column) of the kiosk's rows that name an activity. Tables added later that
# name an activity belong here too, or their rows keep the old id.
KIOSK_REFERENCES: tuple[tuple[str, str], ...] = (
    ("signups", "activity_id"),
    ("seat_leases", "activity_id"),
    ("slips", "activity_id"),
    ("audit_log", "activity_id"),
)


def move_activity_id(
    db: sqlite_utils.Database, old_id: str, new_id: str,
    references: Sequence[tuple[str, str]] = KIOSK_REFERENCES,
) -> bool:
    """Rename `old_id` to `new_id` with every row that names it. Call inside a write
    transaction. Does nothing (False) when the old id is unknown or the new one taken."""
    if old_id == new_id:
        return False
    if db.execute("SELECT 1 FROM activities WHERE id = ?", [new_id]).fetchone():
        return False
    if not db.execute("SELECT 1 FROM activities WHERE id = ?", [old_id]).fetchone():
        return False
    # The parent and its children change in one transaction; checking the foreign keys
    # at COMMIT rather than per statement lets them change in any order.
    db.execute("PRAGMA defer_foreign_keys = ON")
    db.execute("UPDATE activities SET id = ? WHERE id = ?", [new_id, old_id])
    present = set(db.table_names())
    for table, column in references:
        if table in present:
            db.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", [new_id, old_id])
    return True
