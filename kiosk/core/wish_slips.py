"""The wishes-and-help slip: printed with tick boxes for what a resident misses and what
they would like to do, filled in with a pen, entered by a volunteer like a signup slip.

A slip is recorded with its print job, so a code that was never printed is refused; it is
entered once (a second scan says when and by whom). Its QR holds 'BKW1.<code>': a prefix
of its own, so the desk never mistakes it for a signup slip or a ticket.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlite_utils

from kiosk.core import audit, codes, dutch
from kiosk.core.clock import now_iso
from kiosk.core.db import write_transaction
from kiosk.core.print_jobs import queue_print_job
from kiosk.core.wishes import KINDS, Wish, WishAnswers, WishError, record_wish

WISH_SLIP_PREFIX = "BKW1"
MAX_PER_PRINT = 50


@dataclass(frozen=True)
class WishSlip:
    code: str
    printed_at: str
    printed_by: str
    print_job_id: int | None = None
    entered_at: str | None = None
    entered_by: str | None = None
    wish_ids: tuple[str, ...] = field(default=())

    @property
    def display_code(self) -> str:
        return codes.display_code(self.code)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> WishSlip:
        values = {k: row[k] for k in cls.__dataclass_fields__ if k in row}
        values["wish_ids"] = tuple(json.loads(row.get("wish_ids") or "[]"))
        return cls(**values)


def wish_slip_qr(code: str) -> str:
    return f"{WISH_SLIP_PREFIX}.{code}"


def parse_wish_slip_input(raw: str) -> str:
    """What the scanner or the volunteer typed -> the slip code; WishError otherwise."""
    text = raw.strip()
    head, _, rest = text.partition(".")
    if head.upper() == WISH_SLIP_PREFIX:
        code = codes.normalize_code(rest)
        if code is None or code != rest.upper():
            raise WishError("Deze QR-code is beschadigd. Typ de code die onder de QR staat.")
        return code
    if "." in text:
        raise WishError("Dit is geen wensenstrook. Aanmeldstroken voert u in bij Invoeren.")
    code = codes.normalize_code(text)
    if code is None:
        raise WishError("Dit is geen strookcode. Een code heeft 6 tekens, bijvoorbeeld 7KQ-4MX.")
    return code


def get_wish_slip(db: sqlite_utils.Database, code: str) -> WishSlip | None:
    rows = list(db.query("SELECT * FROM wish_slips WHERE code = ?", [code]))
    return WishSlip.from_row(rows[0]) if rows else None


def print_wish_slips(db: sqlite_utils.Database, count: int, actor: str) -> list[WishSlip]:
    """Queue `count` slips, each with its own code and its own print job."""
    if not 1 <= count <= MAX_PER_PRINT:
        raise WishError(f"Print 1 tot en met {MAX_PER_PRINT} wensenstroken tegelijk.")
    slips = []
    with write_transaction(db):
        for _ in range(count):
            code = codes.unused_code(db, "wish_slips")
            job_id = queue_print_job(db, "wish_slip", None, {"code": code})
            stamp = now_iso()
            db.execute(
                "INSERT INTO wish_slips (code, print_job_id, printed_at, printed_by) "
                "VALUES (?, ?, ?, ?)",
                [code, job_id, stamp, actor],
            )
            slips.append(WishSlip(code, stamp, actor, job_id))
        audit.record(db, actor, "wish_slips.printed",
                     f"{count} {'wensenstrook' if count == 1 else 'wensenstroken'} geprint")
    return slips



def already_entered(slip: WishSlip) -> str:
    moment = datetime.fromisoformat((slip.entered_at or "").replace("Z", "+00:00"))
    return (
        f"Wensenstrook {slip.display_code} is al ingevoerd op {dutch.written_moment(moment)}"
        f" door {slip.entered_by}. Een strook telt maar één keer."
    )


def look_up(db: sqlite_utils.Database, raw: str) -> WishSlip:
    """The slip a scan or a typed code names, ready to be entered; WishError otherwise."""
    code = parse_wish_slip_input(raw)
    slip = get_wish_slip(db, code)
    if slip is None:
        raise WishError(
            f"Wensenstrook {codes.display_code(code)} is nooit op deze kiosk geprint. "
            "Kijk of de code goed is overgetypt."
        )
    if slip.entered_at:
        raise WishError(already_entered(slip))
    return slip


def enter_wish_slip(
    db: sqlite_utils.Database,
    code: str,
    answers: list[WishAnswers],
    *,
    actor: str,
    kiosk_id: str,
) -> list[Wish]:
    """The slip's ticks become one wish per kind ticked (missed, offered), and the slip is
    marked entered: all or nothing. No receipt: the resident is not at the desk."""
    if not answers:
        raise WishError("Er is niets aangekruist. Kruis aan wat op de strook staat.", "categories")
    if len({a.kind for a in answers}) != len(answers) or any(a.kind not in KINDS for a in answers):
        raise ValueError("one answer per kind")
    with write_transaction(db):
        slip = get_wish_slip(db, code)
        if slip is None:
            raise WishError(f"Wensenstrook {codes.display_code(code)} is nooit geprint.")
        if slip.entered_at:  # checked again under the write lock: two desks, one slip
            raise WishError(already_entered(slip))
        wishes = [
            record_wish(db, a, channel="paper", kiosk_id=kiosk_id, slip_code=code,
                        print_receipt=False)
            for a in answers
        ]
        db.execute(
            "UPDATE wish_slips SET entered_at = ?, entered_by = ?, wish_ids = ? WHERE code = ?",
            [now_iso(), actor, json.dumps([w.id for w in wishes]), code],
        )
        audit.record(db, actor, "wish_slip.entered",
                     f"Wensenstrook {slip.display_code} ingevoerd: "
                     + ", ".join(f"wens {w.display_code}" for w in wishes))
    return wishes
