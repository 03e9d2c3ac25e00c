"""Activities: storing them, and the agenda a resident sees."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import Any

import sqlite_utils

from kiosk.core import dutch
from kiosk.core.clock import now_iso, utc_iso


@dataclass(frozen=True)
class Activity:
    id: str
    title: str
    starts_at: datetime
    ends_at: datetime | None = None
    stadsdorp: str = ""
    short_name: str = ""
    description: str = ""
    location_name: str = ""
    address: str = ""
    capacity: int | None = None
    price: str = ""
    contact: str = ""
    category: str = ""
    accessibility: str = ""
    status: str = "scheduled"
    source: str = "local"
    seats_taken: int = 0

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Activity:
        # The start page makes a few hundred of these per request; on a Pi core
        # dataclasses.fields() per row was a sixth of the page's time.
        values = {k: v for k, v in row.items() if k in _ACTIVITY_FIELDS}
        values["starts_at"] = datetime.fromisoformat(row["starts_at"])
        values["ends_at"] = datetime.fromisoformat(row["ends_at"]) if row.get("ends_at") else None
        values["seats_taken"] = row.get("seats_taken") or 0
        return cls(**values)

    @property
    def seats_left(self) -> int | None:
        if self.capacity is None:
            return None
        return max(self.capacity - self.seats_taken, 0)

    @property
    def is_full(self) -> bool:
        return self.seats_left == 0

    @property
    def spoken_name(self) -> str:
        return self.short_name or self.title

    @property
    def when(self) -> str:
        """'dinsdag 1 december om 10.00 uur'"""
        return dutch.written_moment(self.starts_at)


_ACTIVITY_FIELDS = frozenset(f.name for f in fields(Activity))


def save_activity(db: sqlite_utils.Database, activity: Activity) -> None:
    """Insert or update in place: an activity's id is stable across re-syncs."""
    row = {f.name: getattr(activity, f.name) for f in fields(Activity) if f.name != "seats_taken"}
    row["starts_at"] = dutch.local(activity.starts_at).isoformat()
    row["ends_at"] = dutch.local(activity.ends_at).isoformat() if activity.ends_at else None
    row["starts_utc"] = utc_iso(activity.starts_at)
    row["updated_at"] = now_iso()
    columns = ", ".join(row)
    placeholders = ", ".join(f":{k}" for k in row)
    updates = ", ".join(f"{k} = excluded.{k}" for k in row if k != "id")
    db.execute(
        f"INSERT INTO activities ({columns}) VALUES ({placeholders}) "
        f"ON CONFLICT (id) DO UPDATE SET {updates}",
        row,
    )


_SELECT = """
SELECT a.*, COALESCE((
    SELECT SUM(s.party_size) FROM signups s
    WHERE s.activity_id = a.id AND s.status = 'confirmed'), 0) AS seats_taken
FROM activities a
"""


def get_activity(db: sqlite_utils.Database, activity_id: str) -> Activity | None:
    rows = list(db.query(_SELECT + " WHERE a.id = ?", [activity_id]))
    return Activity.from_row(rows[0]) if rows else None


@dataclass
class AgendaDay:
    day: date
    label: str
    items: list[tuple[int, Activity]] = field(default_factory=list)


def upcoming(
    db: sqlite_utils.Database,
    now: datetime,
    days: int = 14,
    stadsdorpen: list[str] | None = None,
) -> list[Activity]:
    """Activities from now until the end of the 14th day, cancelled ones included
    (a resident should see that the koffieochtend is off), removed ones not."""
    today = dutch.local(now).date()
    end_local = datetime.combine(today + timedelta(days=days), datetime.min.time(), dutch.AMSTERDAM)
    sql = _SELECT + " WHERE a.starts_utc >= ? AND a.starts_utc < ? AND a.status != 'removed'"
    params: list[Any] = [utc_iso(now), utc_iso(end_local)]
    if stadsdorpen:
        sql += f" AND a.stadsdorp IN ({', '.join('?' for _ in stadsdorpen)})"
        params += stadsdorpen
    sql += " ORDER BY a.starts_utc, a.title"
    return [Activity.from_row(r) for r in db.query(sql, params)]


def group_by_day(activities: list[Activity], now: datetime) -> list[AgendaDay]:
    """Number the activities 1, 2, 3 ... in order (a resident can say "nummer drie")
    and group them under 'Vandaag', 'Morgen', 'Dinsdag 1 december'."""
    today = dutch.local(now).date()
    result: list[AgendaDay] = []
    for number, activity in enumerate(activities, start=1):
        day = dutch.local(activity.starts_at).date()
        if not result or result[-1].day != day:
            result.append(AgendaDay(day, dutch.day_label(day, today)))
        result[-1].items.append((number, activity))
    return result
