"""Utterances being spoken right now, fed piece by piece as the browser sends them.

The browser sends about half a second at a time while the resident talks, numbered from 0;
the last piece says it is the last. Pieces must come in order (the browser sends one
after the other), the total stays under the length limit, and an utterance whose browser
went away (the resident walked off) is forgotten after a short while.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from voice.audio import MAX_UTTERANCE_SECONDS, MIN_UTTERANCE_SECONDS, AudioError, Pcm
from voice.engine import Recognition, Utterance

MAX_OPEN = 4  # one kiosk, one resident: a few is plenty, and bounds the memory
MAX_IDLE_SECONDS = 30.0


class StreamError(ValueError):
    """A piece that does not fit (out of order, unknown utterance); `str()` is for logs."""

    message = "Er ging iets mis met het luisteren. Probeer het nog een keer."


@dataclass
class OpenUtterance:
    utterance: Utterance
    context: Any  # whatever the caller needs again at the end (the grammar)
    next_seq: int = 0
    seconds: float = 0.0
    touched: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)
    recording: list[bytes] = field(default_factory=list)  # only with debug recording on


@dataclass(frozen=True)
class Finished:
    recognition: Recognition
    context: Any
    recording: bytes  # empty unless recording was asked for


class Streams:
    def __init__(self, *, max_open: int = MAX_OPEN, max_idle: float = MAX_IDLE_SECONDS) -> None:
        self.max_open = max_open
        self.max_idle = max_idle
        self._open: dict[str, OpenUtterance] = {}
        self._lock = threading.Lock()

    def _forget_stale(self) -> None:
        now = time.monotonic()
        for key, entry in list(self._open.items()):
            if now - entry.touched > self.max_idle:
                del self._open[key]

    def _entry(
        self, key: str, seq: int, start: Callable[[], tuple[Utterance, Any]]
    ) -> OpenUtterance:
        with self._lock:
            self._forget_stale()
            entry = self._open.get(key)
            if seq == 0:
                if entry is not None:
                    raise StreamError(f"utterance {key} started twice")
                if len(self._open) >= self.max_open:
                    # The oldest is a browser that went away without a last piece.
                    oldest = min(self._open, key=lambda k: self._open[k].touched)
                    del self._open[oldest]
                utterance, context = start()
                entry = self._open[key] = OpenUtterance(utterance, context)
            elif entry is None:
                raise StreamError(f"utterance {key} unknown (expired?) at piece {seq}")
            return entry

    def feed(
        self,
        key: str,
        seq: int,
        pcm: Pcm,
        *,
        last: bool,
        start: Callable[[], tuple[Utterance, Any]],
        record: bool = False,
    ) -> str | Finished:
        """Feed one piece. Returns the text so far, or, for the last piece, the result."""
        entry = self._entry(key, seq, start)
        with entry.lock:
            if seq != entry.next_seq:
                raise StreamError(f"utterance {key}: piece {seq}, expected {entry.next_seq}")
            entry.next_seq += 1
            entry.touched = time.monotonic()
            entry.seconds += pcm.seconds
            if entry.seconds > MAX_UTTERANCE_SECONDS:
                self._drop(key)
                raise AudioError(
                    f"utterance {key} longer than {MAX_UTTERANCE_SECONDS} s",
                    status=413,
                    message="Dat was te lang. Zeg het kort, in een paar woorden.",
                )
            if record:
                entry.recording.append(pcm.data)
            partial = entry.utterance.feed(pcm.data) if pcm.data else ""
            if not last:
                return partial
            self._drop(key)
            if entry.seconds < MIN_UTTERANCE_SECONDS:
                raise AudioError(
                    f"utterance {key} only {entry.seconds:.2f} s",
                    message="Ik hoorde bijna niets. Probeer het nog een keer.",
                )
            return Finished(entry.utterance.finish(), entry.context, b"".join(entry.recording))

    def _drop(self, key: str) -> None:
        with self._lock:
            self._open.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._open)
