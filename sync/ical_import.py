"""iCalendar feeds -> activities: decode, parse, expand recurrences within the window.

Pure: bytes in, activities out, no I/O and no database, so every quirk of Google,
Nextcloud, Outlook and WordPress exports is tested on a fixture file. What one event
becomes is in sync/ical_fields.py.
"""

from __future__ import annotations

import hashlib
import logging
import time as time_module
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import icalendar
import recurring_ical_events

from kiosk.core.agenda import Activity
from kiosk.core.dutch import AMSTERDAM
from sync.ical_fields import (
    FIELD_MAX,
    SeriesIdentities,
    legacy_activity_id,
    text_value,
    to_activity,
)

log = logging.getLogger(__name__)

WINDOW_DAYS = 60
# A feed that expands to more than this is broken (or hostile: FREQ=SECONDLY); stop
# before it eats the kiosk's memory.
MAX_OCCURRENCES = 10_000
ALLOWED_FREQS = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
MAX_BYHOUR = 4
PARSE_BUDGET_SECONDS = 20.0
MAX_NAMED_SKIPS = 20  # the sync screen names this many skipped series, then counts


@dataclass(frozen=True)
class Reader:
    """Who reads a feed, as its Dutch messages name it: what cannot read or show it,
    and whose memory it would take."""

    name: str
    machine: str

    @property
    def subject(self) -> str:
        """The name at the start of a sentence."""
        return self.name[:1].upper() + self.name[1:]


KIOSK = Reader("de kiosk", "de kiosk")
HUB = Reader("de centrale agenda", "de server")


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
    # Titles of series left out because their repeat rule or start is broken, for
    # the sync screen: the coordinator can ask the calendar's owner to fix just those.
    skipped_series: tuple[str, ...] = ()
    # New id -> the id the same occurrence had before ids became stable (one-off events
    # carried their start time): lets an existing agenda move its signups over once.
    legacy_ids: dict[str, str] = field(default_factory=dict)


def skipped_series_note(titles: Iterable[str]) -> str:
    """What the coordinator reads about the series a feed's import left out (kiosk sync
    screen and hub alike); '' when none was."""
    named = ", ".join(titles)
    if not named:
        return ""
    return (f"Overgeslagen, want de herhaling of de begintijd klopt niet: {named}. De rest "
            "van deze feed staat wel in de agenda.")


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


@dataclass(frozen=True)
class SeriesGroup:
    """What the components of one UID (the series and its moved occurrences) become in
    the window: the unit a re-sync reuses when its text did not change."""

    activities: list[Activity] = field(default_factory=list)
    skipped: int = 0
    skipped_series: list[str] = field(default_factory=list)
    legacy_ids: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ExpandedFeed:
    calendar_name: str
    # Keyed by group_key of the UID, in the order the UIDs first appear in the file.
    groups: dict[str, SeriesGroup]
    # The group of every VEVENT of the calendar, in file order, as the parser read its
    # UID: what a cut of the text must agree with before its parts are trusted.
    event_groups: list[str] = field(default_factory=list)


def group_key(uid: object) -> str:
    """Which group a component belongs to. Events without a UID share one group: no
    identity joins them, and they are few."""
    return str(uid or "").strip()


def parse_feed(
    data: bytes, *, source: str, now: datetime, days: int = WINDOW_DAYS, stadsdorp: str = "",
    max_occurrences: int = MAX_OCCURRENCES, reader: Reader = KIOSK,
) -> ParsedFeed:
    """The activities of a feed within the window, recurrences expanded. A series that
    cannot be expanded is skipped and named in `skipped_series`; the rest stays."""
    expanded = expand_feed(data, source=source, now=now, days=days, stadsdorp=stadsdorp,
                           max_occurrences=max_occurrences, reader=reader)
    return combine(expanded.calendar_name, expanded.groups.values(),
                   max_occurrences=max_occurrences, days=days, reader=reader)


def combine(calendar_name: str, groups: Iterable[SeriesGroup], *,
            max_occurrences: int = MAX_OCCURRENCES, days: int = WINDOW_DAYS,
            reader: Reader = KIOSK) -> ParsedFeed:
    """One feed from its groups, given in file order. Whether a group was expanded just
    now or kept from an earlier sync, the result is the same."""
    activities: dict[str, Activity] = {}
    legacy_ids: dict[str, str] = {}
    skipped = 0
    skipped_series: list[str] = []
    for group in groups:
        activities.update((a.id, a) for a in group.activities)
        legacy_ids.update(group.legacy_ids)
        skipped += group.skipped
        skipped_series += group.skipped_series
    if len(activities) > max_occurrences:
        raise _too_many(max_occurrences, days, reader)
    return ParsedFeed(sorted(activities.values(), key=lambda a: (a.starts_at, a.id)),
                      calendar_name, skipped, tuple(skipped_series[:MAX_NAMED_SKIPS]),
                      legacy_ids)


def _too_many(max_occurrences: int, days: int, reader: Reader) -> FeedError:
    return FeedError(
        f"De agenda-feed heeft meer dan {max_occurrences} activiteiten in "
        f"{days} dagen. Zoveel kan {reader.name} niet tonen; de vorige agenda "
        "blijft staan. Vraag de beheerder van de agenda om een kleinere feed."
    )


def expand_feed(
    data: bytes, *, source: str, now: datetime, days: int = WINDOW_DAYS, stadsdorp: str = "",
    max_occurrences: int = MAX_OCCURRENCES, reader: Reader = KIOSK,
) -> ExpandedFeed:
    """Parse and expand a feed, group by group (see SeriesGroup)."""
    calendar = parse_calendar(decode(data))
    name = text_value(calendar.get("X-WR-CALNAME"), FIELD_MAX)
    uids = [c.get("UID") for c in calendar.subcomponents if c.name == "VEVENT"]
    found: dict[str, _Group] = {group_key(uid): _Group() for uid in uids}
    known_uids = {str(uid) for uid in uids if uid is not None}
    for uid, title in drop_bad_series(calendar):
        found.setdefault(group_key(uid), _Group()).skip(title)
    identities = SeriesIdentities.of(calendar)
    start, end = window(now, days)
    deadline = time_module.monotonic() + PARSE_BUDGET_SECONDS
    count = 0
    try:
        query = recurring_ical_events.of(calendar, skip_bad_series=True)
        # Series by series rather than query.between(), so the caps below apply while
        # expanding, not after a runaway series has filled the memory.
        for series in query.series:
            if time_module.monotonic() > deadline:
                raise FeedError("De agenda-feed is te ingewikkeld om op tijd in te lezen.")
            try:
                occurrences = [o.as_component(False) for o in series.between(start, end)]
            except Exception:  # noqa: BLE001 - any fault in one series costs only that series
                log.warning("feed %s: series %r skipped", source, series.uid, exc_info=True)
                # A UID-less series is named by its Python id here; it is in group "".
                uid = str(series.uid) if str(series.uid) in known_uids else ""
                found.setdefault(group_key(uid), _Group()).skip(
                    identities.title_of(uid.strip()))
                continue
            for event in occurrences:
                group = found.setdefault(group_key(event.get("UID")), _Group())
                activity = to_activity(event, source=source, stadsdorp=stadsdorp or name,
                                       identities=identities)
                if activity is None:
                    group.skipped += 1
                    continue
                count += activity.id not in group.activities
                group.activities[activity.id] = activity
                legacy = legacy_activity_id(event, source)
                if legacy != activity.id:
                    group.legacy_ids[activity.id] = legacy
            if count > max_occurrences:
                raise _too_many(max_occurrences, days, reader)
    except (FeedError, MemoryError):
        raise
    except Exception:
        # The feed is untrusted input to two third-party parsers: whatever they raise on
        # it means "this feed is unusable", never "stop syncing". The detail is English
        # and technical: it goes to the log, the coordinator reads Dutch.
        log.warning("feed %s cannot be read", source, exc_info=True)
        raise FeedError(
            f"De agenda-feed kan niet worden gelezen: er staat iets in dat {reader.name} "
            "niet begrijpt. De vorige agenda blijft staan."
        ) from None
    return ExpandedFeed(name, {key: group.done() for key, group in found.items()},
                        [group_key(uid) for uid in uids])


@dataclass
class _Group:
    activities: dict[str, Activity] = field(default_factory=dict)
    skipped: int = 0
    skipped_series: list[str] = field(default_factory=list)
    legacy_ids: dict[str, str] = field(default_factory=dict)

    def skip(self, title: str) -> None:
        self.skipped += 1
        self.skipped_series.append(title)

    def done(self) -> SeriesGroup:
        return SeriesGroup(list(self.activities.values()), self.skipped,
                           self.skipped_series, self.legacy_ids)


def drop_bad_series(calendar: icalendar.Calendar) -> list[tuple[str, str]]:
    """Remove series that cannot be expanded: a VEVENT without a readable start (no
    DTSTART, or one icalendar kept as broken, as any moment of it), or a repeat rule
    that cannot be read (COUNT=abc, FREQ=FORTNIGHTLY) or repeats more than a few times
    a day (FREQ=MINUTELY, a DAILY rule with sixty BYMINUTEs): no community agenda has
    the latter, and expanding one from a DTSTART years ago would hold the kiosk for
    minutes. Returns (UID, title) of each series that went."""
    bad: dict[str, str] = {}  # UID -> title
    lone: list[tuple[icalendar.Component, str]] = []  # without a UID: each its own series
    for event in calendar.walk("VEVENT"):
        try:
            rules = event.get("RRULE")
            listed = rules if isinstance(rules, list) else [rules] if rules else []
            broken = any(_runs_away(rule) for rule in listed) or not _has_start(event)
        except Exception:  # noqa: BLE001 - icalendar raises several kinds on a broken rule
            log.info("unreadable RRULE or start in %r", event.get("UID"), exc_info=True)
            broken = True
        if not broken:
            continue
        title = text_value(event.get("SUMMARY"), 80) or "(zonder titel)"
        if str(event.get("UID", "")):
            bad[str(event.get("UID", ""))] = title
        else:
            lone.append((event, title))
    if bad or lone:
        # The whole series goes, its moved occurrences too: they would show as strays.
        calendar.subcomponents = [
            c for c in calendar.subcomponents
            if not (c.name == "VEVENT" and (str(c.get("UID", "")) in bad
                                            or any(c is event for event, _ in lone)))
        ]
    return [*bad.items(), *(("", title) for _event, title in lone)]


def _has_start(event: icalendar.Component) -> bool:
    """Reading each moment raises for one icalendar kept as broken (DTSTART:morgen)."""
    moments = [getattr(event.get(name), "dt", None)
               for name in ("DTSTART", "DTEND", "DURATION", "RECURRENCE-ID")]
    return isinstance(moments[0], date)


def _runs_away(rule: icalendar.vRecur) -> bool:
    freq = str((rule.get("FREQ") or [""])[0]).upper()
    return (
        freq not in ALLOWED_FREQS
        or len(rule.get("BYSECOND", [])) > 1
        or len(rule.get("BYMINUTE", [])) > 1
        or len(rule.get("BYHOUR", [])) > MAX_BYHOUR
    )
