"""The one place a signup is made or cancelled, whatever the channel (touch, voice,
paper slip, phone) — so the rules for names, seats and the waitlist hold everywhere.

A signup, its print job and its outbox row are committed together; printing and
syncing happen afterwards and may fail without losing anything.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from kiosk.core import clock, codes, inputs, leases
from kiosk.core.agenda import get_activity
from kiosk.core.clock import now_iso
from kiosk.core.db import write_transaction
from kiosk.core.inputs import InputError
from kiosk.core.outbox import record_change
from kiosk.core.print_jobs import queue_print_job

MAX_PARTY = 10
MAX_NAME = 80
CHANNELS = ("touch", "voice", "paper", "phone")


class SignupError(InputError):
    """Bad input, with a message a resident can read (plain Dutch)."""


@dataclass(frozen=True)
class Signup:
    id: str
    code: str
    activity_id: str
    name: str
    phone: str
    party_size: int
    channel: str
    status: str
    created_at: str
    kiosk_id: str
    slip_code: str | None = None
    attended_at: str | None = None
    cancelled_at: str | None = None
    note: str = ""
    seat_basis: str | None = None  # leases.LEASE or leases.PROVISIONAL for a hub activity
    hub_status: str | None = None  # what the central agenda last said

    @property
    def display_code(self) -> str:
        return codes.display_code(self.code)

    @property
    def provisional(self) -> bool:
        """'Onder voorbehoud': beyond this kiosk's seat lease, and the hub has not yet
        said whether a seat is free."""
        return (
            self.seat_basis == leases.PROVISIONAL
            and self.hub_status is None
            and self.status == "confirmed"
        )

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Signup:
        keys = cls.__dataclass_fields__
        return cls(**{k: v for k, v in row.items() if k in keys})


PROVISIONAL_NEEDS_PHONE = (
    "Er zijn bijna geen plaatsen meer. Vul uw telefoonnummer in. "
    "Dan bellen wij u als er toch geen plek is."
)

_NAME_PUNCTUATION = frozenset(" .,'’()&/-")
_NAME_WRONG = "Gebruik in uw naam alleen letters, cijfers, spaties en - ' . ,"
MAX_PHONE_TYPED = 40


def _name_char(ch: str) -> bool:
    # Letters and digits of any language, and the marks that go with them (a Vietnamese
    # or Yoruba name keeps stacked accents after NFC); markup and symbols are not.
    return ch.isalnum() or ch in _NAME_PUNCTUATION or unicodedata.category(ch)[0] == "M"


def clean_name(raw: str | None) -> str:
    try:
        name = inputs.text(raw, limit=MAX_NAME, field="name", what="Uw naam")
    except InputError as error:
        raise SignupError(error.message, "name") from None
    if not all(_name_char(ch) for ch in name):
        raise SignupError(_NAME_WRONG, "name")
    return name


_PHONE_WRONG = (
    "Dit telefoonnummer klopt niet. Een nummer heeft 10 cijfers, bijvoorbeeld 06 12345678."
)


def clean_phone(raw: str | None) -> str:
    """'06-12 34 56 78' -> '0612345678'; '+31 6 1234 5678' stays international.
    Only ASCII digits: a digit pad types nothing else."""
    if raw is not None and not isinstance(raw, str):
        raise SignupError(_PHONE_WRONG, "phone")
    if len(raw or "") > MAX_PHONE_TYPED:
        raise SignupError(_PHONE_WRONG, "phone")
    phone = re.sub(r"[ \t\-().]", "", raw or "")
    if not phone:
        return ""
    if re.fullmatch(r"0[0-9]{9}", phone) or re.fullmatch(r"(\+|00)[0-9]{9,14}", phone):
        return phone
    raise SignupError(_PHONE_WRONG, "phone")


def clean_party_size(raw: Any) -> int:
    size = inputs.pad_number(raw, 1, MAX_PARTY)
    if size is None:
        raise SignupError(
            f"Met hoeveel personen komt u? Kies 1 tot en met {MAX_PARTY}.", "party_size"
        )
    return size


def clean_signup_id(raw: str | None) -> str | None:
    """The id a form or a client chose for a new signup (its idempotency key)."""
    if raw is None or raw == "":
        return None
    signup_id = inputs.signup_id(raw)
    if signup_id is None:
        raise SignupError("Er ging iets mis met het formulier. Begin opnieuw.", "token")
    return signup_id


def get_signup(db: sqlite_utils.Database, signup_id: str) -> Signup | None:
    rows = list(db.query("SELECT * FROM signups WHERE id = ?", [signup_id]))
    return Signup.from_row(rows[0]) if rows else None


def get_signup_by_code(db: sqlite_utils.Database, code: str) -> Signup | None:
    rows = list(db.query("SELECT * FROM signups WHERE code = ?", [code]))
    return Signup.from_row(rows[0]) if rows else None



def _seats_taken(db: sqlite_utils.Database, activity_id: str) -> int:
    return db.execute(
        "SELECT COALESCE(SUM(party_size), 0) FROM signups "
        "WHERE activity_id = ? AND status = 'confirmed'",
        [activity_id],
    ).fetchone()[0]


def _sync_payload(signup: Signup) -> dict[str, Any]:
    return asdict(signup)


def create_signup(
    db: sqlite_utils.Database,
    activity_id: str,
    *,
    name: str | None = "",
    phone: str | None = "",
    party_size: Any = 1,
    channel: str = "touch",
    kiosk_id: str,
    slip_code: str | None = None,
    signup_id: str | None = None,
    print_ticket: bool = True,
    now: datetime | None = None,
) -> Signup:
    """Validate, decide confirmed or waitlist, and commit signup + ticket job + outbox row.

    `signup_id` makes a repeated submit (a double tap, a retried POST) return the
    signup made the first time instead of making a second one.
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    name = clean_name(name)
    phone = clean_phone(phone)
    size = clean_party_size(party_size)
    signup_id = clean_signup_id(signup_id)
    if inputs.record_id(activity_id) is None:
        raise SignupError("Deze activiteit staat niet (meer) in de agenda.", "activity")
    now = now or datetime.now(UTC)

    with write_transaction(db):
        if signup_id:
            existing = get_signup(db, signup_id)
            if existing is not None:
                return existing
        activity = get_activity(db, activity_id)
        if activity is None or activity.status == "removed":
            raise SignupError("Deze activiteit staat niet (meer) in de agenda.", "activity")
        if activity.status == "cancelled":
            raise SignupError("Deze activiteit gaat niet door. Kies een andere activiteit.")
        # At the screen the resident is there now: judged by the hub's time when this
        # kiosk's clock is known to be off. A slip or a phone call may be entered late.
        judged = now + clock.hub_offset(db) if channel in ("touch", "voice") else now
        if activity.starts_at <= judged:
            raise SignupError("Deze activiteit is al begonnen. Kies een andere activiteit.")
        status = "confirmed"
        # An activity from the hub has a seat lease: the hub, not this kiosk, knows
        # what other kiosks confirmed, so beyond the lease the hub decides.
        outlook = leases.seat_outlook(db, activity_id, activity.capacity, size)
        basis = leases.PROVISIONAL if outlook == leases.FULL else outlook
        capacity = None if basis else activity.capacity
        full = outlook == leases.FULL or (
            capacity is not None and _seats_taken(db, activity_id) + size > capacity)
        if full:
            status = "waitlist"
            # Someone has to call a waitlisted resident when a seat comes free.
            if not phone:
                raise SignupError(
                    "Deze activiteit is vol. Wilt u op de wachtlijst? Vul dan uw "
                    "telefoonnummer in. Wij bellen u als er plek is.",
                    "phone",
                )
        if basis == leases.PROVISIONAL and status == "confirmed" and not phone:
            # If the hub finds no seat after all, someone has to call.
            raise SignupError(PROVISIONAL_NEEDS_PHONE, "phone")
        stamp = now_iso()
        signup = Signup(
            id=signup_id or str(uuid.uuid4()),
            code=codes.unused_code(db, "signups"),
            activity_id=activity_id,
            name=name,
            phone=phone,
            party_size=size,
            channel=channel,
            status=status,
            created_at=stamp,
            kiosk_id=kiosk_id,
            slip_code=slip_code,
            seat_basis=basis,
        )
        row = asdict(signup) | {"updated_at": stamp}
        db.execute(
            f"INSERT INTO signups ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
            list(row.values()),
        )
        if print_ticket:
            queue_print_job(db, "ticket", signup.id)
        # The hub judges lateness by its own clock: it needs this kiosk's offset then.
        record_change(db, "signup.created", signup.id, {
            **_sync_payload(signup),
            "clock_offset_s": clock.hub_offset(db).total_seconds()})
    return signup


def cancel_signup(db: sqlite_utils.Database, signup_id: str) -> list[Signup]:
    """Cancel, then move waitlisted signups up while they fit. Returns those moved up,
    so a volunteer can call them."""
    moved_up: list[Signup] = []
    with write_transaction(db):
        signup = get_signup(db, signup_id)
        if signup is None:
            raise SignupError("Deze aanmelding bestaat niet.")
        if signup.status == "cancelled":
            return []
        stamp = now_iso()
        db.execute(
            "UPDATE signups SET status = 'cancelled', cancelled_at = ?, updated_at = ? "
            "WHERE id = ?",
            [stamp, stamp, signup_id],
        )
        record_change(db, "signup.cancelled", signup_id, {"id": signup_id, "at": stamp})
        activity = get_activity(db, signup.activity_id)
        if activity is None or activity.capacity is None:
            return []
        if leases.get_lease(db, activity.id) is not None:
            return []  # the hub keeps the waitlist of a leased activity, across kiosks
        free = activity.capacity - _seats_taken(db, activity.id)
        waiting = db.query(
            "SELECT * FROM signups WHERE activity_id = ? AND status = 'waitlist' "
            "ORDER BY created_at, rowid",
            [activity.id],
        )
        for row in list(waiting):
            if row["party_size"] > free:
                continue
            free -= row["party_size"]
            db.execute(
                "UPDATE signups SET status = 'confirmed', updated_at = ? WHERE id = ?",
                [stamp, row["id"]],
            )
            record_change(db, "signup.confirmed", row["id"], {"id": row["id"], "at": stamp})
            moved_up.append(Signup.from_row(row | {"status": "confirmed"}))
    return moved_up
