"""Check-in at the door: a scanned ticket QR marks the signup attended.

Only a QR with a valid signature checks someone in by itself. A typed code (the QR would
not scan) is looked up and shown, and the volunteer confirms after asking the name: a code
alone can be read off someone else's ticket.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import sqlite_utils

from kiosk.core import audit, codes, door_list, dutch, tickets
from kiosk.core.agenda import Activity, get_activity
from kiosk.core.clock import now_iso
from kiosk.core.db import write_transaction
from kiosk.core.outbox import record_change
from kiosk.core.signups import Signup, get_signup, get_signup_by_code

Outcome = Literal["welcome", "already", "confirm", "other_day", "refused"]


@dataclass(frozen=True)
class CheckIn:
    outcome: Outcome
    message: str
    signup: Signup | None = None
    activity: Activity | None = None


def _clock(stamp: str) -> str:
    return dutch.clock(datetime.fromisoformat(stamp.replace("Z", "+00:00")))


def scan(
    db: sqlite_utils.Database,
    secret: bytes,
    raw: str,
    *,
    actor: str,
    activity_id: str | None = None,
    now: datetime | None = None,
) -> CheckIn:
    """What the scanner (or the volunteer) typed at the door -> what to tell the volunteer.
    `now` (default: the clock) tells a ticket for today from one for another day."""
    now = now or datetime.now(UTC)
    text = raw.strip()
    head = text.partition(".")[0].upper()
    if head in (codes.QR_PREFIX, tickets.PREFIX):
        verdict, code = tickets.read_ticket(db, secret, text)
        if verdict == "valid" and code is not None:
            entry = door_list.find(db, code) if get_signup_by_code(db, code) is None else None
            if entry is not None:
                return _check_door(db, entry, actor=actor, activity_id=activity_id)
            return _check(db, code, actor=actor, activity_id=activity_id, confirmed=True,
                          now=now)
        own_code = code is not None and get_signup_by_code(db, code) is not None
        if verdict == "unknown-key" and not (head == codes.QR_PREFIX and own_code):
            # A real ticket, most likely, from a kiosk whose key has not reached this one
            # (no sync yet since it started): refused all the same, but not called forged.
            which = ("niet van deze kiosk" if head == codes.QR_PREFIX
                     else "van een kiosk die deze kiosk nog niet kent")
            return _refused_and_logged(
                db, actor, "checkin.elsewhere", "Kaartje van een andere kiosk",
                f"Dit kaartje komt {which}. Misschien heeft de bewoner zich ergens anders "
                "aangemeld. Vraag de naam en kijk op de lijst.",
            )  # fmt: skip
        return _refused_and_logged(
            db, actor, "checkin.forged", "Kaartje met valse QR-code geweigerd",
            "Dit kaartje is niet geldig: de QR-code is veranderd of nagemaakt. "
            "Vraag de naam en kijk op de lijst.",
        )  # fmt: skip
    if head == "BKS1":
        return CheckIn("refused", "Dit is een aanmeldstrook, geen kaartje.")
    code = codes.normalize_code(text)
    if code is None:
        return CheckIn("refused", "Dit is geen kaartje. Scan de QR-code of typ de code (7KQ-4MX).")
    return _check(db, code, actor=actor, activity_id=activity_id, confirmed=False, now=now)


def _check_door(
    db: sqlite_utils.Database, entry: door_list.DoorEntry, *, actor: str,
    activity_id: str | None,
) -> CheckIn:
    """A ticket from another kiosk, on the list the hub sent for this buurthuis."""
    if activity_id and entry.activity_id != activity_id:
        return CheckIn("refused", f"Dit kaartje is voor een andere activiteit: "
                                  f"{entry.activity_title}.")
    if entry.attended_at:
        return CheckIn("already", f"Al binnen (sinds {_clock(entry.attended_at)}).")
    with write_transaction(db):
        door_list.check_in(db, entry, actor=actor)
    people = dutch.people(entry.party_size)
    who = f" ({entry.name})" if entry.name else ""
    return CheckIn("welcome", f"Welkom{who}! Binnen gemeld: {people}. "
                              "Aangemeld bij een andere kiosk.")


def _refused_and_logged(
    db: sqlite_utils.Database, actor: str, action: str, detail: str, message: str
) -> CheckIn:
    with write_transaction(db):
        audit.record(db, actor, action, detail)
    return CheckIn("refused", message)


def _check(
    db: sqlite_utils.Database,
    code: str,
    *,
    actor: str,
    activity_id: str | None,
    confirmed: bool,
    now: datetime,
) -> CheckIn:
    signup = get_signup_by_code(db, code)
    if signup is None:
        return CheckIn(
            "refused",
            f"Code {codes.display_code(code)} staat niet op deze kiosk. "
            "Vraag de naam en kijk op de lijst.",
        )
    activity = get_activity(db, signup.activity_id)
    refusal = _refusal(signup, activity, activity_id)
    if refusal:
        return CheckIn("refused", refusal, signup, activity)
    if signup.attended_at:
        return CheckIn("already", _already(signup), signup, activity)
    if activity is not None and dutch.local(activity.starts_at).date() != dutch.local(now).date():
        # Most often the wrong ticket from the drawer: never let in without a look.
        return CheckIn("other_day", _other_day(activity), signup, activity)
    if not confirmed:
        return CheckIn("confirm", "Klopt de naam? Meld dan binnen met de knop.", signup, activity)
    return mark_attended(db, signup.id, actor=actor, how="scan")


def _refusal(signup: Signup, activity: Activity | None, expected: str | None) -> str:
    if activity is None:
        return "De activiteit van dit kaartje staat niet meer in de agenda."
    if expected and signup.activity_id != expected:
        return (
            f"Dit kaartje is voor een andere activiteit: {activity.title}, "
            f"{dutch.written_moment(activity.starts_at)}."
        )
    if signup.status == "cancelled":
        return "Deze aanmelding is geannuleerd. Dit kaartje geldt niet meer."
    if signup.status == "waitlist":
        return "Deze aanmelding staat op de wachtlijst: er was nog geen plek."
    return ""


def _other_day(activity: Activity) -> str:
    return (
        f"Let op: dit kaartje is niet voor vandaag, maar voor "
        f"{dutch.written_moment(activity.starts_at)} ({activity.title}). "
        "Klopt het toch? Meld dan binnen met de knop."
    )


def _already(signup: Signup) -> str:
    return f"Al binnen (sinds {_clock(signup.attended_at or '')})."


def mark_attended(
    db: sqlite_utils.Database, signup_id: str, *, actor: str, how: str = "hand"
) -> CheckIn:
    """Mark a confirmed signup as arrived; a second time only says so."""
    with write_transaction(db):
        signup = get_signup(db, signup_id)
        if signup is None:
            return CheckIn("refused", "Deze aanmelding bestaat niet.")
        activity = get_activity(db, signup.activity_id)
        refusal = _refusal(signup, activity, None)
        if refusal:
            return CheckIn("refused", refusal, signup, activity)
        if signup.attended_at:
            return CheckIn("already", _already(signup), signup, activity)
        stamp = now_iso()
        db.execute(
            "UPDATE signups SET attended_at = ?, updated_at = ? WHERE id = ?",
            [stamp, stamp, signup_id],
        )
        record_change(db, "signup.attended", signup_id, {"id": signup_id, "at": stamp})
        audit.record(
            db,
            actor,
            "checkin",
            f"Binnen gemeld ({'gescand' if how == 'scan' else 'met de hand'}): "
            f"aanmelding {signup.display_code}",
            activity_id=signup.activity_id,
            signup_id=signup_id,
        )
    arrived = get_signup(db, signup_id)
    people = dutch.people(signup.party_size)
    return CheckIn("welcome", f"Welkom! Binnen gemeld: {people}.", arrived, activity)


def attendance_counts(db: sqlite_utils.Database, activity_id: str) -> tuple[int, int]:
    """(people arrived, people expected) among confirmed signups."""
    row = db.execute(
        "SELECT COALESCE(SUM(CASE WHEN attended_at IS NOT NULL THEN party_size END), 0), "
        "COALESCE(SUM(party_size), 0) FROM signups WHERE activity_id = ? AND status = 'confirmed'",
        [activity_id],
    ).fetchone()
    return int(row[0]), int(row[1])
