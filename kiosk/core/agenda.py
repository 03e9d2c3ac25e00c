"""Activities: storing them, and the agenda a resident sees."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from kiosk.core import dutch, inputs
from kiosk.core.clock import now_iso, utc_iso

if TYPE_CHECKING:  # the feed-parsing child imports Activity; sqlite_utils, and click
    import sqlite_utils  # with it, would be most of that child's start


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
    # The start before sync first moved it (None: never moved), for "Nieuwe tijd".
    moved_from: datetime | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Activity:
        # The start page makes a few hundred of these per request; on a Pi core
        # dataclasses.fields() per row was a sixth of the page's time.
        values = {k: v for k, v in row.items() if k in _ACTIVITY_FIELDS}
        values["starts_at"] = datetime.fromisoformat(row["starts_at"])
        values["ends_at"] = datetime.fromisoformat(row["ends_at"]) if row.get("ends_at") else None
        values["seats_taken"] = row.get("seats_taken") or 0
        moved = row.get("moved_from")
        values["moved_from"] = datetime.fromisoformat(moved) if moved else None
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
    def has_new_time(self) -> bool:
        return self.moved_from is not None and self.moved_from != self.starts_at

    @property
    def when(self) -> str:
        """'dinsdag 1 december om 10.00 uur', or 'zaterdag 27 april, de hele dag'"""
        return dutch.written_when(self.starts_at, self.ends_at)

    @property
    def all_day(self) -> bool:
        return dutch.all_day_span(self.starts_at, self.ends_at) is not None

    @property
    def agenda_key(self) -> str:
        """Its place in the agenda's order for the start page's Meer and Vorige (no count,
        which a sync shifts): parse_agenda_key reads it back."""
        return f"{int(self.starts_at.timestamp())}.{self.id}"

    @property
    def start_time(self) -> str:
        """For a card: '10.00 uur', or 'hele dag' (never '0.00 uur')."""
        return "hele dag" if self.all_day else dutch.clock(self.starts_at)


# Worked out here, never taken from a feed or the hub.
DERIVED = ("seats_taken", "moved_from")

_ACTIVITY_FIELDS = frozenset(f.name for f in fields(Activity))


def save_activity(db: sqlite_utils.Database, activity: Activity) -> None:
    """Insert or update in place: an activity's id is stable across re-syncs. A change
    of start keeps the first start in `moved_from`."""
    row = {f.name: getattr(activity, f.name) for f in fields(Activity) if f.name not in DERIVED}
    row["starts_at"] = dutch.local(activity.starts_at).isoformat()
    row["ends_at"] = dutch.local(activity.ends_at).isoformat() if activity.ends_at else None
    row["starts_utc"] = utc_iso(activity.starts_at)
    row["updated_at"] = now_iso()
    columns = ", ".join(row)
    placeholders = ", ".join(f":{k}" for k in row)
    updates = ", ".join(f"{k} = excluded.{k}" for k in row if k != "id")
    db.execute(
        f"INSERT INTO activities ({columns}) VALUES ({placeholders}) "
        "ON CONFLICT (id) DO UPDATE SET moved_from = CASE "
        "WHEN activities.starts_utc != excluded.starts_utc "
        "THEN COALESCE(activities.moved_from, activities.starts_at) "
        f"ELSE activities.moved_from END, {updates}",
        row,
    )


# Seats taken as a resident should hear it. For a hub activity (it has a seat lease
# row): the hub's last count across all kiosks plus this kiosk's signups the hub has not
# acknowledged yet, but never so many that this kiosk's own unused lease looks taken.
# Otherwise this kiosk's own count.
_SELECT_FROM = """
SELECT a.*, CASE
    WHEN l.activity_id IS NULL OR a.capacity IS NULL THEN COALESCE((
        SELECT SUM(s.party_size) FROM signups s
        WHERE s.activity_id = a.id AND s.status = 'confirmed'), 0)
    ELSE MIN(
        l.hub_seats_taken + COALESCE((
            SELECT SUM(s.party_size) FROM signups s
            WHERE s.activity_id = a.id AND s.status = 'confirmed' AND s.hub_status IS NULL), 0),
        MAX(a.capacity - MAX(l.seats - COALESCE((
            SELECT SUM(s.party_size) FROM signups s
            WHERE s.activity_id = a.id AND s.status = 'confirmed' AND s.seat_basis = 'lease'),
            0), 0), 0))
    END AS seats_taken
FROM {activities} a LEFT JOIN seat_leases l ON l.activity_id = a.id
"""
_SELECT = _SELECT_FROM.format(activities="activities")


def get_activity(db: sqlite_utils.Database, activity_id: str) -> Activity | None:
    rows = list(db.query(_SELECT + " WHERE a.id = ?", [activity_id]))
    return Activity.from_row(rows[0]) if rows else None


@dataclass
class AgendaDay:
    day: date
    label: str
    items: list[tuple[int, Activity]] = field(default_factory=list)


def _upcoming_where(
    now: datetime, days: int, stadsdorpen: list[str] | None
) -> tuple[str, list[Any]]:
    """The activities of the agenda a resident sees: from now until the end of the
    `days`-th day, cancelled ones included, removed ones not."""
    today = dutch.local(now).date()
    end_local = datetime.combine(today + timedelta(days=days), datetime.min.time(), dutch.AMSTERDAM)
    sql = " WHERE a.starts_utc >= ? AND a.starts_utc < ? AND a.status != 'removed'"
    params: list[Any] = [utc_iso(now), utc_iso(end_local)]
    if stadsdorpen:
        sql += f" AND a.stadsdorp IN ({', '.join('?' for _ in stadsdorpen)})"
        params += stadsdorpen
    return sql, params


# The one order of the agenda, whose place in it is a card's number ("nummer drie"): the id
# last, so two activities at the same time with the same title keep their numbers between
# the start page's windows and the voice dialog.
_AGENDA_ORDER = " ORDER BY a.starts_utc, a.title, a.id"


def upcoming(
    db: sqlite_utils.Database,
    now: datetime,
    days: int = 14,
    stadsdorpen: list[str] | None = None,
) -> list[Activity]:
    """Activities from now until the end of the 14th day, cancelled ones included
    (a resident should see that the koffieochtend is off), removed ones not."""
    where, params = _upcoming_where(now, days, stadsdorpen)
    return [Activity.from_row(r) for r in db.query(_SELECT + where + _AGENDA_ORDER, params)]


# The latest start an agenda key may name (in the year 5138; datetime takes it).
_LATEST_KEY_SECONDS = 99_999_999_999


@dataclass(frozen=True)
class AgendaKey:
    """A place in the agenda's order: an activity's start (UTC, to the second, as stored)
    and id, as Activity.agenda_key writes them."""

    starts_utc: str
    id: str


def parse_agenda_key(raw: object) -> AgendaKey | None:
    """'<Unix seconds>.<activity id>', checked for shape; None when it is not one."""
    if not isinstance(raw, str) or "." not in raw:
        return None
    seconds_raw, id_raw = raw.split(".", 1)
    seconds = inputs.pad_number(seconds_raw, 0, _LATEST_KEY_SECONDS)
    activity_id = inputs.record_id(id_raw)
    if seconds is None or activity_id is None:
        return None
    return AgendaKey(utc_iso(datetime.fromtimestamp(seconds, UTC)), activity_id)


@dataclass
class AgendaWindow:
    """Part of the agenda: the activities numbered offset + 1 ... of `total`; `after`
    is the agenda key of the activity after the window ('' at the end)."""

    days: list[AgendaDay]
    offset: int
    total: int
    after: str = ""

    @property
    def count(self) -> int:
        return sum(len(day.items) for day in self.days)


def _from_key(db: sqlite_utils.Database, key: AgendaKey) -> tuple[str, list[Any]]:
    """The condition 'at or after `key` in the agenda's order'. The order's middle part,
    the title, is looked up; when the activity has gone or moved since, every activity at
    its start or later (a card of that same minute may be shown again, none is skipped)."""
    found = db.execute(
        "SELECT title FROM activities WHERE id = ? AND starts_utc = ?", [key.id, key.starts_utc]
    ).fetchone()
    if found is None:
        return "a.starts_utc >= ?", [key.starts_utc]
    return "(a.starts_utc, a.title, a.id) >= (?, ?, ?)", [key.starts_utc, found[0], key.id]


def upcoming_window(
    db: sqlite_utils.Database,
    now: datetime,
    start: AgendaKey | None,
    size: int,
    days: int = 14,
    stadsdorpen: list[str] | None = None,
) -> AgendaWindow:
    """At most `size` of upcoming()'s activities from the place `start` on (None: the
    first), grouped by day and numbered as in the whole agenda (the count of activities
    before it, as the voice dialog numbers them). A place past the end gives the first
    window (the agenda may have shrunk since the resident's page was made). By place
    rather than by count, so an activity a sync adds or removes meanwhile shifts no card
    under Meer and Vorige."""
    where, params = _upcoming_where(now, days, stadsdorpen)
    total = db.execute("SELECT COUNT(*) FROM activities a" + where, params).fetchone()[0]
    offset = 0
    if start is not None:
        condition, key_params = _from_key(db, start)
        offset = db.execute(
            f"SELECT COUNT(*) FROM activities a{where} AND NOT {condition}",
            [*params, *key_params],
        ).fetchone()[0]
        if offset < total:
            where, params = f"{where} AND {condition}", [*params, *key_params]
        else:
            offset = 0
    # Seats are counted for the window's rows only, not for every row the sort passes;
    # one row more tells Meer where the next window begins.
    shown = f"(SELECT * FROM activities a{where}{_AGENDA_ORDER} LIMIT ?)"
    rows = db.query(_SELECT_FROM.format(activities=shown) + _AGENDA_ORDER, [*params, size + 1])
    activities = [Activity.from_row(r) for r in rows]
    after = activities[size].agenda_key if len(activities) > size else ""
    activities = activities[:size]
    return AgendaWindow(
        group_by_day(activities, now, first_number=offset + 1), offset, total, after
    )


def group_by_day(
    activities: list[Activity], now: datetime, first_number: int = 1
) -> list[AgendaDay]:
    """Number the activities 1, 2, 3 ... in order (a resident can say "nummer drie"),
    or on from `first_number` for part of the agenda, and group them under 'Vandaag',
    'Morgen', 'Dinsdag 1 december'."""
    today = dutch.local(now).date()
    result: list[AgendaDay] = []
    for number, activity in enumerate(activities, start=first_number):
        day = dutch.local(activity.starts_at).date()
        if not result or result[-1].day != day:
            result.append(AgendaDay(day, dutch.day_label(day, today)))
        result[-1].items.append((number, activity))
    return result
