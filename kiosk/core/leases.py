"""Seat leases: how many seats of a hub activity this kiosk may confirm on its own.

Kiosks are often offline, so none can know what the others confirmed. The hub gives
each kiosk a share of an activity's seats (its lease); the kiosk confirms within that
share and takes a signup beyond it "onder voorbehoud", for the hub to decide. Only a
kiosk gives seats back (`return_spare_seats`), in the same transaction as its outbox
row, so the hub can never hand a seat to someone else while this kiosk still counts
on it.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from kiosk.core.clock import now_iso
from kiosk.core.db import write_transaction
from kiosk.core.outbox import record_change

LEASE = "lease"
PROVISIONAL = "provisional"
FULL = "full"
RETURNED = "lease.returned"


@dataclass(frozen=True)
class Lease:
    activity_id: str
    seats: int
    used: int
    hub_seats_taken: int
    hub_waiting: int

    @property
    def spare(self) -> int:
        return max(self.seats - self.used, 0)


def seats_used(db: sqlite_utils.Database, activity_id: str) -> int:
    return db.execute(
        "SELECT COALESCE(SUM(party_size), 0) FROM signups "
        "WHERE activity_id = ? AND status = 'confirmed' AND seat_basis = 'lease'",
        [activity_id],
    ).fetchone()[0]


def get_lease(db: sqlite_utils.Database, activity_id: str) -> Lease | None:
    row = db.execute(
        "SELECT seats, hub_seats_taken, hub_waiting FROM seat_leases WHERE activity_id = ?",
        [activity_id],
    ).fetchone()
    if row is None:
        return None
    return Lease(activity_id, row[0], seats_used(db, activity_id), row[1], row[2])


def seat_outlook(
    db: sqlite_utils.Database, activity_id: str, capacity: int | None, party_size: int
) -> str | None:
    """What a new signup of `party_size` would get: LEASE (a seat this kiosk may give),
    PROVISIONAL (beyond the lease: the hub decides, "onder voorbehoud") or FULL (beyond
    the lease and the hub's last count leaves no seat: the waitlist). None for an
    activity without a lease. One rule for the "Klopt dit?" screen and the signup."""
    lease = get_lease(db, activity_id)
    if lease is None:
        return None
    if party_size <= lease.spare:
        return LEASE
    if capacity is not None and hub_seats_taken(db, lease) + party_size > capacity:
        return FULL
    return PROVISIONAL


def hub_seats_taken(db: sqlite_utils.Database, lease: Lease) -> int:
    """The hub's last count across all kiosks, plus this kiosk's confirmed signups the
    hub has not acknowledged yet (they are not in its count)."""
    unacknowledged = db.execute(
        "SELECT COALESCE(SUM(party_size), 0) FROM signups WHERE activity_id = ? "
        "AND status = 'confirmed' AND hub_status IS NULL",
        [lease.activity_id],
    ).fetchone()[0]
    return lease.hub_seats_taken + unacknowledged


def _unsent_returns(db: sqlite_utils.Database, activity_id: str) -> int:
    return db.execute(
        "SELECT COALESCE(SUM(json_extract(payload, '$.seats')), 0) FROM outbox "
        "WHERE kind = ? AND sent_at IS NULL AND json_extract(payload, '$.activity_id') = ?",
        [RETURNED, activity_id],
    ).fetchone()[0]


def set_lease(
    db: sqlite_utils.Database,
    activity_id: str,
    seats: int,
    hub_seats_taken: int = 0,
    hub_waiting: int = 0,
) -> None:
    """Store the lease the hub reported. Seats this kiosk gave back but the hub has not
    heard of yet are still taken off: the hub's number is older than our outbox."""
    seats = max(seats - _unsent_returns(db, activity_id), 0)
    db.execute(
        "INSERT INTO seat_leases (activity_id, seats, hub_seats_taken, hub_waiting, updated_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (activity_id) DO UPDATE SET seats = excluded.seats, "
        "hub_seats_taken = excluded.hub_seats_taken, hub_waiting = excluded.hub_waiting, "
        "updated_at = excluded.updated_at",
        [activity_id, seats, hub_seats_taken, hub_waiting, now_iso()],
    )


def return_spare_seats(db: sqlite_utils.Database) -> list[tuple[str, int]]:
    """Give unused lease seats back to the hub where residents elsewhere are waiting.

    People on the hub's waitlist signed up first; a seat this kiosk merely might fill
    later should go to them. Returns (activity id, seats) for each return made."""
    returned: list[tuple[str, int]] = []
    with write_transaction(db):
        rows = db.execute(
            "SELECT activity_id, hub_waiting FROM seat_leases WHERE hub_waiting > 0"
        ).fetchall()
        for activity_id, waiting in rows:
            lease = get_lease(db, activity_id)
            if lease is None or lease.spare == 0:
                continue
            seats = min(lease.spare, waiting)
            db.execute(
                "UPDATE seat_leases SET seats = seats - ?, hub_waiting = hub_waiting - ? "
                "WHERE activity_id = ?",
                [seats, seats, activity_id],
            )
            record_change(db, RETURNED, "", {"activity_id": activity_id, "seats": seats})
            returned.append((activity_id, seats))
    return returned
