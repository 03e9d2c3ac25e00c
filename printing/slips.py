"""Paper slips a resident fills in with a pen: one for a single activity, and a week sheet
with a tick list. The slip code is printed as a QR (for the volunteer's scanner) and in
large letters (to type when the QR is smudged)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sqlite_utils

from kiosk.core import codes, dutch
from kiosk.core.agenda import Activity, get_activity
from kiosk.core.slips import slip_qr
from printing.layout import QR, Cut, Feed, Op, Rule, Text, wrap

if TYPE_CHECKING:
    from printing.worker import PrintSettings

# 0.75 mm modules: a desk scanner held close reads them, and the slip stays short.
SLIP_QR_DOTS = 6


def _fill_in(columns: int) -> list[Op]:
    """Lines to write on, with room above each for handwriting."""
    ops: list[Op] = []
    for label in ("Naam", "Telefoon"):
        ops += [Feed(), Text(f"{label}: " + "_" * (columns - len(label) - 2), height=2)]
    party = "Aantal personen: ____"
    hint = "  (1 tot en met 10)"
    ops += [Feed(), Text(party + hint if len(party + hint) <= columns else party, height=2)]
    return ops


def _code_block(code: str, activity_id: str | None, columns: int) -> list[Op]:
    shown = codes.display_code(code)
    size = max(1, min(3, columns // (len(shown) + 2)))
    return [
        QR(slip_qr(code, activity_id), size=SLIP_QR_DOTS),
        Text(f"Strook {shown}", width=min(size, 2), height=min(size, 2), bold=True, align="center"),
    ]


def _header(title: str, kiosk_name: str, columns: int) -> list[Op]:
    return [
        *wrap(kiosk_name, columns, bold=True, align="center"),
        *wrap(title, columns, width=2, height=2, bold=True, align="center"),
        Rule(),
    ]


def _when_lines(activity: Activity) -> list[str]:
    start = dutch.local(activity.starts_at)
    if activity.ends_at is None:
        return [dutch.written_moment(start).capitalize()]
    return [
        dutch.written_date(start.date()).capitalize(),
        "van " + dutch.time_range(start, activity.ends_at),
    ]


def slip_layout(activity: Activity, code: str, *, columns: int, kiosk_name: str) -> list[Op]:
    """A slip for one activity."""
    ops = _header("AANMELDSTROOK", activity.stadsdorp or kiosk_name, columns)
    ops += wrap(activity.title, columns, width=2, height=2, bold=True)
    for line in _when_lines(activity):
        ops += wrap(line, columns, bold=True)
    for line in (activity.location_name, activity.address):
        if line:
            ops += wrap(line, columns)
    ops += _fill_in(columns)
    ops.append(Feed())
    ops += wrap("Is het vol? Dan komt u op de wachtlijst en bellen wij u.", columns)
    ops += wrap("Doe deze strook in de bus. Een vrijwilliger meldt u aan.", columns, bold=True)
    ops.append(Rule())
    ops += _code_block(code, activity.id, columns)
    ops.append(Cut())
    return ops


def _short_day(activity: Activity) -> str:
    return dutch.written_date(dutch.local(activity.starts_at).date()).capitalize()


def week_sheet_layout(
    activities: Sequence[Activity], code: str, *, columns: int, kiosk_name: str, week: str
) -> list[Op]:
    """A slip for 'any activity': the week's activities numbered, with a box to tick.
    The numbers are the order stored with the slip, so entering does not depend on the
    agenda as it is later."""
    ops = _header("AANMELDSTROOK", kiosk_name, columns)
    ops += wrap(f"Week: {week}", columns, bold=True)
    ops += wrap("Zet een kruisje bij één activiteit.", columns, height=2, bold=True)
    day = ""
    indent = len("[ ] 99. 10.00  ")
    for number, activity in enumerate(activities, start=1):
        if _short_day(activity) != day:
            day = _short_day(activity)
            ops += [Feed(), Text(day, bold=True)]
        clock = dutch.local(activity.starts_at).strftime("%H.%M").lstrip("0") or "0.00"
        head = f"[ ] {number:>2}. {clock:>5}  "
        lines = wrap(activity.title, columns - indent)
        ops.append(Text(head + lines[0].text, height=2))
        ops += [Text(" " * indent + line.text) for line in lines[1:]]
    ops += _fill_in(columns)
    ops.append(Feed())
    ops += wrap("Doe deze strook in de bus. Een vrijwilliger meldt u aan.", columns, bold=True)
    ops.append(Rule())
    ops += _code_block(code, None, columns)
    ops.append(Cut())
    return ops


def _payload(job: dict[str, Any]) -> dict[str, Any]:
    return json.loads(job.get("payload") or "{}")


def slip_ops(db: sqlite_utils.Database, job: dict[str, Any], settings: PrintSettings) -> list[Op]:
    from printing.worker import JobCannotPrint

    payload = _payload(job)
    activity = get_activity(db, payload.get("activity_id", ""))
    if activity is None:
        raise JobCannotPrint("De activiteit van deze strook staat niet meer in de agenda.")
    return slip_layout(
        activity, payload["code"], columns=settings.paper.columns, kiosk_name=settings.kiosk_name
    )


def week_sheet_ops(
    db: sqlite_utils.Database, job: dict[str, Any], settings: PrintSettings
) -> list[Op]:
    from printing.worker import JobCannotPrint

    payload = _payload(job)
    activities = [get_activity(db, activity_id) for activity_id in payload.get("choices", [])]
    if not activities or any(a is None for a in activities):
        raise JobCannotPrint("Een activiteit van deze weekstrook staat niet meer in de agenda.")
    return week_sheet_layout(
        [a for a in activities if a is not None],
        payload["code"],
        columns=settings.paper.columns,
        kiosk_name=settings.kiosk_name,
        week=payload.get("week", ""),
    )


def register() -> None:
    from printing.worker import register_layout

    register_layout("slip", slip_ops)
    register_layout("week_sheet", week_sheet_ops)


register()
