"""Time as the kiosk stores it: UTC, ISO 8601, to the second; and how far the kiosk's
clock is off from the hub's, as measured at each sync (a Pi has no clock battery)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported by the feed-parsing child, which needs no database
    import sqlite_utils

# Beyond this the kiosk says so on its health and coordinator screens.
SKEW_SHOWN = timedelta(minutes=2)


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_iso() -> str:
    return utc_iso(datetime.now(UTC))


def hub_offset(db: sqlite_utils.Database) -> timedelta:
    """The hub's clock minus this kiosk's at the last sync; zero when never measured."""
    row = db.execute("SELECT clock_offset_s FROM sync_state WHERE id = 1").fetchone()
    return timedelta(seconds=row[0]) if row and row[0] is not None else timedelta(0)


def record_hub_offset(db: sqlite_utils.Database, offset: timedelta, at: datetime) -> None:
    db.execute("UPDATE sync_state SET clock_offset_s = ?, clock_checked_at = ? WHERE id = 1",
               [round(offset.total_seconds(), 1), utc_iso(at)])


def skew_sentence(offset: timedelta) -> str:
    """'' when within SKEW_SHOWN, else in plain Dutch how far and which way."""
    if abs(offset) <= SKEW_SHOWN:
        return ""
    minutes = round(abs(offset).total_seconds() / 60)
    amount = (f"{minutes} minuten" if minutes < 120
              else f"{minutes // 60} uur" + (f" en {minutes % 60} minuten" if minutes % 60 else ""))
    way = "achter" if offset > timedelta(0) else "voor"
    return (f"De klok van deze kiosk loopt {amount} {way} op de centrale agenda. Zet de tijd "
            "goed (of sluit internet aan). Tot dan rekent de kiosk met de tijd van de "
            "centrale agenda.")
