"""The attendance list for the organizer at the door: names, party sizes, phone numbers
and a box to tick; the waitlist below it, in order, to call when someone does not come."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlite_utils

from kiosk.core import dutch
from kiosk.core.agenda import Activity, get_activity
from kiosk.core.signup_lists import SignupList, activity_signups
from kiosk.core.signups import Signup
from printing.layout import Cut, Feed, Op, Rule, Text, wrap

if TYPE_CHECKING:
    from printing.worker import PrintSettings


def _row(box: str, signup: Signup, columns: int) -> list[Op]:
    """'[ ] Jan de Vries ........ 2 p.' then phone and code, indented."""
    people = f"{signup.party_size} p."
    name = signup.name or "(zonder naam)"
    room = columns - len(box) - 1 - len(people) - 1
    if len(name) > room:
        name = name[: room - 1] + "."
    first = f"{box} {name}".ljust(columns - len(people)) + people
    detail = "    " + "  ".join(
        part
        for part in (
            dutch.phone_display(signup.phone),
            f"code {signup.display_code}",
            "strook" if signup.channel == "paper" else "",
            "telefoon" if signup.channel == "phone" else "",
        )
        if part
    )
    return [Text(first, bold=True), Text(detail[:columns])]


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
        *wrap(activity.title, columns, width=2, height=2, bold=True),
        *wrap(dutch.written_moment(start).capitalize(), columns, bold=True),
    ]
    if activity.location_name:
        ops += wrap(activity.location_name, columns)
    if activity.status == "cancelled":
        ops += wrap("Let op: deze activiteit gaat niet door.", columns, bold=True)
    capacity = f" van {activity.capacity} plaatsen" if activity.capacity is not None else ""
    ops += wrap(f"Aangemeld: {signups.people} personen{capacity}", columns, bold=True)
    ops.append(Rule())
    if not signups.confirmed:
        ops += wrap("Nog niemand aangemeld.", columns)
    for signup in signups.confirmed:
        ops += _row("[x]" if signup.attended_at else "[ ]", signup, columns)
    if signups.waitlist:
        ops += [
            Rule(),
            *wrap(f"WACHTLIJST ({signups.people_waiting} personen)", columns, bold=True),
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


def attendance_ops(
    db: sqlite_utils.Database, job: dict[str, Any], settings: PrintSettings
) -> list[Op]:
    from printing.worker import JobCannotPrint

    payload = json.loads(job.get("payload") or "{}")
    activity = get_activity(db, payload.get("activity_id", ""))
    if activity is None:
        raise JobCannotPrint("Deze activiteit staat niet meer in de agenda.")
    # The list as it is when it prints, not when it was asked for: later signups count.
    return attendance_layout(
        activity,
        activity_signups(db, activity.id),
        columns=settings.paper.columns,
        kiosk_name=settings.kiosk_name,
        printed_at=datetime.now(UTC),
    )


def register() -> None:
    from printing.worker import register_layout

    register_layout("attendance", attendance_ops)


register()
