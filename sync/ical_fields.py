"""One iCalendar event occurrence -> an Activity: its stable id, times in Amsterdam,
and texts cleaned for a public screen (HTML stripped, lengths capped, private events
left out). Pure functions, tested through the feed fixtures."""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import icalendar

from kiosk.core.agenda import Activity
from kiosk.core.dutch import AMSTERDAM

TITLE_MAX, SHORT_MAX, TEXT_MAX, FIELD_MAX = 200, 40, 2000, 300
PRIVATE_CLASSES = {"PRIVATE", "CONFIDENTIAL"}


def activity_id(source: str, uid: str, occurrence: date | datetime | None = None) -> str:
    """Stable across re-syncs: feed + UID for a one-off event, so a change of time keeps
    its signups; feed + UID + the occurrence's original start (RECURRENCE-ID) for one
    occurrence of a series, so an occurrence moved to another day keeps them too."""
    key = _moment_key(occurrence) if occurrence is not None else ""
    digest = hashlib.sha256(f"{source}\n{uid}\n{key}".encode()).digest()
    return "ics-" + base64.b32encode(digest[:10]).decode().lower()  # 80 bits, 16 characters


def legacy_activity_id(event: icalendar.Event, source: str) -> str:
    """The id an occurrence had before one-off events lost their start time from it:
    feed + UID + RECURRENCE-ID, which recurring_ical_events sets to the start when the
    event has none. Only for moving an existing agenda's signups over once."""
    uid = str(event.get("UID") or "").strip() or _fallback_uid(event)
    recurrence = getattr(event.get("RECURRENCE-ID"), "dt", None)
    start = _start(event)
    key = recurrence if isinstance(recurrence, date) else start
    return activity_id(source, uid, key)


@dataclass
class SeriesIdentities:
    """What an expanded occurrence no longer says about itself: whether its UID is a
    series at all, and by how much a RANGE=THISANDFUTURE override moved the occurrences
    after it (recurring_ical_events gives them all the override's RECURRENCE-ID)."""

    series_uids: set[str] = field(default_factory=set)
    # (UID, original start in UTC) of a THISANDFUTURE override -> its shift
    shifts: dict[tuple[str, str], timedelta] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, calendar: icalendar.Calendar) -> SeriesIdentities:
        found = cls()
        for event in calendar.walk("VEVENT"):
            uid = str(event.get("UID") or "").strip()
            found.titles.setdefault(uid, text_value(event.get("SUMMARY"), 80))
            recurrence = event.get("RECURRENCE-ID")
            if any(name in event for name in ("RRULE", "RDATE")) or recurrence is not None:
                found.series_uids.add(uid)
            start = _start(event)  # type: ignore[arg-type]  # walk("VEVENT") yields Events
            if (recurrence is not None and start is not None
                    and isinstance(getattr(recurrence, "dt", None), date)
                    and str(recurrence.params.get("RANGE", "")).upper() == "THISANDFUTURE"):
                found.shifts[(uid, _moment_key(recurrence.dt))] = start - _aware(recurrence.dt)
        return found

    def title_of(self, uid: str) -> str:
        return self.titles.get(uid) or "(zonder titel)"

    def original_start(self, uid: str, event: icalendar.Event, start: datetime) -> datetime:
        """The start this occurrence had in the series before anything moved it."""
        recurrence = event.get("RECURRENCE-ID")
        moment = getattr(recurrence, "dt", None)
        if not isinstance(moment, date):
            return start
        shift = self.shifts.get((uid, _moment_key(moment)))
        if shift is None:
            return _aware(moment)  # a plain occurrence, or an override of just this one
        # Under a THISANDFUTURE override: the override itself and every later one.
        return start - shift


def _moment_key(moment: date | datetime) -> str:
    if isinstance(moment, datetime):
        # In UTC, so Outlook's "W. Europe Standard Time" and Europe/Amsterdam agree.
        return _aware(moment).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return moment.strftime("%Y%m%d")


def _aware(moment: date | datetime) -> datetime:
    """All-day dates start at local midnight; floating times are Amsterdam times."""
    if not isinstance(moment, datetime):
        return datetime.combine(moment, time(0), AMSTERDAM)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=AMSTERDAM)
    return moment


def _start(event: icalendar.Event) -> datetime | None:
    value = getattr(event.get("DTSTART"), "dt", None)
    return _aware(value) if isinstance(value, date) else None


def _end(event: icalendar.Event, start: datetime) -> datetime | None:
    value = getattr(event.get("DTEND"), "dt", None)
    if isinstance(value, date):
        return _aware(value)
    duration = getattr(event.get("DURATION"), "dt", None)
    if isinstance(duration, timedelta):
        return start + duration
    if not isinstance(event.get("DTSTART").dt, datetime):
        return start + timedelta(days=1)  # RFC 5545: an all-day event lasts the day
    return None


def to_activity(
    event: icalendar.Event, *, source: str, stadsdorp: str = "",
    identities: SeriesIdentities | None = None,
) -> Activity | None:
    """One expanded occurrence -> an Activity, or None when it has no usable start or
    is marked private (a kiosk is a public screen)."""
    identities = identities or SeriesIdentities()
    start = _start(event)
    if start is None:
        return None
    if str(event.get("CLASS", "PUBLIC")).upper() in PRIVATE_CLASSES:
        return None
    cancelled = str(event.get("STATUS", "")).upper() == "CANCELLED"
    title = _title(event, cancelled)
    uid = str(event.get("UID") or "").strip() or _fallback_uid(event)
    occurrence = (identities.original_start(uid, event, start)
                  if uid in identities.series_uids else None)
    place, address = split_location(text_value(event.get("LOCATION"), FIELD_MAX))
    end = _end(event, start)
    return Activity(
        id=activity_id(source, uid, occurrence),
        title=title,
        short_name=short_name(title),
        description=text_value(event.get("DESCRIPTION"), TEXT_MAX),
        starts_at=start,
        ends_at=end if end and end > start else None,
        stadsdorp=stadsdorp,
        location_name=place,
        address=address,
        contact=text_value(event.get("CONTACT"), FIELD_MAX),
        category=_first_category(event),
        status="cancelled" if cancelled else "scheduled",
        source=source,
    )


def _fallback_uid(event: icalendar.Event) -> str:
    # Without a UID (some hand-made exports) summary + start is the best identity left.
    raw = f"{event.get('SUMMARY', '')}|{getattr(event.get('DTSTART'), 'dt', '')}"
    return "no-uid-" + hashlib.sha256(raw.encode()).hexdigest()[:16]


_TAG = re.compile(r"<[^>]{0,1000}>")
_BREAK = re.compile(r"<\s*(br|/p|/div|/li|/h\d)\s*/?\s*>", re.IGNORECASE)


@functools.lru_cache(maxsize=4096)
def plain_text(raw: str) -> str:
    """Google and WordPress put HTML in DESCRIPTION; the kiosk shows plain text.
    Cached: every occurrence of a weekly series carries the same texts."""
    if "<" in raw and ">" in raw:
        raw = _TAG.sub("", _BREAK.sub("\n", raw))
    raw = html.unescape(raw)
    lines = (" ".join(line.split()) for line in raw.replace("\r", "\n").split("\n"))
    text = "\n".join(line for line in lines if line)
    return "".join(ch for ch in text if ch == "\n" or ch.isprintable())


def text_value(value: Any, limit: int) -> str:
    if value is None:
        return ""
    if isinstance(value, list):  # a property given twice
        value = value[0]
    text = plain_text(str(value))
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def split_location(location: str) -> tuple[str, str]:
    """'Buurthuis De Pijp, Ferdinand Bolstraat 12, Amsterdam' -> place and address.
    A location that starts with a street and number stays whole as the place."""
    name, sep, rest = location.partition(",")
    if sep and rest.strip() and not any(ch.isdigit() for ch in name):
        return name.strip(), " ".join(rest.split())
    return location.replace("\n", ", "), ""


def short_name(title: str) -> str:
    """What a resident would say: 'Filmclub: Alles is familie' -> 'filmclub',
    'Koffieochtend (met taart)' -> 'koffieochtend'."""
    head = re.split(r"\s*[:|–—(]\s*|\s+-\s+", title, maxsplit=1)[0]
    return (head.strip() or title).lower()[:SHORT_MAX]


_CANCELLED_PREFIX = re.compile(
    r"^\s*(geannuleerd|afgelast|gaat niet door|canceled|cancelled)\s*[:\-–]\s*", re.IGNORECASE
)


def _title(event: icalendar.Event, cancelled: bool) -> str:
    """Outlook renames a cancelled meeting 'Geannuleerd: …'; the kiosk says so itself."""
    title = text_value(event.get("SUMMARY"), TITLE_MAX)
    if cancelled:
        title = _CANCELLED_PREFIX.sub("", title)
    return title or "Activiteit"


def _first_category(event: icalendar.Event) -> str:
    try:
        categories = event.categories
    except (ValueError, TypeError, AttributeError):
        return ""
    return text_value(categories[0], FIELD_MAX).lower() if categories else ""
