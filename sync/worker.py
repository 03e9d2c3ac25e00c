"""The sync worker: one round pushes the outbox, pulls the hub's agenda, gives back
spare seats and reads the iCalendar feeds that are due. A background thread runs a
round whenever one is due, and at once on wake() ("Nu synchroniseren").

Nothing here raises into the kiosk: a failure is written to the sync state, shown on
the coordinator's sync screen, and tried again after the backoff.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from kiosk.core import leases
from kiosk.core.background import BackgroundLoop
from kiosk.core.db import write_transaction
from kiosk.core.outbox import unsent_count
from sync import feeds, status
from sync.http import SyncError
from sync.hub_client import HubClient, client_from_settings, pull_agenda
from sync.outbox_push import PushReport, push_outbox

log = logging.getLogger(__name__)


@dataclass
class RoundReport:
    hub_tried: bool = False
    hub_error: str = ""
    push: PushReport = field(default_factory=PushReport)
    activities_changed: int = 0
    seats_returned: int = 0
    feeds: list[feeds.FeedResult] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        found = [self.hub_error] if self.hub_error else []
        return found + [f.error for f in self.feeds if f.error]


def sync_with_hub(db: sqlite_utils.Database, client: HubClient, report: RoundReport,
                  now: datetime) -> None:
    report.hub_tried = True
    try:
        report.push = push_outbox(db, client)
        report.activities_changed = pull_agenda(db, client)
        returned = leases.return_spare_seats(db)
        if returned:
            report.seats_returned = sum(seats for _id, seats in returned)
            more = push_outbox(db, client)
            report.push.sent += more.sent
        with write_transaction(db):
            status.record_success(db, now)
    except SyncError as err:
        report.hub_error = err.message
        with write_transaction(db):
            status.record_failure(db, now, err.message)


def run_round(
    db: sqlite_utils.Database,
    now: datetime | None = None,
    *,
    force: bool = False,
    client: HubClient | None = None,
) -> RoundReport:
    """One sync round. `force` ignores backoff and feed intervals."""
    now = now or datetime.now(UTC)
    report = RoundReport()
    client = client or client_from_settings(db)
    if client is not None and (
        force or status.hub_due(status.get_status(db), now, unsent_count(db))
    ):
        sync_with_hub(db, client, report, now)
    report.feeds = feeds.pull_due_feeds(db, now, force=force)
    return report


class SyncWorker(BackgroundLoop):
    """Runs run_round in a background thread every `poll_seconds` (it does nothing when
    nothing is due) and at once on wake(); wake(force=True) ignores backoff and intervals."""

    name = "sync-worker"

    def __init__(self, db_path: str | Path, poll_seconds: float = 5.0) -> None:
        super().__init__(db_path, poll_seconds)
        self.last_report = RoundReport()
        self._force = False

    def wake(self, force: bool = False) -> None:
        self._force = self._force or force
        super().wake()

    def run_once(self, db: sqlite_utils.Database) -> None:
        force, self._force = self._force, False
        self.last_report = run_round(db, force=force)
