"""A feed's text cut into its groups (all VEVENTs of one UID: the series and its moved
occurrences) and the rest (the calendar's own lines, VTIMEZONEs), so a re-sync parses
and expands only the groups whose text changed and keeps the others' earlier result.

The cut is made on the feed's bytes, never decoded in the kiosk process (a 5 MB text
with one emoji takes 20 MB in Python): every line it looks at is ASCII, and it reads
them as icalendar reads the decoded text (unfolded, at line breaks, names stripped of
blanks). Decoding, and refusing what is no UTF-8, is the child's. A calendar shaped in
any way this does not follow is not cut at all (None), and every parse in the child
names the group of each VEVENT it found, in file order, which must be the cut's: a
misjudged cut costs a full parse, never a wrong agenda.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import re
import zoneinfo
from dataclasses import dataclass, fields
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from icalendar import vText
from icalendar.parser import Contentline

from kiosk.core.agenda import Activity
from sync.ical_import import SeriesGroup, group_key


def _name(word: str) -> bytes:
    """A property name, in UTF-8, as icalendar reads it once decoded: whitespace around
    it stripped, spaces and tabs in it dropped, then upper-cased (dotless ı is an I)."""
    def either(*chars: str) -> bytes:
        return b"(?:" + b"|".join(re.escape(c.encode()) for c in chars) + b")"

    space = either(*(chr(c) for c in range(0x3001)  # U+3000 is the last
                     if chr(c).isspace() and chr(c) != "\n")) + b"*"
    letters = (either(letter, letter.lower(), *("\u0131" if letter == "I" else ""))
               for letter in word)
    return space + b"[ \t]*".join(letters) + space


_BOM = b"\xef\xbb\xbf"  # decode() drops it
# The only lines the cut looks at; everything else stays where it is, as bytes.
_LINE = re.compile(b"(?:^|(?<=\\A" + re.escape(_BOM) + b"))(?:(?P<BEGIN>" + _name("BEGIN")
                   + b")|(?P<END>" + _name("END") + b")|(?P<UID>" + _name("UID")
                   + b"))[;:][^\n]*", re.MULTILINE)
_COMPONENT = re.compile(rb":([A-Za-z0-9-]+)")
# icalendar's own unfolding (its parser.content_line.UFOLD in 7.x, not importable from
# there in 6.x, the oldest version pyproject allows), on bytes.
_UFOLD = re.compile(rb"(?:(?<!\n)\r\n|(?<![\r\n])\n)(?:\r?\n)*[ \t]")


@dataclass(frozen=True)
class SplitCalendar:
    """The unfolded feed and its spans: (group key, start, end) for each VEVENT, (None,
    start, end) for the calendar's own lines between them. Offsets, not a list of
    lines: a 5 MB feed cut into line objects would cost the kiosk tens of MB."""

    text: bytes
    spans: list[tuple[str | None, int, int]]

    @property
    def common_digest(self) -> str:
        """Of everything outside the VEVENTs: the calendar's name and time zones reach
        every group, so a change there is a change to all of them."""
        digest = hashlib.sha256()
        for key, start, end in self.spans:
            if key is None:
                digest.update(self.text[start:end])
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
                found.setdefault(key, hashlib.sha256()).update(text)
        return {key: digest.hexdigest() for key, digest in found.items()}

    def event_groups(self, keys: set[str] | None = None) -> list[str]:
        """The group of each VEVENT (of these groups), in file order: what the parser
        must find in the same text before the cut is trusted."""
        return [key for key, _start, _end in self.spans
                if key is not None and (keys is None or key in keys)]

    def subset(self, keys: set[str]) -> bytes:
        """The calendar with only these groups' VEVENTs, everything else in its place."""
        return b"".join(self.text[start:end] for key, start, end in self.spans
                        if key is None or key in keys)


_STAMP = re.compile(rb"^DTSTAMP(?:;VALUE=DATE-TIME)?:(\d{8}T\d{6}Z)\r?(?:\n|\Z)",
                    re.IGNORECASE | re.MULTILINE)


def _unless_broken(stamp: re.Match[bytes]) -> bytes:
    """A stamp that does not read as a date stays in the digest: how the parser takes
    it is then not for the cut to assume."""
    try:
        datetime.strptime(stamp.group(1).decode(), "%Y%m%dT%H%M%SZ")
    except ValueError:
        return stamp.group()
    return b""


def split_calendar(data: bytes) -> SplitCalendar | None:
    """One VCALENDAR whose VEVENTs sit directly in it, each with at most one UID; else
    None (the feed is then parsed whole every time). Cut where icalendar cuts: on the
    unfolded text, at line breaks. A feed in another encoding than UTF-8 (UTF-16) has
    no line the cut reads: None, and the child refuses it."""
    text = _UFOLD.sub(b"", data)
    spans: list[tuple[str | None, int, int]] = []
    stack: list[str] = []
    ended = False
    position = 0  # where the calendar's own lines since the last VEVENT begin
    event_start = -1
    event_uids: list[str] = []
    for match in _LINE.finditer(text):
        line = match.group().removesuffix(b"\r")
        head = match.lastgroup
        if head == "UID":
            if event_start >= 0 and len(stack) == 2:
                key = _uid_key(line)
                if key is None:
                    return None
                event_uids.append(key)
            continue
        boundary = _COMPONENT.fullmatch(line, match.end(str(head)) - match.start())
        if boundary is None or ended:
            return None
        name = boundary.group(1).decode().upper()
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
            position = match.end() + text.startswith(b"\n", match.end())
            spans.append((event_uids[0] if event_uids else "", event_start, position))
            event_start = -1
    if not ended:
        return None
    spans.append((None, position, len(text)))
    return SplitCalendar(text, spans)


def _uid_key(line: bytes) -> str | None:
    """The group a UID line names; None for a line icalendar cannot read (it records
    the line as an error and the event has no UID), or no UTF-8: not for the cut to
    guess."""
    try:
        text = line.decode()
        if "\\" not in text and text[:4].upper() == "UID:":
            return group_key(text[4:])
        _name, _params, value = Contentline(text).parts()
    except ValueError:  # UnicodeDecodeError too
        return None
    return group_key(vText.from_ical(value))


# Packages and modules a stored expansion depends on: the parsers and what they call
# (x-wr-timezone moves a calendar's floating times into its X-WR-TIMEZONE), and the
# kiosk's own code that reads, cuts, checks and turns events into activities.
_PACKAGES = ("icalendar", "recurring-ical-events", "x-wr-timezone", "python-dateutil",
             "tzdata")
_MODULES = ("sync.ical_import", "sync.ical_fields", "sync.ical_groups", "sync.ical_child",
            "sync.feeds", "kiosk.core.agenda", "kiosk.core.dutch", "kiosk.core.clock")


@functools.cache
def parser_fingerprint() -> str:
    """What a stored expansion depends on besides the feed and the day: the parsers'
    versions, the time zone rules, and the kiosk's own code that turns events into
    activities. A kiosk updated overnight never reuses yesterday's program's result."""
    digest = hashlib.sha256()
    for package in _PACKAGES:
        digest.update(f"{package} {_version(package)}\n".encode())
    # zoneinfo reads the system's rules before the tzdata package's.
    for folder in zoneinfo.TZPATH:
        with contextlib.suppress(OSError), open(Path(folder) / "tzdata.zi", "rb") as rules:
            digest.update(folder.encode() + rules.readline())
    for module in _MODULES:
        spec = importlib.util.find_spec(module)
        try:
            digest.update(Path(spec.origin).read_bytes())  # type: ignore[union-attr, arg-type]
        except (OSError, TypeError, AttributeError):  # installed without its sources
            digest.update(f"buurtkiosk {_version('buurtkiosk')} {module}\n".encode())
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
