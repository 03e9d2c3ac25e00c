"""Who signed up for an activity, for the volunteer screen and the printed attendance list.

Names and phone numbers leave the database through here only to volunteer screens and
paper the volunteer prints; resident screens never call this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlite_utils

from kiosk.core import agenda, dutch
from kiosk.core.signups import Signup


@dataclass
class SignupList:
    confirmed: list[Signup] = field(default_factory=list)
    waitlist: list[Signup] = field(default_factory=list)
    cancelled: list[Signup] = field(default_factory=list)

    @property
    def people(self) -> int:
        return sum(s.party_size for s in self.confirmed)

    @property
    def people_waiting(self) -> int:
        return sum(s.party_size for s in self.waitlist)

    @property
    def arrived(self) -> int:
        return sum(s.party_size for s in self.confirmed if s.attended_at)


def activity_signups(db: sqlite_utils.Database, activity_id: str) -> SignupList:
    """Confirmed by name (as the organizer reads the list), the waitlist in its order."""
    result = SignupList()
    rows = db.query(
        "SELECT * FROM signups WHERE activity_id = ? ORDER BY created_at, rowid", [activity_id]
    )
    for row in rows:
        getattr(result, row["status"]).append(Signup.from_row(row))
    result.confirmed.sort(key=lambda s: (s.name == "", s.name.casefold(), s.created_at))
    return result


def desk_activities(
    db: sqlite_utils.Database, now: datetime, days: int = 14
) -> list[agenda.Activity]:
    """From the start of today: a volunteer still needs this morning's list at noon."""
    today = dutch.local(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return agenda.upcoming(db, today, days=days)


def week_activities(db: sqlite_utils.Database, first_day: datetime) -> list[agenda.Activity]:
    """What a week sheet offers: the seven days from `first_day`, not yet begun."""
    start = dutch.local(first_day).replace(hour=0, minute=0, second=0, microsecond=0)
    return [
        a
        for a in agenda.upcoming(db, start, days=7)
        if a.status == "scheduled" and a.starts_at > first_day
    ]


def week_label(first_day: datetime) -> str:
    start = dutch.local(first_day).date()
    end = start + timedelta(days=6)
    return f"{dutch.written_date(start)} t/m {dutch.written_date(end)}"
