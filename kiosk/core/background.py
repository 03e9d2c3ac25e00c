"""A database loop in a background thread: the print worker and the sync worker are two.

A round runs every `poll_seconds` and at once on wake(). The thread opens its own
connection, because an sqlite connection belongs to the thread that made it.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import sqlite_utils

from kiosk.core.db import connect

log = logging.getLogger(__name__)


class BackgroundLoop:
    name = "background"

    def __init__(self, db_path: str | Path, poll_seconds: float) -> None:
        self.db_path = str(db_path)
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self, db: sqlite_utils.Database) -> None:
        """One round. It should not raise; if it does, the loop logs it and goes on."""
        raise NotImplementedError

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        db = connect(self.db_path)
        try:
            while not self._stop.is_set():
                # Cleared before the round: a wake() during the round makes the next wait
                # return at once, so that work is not left for a whole poll interval.
                self._wake.clear()
                try:
                    self.run_once(db)
                except Exception:  # the database itself: locked, gone, disk full
                    log.exception("%s round failed", self.name)
                self._wake.wait(self.poll_seconds)
        finally:
            db.close()
