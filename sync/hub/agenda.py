"""The hub's activities, and the agenda a kiosk pulls: what changed since its cursor,
seats across all kiosks, its own seat leases, and news about its own signups."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from kiosk.core import dutch
from kiosk.core.activity_ids import move_activity_id
from kiosk.core.agenda import DERIVED, Activity
from kiosk.core.clock import now_iso, utc_iso
from sync.hub import doors, seats
from sync.hub.db import current_rev

API_VERSION = 1
# An activity that began a little while ago may still change (cancelled at the door).
RECENT = timedelta(hours=12)
ACTIVITY_COLUMNS = tuple(f.name for f in fields(Activity) if f.name not in DERIVED)


def get_activity(db: sqlite_utils.Database, activity_id: str) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM activities WHERE id = ?", [activity_id]))
    return rows[0] if rows else None


def save_activity(
    db: sqlite_utils.Database, activity: Activity, *, rev: int, keep_capacity: bool = False
) -> None:
    """Insert or update in place. `activity.stadsdorp` is the stadsdorp's slug here.
    `keep_capacity`: a feed re-import must not undo the capacity a coordinator set."""
    row = {name: getattr(activity, name) for name in ACTIVITY_COLUMNS}
    row["starts_at"] = dutch.local(activity.starts_at).isoformat()
    row["ends_at"] = dutch.local(activity.ends_at).isoformat() if activity.ends_at else None
    row["starts_utc"] = utc_iso(activity.starts_at)
    row["updated_at"] = now_iso()
    row["rev"] = rev
    kept = {"id", "capacity"} if keep_capacity else {"id"}
    updates = ", ".join(f"{k} = excluded.{k}" for k in row if k not in kept)
    db.execute(
        f"INSERT INTO activities ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)}) "
        f"ON CONFLICT (id) DO UPDATE SET {updates}",
        list(row.values()),
    )


# The hub's rows that name an activity (see kiosk.core.activity_ids).
HUB_REFERENCES = (("signups", "activity_id"), ("leases", "activity_id"))


def rename_activity(db: sqlite_utils.Database, old_id: str, new_id: str, rev: int) -> bool:
    """Give an activity its stable id, keeping its signups and leases; the kiosks learn
    of it through the agenda's `renamed` list. Call inside a write transaction."""
    if not move_activity_id(db, old_id, new_id, HUB_REFERENCES):
        return False
    db.execute("UPDATE signups SET rev = ? WHERE activity_id = ?", [rev, new_id])
    db.execute(
        "INSERT INTO activity_renames (old_id, new_id, rev) VALUES (?, ?, ?) "
        "ON CONFLICT (old_id) DO UPDATE SET new_id = excluded.new_id, rev = excluded.rev",
        [old_id, new_id, rev],
    )
    return True


def current_id(db: sqlite_utils.Database, activity_id: str) -> str:
    """The id an activity has now, for a kiosk that still uses an old one."""
    row = db.execute("SELECT new_id FROM activity_renames WHERE old_id = ?",
                     [activity_id]).fetchone()
    return row[0] if row else activity_id


def set_status(db: sqlite_utils.Database, activity_id: str, status: str, rev: int) -> None:
    db.execute(
        "UPDATE activities SET status = ?, updated_at = ?, rev = ? WHERE id = ?",
        [status, now_iso(), rev, activity_id],
    )


def stadsdorp_names(db: sqlite_utils.Database) -> dict[str, str]:
    return dict(db.execute("SELECT slug, name FROM stadsdorpen").fetchall())


def kiosk_scope(kiosk: dict[str, Any]) -> list[str]:
    """The stadsdorpen (slugs) a kiosk shows; empty means all of them."""
    return [s.strip() for s in kiosk["stadsdorpen"].split(",") if s.strip()]


def _scope_sql(kiosk: dict[str, Any]) -> tuple[str, list[Any]]:
    scope = kiosk_scope(kiosk)
    if not scope:
        return "", []
    # Activities of the whole Netwerk (no stadsdorp) show on every kiosk.
    return f" AND (a.stadsdorp = '' OR a.stadsdorp IN ({', '.join('?' for _ in scope)}))", scope


def activity_json(row: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    data = {name: row[name] for name in ACTIVITY_COLUMNS if name != "source"}
    data["stadsdorp"] = names.get(row["stadsdorp"], row["stadsdorp"])
    data["stadsdorp_slug"] = row["stadsdorp"]
    data["updated_at"] = row["updated_at"]
    return data


def _kiosks_per_stadsdorp(db: sqlite_utils.Database, slug: str) -> int:
    scopes = [row[0] for row in db.execute("SELECT stadsdorpen FROM kiosks WHERE active = 1")]
    return sum(1 for scope in scopes if not scope.strip() or not slug
               or slug in [s.strip() for s in scope.split(",")])


def agenda_for(
    db: sqlite_utils.Database, kiosk: dict[str, Any], since: int, now: datetime
) -> dict[str, Any]:
    """Call inside a write transaction: pulling tops up the kiosk's seat leases, and
    the cursor must match exactly the rows read."""
    if since > current_rev(db):
        since = 0  # a cursor from before the hub's database was restored: start over
    scope_sql, scope_params = _scope_sql(kiosk)
    names = stadsdorp_names(db)
    recent = utc_iso(now - RECENT)
    base = (
        "SELECT a.* FROM activities a WHERE a.source NOT LIKE 'kiosk:%' "
        f"AND a.starts_utc >= ?{scope_sql}"
    )
    if since:
        changed = db.query(base + " AND a.rev > ? ORDER BY a.starts_utc",
                           [recent, *scope_params, since])
    else:
        changed = db.query(base + " AND a.status != 'removed' ORDER BY a.starts_utc",
                           [recent, *scope_params])
    activities = [activity_json(row, names) for row in changed]

    kiosk_counts: dict[str, int] = {}
    seat_rows = []
    upcoming = db.query(
        base + " AND a.starts_utc > ? AND a.capacity IS NOT NULL AND a.status = 'scheduled'",
        [recent, *scope_params, utc_iso(now)],
    )
    for activity in list(upcoming):
        slug = activity["stadsdorp"]
        if slug not in kiosk_counts:
            kiosk_counts[slug] = _kiosks_per_stadsdorp(db, slug)
        lease = seats.grant_lease(db, activity, kiosk["id"], kiosk_counts[slug])
        count = seats.count(db, activity["id"], activity["capacity"])
        _lease, used = seats.lease_of(db, activity["id"], kiosk["id"])
        seat_rows.append({
            "activity_id": activity["id"],
            "capacity": activity["capacity"],
            "seats_taken": count.taken,
            "waiting": count.waiting,
            "lease": lease,
            "lease_used": used,
        })

    signups = [
        {"id": r[0], "status": r[1], "seat": r[2], "reason": r[3]}
        for r in db.execute(
            "SELECT id, status, seat, reason FROM signups WHERE kiosk_id = ? AND rev > ? "
            "ORDER BY rev, rowid",
            [kiosk["id"], since],
        )
    ]
    renamed = [
        {"from": r[0], "to": r[1]}
        for r in db.execute("SELECT old_id, new_id FROM activity_renames WHERE rev > ? "
                            "ORDER BY rev", [since])
    ]
    db.execute("UPDATE kiosks SET last_pull_at = ? WHERE id = ?", [now_iso(), kiosk["id"]])
    return {
        "version": API_VERSION,
        "cursor": str(current_rev(db)),
        "ticket_keys": doors.ticket_keys(db),
        "attendees": doors.attendees_for(db, kiosk, now),
        "attendees_window": doors.covered(kiosk, now),
        "renamed": renamed,
        "activities": activities,
        "seats": seat_rows,
        "signups": signups,
    }
