"""Check-in at the door: a scanned ticket QR marks the signup attended.

Only a QR with a valid signature checks someone in by itself. A typed code (the QR would
not scan) is looked up and shown, and the volunteer confirms after asking the name: a code
alone can be read off someone else's ticket.

Every ticket, from this kiosk or any other, is held up when it is for another day ("dit
kaartje is niet voor vandaag, maar voor donderdag 3 december"): most often the wrong
ticket from the drawer. The volunteer may still let the person in with the button. The
day comes from this kiosk's own signup, from the door list the hub sent, or, for a
genuine ticket of another kiosk that neither knows, from the day signed on the ticket.

Codes are unique per kiosk only, so a ticket is looked up by code and the key that signed
it: this kiosk's own signups for its own key, the door list for the others. A genuine
ticket that neither holds is let in by the volunteer only while no current door list
covers its day (door_list.covers); once, then "Al binnen".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

import sqlite_utils

from kiosk.core import audit, codes, door_list, dutch, tickets
from kiosk.core.agenda import Activity, get_activity
from kiosk.core.clock import now_iso
from kiosk.core.db import write_transaction
from kiosk.core.outbox import record_change
from kiosk.core.signups import Signup, get_signup, get_signup_by_code

Outcome = Literal["welcome", "already", "confirm", "other_day", "refused"]
# A ticket this kiosk signed, for a signup it no longer has (retention, removal request).
GONE = "Deze aanmelding bestaat niet meer. Vraag de naam en kijk op de lijst."


@dataclass(frozen=True)
class CheckIn:
    outcome: Outcome
    message: str
    signup: Signup | None = None
    activity: Activity | None = None
    door: door_list.DoorEntry | None = None  # a resident of another kiosk, on the door list
    ticket: str = ""  # a genuine ticket of another kiosk that no list here knows (the QR)


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
        read = tickets.read_signed(db, secret, text)
        verdict, code = read.verdict, read.code
        if verdict == "valid" and code is not None:
            if read.own:  # codes are unique per kiosk only: another kiosk's never is ours
                if get_signup_by_code(db, code) is None:
                    return CheckIn("refused", GONE)
                return _check(db, code, actor=actor, activity_id=activity_id, confirmed=True,
                              now=now)
            entry = door_list.find(db, code, read.key)
            if entry is not None:
                return _check_door(db, entry, actor=actor, activity_id=activity_id, now=now)
            if read.day is not None:
                return _ticket_only(db, read, text, activity_id=activity_id, now=now)
            return CheckIn("refused", f"Code {codes.display_code(code)} staat niet op de lijst "
                                      "van deze kiosk. Vraag de naam en kijk op de lijst.")
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


def _door_activity(
    db: sqlite_utils.Database, entry: door_list.DoorEntry
) -> tuple[str, datetime | None]:
    """(title, start) of a door list entry's activity: from this kiosk's agenda where it
    has the activity (the newest time), else as the hub listed it."""
    activity = get_activity(db, entry.activity_id) if entry.activity_id else None
    if activity is not None:
        return activity.title, activity.starts_at
    try:
        starts = datetime.fromisoformat(entry.starts_at.replace("Z", "+00:00"))
    except ValueError:
        return entry.activity_title, None
    return entry.activity_title, starts if starts.tzinfo else starts.replace(tzinfo=UTC)


def _check_door(
    db: sqlite_utils.Database, entry: door_list.DoorEntry, *, actor: str,
    activity_id: str | None, now: datetime,
) -> CheckIn:
    """A ticket from another kiosk, on the list the hub sent for this buurthuis."""
    if activity_id and entry.activity_id != activity_id:
        return CheckIn("refused", f"Dit kaartje is voor een andere activiteit: "
                                  f"{entry.activity_title}.")
    if entry.attended_at:
        return CheckIn("already", f"Al binnen (sinds {_clock(entry.attended_at)}).", door=entry)
    title, starts = _door_activity(db, entry)
    if starts is not None and dutch.local(starts).date() != dutch.local(now).date():
        message = _other_day_text(dutch.written_moment(starts), title)
        return CheckIn("other_day", message, door=entry)
    return door_arrived(db, entry.signup_id, actor=actor)


def door_arrived(db: sqlite_utils.Database, signup_id: str, *, actor: str) -> CheckIn:
    """Mark a resident of the door list arrived (after a scan, or by the volunteer's
    button after the other-day warning); a second time only says so."""
    with write_transaction(db):
        entry = door_list.find_signup(db, signup_id)
        if entry is None:
            return CheckIn("refused", "Deze aanmelding staat niet (meer) op de lijst.")
        if entry.attended_at:
            return CheckIn("already", f"Al binnen (sinds {_clock(entry.attended_at)}).",
                           door=entry)  # fmt: skip
        entry = door_list.check_in(db, entry, actor=actor)
    people = dutch.people(entry.party_size)
    who = f" ({entry.name})" if entry.name else ""
    return CheckIn("welcome", f"Welkom{who}! Binnen gemeld: {people}. "
                              "Aangemeld bij een andere kiosk.", door=entry)


def _elsewhere(read: tickets.ReadTicket) -> str:
    return read.kiosk or "een andere kiosk"  # "Buurthuis Oost", "Kiosk B": says what it is


def _ticket_day(day: date, today: date) -> str:
    """'woensdag 3 december', with the year when it is not this year's."""
    written = dutch.written_date(day)
    return written if day.year == today.year else f"{written} {day.year}"


def _other_ticket_day(day: date, today: date) -> str:
    when = _ticket_day(day, today)
    if day < today:
        return f"Let op: dit kaartje was voor {when}, niet voor vandaag."
    return f"Let op: dit kaartje is niet voor vandaag, maar voor {when}."


NOT_LISTED = ("Dit kaartje staat niet op de lijst. Misschien is de aanmelding afgezegd, of is "
              "de activiteit ergens anders. Vraag het de coördinator.")


def _let_in_before(db: sqlite_utils.Database, read: tickets.ReadTicket) -> str | None:
    """When this ticket (code, day and signing key: the kiosk's name may change) was let
    in here on the ticket alone, if it was."""
    assert read.code is not None and read.day is not None
    row = db.execute("SELECT at FROM ticket_check_ins WHERE code = ? AND day = ? AND key_id = ?",
                     [read.code, read.day.isoformat(), read.key]).fetchone()
    return row[0] if row else None


def _ticket_only(
    db: sqlite_utils.Database, read: tickets.ReadTicket, raw: str, *,
    activity_id: str | None, now: datetime,
) -> CheckIn:
    """A genuine ticket of another kiosk (its key came through the hub) for a resident
    no list here knows. Where a current door list covers the ticket's day, the hub left
    it out (cancelled, or not at this buurthuis): refused. Else the list was not sent
    yet: nothing is known but the code and the day signed on it, so the volunteer asks
    the name and decides; another day is said first."""
    assert read.code is not None and read.day is not None
    code = codes.display_code(read.code)
    before = _let_in_before(db, read)
    if before is not None:
        return CheckIn("already", f"Al binnen (sinds {_clock(before)}).")
    if activity_id:
        return CheckIn("refused", f"Dit kaartje (code {code}) staat niet op de lijst van "
                                  "deze activiteit. Vraag de naam en kijk op de lijst.")
    if door_list.covers(db, read.day, now):
        return CheckIn("refused", NOT_LISTED)
    known = (f"Het kaartje is echt (code {code}, van {_elsewhere(read)}), maar staat niet "
             "op de lijst van deze kiosk. Vraag de naam. Zegt de bewoner een naam die past? ")
    today = dutch.local(now).date()
    if read.day != today:
        return CheckIn("other_day", f"{_other_ticket_day(read.day, today)} {known}"
                                    "Meld dan toch binnen met de knop.", ticket=raw)
    return CheckIn("confirm", f"{known}Meld dan binnen met de knop.", ticket=raw)


def ticket_arrived(
    db: sqlite_utils.Database, secret: bytes, raw: str, *, actor: str
) -> CheckIn:
    """The volunteer lets in a resident on a genuine ticket of another kiosk that no list
    here knows (after _ticket_only). The ticket is checked again. Kept by what the ticket
    says (ticket_check_ins), and sent to the hub as such: it finds the signup by the
    code and the signing kiosk's key."""
    read = tickets.read_signed(db, secret, raw)
    if read.verdict != "valid" or read.code is None:
        return CheckIn("refused", "Dit kaartje is niet geldig. Vraag de naam en kijk op de lijst.")
    if read.own:
        signup = get_signup_by_code(db, read.code)
        if signup is None:
            return CheckIn("refused", GONE)
        return mark_attended(db, signup.id, actor=actor)
    # Known here meanwhile (the door list came in between): let in as such.
    entry = door_list.find(db, read.code, read.key)
    if entry is not None:
        return door_arrived(db, entry.signup_id, actor=actor)
    code = codes.display_code(read.code)
    if read.day is None:  # printed before tickets had their day: never offered the button
        return CheckIn("refused", f"Code {code} staat niet op deze kiosk. "
                                  "Vraag de naam en kijk op de lijst.")
    if door_list.covers(db, read.day, datetime.now(UTC)):  # the list came in between
        return CheckIn("refused", NOT_LISTED)
    with write_transaction(db):
        before = _let_in_before(db, read)
        if before is not None:
            return CheckIn("already", f"Al binnen (sinds {_clock(before)}).")
        stamp = now_iso()
        db.execute("INSERT INTO ticket_check_ins (code, day, key_id, at) VALUES (?, ?, ?, ?)",
                   [read.code, read.day.isoformat(), read.key, stamp])
        record_change(db, "ticket.attended", "", {"code": read.code, "key_id": read.key,
                                                  "day": read.day.isoformat(), "at": stamp})
        audit.record(db, actor, "checkin.ticket",
                     f"Binnen gemeld op een echt kaartje van {_elsewhere(read)}, niet op de "
                     f"lijst: aanmelding {code} voor {dutch.written_date(read.day)}")
    return CheckIn("welcome", f"Welkom! Binnen gemeld op het kaartje met code {code} "
                              f"van {_elsewhere(read)}.")


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
    return _other_day_text(dutch.written_moment(activity.starts_at), activity.title)


def _other_day_text(when: str, title: str) -> str:
    return (
        f"Let op: dit kaartje is niet voor vandaag, maar voor {when} ({title}). "
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
