"""The paper a resident takes home after signing up. It tells the truth about the signup:

- AANMELDING: an entry ticket, with the code very large and the QR for the door;
- ONDER VOORBEHOUD: the same, with one sentence that the seat is not yet sure;
- WACHTLIJST: no QR and "geen toegangskaartje", so it is never taken for an entry ticket;
- a reprint (KOPIE) says when it was printed and what changed since the first paper.

When and where are printed at double height: a resident with poor sight must read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from kiosk.core import dutch
from kiosk.core.agenda import Activity
from kiosk.core.signups import Signup
from kiosk.core.ticket_changes import Change
from printing.layout import QR, Cut, Feed, Image, Op, Rule, Text, heading, wrap


@dataclass(frozen=True)
class Reprint:
    printed_at: datetime
    changes: list[Change] = field(default_factory=list)


def when_lines(activity: Activity) -> list[str]:
    """'Dinsdag 1 december' / 'van 10.00 tot 12.00 uur', or with one line if there is no end."""
    start = dutch.local(activity.starts_at)
    end = dutch.local(activity.ends_at) if activity.ends_at else None
    span = dutch.all_day_span(start, end)
    if span and span[0] == span[1]:
        return [dutch.written_date(span[0]).capitalize(), "de hele dag"]
    if span:
        return [dutch.written_days(*span).capitalize()]
    if end is None:
        return [dutch.written_date(start.date()).capitalize(), "om " + dutch.clock(start)]
    if end.date() != start.date():
        return [dutch.written_moment(start).capitalize(), "tot " + dutch.written_moment(end)]
    return [dutch.written_date(start.date()).capitalize(), "van " + dutch.time_range(start, end)]


def what_when_where(activity: Activity, cols: int, pictogram: str | None = None) -> list[Op]:
    """Title, day, time and place: the part of every paper about the activity."""
    ops: list[Op] = []
    if pictogram:
        ops.append(Image(pictogram))
    ops += heading(activity.title, cols)
    ops.append(Feed())
    for line in when_lines(activity):
        ops += wrap(line, cols, height=2, bold=True)
    if activity.location_name:
        ops += wrap(activity.location_name, cols, height=2, bold=True)
    if activity.address:
        ops += wrap(activity.address, cols)
    if activity.price:
        ops += wrap(f"Kosten: {activity.price}", cols)
    return ops


def _reprint_banner(reprint: Reprint, cols: int) -> list[Op]:
    ops: list[Op] = [
        *wrap("*** KOPIE ***", cols, width=2, height=2, bold=True, align="center"),
        *wrap(
            f"Opnieuw geprint op {dutch.written_moment(reprint.printed_at)}.", cols, align="center"
        ),
    ]
    for change in reprint.changes:
        ops += wrap(change.sentence, cols, height=2, bold=True, align="center")
        ops += wrap(f"(eerst: {change.was})", cols, align="center")
    return ops


def _code(signup: Signup, cols: int, largest: int) -> Text:
    code = signup.display_code
    size = max(1, min(largest, cols // len(code)))  # as large as fits: read out over the phone
    return Text(code, width=size, height=size, bold=True, align="center")


def ticket_layout(
    signup: Signup,
    activity: Activity,
    *,
    columns: int,
    qr_payload: str,
    kiosk_name: str,
    reprint: Reprint | None = None,
    pictogram: str | None = None,
    logo: str | None = None,
) -> list[Op]:
    """The paper for a signup, whatever its status. `pictogram` is a printer-ready image of
    the activity's category (printing/pictograms.py), `logo` the stadsdorp's uploaded logo
    (printing/jobs.logo_file); either may be None."""
    if signup.status != "confirmed":
        return _not_a_ticket(signup, activity, columns, kiosk_name, reprint)
    cols = columns
    ops: list[Op] = []
    if reprint:
        ops += [*_reprint_banner(reprint, cols), Feed()]
    if logo:
        ops.append(Image(logo))
    ops += wrap(activity.stadsdorp or kiosk_name, cols, bold=True, align="center")
    if signup.provisional:
        ops += wrap("ONDER VOORBEHOUD", cols, width=2, height=2, bold=True, align="center")
        ops += wrap(
            "Uw plaats is nog niet zeker. Is er toch geen plek? Dan bellen wij u.",
            cols, bold=True, align="center",
        )  # fmt: skip
    else:
        ops += wrap("AANMELDING", cols, width=2, height=2, bold=True, align="center")
    if activity.status == "cancelled":
        ops += wrap("Let op: deze activiteit gaat niet door.", cols, height=2, bold=True)
    ops.append(Rule())
    ops += what_when_where(activity, cols, pictogram)
    ops.append(Feed())
    if signup.name:
        ops += wrap(f"Naam: {signup.name}", cols)
    ops += wrap(dutch.people(signup.party_size), cols, bold=True)
    ops.append(Rule())

    ops += wrap("Uw code:", cols, align="center")
    ops.append(_code(signup, cols, largest=5))
    ops.append(QR(qr_payload))
    ops += wrap("Bewaar dit kaartje", cols, width=2, height=2, bold=True, align="center")
    how = f"Bel {activity.contact}." if activity.contact else "Vraag het bij de balie."
    for sentence in ("Kunt u niet komen?", "Meld u dan af.", how):
        ops += wrap(sentence, cols, align="center")
    ops += _footer(signup, kiosk_name, cols)
    if reprint:
        ops += wrap("*** KOPIE ***", cols, width=2, height=2, bold=True, align="center")
    ops.append(Cut())
    return ops


def _not_a_ticket(
    signup: Signup, activity: Activity, cols: int, kiosk_name: str, reprint: Reprint | None
) -> list[Op]:
    """Waitlist or cancelled: a note, never an entry ticket. No QR, no "Bewaar dit kaartje",
    and it says so at the top and the bottom."""
    waiting = signup.status == "waitlist"
    ops: list[Op] = []
    if reprint:
        ops += [*_reprint_banner(reprint, cols), Feed()]
    ops += wrap(activity.stadsdorp or kiosk_name, cols, bold=True, align="center")
    ops += wrap(
        "WACHTLIJST" if waiting else "AFGEMELD", cols, width=2, height=2, bold=True, align="center"
    )
    ops += wrap("Geen toegangskaartje", cols, height=2, bold=True, align="center")
    ops.append(Rule())
    ops += wrap(
        "U staat op de wachtlijst voor:" if waiting else "U bent afgemeld voor:", cols, bold=True
    )
    ops += what_when_where(activity, cols)
    ops += wrap(dutch.people(signup.party_size), cols, bold=True)
    ops.append(Rule())
    if waiting:
        ops += wrap("Wat gebeurt er nu?", cols, bold=True)
        ops += wrap("Komt er een plek vrij? Dan bellen wij u.", cols)
        ops += wrap(
            "Daarna kunt u uw kaartje printen bij de kiosk: kies 'Mijn kaartje' en typ deze code:",
            cols,
        )
    else:
        ops += wrap("U hoeft niets meer te doen.", cols)
        ops += wrap("Uw code was:", cols)
    ops.append(_code(signup, cols, largest=2))
    ops += _footer(signup, kiosk_name, cols)
    ops += wrap("Dit is geen toegangskaartje.", cols, bold=True, align="center")
    ops.append(Cut())
    return ops


def _footer(signup: Signup, kiosk_name: str, cols: int) -> list[Op]:
    signed_up = dutch.written_moment(datetime.fromisoformat(signup.created_at))
    return [
        Rule(),
        *wrap(f"Aangemeld op {signed_up}", cols, align="center"),
        *wrap(kiosk_name, cols, align="center"),
    ]
