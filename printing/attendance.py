"""The attendance list for the organizer at the door: names, party sizes, phone numbers
and a box to tick; the waitlist below it, in order, to call when someone does not come."""

from __future__ import annotations

from datetime import datetime

from kiosk.core import dutch
from kiosk.core.agenda import Activity
from kiosk.core.signup_lists import SignupList
from kiosk.core.signups import Signup
from printing.layout import Cut, Feed, Op, Rule, Text, heading, wrap

# Continuation lines of a row start under the name.
INDENT = "    "


def _row(box: str, signup: Signup, columns: int) -> list[Op]:
    """'[ ] Jan de Vries ....... 2 p.' then phone, code and channel, indented. A long name
    wraps under itself (at a syllable, never cut), so the party size keeps its column."""
    people = f"{signup.party_size} p."
    name = signup.name or "(zonder naam)"
    room = columns - len(INDENT) - len(people) - 1
    name_lines = [line.text for line in wrap(name, room)]
    ops: list[Op] = [
        Text(f"{box:<3} {name_lines[0]}".ljust(columns - len(people)) + people, bold=True)
    ]
    ops += [Text(INDENT + line, bold=True) for line in name_lines[1:]]
    details = " ".join(
        part.replace(" ", "\u00a0")  # each part stays whole on its line
        for part in (
            dutch.phone_display(signup.phone),
            f"code {signup.display_code}",
            "strook" if signup.channel == "paper" else "",
            "telefoon" if signup.channel == "phone" else "",
        )
        if part
    )
    ops += [Text(INDENT + line.text) for line in wrap(details, columns - len(INDENT))]
    return ops


def attendance_layout(
    activity: Activity,
    signups: SignupList,
    *,
    columns: int,
    kiosk_name: str,
    printed_at: datetime,
) -> list[Op]:
    start = dutch.local(activity.starts_at)
    ops: list[Op] = [
        *wrap("PRESENTIELIJST", columns, width=2, height=2, bold=True, align="center"),
        *heading(activity.title, columns),
        *wrap(dutch.written_moment(start).capitalize(), columns, bold=True),
    ]
    if activity.location_name:
        ops += wrap(activity.location_name, columns)
    if activity.status == "cancelled":
        ops += wrap("Let op: deze activiteit gaat niet door.", columns, bold=True)
    capacity = f" van {activity.capacity} plaatsen" if activity.capacity is not None else ""
    ops += wrap(f"Aangemeld: {dutch.people(signups.people)}{capacity}", columns, bold=True)
    ops.append(Rule())
    if not signups.confirmed:
        ops += wrap("Nog niemand aangemeld.", columns)
    for signup in signups.confirmed:
        ops += _row("[x]" if signup.attended_at else "[ ]", signup, columns)
    if signups.waitlist:
        ops += [
            Rule(),
            *wrap(f"WACHTLIJST ({dutch.people(signups.people_waiting)})", columns, bold=True),
        ]
        for number, signup in enumerate(signups.waitlist, start=1):
            ops += _row(f"{number:>2}.", signup, columns)
    ops += [
        Rule(),
        *wrap(f"Geprint op {dutch.written_moment(printed_at)}", columns),
        *wrap(f"{kiosk_name}. Gooi deze lijst na afloop weg: er staan namen op.", columns),
        Feed(),
        Cut(),
    ]
    return ops
