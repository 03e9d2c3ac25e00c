"""Beside the hub's web server: re-import the feeds and drop signups past retention."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from sync.hub.db import connect_hub
from sync.hub.feeds import import_all
from sync.hub.retention import purge

log = logging.getLogger(__name__)


def upkeep_round(path: str) -> None:
    db = connect_hub(path)
    try:
        for url, error in import_all(db).items():
            if error:
                log.warning("Feed %s: %s", url, error)
        if purged := purge(db, datetime.now(UTC)):
            log.info("%d oude aanmelding(en) verwijderd (bewaartermijn).", purged)
    finally:
        db.close()


def upkeep_loop(path: str, stop: threading.Event, every: float = 900.0) -> None:
    while not stop.is_set():
        try:
            upkeep_round(path)
        except Exception:  # a locked or full database, or a bug: log it, try next round
            log.exception("Onderhoud van de centrale agenda mislukt")
        stop.wait(every)
