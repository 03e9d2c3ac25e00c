"""The door list: residents who signed up at other kiosks for activities at this
kiosk's buurthuis, as the hub sends them (name, party size, code; never a phone), so
their tickets are let in here while the internet is down. A check-in here travels to
the hub through the outbox like any other.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlite_utils

from kiosk.core import audit, codes, dutch
from kiosk.core.clock import now_iso
from kiosk.core.outbox import record_change


@dataclass(frozen=True)
class DoorEntry:
    signup_id: str
    code: str
    activity_id: str
    activity_title: str
    starts_at: str
    name: str
    party_size: int
    kiosk_name: str
    attended_at: str | None
    key_id: str = ""  # the id of the key that signs this signup's ticket ('' if not sent)

    @property
    def display_code(self) -> str:
        return codes.display_code(self.code)


_WINDOW = "_door_list_window"
# How old a list may be and still say who is NOT on it: the hub is asked every minute
# while online, so an older list may miss a signup made at another kiosk since.
CURRENT = timedelta(minutes=10)
# "received" is stored to the second, and the Pi's clock may step back a little when
# the network (and with it NTP) comes up, which is when a list arrives.
_SKEW = timedelta(minutes=1)


def _moment(text: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def store(db: sqlite_utils.Database, attendees: list[Any], covered: Any = None) -> int:
    """Replace the list with the hub's; a check-in made here is kept. `covered`: the
    start times it covers, as the hub sent them ({"from", "to"}; an older hub sends
    none). Call inside a write transaction. Malformed entries are left out. Returns how
    many were stored."""
    start = _moment(covered.get("from")) if isinstance(covered, dict) else None
    end = _moment(covered.get("to")) if isinstance(covered, dict) else None
    db.execute("DELETE FROM settings WHERE key = ?", [_WINDOW])
    if start is not None and end is not None:
        db.execute("INSERT INTO settings (key, value) VALUES (?, ?)", [_WINDOW, json.dumps(
            {"received": now_iso(), "from": start.isoformat(), "to": end.isoformat()})])
    kept = dict(db.execute(
        "SELECT signup_id, attended_at FROM door_list WHERE attended_at IS NOT NULL").fetchall())
    db.execute("DELETE FROM door_list")
    stored = 0
    for item in attendees:
        if not isinstance(item, dict):
            continue
        code = codes.normalize_code(str(item.get("code") or ""))
        size = item.get("party_size")
        if code is None or not isinstance(size, int) or not 1 <= size <= 10:
            continue
        signup_id = str(item.get("id") or "")[:64]
        if not signup_id:
            continue
        attended = kept.get(signup_id) or (str(item["attended_at"])[:40]
                                           if item.get("attended_at") else None)
        db.execute(
            "INSERT OR REPLACE INTO door_list (signup_id, code, activity_id, activity_title, "
            "starts_at, name, party_size, kiosk_name, attended_at, key_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [signup_id, code, str(item.get("activity_id") or "")[:120],
             str(item.get("activity_title") or "")[:200], str(item.get("starts_at") or "")[:40],
             str(item.get("name") or "")[:100], size, str(item.get("kiosk") or "")[:100],
             attended, str(item.get("key_id") or "")[:6]],
        )
        stored += 1
    return stored


def covers(db: sqlite_utils.Database, day: date, now: datetime) -> bool:
    """Whether a current list (received in the last CURRENT) holds every confirmed signup
    at this kiosk's places for `day`, so that a ticket for that day not on it is not one
    to let in. An activity starting that day before the list's start (over 12 hours
    before it came) is not counted: none starts so early at a buurthuis."""
    row = db.execute("SELECT value FROM settings WHERE key = ?", [_WINDOW]).fetchone()
    if row is None:
        return False
    try:
        window = json.loads(row[0])
    except ValueError:
        return False
    received, start, end = (_moment(window.get(k)) for k in ("received", "from", "to"))
    if received is None or start is None or end is None:
        return False
    if not -_SKEW <= now - received <= CURRENT:
        return False
    return dutch.local(start).date() <= day < dutch.local(end).date()


def find(db: sqlite_utils.Database, code: str, key_id: str) -> DoorEntry | None:
    """The entry of the ticket with this code signed by this key (codes are unique per
    kiosk only)."""
    rows = list(db.query("SELECT * FROM door_list WHERE code = ? AND key_id IN ('', ?) "
                         "ORDER BY key_id DESC", [code, key_id]))
    return DoorEntry(**rows[0]) if rows else None


def find_signup(db: sqlite_utils.Database, signup_id: str) -> DoorEntry | None:
    rows = list(db.query("SELECT * FROM door_list WHERE signup_id = ?", [signup_id]))
    return DoorEntry(**rows[0]) if rows else None


def check_in(db: sqlite_utils.Database, entry: DoorEntry, *, actor: str) -> DoorEntry:
    """Mark arrived here and tell the hub. Call inside a write transaction."""
    stamp = now_iso()
    db.execute("UPDATE door_list SET attended_at = ? WHERE signup_id = ?",
               [stamp, entry.signup_id])
    record_change(db, "signup.attended", entry.signup_id,
                  {"id": entry.signup_id, "at": stamp, "door": True})
    audit.record(db, actor, "checkin",
                 f"Binnen gemeld (gescand, aangemeld bij {entry.kiosk_name or 'een andere kiosk'})"
                 f": aanmelding {entry.display_code}", activity_id=entry.activity_id)
    found = find_signup(db, entry.signup_id)
    assert found is not None
    return found
