"""Speech recognition in a worker process (recognizer_worker.py), seen from the kiosk.

libvosk is C++: a damaged model can crash it, and a crash inside the web server's process
would take the whole kiosk down at the first spoken answer, again after every restart.
So the model lives in a child process. When the child dies the kiosk says so to the
coordinator, the resident goes on by touch, and a new child is started after a pause
that doubles each time (1 s up to a minute). The child proves the model when it starts by
decoding a short sound, and measures how fast it decodes free speech (the real-time
factor): where it cannot keep up, the name step is typed instead of spoken.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import sqlite_utils

from kiosk.core.db import write_transaction
from voice.engine import Recognition
from voice.model import ModelError, check_model_folder

READY_TIMEOUT = 120.0  # loading a big model from an SD card can take a while
ANSWER_TIMEOUT = 30.0  # one request; a hung decoder is treated as a dead one
FIRST_BACKOFF, MAX_BACKOFF = 1.0, 60.0
STABLE_SECONDS = 300.0  # up this long: the next failure starts the backoff afresh
# Free recognition slower than this (compute / sound) answers a spoken name too late:
# at 1.0 a 3-second name takes 3 seconds after the resident stops.
MAX_NAME_RTF = 0.5
# Words of the probe grammar: any the model knows.
PROBE_WORDS = ["ja", "nee", "een", "twee", "drie", "네", "아니요"]
TOUCH_STILL_WORKS = "Aanmelden met aanraken werkt gewoon."


# The settings key under which the kiosk keeps the worker's last status (as JSON), so a
# health check reads it without loading anything.
STATUS_SETTING = "voice_check"


def save_status(db: sqlite_utils.Database, status: RecognizerStatus) -> None:
    """Keep the worker's last status (in the settings table, not a setting anyone edits)."""
    with write_transaction(db):
        db.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [STATUS_SETTING, json.dumps(status.as_dict())],
        )


def last_status(db: sqlite_utils.Database) -> dict[str, Any]:
    """The status save_status kept, or {}."""
    row = db.execute("SELECT value FROM settings WHERE key = ?", [STATUS_SETTING]).fetchone()
    try:
        found = json.loads(row[0]) if row else {}
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


class RecognizerDown(ModelError):
    """The worker is not there (starting, restarting, or the model is broken)."""


@dataclass(frozen=True)
class RecognizerStatus:
    state: str  # "starting", "ready", "restarting", "failed"
    message: str  # Dutch, for the coordinator
    model: str = ""
    figures: dict[str, float] = field(default_factory=dict)  # load_seconds, rtf_free, rtf_grammar
    at: float = 0.0  # time.time() of this status

    @property
    def ready(self) -> bool:
        return self.state == "ready"

    @property
    def names_by_voice(self) -> bool:
        """Does free recognition keep up, so a spoken name is answered in time?"""
        return self.ready and self.figures.get("rtf_free", 0.0) <= MAX_NAME_RTF

    def as_dict(self) -> dict[str, Any]:
        figures = {k: round(v, 3) for k, v in self.figures.items()}
        return {
            "state": self.state,
            "message": self.message,
            "model": self.model,
            "figures": figures,
            "at": self.at,
        }


def _exit_reason(code: int | None) -> str:
    if code is not None and code < 0:
        return f"de herkenning is vastgelopen (signaal {-code})"
    return f"de herkenning is gestopt (code {code})"


class Recognizer:
    """The Engine of voice/engine.py, served by a worker process that restarts itself."""

    name = "vosk (eigen proces)"

    def __init__(
        self,
        model_path: str,
        *,
        on_status: Callable[[RecognizerStatus], None] | None = None,
        first_backoff: float = FIRST_BACKOFF,
    ) -> None:
        check = check_model_folder(model_path)
        if not check.ok:
            raise ModelError(check.message)
        self.model = check.model_folder
        self.on_status = on_status
        self.first_backoff = first_backoff
        self._lock = threading.Lock()  # one request at a time over the pipe
        self._changed = threading.Condition()
        self._conn: Connection | None = None
        self._process: Any = None
        self._known: dict[str, bool] = {}
        self._stopping = False
        self._status = RecognizerStatus("starting", "Het spraakmodel wordt geladen.", self.model)
        self._backoff = first_backoff
        self._thread = threading.Thread(target=self._run, name="recognizer", daemon=True)
        self._thread.start()

    # --- the worker's life ------------------------------------------------------------------

    @property
    def status(self) -> RecognizerStatus:
        return self._status

    @property
    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None else None

    def _set(self, state: str, message: str, figures: dict[str, float] | None = None) -> None:
        status = RecognizerStatus(state, message, self.model, figures or {}, time.time())
        # Recorded before anyone waiting is told, so whoever wakes up (a page, /health)
        # reads the new status; this thread runs at a lower priority and may come late.
        if self.on_status is not None:
            # Recording the status must never stop the recognizer.
            with contextlib.suppress(Exception):
                self.on_status(status)
        with self._changed:
            self._status = status
            self._changed.notify_all()

    def _run(self) -> None:
        from voice import recognizer_worker

        # This thread only waits for the worker; the worker it starts inherits its nice
        # value (a thread's own on Linux), so the worker yields to the web server from
        # its very first instruction, not only once it has imported its modules: at boot
        # the screens come first.
        with contextlib.suppress(OSError):
            recognizer_worker.lower_priority()
        context = multiprocessing.get_context("spawn")
        while not self._stopping:
            parent, child = context.Pipe()
            process = context.Process(
                target=recognizer_worker.serve,
                args=(child, self.model, PROBE_WORDS),
                name="buurtkiosk-spraak",
                daemon=True,
            )
            process.start()
            child.close()
            started = time.monotonic()
            hello = self._first_message(parent, process)
            if hello is not None and hello[0] == "ready":
                self._conn, self._process = parent, process
                figures = dict(hello[1])
                self._set("ready", self._ready_message(figures), figures)
                process.join()  # until it dies (or is stopped)
                with self._lock:
                    self._conn = None
                if self._stopping:
                    return
                if time.monotonic() - started > STABLE_SECONDS:
                    self._backoff = self.first_backoff
                reason = _exit_reason(process.exitcode)
            elif hello is not None:  # ("failed", message): the model itself is broken
                process.join(5)
                self._set("failed", f"{hello[1]} {TOUCH_STILL_WORKS}")
                parent.close()
                return  # the same model would fail again: wait for a new one
            else:
                process.join(5)
                reason = _exit_reason(process.exitcode)
                if self._status.state == "starting":
                    # It dies while proving the model: the model breaks libvosk.
                    self._set(
                        "failed",
                        f"Het spraakmodel in {self.model} is beschadigd: {reason} bij de proef. "
                        f"Installeer het opnieuw met: buurtkiosk voice-model. {TOUCH_STILL_WORKS}",
                    )
                    parent.close()
                    return
            parent.close()
            self._set(
                "restarting",
                f"Spraak tijdelijk uit: {reason}. Over {max(self._backoff, 1):.0f} s start de "
                f"kiosk haar opnieuw. {TOUCH_STILL_WORKS}",
            )
            time.sleep(self._backoff)
            self._backoff = min(self._backoff * 2, MAX_BACKOFF)

    def _first_message(self, conn: Connection, process: Any) -> tuple[str, Any] | None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if conn.poll(0.2):
                try:
                    message: tuple[str, Any] = conn.recv()
                    return message
                except EOFError:
                    return None
            if not process.is_alive():
                return None
        process.kill()
        return None

    @staticmethod
    def _ready_message(figures: dict[str, float]) -> str:
        rtf = figures.get("rtf_free", 0.0)
        text = f"Spraakherkenning klaar (model geladen in {figures.get('load_seconds', 0):.1f} s)."
        if rtf > MAX_NAME_RTF:
            text += (f" Vrije spraak gaat te traag op deze computer ({rtf:.1f}× de spreektijd): "
                     "namen worden getypt in plaats van gezegd.")  # fmt: skip
        return text

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> RecognizerStatus:
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._status.state in ("starting", "restarting"):
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(left)
        return self._status

    def stop(self) -> None:
        self._stopping = True
        process = self._process
        if process is not None and process.is_alive():
            process.kill()
            process.join(5)

    # --- requests ---------------------------------------------------------------------------

    def _ask(self, *request: Any) -> Any:
        gone: RecognizerDown | None = None
        with self._lock:
            conn = self._conn
            if conn is None or not self._status.ready:
                raise RecognizerDown(self._status.message)
            try:
                conn.send(request)
                if not conn.poll(ANSWER_TIMEOUT):
                    self._process.kill()  # hung: a new one comes
                    raise RecognizerDown("De spraakherkenning reageerde niet.")
                kind, value = conn.recv()
            except (EOFError, OSError, BrokenPipeError) as error:
                self._conn = None
                gone = RecognizerDown(f"De spraakherkenning is gestopt: {error}")
        if gone is not None:
            # Said at once, not when the (lower priority) watching thread notices the
            # death: until then a page would offer voice and wait_ready would say "ready".
            self._set("restarting", f"Spraak tijdelijk uit: de herkenning is gestopt. De kiosk "
                      f"start haar opnieuw. {TOUCH_STILL_WORKS}")  # fmt: skip
            raise gone
        if kind != "ok":
            raise RecognizerDown(str(value))
        return value

    def knows(self, word: str) -> bool:
        known = self._known.get(word)
        if known is None:
            known = bool(self._ask("knows", [word])[0])
            self._known[word] = known
        return known

    def open(self, phrases: Sequence[str] | None) -> WorkerUtterance:
        key = uuid.uuid4().hex
        self._ask("open", key, list(phrases) if phrases is not None else None)
        return WorkerUtterance(self, key)


@dataclass
class WorkerUtterance:
    recognizer: Recognizer
    key: str

    def feed(self, pcm: bytes) -> str:
        text: str = self.recognizer._ask("feed", self.key, pcm)  # noqa: SLF001
        return text

    def finish(self) -> Recognition:
        text, words, audio, compute = self.recognizer._ask("finish", self.key)  # noqa: SLF001
        heard = tuple((str(word), float(confidence)) for word, confidence in words)
        return Recognition(text, heard, audio, compute)


_shared: dict[str, Recognizer] = {}
_shared_lock = threading.Lock()


def shared_recognizer(
    model_path: str, on_status: Callable[[RecognizerStatus], None] | None = None
) -> Recognizer:
    """One worker per model folder for the whole kiosk process."""
    folder = check_model_folder(model_path)
    if not folder.ok:
        raise ModelError(folder.message)
    key = str(Path(folder.model_folder).resolve())
    with _shared_lock:
        recognizer = _shared.get(key)
        if recognizer is None or recognizer.status.state == "failed" and _changed_since(recognizer):
            recognizer = _shared[key] = Recognizer(key, on_status=on_status)
        elif on_status is not None and recognizer.on_status is None:
            recognizer.on_status = on_status
    return recognizer


def _changed_since(recognizer: Recognizer) -> bool:
    """A failed model that was replaced on disk (reinstalled) deserves a new try."""
    newest = max((p.stat().st_mtime for p in Path(recognizer.model).rglob("*") if p.is_file()),
                 default=0.0)  # fmt: skip
    return newest > recognizer.status.at


def check_model(model_path: str) -> RecognizerStatus:
    """`voice-model --check`: load and prove the model in a worker of its own, as the kiosk
    will; a crash there is reported, not suffered."""
    recognizer = Recognizer(model_path)
    try:
        status = recognizer.wait_ready()
    finally:
        recognizer.stop()
    return status
