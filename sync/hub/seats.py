"""Seats across kiosks: capacity, seat leases, the pool and the waitlist.

An activity's seats are in one of three places: taken (a confirmed signup), leased
(held by a kiosk that may confirm them while offline, but has not used them yet, as
far as the hub knows), or in the pool (the hub's to give). A kiosk's confirmation
within its lease always stands; a signup "onder voorbehoud" gets a pool seat or goes
on the waitlist. The waitlist is served first, in the order residents signed up,
whenever pool seats come free.

Call everything here inside a write transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils

from kiosk.core.clock import now_iso

OWNED_BY_KIOSK = "kiosk:"  # source prefix of activities a kiosk made up itself


@dataclass(frozen=True)
class Seats:
    capacity: int | None
    taken: int
    leased: int  # lease seats not yet used
    waiting: int

    @property
    def pool(self) -> int:
        if self.capacity is None:
            return 0
        return max(self.capacity - self.taken - self.leased, 0)


def enforced(activity: dict[str, Any]) -> bool:
    """The hub decides seats only for its own activities with a capacity; for an
    activity a kiosk made up, that kiosk alone has taken signups and decided."""
    return activity["capacity"] is not None and not activity["source"].startswith(OWNED_BY_KIOSK)


def lease_of(db: sqlite_utils.Database, activity_id: str, kiosk_id: int) -> tuple[int, int]:
    """(lease seats, seats used under the lease) for one kiosk."""
    row = db.execute(
        "SELECT seats FROM leases WHERE activity_id = ? AND kiosk_id = ?", [activity_id, kiosk_id]
    ).fetchone()
    used = db.execute(
        "SELECT COALESCE(SUM(party_size), 0) FROM signups WHERE activity_id = ? AND kiosk_id = ? "
        "AND status = 'confirmed' AND seat = 'lease'",
        [activity_id, kiosk_id],
    ).fetchone()[0]
    return (row[0] if row else 0), used


def count(db: sqlite_utils.Database, activity_id: str, capacity: int | None) -> Seats:
    taken, waiting = db.execute(
        "SELECT COALESCE(SUM(CASE WHEN status = 'confirmed' THEN party_size END), 0), "
        "COALESCE(SUM(CASE WHEN status = 'waitlist' THEN party_size END), 0) "
        "FROM signups WHERE activity_id = ?",
        [activity_id],
    ).fetchone()
    leased = db.execute(
        """
        SELECT COALESCE(SUM(MAX(l.seats - COALESCE(u.used, 0), 0)), 0)
        FROM leases l LEFT JOIN (
            SELECT kiosk_id, SUM(party_size) AS used FROM signups
            WHERE activity_id = ? AND status = 'confirmed' AND seat = 'lease'
            GROUP BY kiosk_id
        ) u ON u.kiosk_id = l.kiosk_id
        WHERE l.activity_id = ?
        """,
        [activity_id, activity_id],
    ).fetchone()[0]
    return Seats(capacity, taken, leased, waiting)


def full_reason(seats: Seats) -> str:
    return f"Vol: alle {seats.capacity} plaatsen zijn bezet of gereserveerd voor een kiosk."


def decide(
    db: sqlite_utils.Database,
    activity: dict[str, Any],
    kiosk_id: int | None,
    party_size: int,
    basis: str | None,
) -> tuple[str, str | None, str]:
    """(status, seat, reason) for a new signup on an enforced activity."""
    if basis == "lease" and kiosk_id is not None:
        lease, used = lease_of(db, activity["id"], kiosk_id)
        if used + party_size <= lease:
            return "confirmed", "lease", ""
    seats = count(db, activity["id"], activity["capacity"])
    if party_size <= seats.pool:
        return "confirmed", "pool", ""
    return "waitlist", None, full_reason(seats)


def promote_waitlist(db: sqlite_utils.Database, activity: dict[str, Any], rev: int) -> list[str]:
    """Give free pool seats to the waitlist, first come first served; a party too big
    for what is free waits while a smaller one behind it may go (as on the kiosk)."""
    if not enforced(activity):
        return []
    free = count(db, activity["id"], activity["capacity"]).pool
    promoted: list[str] = []
    waiting = db.execute(
        "SELECT id, party_size FROM signups WHERE activity_id = ? AND status = 'waitlist' "
        "ORDER BY created_at, received_at, rowid",
        [activity["id"]],
    ).fetchall()
    for signup_id, size in waiting:
        if free <= 0:
            break
        if size > free:
            continue
        free -= size
        db.execute(
            "UPDATE signups SET status = 'confirmed', seat = 'pool', reason = '', "
            "updated_at = ?, rev = ? WHERE id = ?",
            [now_iso(), rev, signup_id],
        )
        promoted.append(signup_id)
    return promoted


def grant_lease(
    db: sqlite_utils.Database, activity: dict[str, Any], kiosk_id: int, kiosks_in_scope: int
) -> int:
    """Top this kiosk's unused lease up to its fair share from the pool, when a kiosk
    pulls the agenda. Returns the lease now held. Leases only grow here; a kiosk gives
    seats back itself (`return_seats`), so it never counts on a seat the hub gave away.
    While anyone is waiting, pool seats are theirs, not a kiosk's."""
    lease, used = lease_of(db, activity["id"], kiosk_id)
    seats = count(db, activity["id"], activity["capacity"])
    if seats.waiting or activity["status"] != "scheduled":
        return lease
    share = max(activity["capacity"] // max(kiosks_in_scope, 1), 1)
    grant = min(share - max(lease - used, 0), seats.pool)
    if grant <= 0:
        return lease
    db.execute(
        "INSERT INTO leases (activity_id, kiosk_id, seats, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (activity_id, kiosk_id) DO UPDATE SET seats = excluded.seats, "
        "updated_at = excluded.updated_at",
        [activity["id"], kiosk_id, lease + grant, now_iso()],
    )
    return lease + grant


def return_seats(
    db: sqlite_utils.Database, activity: dict[str, Any], kiosk_id: int, seats: int, rev: int
) -> list[str]:
    """A kiosk gives unused lease seats back; the waitlist gets them first."""
    lease, used = lease_of(db, activity["id"], kiosk_id)
    db.execute(
        "UPDATE leases SET seats = ?, updated_at = ? WHERE activity_id = ? AND kiosk_id = ?",
        [max(lease - seats, used), now_iso(), activity["id"], kiosk_id],
    )
    return promote_waitlist(db, activity, rev)
