"""Any ticket at any door: the hub keeps each kiosk's public ticket key and the places
(buurthuizen) it stands at, gives every kiosk all keys and the attendee list of the
activities at its places, and records each check-in, so a ticket let in at two doors
while they were offline shows as a double on the attendance page.

The attendee list holds name, party size and code, never a phone number. A kiosk may
check in any signup on the list the hub sends it, and nothing else of other kiosks.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from kiosk.core import tickets
from kiosk.core.clock import now_iso, utc_iso

AHEAD = timedelta(days=14)  # the attendee list covers the agenda a kiosk shows
RECENT = timedelta(hours=12)  # and activities that began a little while ago


def places(kiosk: dict[str, Any]) -> list[str]:
    """The buurthuizen a kiosk stands at, as the coordinator typed them, compared
    without case and spaces around."""
    return [p.strip().casefold() for p in (kiosk.get("locations") or "").split(",")
            if p.strip()]


def set_places(db: sqlite_utils.Database, kiosk_id: int, text: str) -> None:
    cleaned = ", ".join(p.strip() for p in text.replace("\n", ",").split(",") if p.strip())
    db.execute("UPDATE kiosks SET locations = ? WHERE id = ?", [cleaned[:500], kiosk_id])


def take_ticket_key(db: sqlite_utils.Database, kiosk: dict[str, Any], header: str) -> bool:
    """Store the public key a kiosk sends with its agenda request ("id:base64"). A key
    that does not match its id is ignored: it could only make that kiosk's tickets fail."""
    key_id, _, encoded = header.strip().partition(":")
    try:
        public = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return False
    if len(public) != 32 or tickets.key_id(public) != key_id:
        return False
    if kiosk.get("ticket_key_id") == key_id:
        return False
    db.execute("UPDATE kiosks SET ticket_key_id = ?, ticket_public_key = ? WHERE id = ?",
               [key_id, encoded, kiosk["id"]])
    return True


def ticket_keys(db: sqlite_utils.Database) -> list[dict[str, str]]:
    return [{"id": r[0], "public": r[1], "kiosk": r[2]} for r in db.execute(
        "SELECT ticket_key_id, ticket_public_key, name FROM kiosks "
        "WHERE active = 1 AND ticket_key_id IS NOT NULL ORDER BY id")]


def _place_sql(kiosk: dict[str, Any]) -> tuple[str, list[str]]:
    wanted = places(kiosk)
    marks = ", ".join("?" for _ in wanted)
    return f"lower(trim(a.location_name)) IN ({marks})", wanted


def window(now: datetime) -> dict[str, str]:
    """The start times the attendee list covers."""
    return {"from": utc_iso(now - RECENT), "to": utc_iso(now + AHEAD)}


def covered(kiosk: dict[str, Any], now: datetime) -> dict[str, str] | None:
    """What the attendee list covers, sent with it: a kiosk refuses a genuine ticket for
    a day inside it that the list leaves out (cancelled, or elsewhere). Nothing for a
    kiosk without places: its empty list says nothing about anyone."""
    return window(now) if places(kiosk) else None


def attendees_for(db: sqlite_utils.Database, kiosk: dict[str, Any],
                  now: datetime) -> list[dict[str, Any]]:
    """Confirmed signups made at other kiosks (or entered centrally) for activities at
    this kiosk's places, from a little while ago to two weeks ahead."""
    if not places(kiosk):
        return []
    where, params = _place_sql(kiosk)
    rows = db.query(
        "SELECT s.id, s.code, s.name, s.party_size, s.attended_at, a.id AS activity_id, "
        "a.title, a.starts_at, k.name AS kiosk, k.ticket_key_id AS key_id FROM signups s "
        "JOIN activities a ON a.id = s.activity_id LEFT JOIN kiosks k ON k.id = s.kiosk_id "
        f"WHERE s.status = 'confirmed' AND s.code != '' AND {where} "
        "AND a.status = 'scheduled' AND a.starts_utc >= ? AND a.starts_utc < ? "
        "AND COALESCE(s.kiosk_id, 0) != ? ORDER BY a.starts_utc, s.created_at",
        [*params, window(now)["from"], window(now)["to"], kiosk["id"]],
    )
    return [{"id": r["id"], "code": r["code"], "name": r["name"],
             "party_size": r["party_size"], "activity_id": r["activity_id"],
             "activity_title": r["title"], "starts_at": r["starts_at"],
             "kiosk": r["kiosk"] or "centraal", "attended_at": r["attended_at"],
             "key_id": r["key_id"] or ""}
            for r in rows]


def may_check_in(db: sqlite_utils.Database, kiosk: dict[str, Any],
                 signup: dict[str, Any]) -> bool:
    """Its own signup, or one at an activity at one of its places: the attendee list."""
    if signup["kiosk_id"] == kiosk["id"]:
        return True
    if not places(kiosk):
        return False
    where, params = _place_sql(kiosk)
    return db.execute(f"SELECT 1 FROM activities a WHERE a.id = ? AND {where}",
                      [signup["activity_id"], *params]).fetchone() is not None


def record_check_in(db: sqlite_utils.Database, signup_id: str, kiosk_id: int, at: str) -> None:
    db.execute(
        "INSERT INTO checkins (signup_id, kiosk_id, at, received_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (signup_id, kiosk_id) DO NOTHING",
        [signup_id, kiosk_id, at, now_iso()],
    )


def check_ins(db: sqlite_utils.Database, activity_id: str) -> dict[str, list[dict[str, Any]]]:
    """signup id -> where and when it was let in; more than one is a double."""
    found: dict[str, list[dict[str, Any]]] = {}
    for row in db.query(
        "SELECT c.signup_id, c.at, k.name AS kiosk FROM checkins c "
        "JOIN signups s ON s.id = c.signup_id LEFT JOIN kiosks k ON k.id = c.kiosk_id "
        "WHERE s.activity_id = ? ORDER BY c.at", [activity_id],
    ):
        found.setdefault(row["signup_id"], []).append(row)
    return found
