"""Paper slips: printed with a unique code, filled in with a pen, entered by a volunteer.

A slip is recorded in the same transaction as its print job, so every code that can be on
paper is known; a code that was never printed is refused. A slip is entered once: the
signup it made is linked to it, and a second scan says when and by whom.

The QR on a slip holds 'BKS1.<code>.<activity id>' (a week sheet: 'BKS1.<code>'). A USB
scanner types that as keystrokes followed by Enter; a volunteer may also type the code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from kiosk.core import audit, codes, dutch
from kiosk.core.agenda import Activity, get_activity
from kiosk.core.clock import now_iso
from kiosk.core.db import write_transaction
from kiosk.core.print_jobs import queue_print_job
from kiosk.core.signups import Signup, SignupError, create_signup

SLIP_PREFIX = "BKS1"
MAX_SLIPS_PER_PRINT = 50
# A week sheet is one slip of paper: beyond this many activities it grows too long to handle.
MAX_WEEK_CHOICES = 25


class SlipError(ValueError):
    """A slip that cannot be entered, with a message for the volunteer."""

    def __init__(self, message: str, slip: Slip | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.slip = slip


@dataclass(frozen=True)
class Slip:
    code: str
    activity_id: str | None
    printed_at: str
    printed_by: str
    choices: tuple[str, ...] = field(default=())
    print_job_id: int | None = None
    entered_at: str | None = None
    entered_by: str | None = None
    signup_id: str | None = None

    @property
    def display_code(self) -> str:
        return codes.display_code(self.code)

    @property
    def is_week_sheet(self) -> bool:
        return self.activity_id is None

    @property
    def qr_payload(self) -> str:
        return slip_qr(self.code, self.activity_id)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Slip:
        values = {k: row[k] for k in cls.__dataclass_fields__ if k in row}
        values["choices"] = tuple(json.loads(row.get("choices") or "[]"))
        return cls(**values)


def slip_qr(code: str, activity_id: str | None) -> str:
    return f"{SLIP_PREFIX}.{code}.{activity_id}" if activity_id else f"{SLIP_PREFIX}.{code}"


def parse_slip_input(raw: str) -> tuple[str, str | None]:
    """What the scanner or the volunteer typed -> (slip code, activity id from the QR)."""
    text = raw.strip()
    head, _, rest = text.partition(".")
    if head.upper() == SLIP_PREFIX:
        code_part, _, activity_part = rest.partition(".")
        code = normalize_strict(code_part)
        if code is None:
            raise SlipError("Deze QR-code is beschadigd. Typ de code die onder de QR staat.")
        return code, activity_part or None
    if head.upper() == codes.QR_PREFIX:
        raise SlipError("Dit is een kaartje, geen strook. Scan kaartjes bij Binnenkomst.")
    code = codes.normalize_code(text)
    if code is None:
        raise SlipError("Dit is geen strookcode. Een code heeft 6 tekens, bijvoorbeeld 7KQ-4MX.")
    return code, None


def normalize_strict(part: str) -> str | None:
    """A code from a QR must be exact: a QR is read by a machine, not retyped."""
    code = codes.normalize_code(part)
    return code if code is not None and code == part.upper() else None


def get_slip(db: sqlite_utils.Database, code: str) -> Slip | None:
    rows = list(db.query("SELECT * FROM slips WHERE code = ?", [code]))
    return Slip.from_row(rows[0]) if rows else None



def _check_count(count: int) -> int:
    if not 1 <= count <= MAX_SLIPS_PER_PRINT:
        raise SlipError(f"Print 1 tot en met {MAX_SLIPS_PER_PRINT} stroken tegelijk.")
    return count


def _record(
    db: sqlite_utils.Database,
    kind: str,
    activity_id: str | None,
    choices: list[str],
    actor: str,
    payload: dict[str, Any],
) -> Slip:
    code = codes.unused_code(db, "slips")
    # One job per slip: a printer that jams halfway reprints one slip, not the whole pile.
    job_id = queue_print_job(db, kind, None, payload | {"code": code})
    stamp = now_iso()
    db.execute(
        "INSERT INTO slips (code, activity_id, choices, print_job_id, printed_at, printed_by) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [code, activity_id, json.dumps(choices), job_id, stamp, actor],
    )
    return Slip(code, activity_id, stamp, actor, tuple(choices), job_id)


def print_activity_slips(
    db: sqlite_utils.Database, activity_id: str, count: int, actor: str
) -> list[Slip]:
    """Queue `count` slips for one activity, each with its own code."""
    _check_count(count)
    with write_transaction(db):
        activity = get_activity(db, activity_id)
        if activity is None or activity.status != "scheduled":
            raise SlipError("Voor deze activiteit kunt u geen stroken printen: hij gaat niet door.")
        if activity.starts_at <= datetime.now(UTC):
            raise SlipError("Deze activiteit is al begonnen: stroken hebben geen zin meer.")
        slips = [
            _record(db, "slip", activity_id, [], actor, {"activity_id": activity_id})
            for _ in range(count)
        ]
        audit.record(
            db,
            actor,
            "slips.printed",
            f"{stroken(count)} geprint voor {activity.title} ({_when(activity)})",
            activity_id=activity_id,
        )
    return slips


def print_week_sheets(
    db: sqlite_utils.Database, activities: list[Activity], count: int, actor: str, week_label: str
) -> list[Slip]:
    """Queue `count` week sheets: each lists the activities, numbered, to tick one."""
    _check_count(count)
    choices = [a.id for a in activities if a.status == "scheduled"][:MAX_WEEK_CHOICES]
    if not choices:
        raise SlipError("Er zijn geen activiteiten in deze week om op de strook te zetten.")
    with write_transaction(db):
        slips = [
            _record(
                db, "week_sheet", None, choices, actor, {"choices": choices, "week": week_label}
            )
            for _ in range(count)
        ]
        audit.record(
            db,
            actor,
            "slips.printed",
            f"{stroken(count, 'week')} geprint ({week_label}, {len(choices)} activiteiten)",
        )
    return slips


def stroken(count: int, kind: str = "") -> str:
    """'1 strook', '3 weekstroken'"""
    return f"{count} {kind}{'strook' if count == 1 else 'stroken'}"


def _when(activity: Activity) -> str:
    return dutch.written_moment(activity.starts_at)


def _written_stamp(stamp: str) -> str:
    return dutch.written_moment(datetime.fromisoformat(stamp.replace("Z", "+00:00")))


def look_up(db: sqlite_utils.Database, raw: str) -> Slip:
    """The slip a scan or a typed code names, ready to be entered; SlipError otherwise."""
    code, qr_activity = parse_slip_input(raw)
    slip = get_slip(db, code)
    if slip is None:
        raise SlipError(
            f"Strook {codes.display_code(code)} is nooit op deze kiosk geprint. "
            "Kijk of de code goed is overgetypt."
        )
    if qr_activity and (slip.activity_id or "").lower() != qr_activity.lower():
        raise SlipError("Deze QR-code hoort niet bij deze strook. Typ de code onder de QR.", slip)
    if slip.entered_at:
        raise SlipError(already_entered(slip), slip)
    return slip


def already_entered(slip: Slip) -> str:
    return (
        f"Strook {slip.display_code} is al ingevoerd op {_written_stamp(slip.entered_at or '')}"
        f" door {slip.entered_by}. Een strook telt maar één keer."
    )


def choice_activity(slip: Slip, number: Any) -> str:
    """The activity ticked on a week sheet, by its number on the paper."""
    try:
        index = int(str(number).strip())
    except (TypeError, ValueError):
        index = 0
    if not 1 <= index <= len(slip.choices):
        raise SignupError(
            f"Welk nummer is aangekruist? Kies 1 tot en met {len(slip.choices)}.", "choice"
        )
    return slip.choices[index - 1]


def enter_slip(
    db: sqlite_utils.Database,
    code: str,
    *,
    name: str,
    phone: str,
    party_size: Any,
    actor: str,
    kiosk_id: str,
    choice: Any = None,
    print_ticket: bool = False,
) -> Signup:
    """Make the signup a slip asks for, and mark the slip entered — both or neither.

    SlipError when the slip cannot be used; SignupError when what is written on it
    cannot be accepted (the volunteer corrects it and saves again).
    """
    if name.strip().upper().startswith(SLIP_PREFIX + "."):
        # The scanner fired while the name field had focus.
        raise SignupError("In het naamveld staat een strookcode. Typ daar de naam.", "name")
    with write_transaction(db):
        slip = get_slip(db, code)
        if slip is None:
            raise SlipError(f"Strook {codes.display_code(code)} is nooit op deze kiosk geprint.")
        if slip.entered_at:  # checked again under the write lock: two desks, one slip
            raise SlipError(already_entered(slip), slip)
        activity_id = slip.activity_id or choice_activity(slip, choice)
        signup = create_signup(
            db,
            activity_id,
            name=name,
            phone=phone,
            party_size=party_size,
            channel="paper",
            kiosk_id=kiosk_id,
            slip_code=code,
            print_ticket=print_ticket,
        )
        stamp = now_iso()
        db.execute(
            "UPDATE slips SET entered_at = ?, entered_by = ?, signup_id = ? WHERE code = ?",
            [stamp, actor, signup.id, code],
        )
        waitlist = " (wachtlijst)" if signup.status == "waitlist" else ""
        audit.record(
            db,
            actor,
            "slip.entered",
            f"Strook {slip.display_code} ingevoerd: aanmelding {signup.display_code}{waitlist}",
            activity_id=activity_id,
            signup_id=signup.id,
        )
    return signup


def entered_by_actor_today(db: sqlite_utils.Database, actor: str, since: str) -> int:
    return db.execute(
        "SELECT COUNT(*) FROM slips WHERE entered_by = ? AND entered_at >= ?", [actor, since]
    ).fetchone()[0]
