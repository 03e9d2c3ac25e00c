"""The spoken dialogs going on now, kept in the kiosk's memory under an opaque random id.

A dialog's state holds a resident's name and phone number, so it never travels in a URL,
the browser's history or the page: the browser only holds the id (in a cookie). It lives
in memory, never on disk; a dialog is forgotten when its signup is made, when it stops,
when the screen goes back to the start, after half an hour without an answer, and when
the kiosk restarts (the resident then starts again, as after a reset).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from voice.dialog import State

MAX_IDLE_SECONDS = 30 * 60
# How long a finished dialog's last page is remembered: a second tap or the last words of
# an utterance that were on their way when it finished get that same page, not a new dialog
# (which a resident would take for "not signed up" and sign up again).
FINISHED_SECONDS = 60
# One screen, one resident: a few dialogs at once is already odd (a reload, two tabs
# during a test); more evict the oldest, so the memory stays bounded.
MAX_DIALOGS = 8
ID_BYTES = 18  # 144 random bits, as an unguessable session id


@dataclass
class _Entry:
    state: State
    touched: float


class DialogStore:
    def __init__(
        self,
        *,
        max_idle: float = MAX_IDLE_SECONDS,
        max_dialogs: int = MAX_DIALOGS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_idle = max_idle
        self.max_dialogs = max_dialogs
        self.clock = clock
        self._dialogs: dict[str, _Entry] = {}
        self._finished: dict[str, tuple[str, float]] = {}  # id -> (where it ended, when)
        self._lock = threading.Lock()

    def _forget_stale(self) -> None:
        now = self.clock()
        for key, entry in list(self._dialogs.items()):
            if now - entry.touched > self.max_idle:
                del self._dialogs[key]

    def begin(self, state: State) -> str:
        """A new dialog; returns its id."""
        key = secrets.token_urlsafe(ID_BYTES)
        with self._lock:
            self._forget_stale()
            while len(self._dialogs) >= self.max_dialogs:
                oldest = min(self._dialogs, key=lambda k: self._dialogs[k].touched)
                del self._dialogs[oldest]
            self._dialogs[key] = _Entry(state, self.clock())
        return key

    def get(self, key: str) -> State | None:
        with self._lock:
            self._forget_stale()
            entry = self._dialogs.get(key)
            if entry is None:
                return None
            entry.touched = self.clock()
            return entry.state

    def put(self, key: str, state: State) -> bool:
        """Keep the dialog's next state; False when it was forgotten meanwhile."""
        with self._lock:
            entry = self._dialogs.get(key)
            if entry is None:
                return False
            entry.state, entry.touched = state, self.clock()
            return True

    def forget(self, key: str) -> None:
        with self._lock:
            self._dialogs.pop(key, None)

    def finish(self, key: str, page: str) -> None:
        """Forget the dialog, and remember for FINISHED_SECONDS the page it ended on."""
        with self._lock:
            self._dialogs.pop(key, None)
            now = self.clock()
            for old, (_, at) in list(self._finished.items()):
                if now - at > FINISHED_SECONDS:
                    del self._finished[old]
            self._finished[key] = (page, now)

    def finished_at(self, key: str) -> str | None:
        """The page a dialog that just finished ended on (None: none, or long ago)."""
        with self._lock:
            page, at = self._finished.get(key, ("", 0.0))
            return page if page and self.clock() - at <= FINISHED_SECONDS else None

    def __len__(self) -> int:
        with self._lock:
            self._forget_stale()
            return len(self._dialogs)
