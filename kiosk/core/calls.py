"""Residents a volunteer should phone: something central changed what they were told.

What a resident was told is kept on the signup (`told_*`) the moment sync first changes
it: the activity's start, place and status, and the signup's own status. The call list
is every signup whose told facts differ from today's, so a change that is undone
(a cancel taken back, a time moved and moved back) withdraws its entry by itself, and
several changes read as one entry. `call_reason` remains for the hub's cancel of a
signup, which the kiosk cannot see from the facts. Calling (or printing a new ticket
and calling) makes today's facts the told ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlite_utils

from kiosk.core import codes, dutch

MOVED_TO_WAITLIST = "De centrale agenda heeft deze aanmelding op de wachtlijst gezet."
SEAT_AFTER_ALL = "Er is toch plek: deze aanmelding staat nu vast."
CANCELLED_CENTRALLY = "Deze aanmelding is in de centrale agenda afgemeld."
ACTIVITY_CANCELLED = "Deze activiteit gaat niet door."
ACTIVITY_BACK = "Deze activiteit gaat toch door."
ACTIVITY_REMOVED = "Deze activiteit staat niet meer in de agenda."

_PLACE = "(a.location_name || CASE WHEN a.address != '' THEN ', ' || a.address ELSE '' END)"
# A seat taken beyond the kiosk's lease is "onder voorbehoud" until the hub confirms it:
# for the resident that is a status of its own (their ticket says so).
def _signup_status(s: str = "") -> str:
    return (f"CASE WHEN {s}status = 'confirmed' AND {s}seat_basis = 'provisional' "
            f"AND COALESCE({s}hub_status, '') != 'confirmed' THEN 'provisional' "
            f"ELSE {s}status END")


@dataclass(frozen=True)
class Facts:
    """What a ticket says that sync can change."""

    starts_at: str  # ISO 8601, Amsterdam time
    place: str
    activity_status: str  # scheduled | cancelled | removed
    signup_status: str  # confirmed | provisional | waitlist | cancelled


@dataclass(frozen=True)
class Change:
    lines: tuple[str, ...]
    reprint: bool  # the paper the resident holds is now wrong, and a new one would be right


def what_changed(told: Facts, now: Facts) -> Change:
    """In plain Dutch, what is different from what the resident was told. Pure."""
    lines: list[str] = []
    if now.activity_status == "removed" and told.activity_status != "removed":
        lines.append(ACTIVITY_REMOVED)
    elif now.activity_status == "cancelled" and told.activity_status != "cancelled":
        lines.append(ACTIVITY_CANCELLED)
    elif now.activity_status == "scheduled" and told.activity_status != "scheduled":
        lines.append(ACTIVITY_BACK)
    paper_wrong = False
    if told.starts_at != now.starts_at:
        before, after = (dutch.local(datetime.fromisoformat(m))
                         for m in (told.starts_at, now.starts_at))
        if before.date() != after.date():
            lines.append(f"Andere dag: eerst {dutch.written_moment(before)}, "
                         f"nu {dutch.written_moment(after)}.")
        else:
            lines.append(f"Andere tijd: eerst {dutch.clock(before)}, "
                         f"nu {dutch.clock(after)}.")
        paper_wrong = True
    if told.place != now.place:
        lines.append(f"Andere plek: eerst {told.place or '(onbekend)'}, "
                     f"nu {now.place or '(onbekend)'}.")
        paper_wrong = True
    if now.signup_status == "waitlist" and told.signup_status in ("confirmed", "provisional"):
        lines.append(MOVED_TO_WAITLIST)
        paper_wrong = True
    elif now.signup_status == "confirmed" and told.signup_status in ("waitlist", "provisional"):
        lines.append(SEAT_AFTER_ALL)
        paper_wrong = True
    usable = now.activity_status == "scheduled" and now.signup_status != "cancelled"
    return Change(tuple(lines), reprint=paper_wrong and usable)


@dataclass(frozen=True)
class CallItem:
    signup_id: str
    code: str
    name: str
    phone: str
    party_size: int
    status: str
    reason: str  # every line of what changed, as one text
    changes: tuple[str, ...]
    reprint: bool
    activity_id: str
    activity_title: str
    starts_at: str

    @property
    def display_code(self) -> str:
        return codes.display_code(self.code)


def remember_what_was_told(
    db: sqlite_utils.Database, *, activity_id: str | None = None, signup_id: str | None = None
) -> None:
    """Keep today's facts as what the resident was told, for signups that have none yet.
    Call just before sync changes an activity or a signup, in the same transaction."""
    where, param = ("activity_id = ?", activity_id) if activity_id else ("id = ?", signup_id)
    db.execute(
        "UPDATE signups SET "
        "told_starts_at = (SELECT a.starts_at FROM activities a WHERE a.id = activity_id), "
        f"told_place = (SELECT {_PLACE} FROM activities a WHERE a.id = activity_id), "
        "told_activity_status = (SELECT a.status FROM activities a WHERE a.id = activity_id), "
        f"told_status = {_signup_status()} WHERE told_starts_at IS NULL AND {where}",
        [param],
    )


def ask_to_call(db: sqlite_utils.Database, signup_id: str, reason: str) -> None:
    """For what the facts cannot show: the hub cancelled this signup."""
    db.execute("UPDATE signups SET call_reason = ? WHERE id = ?", [reason, signup_id])


def note_from_hub(db: sqlite_utils.Database, signup_id: str, note: str) -> None:
    """The hub's own words on a seat decision ("Vol: alle 20 plaatsen ..."), shown with
    the change while it lasts."""
    db.execute("UPDATE signups SET call_note = ? WHERE id = ?", [note, signup_id])


_CALLS = f"""
SELECT s.id AS signup_id, s.code, s.name, s.phone, s.party_size, s.status,
       {_signup_status("s.")} AS shown_status,
       s.call_reason, s.call_note, s.told_starts_at, s.told_place, s.told_activity_status,
       s.told_status, a.id AS activity_id, a.title AS activity_title, a.starts_at,
       {_PLACE} AS place, a.status AS activity_status
FROM signups s JOIN activities a ON a.id = s.activity_id
WHERE s.call_reason != ''
   OR (s.status != 'cancelled' AND s.told_starts_at IS NOT NULL AND (
       s.told_starts_at != a.starts_at OR s.told_place != {_PLACE}
       OR s.told_activity_status != a.status OR s.told_status != shown_status))
ORDER BY a.starts_utc, s.created_at
"""


def signups_needing_a_call(db: sqlite_utils.Database) -> list[CallItem]:
    """Oldest activity first: the soonest activity is the most urgent call."""
    items = []
    for row in db.query(_CALLS):
        change = _change_of(row)
        lines = list(change.lines)
        if row["call_reason"]:
            lines.append(row["call_reason"])
        if not lines:
            continue
        if row["call_note"] and row["status"] == "waitlist":
            lines.append(row["call_note"])
        items.append(CallItem(
            row["signup_id"], row["code"], row["name"], row["phone"], row["party_size"],
            row["status"], " ".join(lines), tuple(lines), change.reprint, row["activity_id"],
            row["activity_title"], row["starts_at"],
        ))
    return items


def _change_of(row: dict[str, Any]) -> Change:
    if row["told_starts_at"] is None or row["status"] == "cancelled":
        return Change((), reprint=False)
    told = Facts(row["told_starts_at"], row["told_place"], row["told_activity_status"],
                 row["told_status"])
    now = Facts(row["starts_at"], row["place"], row["activity_status"], row["shown_status"])
    return what_changed(told, now)


def call_item(db: sqlite_utils.Database, signup_id: str) -> CallItem | None:
    return next((i for i in signups_needing_a_call(db) if i.signup_id == signup_id), None)


def mark_called(db: sqlite_utils.Database, signup_id: str) -> None:
    """The resident now knows: today's facts are what they were told."""
    db.execute(
        "UPDATE signups SET call_reason = '', call_note = '', "
        "told_starts_at = (SELECT a.starts_at FROM activities a WHERE a.id = activity_id), "
        f"told_place = (SELECT {_PLACE} FROM activities a WHERE a.id = activity_id), "
        "told_activity_status = (SELECT a.status FROM activities a WHERE a.id = activity_id), "
        f"told_status = {_signup_status()} WHERE id = ?",
        [signup_id],
    )
