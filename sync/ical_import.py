"""iCalendar feeds -> activities: decode, parse, expand recurrences, map fields.

Pure: bytes in, activities out, no I/O and no database, so every quirk of Google,
Nextcloud, Outlook and WordPress exports is tested on a fixture file.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import re
import time as time_module
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import icalendar
import recurring_ical_events

from kiosk.agenda import Activity
from kiosk.dutch import AMSTERDAM

WINDOW_DAYS = 60
# A feed that expands to more than this is broken (or hostile: FREQ=SECONDLY); stop
# before it eats the kiosk's memory.
MAX_OCCURRENCES = 20_000
TITLE_MAX, SHORT_MAX, TEXT_MAX, FIELD_MAX = 200, 40, 2000, 300
PRIVATE_CLASSES = {"PRIVATE", "CONFIDENTIAL"}
ALLOWED_FREQS = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
MAX_BYHOUR = 4
PARSE_BUDGET_SECONDS = 20.0


class FeedError(ValueError):
    """A feed that cannot be used, with a message for the coordinator in plain Dutch."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ParsedFeed:
    activities: list[Activity]
    calendar_name: str
    skipped: int  # events without a usable start, private ones, broken recurrence rules


def feed_source(url: str) -> str:
    """The activities' `source` for a feed. A hash, not the URL: private calendar URLs
    (Google's "secret address") carry a key that must not travel to the hub."""
    return "ics:" + hashlib.sha256(url.encode()).hexdigest()[:12]


def activity_id(source: str, uid: str, recurrence_id: date | datetime) -> str:
    """Stable across re-syncs: feed + UID + the occurrence's original start
    (RECURRENCE-ID), so an occurrence moved to another day keeps its signups."""
    digest = hashlib.sha256(f"{source}\n{uid}\n{_moment_key(recurrence_id)}".encode()).digest()
    return "ics-" + base64.b32encode(digest[:10]).decode().lower()  # 80 bits, 16 characters


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


def decode(data: bytes) -> str:
    """RFC 5545 says UTF-8. A feed in another encoding is refused rather than guessed:
    a wrong guess would put garbled names on the screen without anyone noticing."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise FeedError(
            f"De agenda-feed is geen UTF-8-tekst (onleesbaar teken bij byte {err.start}). "
            "Vraag de beheerder van de agenda om een export in UTF-8."
        ) from None
    stripped = text.strip()
    if not stripped.upper().startswith("BEGIN:VCALENDAR"):
        raise FeedError(
            "Dit adres geeft geen iCalendar-agenda (het begint niet met BEGIN:VCALENDAR). "
            "Misschien is het een gewone webpagina. Controleer het adres."
        )
    if not stripped.upper().endswith("END:VCALENDAR"):
        raise FeedError(
            "De agenda-feed is onvolledig: het einde (END:VCALENDAR) ontbreekt. "
            "Misschien is de verbinding halverwege verbroken."
        )
    return text


def parse_calendar(text: str) -> icalendar.Calendar:
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except (ValueError, KeyError, IndexError, TypeError) as err:
        detail = str(err).splitlines()[0][:120] if str(err) else type(err).__name__
        raise FeedError(f"De agenda-feed is geen geldig iCalendar-bestand ({detail}).") from None
    if not isinstance(calendar, icalendar.Calendar):
        raise FeedError("De agenda-feed is geen geldig iCalendar-bestand (geen VCALENDAR).")
    return calendar


def window(now: datetime, days: int = WINDOW_DAYS) -> tuple[datetime, datetime]:
    """From the start of today (an activity earlier today still shows as cancelled or
    past) to midnight `days` days later, in Amsterdam time."""
    today = now.astimezone(AMSTERDAM).date()
    start = datetime.combine(today, time(0), AMSTERDAM)
    return start, datetime.combine(today + timedelta(days=days), time(0), AMSTERDAM)


def parse_feed(
    data: bytes, *, source: str, now: datetime, days: int = WINDOW_DAYS, stadsdorp: str = ""
) -> ParsedFeed:
    """The activities of a feed within the window, recurrences expanded."""
    calendar = parse_calendar(decode(data))
    name = _text(calendar.get("X-WR-CALNAME"), FIELD_MAX)
    skipped = drop_runaway_rules(calendar)
    start, end = window(now, days)
    deadline = time_module.monotonic() + PARSE_BUDGET_SECONDS
    activities: dict[str, Activity] = {}
    try:
        query = recurring_ical_events.of(calendar)
        # Series by series rather than query.between(), so the caps below apply while
        # expanding, not after a runaway series has filled the memory.
        for series in query.series:
            if time_module.monotonic() > deadline:
                raise FeedError("De agenda-feed is te ingewikkeld om op tijd in te lezen.")
            try:
                occurrences = [o.as_component(False) for o in series.between(start, end)]
            except (ValueError, TypeError, KeyError, OverflowError):
                skipped += 1  # one broken series must not cost the rest of the agenda
                continue
            for event in occurrences:
                activity = to_activity(event, source=source, stadsdorp=stadsdorp or name)
                if activity is None:
                    skipped += 1
                else:
                    activities[activity.id] = activity
            if len(activities) > MAX_OCCURRENCES:
                raise FeedError(
                    f"De agenda-feed heeft meer dan {MAX_OCCURRENCES} activiteiten in "
                    f"{days} dagen. Dat klopt vast niet; de vorige agenda blijft staan."
                )
    except FeedError:
        raise
    except Exception as err:
        # The feed is untrusted input to two third-party parsers: whatever they raise on
        # it means "this feed is unusable", never "stop syncing".
        raise FeedError(
            f"De agenda-feed kan niet worden gelezen ({type(err).__name__}: {str(err)[:100]})."
        ) from None
    return ParsedFeed(sorted(activities.values(), key=lambda a: a.starts_at), name, skipped)


def drop_runaway_rules(calendar: icalendar.Calendar) -> int:
    """Remove series that repeat more than a few times a day (FREQ=MINUTELY, a DAILY
    rule with sixty BYMINUTEs): no community agenda has them, and expanding one from a
    DTSTART years ago would hold the kiosk for minutes. Returns how many went."""
    dropped = 0
    for event in list(calendar.walk("VEVENT")):
        rules = event.get("RRULE")
        for rule in rules if isinstance(rules, list) else [rules] if rules else []:
            freq = str((rule.get("FREQ") or [""])[0]).upper()
            too_often = (
                freq not in ALLOWED_FREQS
                or len(rule.get("BYSECOND", [])) > 1
                or len(rule.get("BYMINUTE", [])) > 1
                or len(rule.get("BYHOUR", [])) > MAX_BYHOUR
            )
            if too_often:
                if event in calendar.subcomponents:
                    calendar.subcomponents.remove(event)
                dropped += 1
                break
    return dropped


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


def to_activity(event: icalendar.Event, *, source: str, stadsdorp: str = "") -> Activity | None:
    """One expanded occurrence -> an Activity, or None when it has no usable start or
    is marked private (a kiosk is a public screen)."""
    start = _start(event)
    if start is None:
        return None
    if str(event.get("CLASS", "PUBLIC")).upper() in PRIVATE_CLASSES:
        return None
    cancelled = str(event.get("STATUS", "")).upper() == "CANCELLED"
    title = _title(event, cancelled)
    uid = str(event.get("UID") or "").strip() or _fallback_uid(event)
    recurrence = getattr(event.get("RECURRENCE-ID"), "dt", None)
    place, address = split_location(_text(event.get("LOCATION"), FIELD_MAX))
    end = _end(event, start)
    return Activity(
        id=activity_id(source, uid, recurrence if isinstance(recurrence, date) else start),
        title=title,
        short_name=short_name(title),
        description=_text(event.get("DESCRIPTION"), TEXT_MAX),
        starts_at=start,
        ends_at=end if end and end > start else None,
        stadsdorp=stadsdorp,
        location_name=place,
        address=address,
        contact=_text(event.get("CONTACT"), FIELD_MAX),
        category=_first_category(event),
        status="cancelled" if cancelled else "scheduled",
        source=source,
    )


def _fallback_uid(event: icalendar.Event) -> str:
    # Without a UID (some hand-made exports) summary + start is the best identity left.
    raw = f"{event.get('SUMMARY', '')}|{getattr(event.get('DTSTART'), 'to_ical', bytes)()!r}"
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


def _text(value: Any, limit: int) -> str:
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
    title = _text(event.get("SUMMARY"), TITLE_MAX)
    if cancelled:
        title = _CANCELLED_PREFIX.sub("", title)
    return title or "Activiteit"


def _first_category(event: icalendar.Event) -> str:
    try:
        categories = event.categories
    except (ValueError, TypeError, AttributeError):
        return ""
    return _text(categories[0], FIELD_MAX).lower() if categories else ""
