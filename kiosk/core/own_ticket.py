"""'Mijn kaartje': a resident opens their own signup with the ticket's QR or its code, sees
whether it still stands, and may cancel it or print it again.

Only the ticket's own code opens it, and only that one signup. Three wrong codes within ten
minutes pause typing for a minute. The time of each wrong try is kept in the database, so
reloading the page does not undo the pause, and only time ends it: a right code counts for
nothing, or a stranger could type their own code between guesses to keep going. With 32^6
codes and a handful of signups, three guesses a minute take years to hit one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import sqlite_utils

from kiosk.core import audit, calls, codes, print_jobs, tickets
from kiosk.core.agenda import Activity, get_activity
from kiosk.core.clock import utc_iso
from kiosk.core.db import write_transaction
from kiosk.core.signups import Signup, cancel_signup, get_signup, get_signup_by_code
from kiosk.core.ticket_changes import Change, changes_since, printed_as

WRONG_TRIES = 3
PAUSE = timedelta(minutes=1)
# Wrong tries further apart than this are a resident's typos, not guessing.
WINDOW = timedelta(minutes=10)
ACTOR = "bewoner (Mijn kaartje)"
SEAT_FREED = "Iemand heeft zich afgemeld: deze aanmelding van de wachtlijst staat nu vast."

Status = Literal["aangemeld", "onder voorbehoud", "wachtlijst", "afgemeld", "gaat niet door"]


class NotOpened(Exception):
    """The code or QR opens nothing; the message is what the resident reads."""


@dataclass(frozen=True)
class OwnTicket:
    signup: Signup
    activity: Activity
    changes: list[Change]

    @property
    def status(self) -> Status:
        if self.signup.status == "cancelled":
            return "afgemeld"
        if self.activity.status != "scheduled":
            return "gaat niet door"
        if self.signup.status == "waitlist":
            return "wachtlijst"
        return "onder voorbehoud" if self.signup.provisional else "aangemeld"

    def can_cancel(self, now: datetime) -> bool:
        return self.status in ("aangemeld", "onder voorbehoud", "wachtlijst") and (
            self.activity.starts_at > now
        )

    def can_reprint(self) -> bool:
        return self.status != "afgemeld"


UNKNOWN = (
    "Deze code kennen wij niet. Kijk of u hem goed heeft overgetypt, "
    "of vraag het aan een vrijwilliger."
)
NOT_A_TICKET = "Dit is geen kaartje van deze kiosk. Vraag het aan een vrijwilliger."
# Tries are counted for the whole kiosk: the one who reads this may have typed only once.
PAUSED = (
    "Er is een paar keer een code getypt die niet klopt. "
    "Wacht een minuut en probeer het dan opnieuw."
)


def paused_until(db: sqlite_utils.Database, now: datetime) -> datetime | None:
    """When typing may start again, or None when it may now."""
    row = db.execute("SELECT locked_until FROM own_ticket_lockout WHERE id = 1").fetchone()
    if row is None or not row[0]:
        return None
    until = datetime.fromisoformat(row[0].replace("Z", "+00:00"))
    # A pause further ahead than one pause was set before the clock was put back: over.
    return until if now < until <= now + PAUSE else None


def open_ticket(db: sqlite_utils.Database, secret: bytes, raw: str, now: datetime) -> OwnTicket:
    """What the scanner typed or the resident typed on the keys -> their own ticket.
    Raises NotOpened with a kind Dutch sentence that says nothing about anyone else."""
    text = raw.strip()
    # One write transaction from the pause check to the count: parallel guesses queue up
    # behind each other instead of all slipping past the check before any is counted.
    with write_transaction(db):
        _forget_the_future(db, now)
        if paused_until(db, now):
            raise NotOpened(PAUSED)
        if text.partition(".")[0].upper() in (codes.QR_PREFIX, tickets.PREFIX):
            verdict, read = tickets.read_ticket(db, secret, text)
            code = read if verdict == "valid" else None
            failure = NOT_A_TICKET
        else:
            code = codes.normalize_code(text)
            failure = UNKNOWN
        signup = get_signup_by_code(db, code) if code else None
        activity = get_activity(db, signup.activity_id) if signup else None
        if signup is None or activity is None:
            paused = _wrong(db, now)
    if signup is None or activity is None:  # raised after the commit: the try must count
        raise NotOpened(PAUSED if paused else failure)
    return OwnTicket(signup, activity, changes_since(printed_as(db, signup.id), activity))


def _forget_the_future(db: sqlite_utils.Database, now: datetime) -> None:
    """After the clock is put back, tries and a pause dated after now were never made at
    this time: left in, every typo would pause typing again until the clock caught up."""
    db.execute("DELETE FROM own_ticket_wrong_tries WHERE at > ?", [utc_iso(now)])
    db.execute(
        "UPDATE own_ticket_lockout SET locked_until = NULL WHERE id = 1 AND locked_until > ?",
        [utc_iso(now + PAUSE)],
    )


def _wrong(db: sqlite_utils.Database, now: datetime) -> bool:
    """Count a wrong try; True when it starts a pause. Tries from before the last pause
    ended do not count again, nor tries older than the window (kept no longer either).
    Times have whole seconds: a try in the second the pause ends counts (>=)."""
    since = utc_iso(now - WINDOW)
    db.execute("DELETE FROM own_ticket_wrong_tries WHERE at < ?", [since])
    db.execute("INSERT INTO own_ticket_wrong_tries (at) VALUES (?)", [utc_iso(now)])
    row = db.execute("SELECT locked_until FROM own_ticket_lockout WHERE id = 1").fetchone()
    ended = row[0] if row and row[0] and row[0] <= utc_iso(now) else ""
    recent = db.execute(
        "SELECT COUNT(*) FROM own_ticket_wrong_tries WHERE at >= ?", [max(ended, since)]
    ).fetchone()[0]
    if recent < WRONG_TRIES:
        return False
    until = utc_iso(now + PAUSE)
    db.execute("UPDATE own_ticket_lockout SET locked_until = ? WHERE id = 1", [until])
    return True


def as_it_is_now(db: sqlite_utils.Database, signup_id: str) -> OwnTicket | None:
    """The ticket a resident opened a moment ago, as it is now."""
    signup = get_signup(db, signup_id)
    activity = get_activity(db, signup.activity_id) if signup else None
    if signup is None or activity is None:
        return None
    return OwnTicket(signup, activity, changes_since(printed_as(db, signup.id), activity))


def cancel(db: sqlite_utils.Database, ticket: OwnTicket) -> None:
    """The resident cancels: the seat goes to the waitlist, whoever moves up is put on the
    volunteers' call list (they do not know yet). Nothing is printed."""
    with write_transaction(db):
        moved_up = cancel_signup(db, ticket.signup.id)
        for signup in moved_up:
            calls.ask_to_call(db, signup.id, SEAT_FREED)
        audit.record(
            db,
            ACTOR,
            "signup.cancelled",
            f"Aanmelding {ticket.signup.display_code} afgemeld door de bewoner",
            activity_id=ticket.activity.id,
            signup_id=ticket.signup.id,
        )


def reprint(db: sqlite_utils.Database, ticket: OwnTicket) -> None:
    with write_transaction(db):
        print_jobs.queue_print_job(db, "ticket", ticket.signup.id, {"copy": True})
        audit.record(
            db,
            ACTOR,
            "ticket.reprinted",
            f"Kopie van kaartje {ticket.signup.display_code} geprint door de bewoner",
            activity_id=ticket.activity.id,
            signup_id=ticket.signup.id,
        )
