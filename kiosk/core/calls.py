"""Residents a volunteer should phone: the central agenda moved their signup to the
waitlist (or gave them a seat after all), or their activity was cancelled or removed.

Sync sets the reason in the same transaction as the change; a volunteer clears it
after calling. The volunteer screen shows `signups_needing_a_call`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils

from kiosk.core import codes

# Why to call, in the words the volunteer screen shows.
MOVED_TO_WAITLIST = "De centrale agenda heeft deze aanmelding op de wachtlijst gezet."
SEAT_AFTER_ALL = "Er is toch plek: deze aanmelding staat nu vast."
CANCELLED_CENTRALLY = "Deze aanmelding is in de centrale agenda afgemeld."
ACTIVITY_CANCELLED = "Deze activiteit gaat niet door."
ACTIVITY_REMOVED = "Deze activiteit staat niet meer in de agenda."


@dataclass(frozen=True)
class CallItem:
    signup_id: str
    code: str
    name: str
    phone: str
    party_size: int
    status: str
    reason: str
    activity_id: str
    activity_title: str
    starts_at: str

    @property
    def display_code(self) -> str:
        return codes.display_code(self.code)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> CallItem:
        return cls(**{k: row[k] for k in cls.__dataclass_fields__})


def ask_to_call(db: sqlite_utils.Database, signup_id: str, reason: str) -> None:
    db.execute("UPDATE signups SET call_reason = ? WHERE id = ?", [reason, signup_id])


def ask_to_call_for_activity(db: sqlite_utils.Database, activity_id: str, reason: str) -> int:
    """Everyone still signed up for an activity that was cancelled or removed."""
    cursor = db.execute(
        "UPDATE signups SET call_reason = ? WHERE activity_id = ? AND status != 'cancelled'",
        [reason, activity_id],
    )
    return cursor.rowcount


def signups_needing_a_call(db: sqlite_utils.Database) -> list[CallItem]:
    """Oldest activity first: the soonest activity is the most urgent call."""
    rows = db.query(
        "SELECT s.id AS signup_id, s.code, s.name, s.phone, s.party_size, s.status, "
        "s.call_reason AS reason, a.id AS activity_id, a.title AS activity_title, "
        "a.starts_at FROM signups s JOIN activities a ON a.id = s.activity_id "
        "WHERE s.call_reason != '' ORDER BY a.starts_utc, s.created_at"
    )
    return [CallItem.from_row(row) for row in rows]


def mark_called(db: sqlite_utils.Database, signup_id: str) -> None:
    db.execute("UPDATE signups SET call_reason = '' WHERE id = ?", [signup_id])
