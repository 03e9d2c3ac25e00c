"""Dates and times the way a resident says them: "dinsdag 1 december om 10.00 uur"."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

WEEKDAYS = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]
MONTHS = [
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
]  # fmt: skip


def local(moment: datetime) -> datetime:
    return moment.astimezone(AMSTERDAM)


def written_date(day: date) -> str:
    """'dinsdag 1 december'"""
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]}"


def day_label(day: date, today: date) -> str:
    """'Vandaag', 'Morgen', or 'Dinsdag 1 december' for the heading of a day."""
    if day == today:
        return "Vandaag"
    if day == today + timedelta(days=1):
        return "Morgen"
    return written_date(day).capitalize()


def clock(moment: datetime) -> str:
    """'10.00 uur' — the Dutch way, with a dot."""
    m = local(moment)
    return f"{m.hour}.{m.minute:02d} uur"


def written_moment(moment: datetime) -> str:
    """'dinsdag 1 december om 10.00 uur'"""
    m = local(moment)
    return f"{written_date(m.date())} om {clock(m)}"


def time_range(start: datetime, end: datetime | None) -> str:
    """'10.00 tot 12.00 uur'"""
    if end is None:
        return clock(start)
    s, e = local(start), local(end)
    return f"{s.hour}.{s.minute:02d} tot {e.hour}.{e.minute:02d} uur"


def people(count: int) -> str:
    """'1 persoon', '2 personen'"""
    return "1 persoon" if count == 1 else f"{count} personen"
