"""What a printed ticket said, and what changed since: a reprint says "Let op: nu om 13.00 uur",
and "Mijn kaartje" shows the change in large letters, so the paper in a resident's hand never
misleads them without a word.

The facts are kept once, when the first paper for a signup comes out of the printer.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Literal

import sqlite_utils

from kiosk.core import dutch
from kiosk.core.agenda import Activity


@dataclass(frozen=True)
class PrintedAs:
    """The facts of the activity as the first paper printed them."""

    starts_at: str
    ends_at: str | None
    location_name: str
    address: str

    @classmethod
    def of(cls, activity: Activity) -> PrintedAs:
        return cls(
            starts_at=activity.starts_at.isoformat(),
            ends_at=activity.ends_at.isoformat() if activity.ends_at else None,
            location_name=activity.location_name,
            address=activity.address,
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str | None) -> PrintedAs | None:
        if not text:
            return None
        data = json.loads(text)
        return cls(**{key: data.get(key) for key in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Change:
    what: Literal["day", "time", "place"]
    now: str  # "13.00 uur", "woensdag 2 december om 13.00 uur", "Buurthuis Oost"
    was: str

    @property
    def sentence(self) -> str:
        """'Let op: nu om 13.00 uur'"""
        linking = {"day": "op", "time": "om", "place": "in"}[self.what]
        return f"Let op: nu {linking} {self.now}"


def changes_since(printed: PrintedAs | None, activity: Activity) -> list[Change]:
    """What is different now from the paper; nothing when no paper was printed."""
    if printed is None:
        return []
    changes: list[Change] = []
    was_start = dutch.local(datetime.fromisoformat(printed.starts_at))
    now_start = dutch.local(activity.starts_at)
    if was_start.date() != now_start.date():
        changes.append(
            Change("day", dutch.written_moment(now_start), dutch.written_moment(was_start))
        )
    elif was_start != now_start:
        changes.append(Change("time", dutch.clock(now_start), dutch.clock(was_start)))
    # The place by its name when that changed ("Buurthuis Oost"), else by its address.
    if activity.location_name.strip() and printed.location_name != activity.location_name:
        changes.append(Change("place", activity.location_name, printed.location_name))
    elif activity.address.strip() and printed.address != activity.address:
        changes.append(Change("place", activity.address, printed.address))
    return changes


def printed_as(db: sqlite_utils.Database, signup_id: str) -> PrintedAs | None:
    row = db.execute("SELECT ticket_printed_as FROM signups WHERE id = ?", [signup_id]).fetchone()
    return PrintedAs.from_json(row[0]) if row else None


def record_first_print(db: sqlite_utils.Database, signup_id: str, facts: PrintedAs) -> None:
    """Keep what the first paper said; later papers never overwrite it."""
    db.execute(
        "UPDATE signups SET ticket_printed_as = ? WHERE id = ? AND ticket_printed_as IS NULL",
        [facts.to_json(), signup_id],
    )
