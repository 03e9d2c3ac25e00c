"""A feed's text cut into its groups (all VEVENTs of one UID: the series and its moved
occurrences) and the rest (the calendar's own lines, VTIMEZONEs), so a re-sync parses
and expands only the groups whose text changed and keeps the others' earlier result.

The cut is made on the text as icalendar reads it (unfolded, split into content lines);
a calendar shaped in any way this does not follow is not cut at all (None), and the
child's parse confirms which groups it found, so a misjudged cut costs a full parse,
never a wrong agenda.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, fields
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from icalendar import vText
from icalendar.parser.content_line import NEWLINE, UFOLD, Contentline

from kiosk.core.agenda import Activity
from sync.ical_import import SeriesGroup, group_key

_BOUNDARY = re.compile(r"(BEGIN|END):([A-Za-z0-9-]+)", re.IGNORECASE)
_NAME_END = re.compile(r"[;:]")


@dataclass(frozen=True)
class Piece:
    key: str | None  # the group of a VEVENT; None for the calendar's own lines
    lines: list[str]


@dataclass(frozen=True)
class SplitCalendar:
    pieces: list[Piece]

    @property
    def common_digest(self) -> str:
        """Of everything outside the VEVENTs: the calendar's name and time zones reach
        every group, so a change there is a change to all of them."""
        return _digest(line for p in self.pieces if p.key is None for line in p.lines)

    def digests(self) -> dict[str, str]:
        """Group key -> digest of its text, in the order the groups first appear."""
        texts: dict[str, list[str]] = {}
        for piece in self.pieces:
            if piece.key is not None:
                texts.setdefault(piece.key, []).extend(piece.lines)
        return {key: _digest(lines) for key, lines in texts.items()}

    def subset(self, keys: set[str]) -> bytes:
        """The calendar with only these groups' VEVENTs, everything else in its place."""
        lines = [line for p in self.pieces if p.key is None or p.key in keys
                 for line in p.lines]
        return ("\r\n".join(lines) + "\r\n").encode()


def _digest(lines: Any) -> str:
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8", "surrogatepass"))
        digest.update(b"\n")
    return digest.hexdigest()


def split_calendar(text: str) -> SplitCalendar | None:
    """One VCALENDAR whose VEVENTs sit directly in it, each with at most one UID; else
    None (the feed is then parsed whole every time)."""
    lines = [line for line in NEWLINE.split(UFOLD.sub("", text)) if line]
    pieces: list[Piece] = []
    common: list[str] = []
    event: list[str] | None = None
    event_uids: list[str] = []
    stack: list[str] = []
    ended = False
    for line in lines:
        head = _NAME_END.split(line, maxsplit=1)[0].upper()
        if head in ("BEGIN", "END"):
            match = _BOUNDARY.fullmatch(line)
            if match is None or ended:
                return None
            name = match.group(2).upper()
            if head == "BEGIN":
                if (name == "VCALENDAR") != (not stack) or (name == "VEVENT" and len(stack) != 1):
                    return None
                stack.append(name)
                if name == "VEVENT":
                    if common:
                        pieces.append(Piece(None, common))
                        common = []
                    event, event_uids = [], []
            else:
                if not stack or stack.pop() != name:
                    return None
                ended = not stack
                if name == "VEVENT" and event is not None:
                    if len(event_uids) > 1:
                        return None
                    event.append(line)
                    pieces.append(Piece(event_uids[0] if event_uids else "", event))
                    event = None
                    continue
        elif ended or not stack:
            return None
        elif head == "UID" and event is not None and len(stack) == 2:
            event_uids.append(_uid_key(line))
        (event if event is not None else common).append(line)
    if not ended:
        return None
    if common:
        pieces.append(Piece(None, common))
    return SplitCalendar(pieces)


def _uid_key(line: str) -> str:
    if "\\" not in line and line[:4].upper() == "UID:":
        return group_key(line[4:])
    _name, _params, value = Contentline(line).parts()
    return group_key(vText.from_ical(value))


def parser_fingerprint() -> str:
    """What a stored expansion depends on besides the feed and the day: the parsers'
    versions and the kiosk's own code that turns events into activities. A kiosk
    updated overnight never reuses yesterday's program's result."""
    digest = hashlib.sha256()
    for package in ("icalendar", "recurring-ical-events", "python-dateutil", "tzdata"):
        try:
            digest.update(f"{package} {metadata.version(package)}\n".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{package} -\n".encode())
    here = Path(__file__).resolve().parent
    for module in ("ical_import.py", "ical_fields.py", "ical_groups.py"):
        digest.update((here / module).read_bytes())
    digest.update((here.parent / "kiosk" / "core" / "agenda.py").read_bytes())
    return digest.hexdigest()


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
