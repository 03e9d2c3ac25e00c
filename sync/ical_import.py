"""iCalendar feeds -> activities: decode, parse, expand recurrences within the window.

Pure: bytes in, activities out, no I/O and no database, so every quirk of Google,
Nextcloud, Outlook and WordPress exports is tested on a fixture file. What one event
becomes is in sync/ical_fields.py.
"""

from __future__ import annotations

import hashlib
import time as time_module
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import icalendar
import recurring_ical_events

from kiosk.core.agenda import Activity
from kiosk.core.dutch import AMSTERDAM
from sync.ical_fields import FIELD_MAX, text_value, to_activity

WINDOW_DAYS = 60
# A feed that expands to more than this is broken (or hostile: FREQ=SECONDLY); stop
# before it eats the kiosk's memory.
MAX_OCCURRENCES = 20_000
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
    name = text_value(calendar.get("X-WR-CALNAME"), FIELD_MAX)
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


