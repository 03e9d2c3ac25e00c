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


# Netnummers of three digits (Amsterdam 020, Rotterdam 010, ...) and the non-geographic
# 085/088/091; every other Dutch landline has a netnummer of four (Zaandam 075 is three,
# Hoorn 0229 four). A dash after it, as the Dutch write and read a number out.
_SHORT_AREA_CODES = frozenset({
    "010", "013", "015", "020", "023", "024", "026", "030", "033", "035", "036",
    "038", "040", "043", "045", "046", "050", "053", "055", "058", "070", "071",
    "072", "073", "074", "075", "076", "077", "078", "079", "085", "088", "091",
})  # fmt: skip


def phone_display(phone: str) -> str:
    """A stored number as a Dutch person writes it: '06-12345678', '020-1234567',
    '0229-123456'; anything else (international, odd lengths) as it was given."""
    if not (len(phone) == 10 and phone.isascii() and phone.isdigit() and phone[0] == "0"):
        return phone
    if phone.startswith("06"):
        return f"06-{phone[2:]}"
    prefix = 3 if phone[:3] in _SHORT_AREA_CODES else 4
    return f"{phone[:prefix]}-{phone[prefix:]}"
