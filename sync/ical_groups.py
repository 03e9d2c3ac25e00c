"""A feed's text cut into its groups (all VEVENTs of one UID: the series and its moved
occurrences) and the rest (the calendar's own lines, VTIMEZONEs), so a re-sync parses
and expands only the groups whose text changed and keeps the others' earlier result.

The cut is made on the text as icalendar reads it (unfolded, at line breaks);
a calendar shaped in any way this does not follow is not cut at all (None), and the
child's parse confirms which groups it found, so a misjudged cut costs a full parse,
never a wrong agenda.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, fields
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from icalendar import vText
from icalendar.parser.content_line import UFOLD, Contentline

from kiosk.core.agenda import Activity
from sync.ical_import import SeriesGroup, group_key

_BOUNDARY = re.compile(r"(BEGIN|END):([A-Za-z0-9-]+)", re.IGNORECASE)
# The only lines the cut looks at; everything else stays where it is, as text.
_LINE = re.compile(r"^(BEGIN|END|UID)[;:][^\n]*", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class SplitCalendar:
    """The unfolded text and its spans: (group key, start, end) for each VEVENT, (None,
    start, end) for the calendar's own lines between them. Offsets, not a list of
    lines: a 5 MB feed cut into line objects would cost the kiosk tens of MB."""

    text: str
    spans: list[tuple[str | None, int, int]]

    @property
    def common_digest(self) -> str:
        """Of everything outside the VEVENTs: the calendar's name and time zones reach
        every group, so a change there is a change to all of them."""
        digest = hashlib.sha256()
        for key, start, end in self.spans:
            if key is None:
                digest.update(self.text[start:end].encode())
        return digest.hexdigest()

    def digests(self) -> dict[str, str]:
        """Group key -> digest of its text, in the order the groups first appear. A
        well-formed DTSTAMP is left out: Google and many others write the moment of the
        export there, in every event, every time, and nothing the kiosk shows (nor the
        expansion) reads it."""
        found: dict[str, Any] = {}
        for key, start, end in self.spans:
            if key is not None:
                text = _STAMP.sub(_unless_broken, self.text[start:end])
                found.setdefault(key, hashlib.sha256()).update(text.encode())
        return {key: digest.hexdigest() for key, digest in found.items()}

    def subset(self, keys: set[str]) -> bytes:
        """The calendar with only these groups' VEVENTs, everything else in its place."""
        return "".join(self.text[start:end] for key, start, end in self.spans
                       if key is None or key in keys).encode()


_STAMP = re.compile(r"^DTSTAMP(?:;VALUE=DATE-TIME)?:(\d{8}T\d{6}Z)\r?(?:\n|\Z)",
                    re.IGNORECASE | re.MULTILINE)


def _unless_broken(stamp: re.Match[str]) -> str:
    """A stamp that does not read as a date stays in the digest: how the parser takes
    it is then not for the cut to assume."""
    try:
        datetime.strptime(stamp.group(1), "%Y%m%dT%H%M%SZ")
    except ValueError:
        return stamp.group()
    return ""


def split_calendar(text: str) -> SplitCalendar | None:
    """One VCALENDAR whose VEVENTs sit directly in it, each with at most one UID; else
    None (the feed is then parsed whole every time). Cut where icalendar cuts: on the
    unfolded text, at line breaks."""
    text = UFOLD.sub("", text)
    spans: list[tuple[str | None, int, int]] = []
    stack: list[str] = []
    ended = False
    position = 0  # where the calendar's own lines since the last VEVENT begin
    event_start = -1
    event_uids: list[str] = []
    for match in _LINE.finditer(text):
        line = match.group().removesuffix("\r")
        head = match.group(1).upper()
        if head == "UID":
            if event_start >= 0 and len(stack) == 2:
                event_uids.append(_uid_key(line))
            continue
        boundary = _BOUNDARY.fullmatch(line)
        if boundary is None or ended:
            return None
        name = boundary.group(2).upper()
        if head == "BEGIN":
            if (name == "VCALENDAR") != (not stack) or (name == "VEVENT" and len(stack) != 1):
                return None
            stack.append(name)
            if name == "VEVENT":
                spans.append((None, position, match.start()))
                event_start, event_uids = match.start(), []
            continue
        if not stack or stack.pop() != name:
            return None
        ended = not stack
        if name == "VEVENT" and len(stack) == 1:
            if len(event_uids) > 1:
                return None
            position = match.end() + text.startswith("\n", match.end())
            spans.append((event_uids[0] if event_uids else "", event_start, position))
            event_start = -1
    if not ended:
        return None
    spans.append((None, position, len(text)))
    return SplitCalendar(text, spans)


def _uid_key(line: str) -> str:
    if "\\" not in line and line[:4].upper() == "UID:":
        return group_key(line[4:])
    _name, _params, value = Contentline(line).parts()
    return group_key(vText.from_ical(value))


@functools.cache
def parser_fingerprint() -> str:
    """What a stored expansion depends on besides the feed and the day: the parsers'
    versions and the kiosk's own code that turns events into activities. A kiosk
    updated overnight never reuses yesterday's program's result."""
    digest = hashlib.sha256()
    for package in ("icalendar", "recurring-ical-events", "python-dateutil", "tzdata"):
        digest.update(f"{package} {_version(package)}\n".encode())
    here = Path(__file__).resolve().parent
    for source in (here / "ical_import.py", here / "ical_fields.py", here / "ical_groups.py",
                   here.parent / "kiosk" / "core" / "agenda.py"):
        try:
            digest.update(source.read_bytes())
        except OSError:  # installed without its sources (a zip): its version must do
            digest.update(f"buurtkiosk {_version('buurtkiosk')}\n".encode())
    return digest.hexdigest()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"


# Not dataclasses.asdict: it deep-copies every value, a third of a first sync's time.
_FIELDS = [f.name for f in fields(Activity)]
_MOMENTS = [f.name for f in fields(Activity) if "datetime" in str(f.type)]


def group_to_json(group: SeriesGroup) -> dict[str, Any]:
    def activity(a: Activity) -> dict[str, Any]:
        row = {name: getattr(a, name) for name in _FIELDS}
        for name in _MOMENTS:
            if row[name] is not None:
                row[name] = row[name].isoformat()
        return row

    return {"activities": [activity(a) for a in group.activities], "skipped": group.skipped,
            "skipped_series": group.skipped_series, "legacy_ids": group.legacy_ids}


def group_from_json(answer: dict[str, Any]) -> SeriesGroup:
    activities = []
    for row in answer["activities"]:
        for name in _MOMENTS:
            if row[name] is not None:
                row[name] = datetime.fromisoformat(row[name])
        activities.append(Activity(**row))
    return SeriesGroup(activities, answer["skipped"], list(answer["skipped_series"]),
                       dict(answer["legacy_ids"]))
