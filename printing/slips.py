"""Paper slips a resident fills in with a pen: one for a single activity, and a week sheet
with a tick list. The slip code is printed as a QR (for the volunteer's scanner) and in
large letters (to type when the QR is smudged)."""

from __future__ import annotations

from collections.abc import Sequence

from kiosk.core import codes, dutch
from kiosk.core.agenda import Activity
from kiosk.core.slips import slip_qr
from printing.layout import QR, Cut, Feed, Op, Rule, Text, heading, wrap
from printing.ticket import when_lines

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


def slip_layout(activity: Activity, code: str, *, columns: int, kiosk_name: str) -> list[Op]:
    """A slip for one activity."""
    ops = _header("AANMELDSTROOK", activity.stadsdorp or kiosk_name, columns)
    ops += heading(activity.title, columns)
    for line in when_lines(activity):
        ops += wrap(line, columns, height=2, bold=True)
    if activity.location_name:
        ops += wrap(activity.location_name, columns, height=2, bold=True)
    if activity.address:
        ops += wrap(activity.address, columns)
    ops += _fill_in(columns)
    ops.append(Feed())
    ops += wrap("Is het vol? Dan komt u op de wachtlijst en bellen wij u.", columns)
    ops += wrap("Doe deze strook in de bus. Een vrijwilliger meldt u aan.", columns, bold=True)
    ops.append(Rule())
    ops += _code_block(code, activity.id, columns)
    ops.append(Cut())
    return ops


# "[ ] 12. 10.00  ": the box, the number the volunteer enters, the time; the rest is indented.
WEEK_INDENT = len("[ ] 99. 10.00  ")


def _week_entry(number: int, activity: Activity, columns: int) -> list[Op]:
    """One activity on the week sheet: what, and below it where; a cancelled one has no box
    to tick, a full one says the resident will be on the waitlist."""
    clock = dutch.local(activity.starts_at).strftime("%H.%M").lstrip("0") or "0.00"
    cancelled = activity.status != "scheduled"
    box = "   " if cancelled else "[ ]"
    room = columns - WEEK_INDENT
    title = wrap(activity.title, room)
    ops: list[Op] = [Text(f"{box} {number:>2}. {clock:>5}  " + title[0].text, height=2)]
    notes = [line.text for line in title[1:]]
    if activity.location_name:
        notes += [line.text for line in wrap(activity.location_name, room)]
    if cancelled:
        notes.append("GAAT NIET DOOR")
    elif activity.is_full:
        notes += [line.text for line in wrap("VOL: u komt op de wachtlijst", room)]
    for note in notes:
        bold = note == "GAAT NIET DOOR" or note.startswith("VOL")
        ops.append(Text(" " * WEEK_INDENT + note, bold=bold))
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
    for number, activity in enumerate(activities, start=1):
        if _short_day(activity) != day:
            day = _short_day(activity)
            ops += [Feed(), Text(day, bold=True)]
        ops += _week_entry(number, activity, columns)
    ops += _fill_in(columns)
    ops.append(Feed())
    ops += wrap("Doe deze strook in de bus. Een vrijwilliger meldt u aan.", columns, bold=True)
    ops.append(Rule())
    ops += _code_block(code, None, columns)
    ops.append(Cut())
    return ops
