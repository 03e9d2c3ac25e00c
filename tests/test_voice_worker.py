"""The recognizer in its own process (voice/recognizer.py): a crash inside libvosk
cannot take the kiosk down. Killed mid-utterance (SIGKILL, and SIGSEGV as a crash in
libvosk would be): the web server keeps answering, the resident goes on by touch, and the
next utterance works once the worker is back. A damaged model (a graph file cut short)
is caught before a resident meets it: `voice-model --check` fails in Dutch, health says so.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from kiosk.cli.main import cli
from kiosk.core import config
from kiosk.core.db import connect, migrate, write_transaction
from kiosk.ops import health
from tests.conftest import make_activity
from tests.voice_support import KoreanTestLanguage, korean_model_path, pcm_of, spoken_wav
from voice import dialog, recognizer_worker
from voice.audio import SAMPLE_RATE, to_wav
from voice.recognizer import MAX_NAME_RTF, Recognizer, RecognizerStatus, shared_recognizer

KO = KoreanTestLanguage()


@pytest.fixture(scope="module")
def yes_pcm(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return pcm_of(spoken_wav("네", tmp_path_factory.mktemp("audio") / "yes.wav"))


@pytest.fixture
def voice_app(app: Flask, tmp_path: Path) -> Iterator[Flask]:
    app.config.update(VOICE_LANGUAGE=KO, TTS_CACHE_DIR=str(tmp_path / "tts"))
    with app.app_context():
        from kiosk.web.request_db import get_db

        db = get_db()
        make_activity(db, "a1", title="Koffieochtend")
        with write_transaction(db):
            config.set_setting(db, "vosk_model", korean_model_path())
    yield app


def recognizer() -> Recognizer:
    found = shared_recognizer(korean_model_path())
    assert found.wait_ready().ready, found.status.message
    return found


def post_piece(client: Any, data: bytes, *, utterance: str, seq: int, last: bool) -> Any:
    return client.post(
        "/stem/luister",
        data={"utterance": utterance, "seq": str(seq), "last": "1" if last else "0",
              "audio": (io.BytesIO(to_wav(data)), "stuk.wav", "audio/wav")},
        headers={"Accept": "application/json"},
    )  # fmt: skip


def in_dialog(app: Flask, client: Any, step: str) -> None:
    from kiosk.web.voice import COOKIE, dialog_store

    with app.app_context():
        key = dialog_store().begin(dialog.State(step=step, activity_id="a1", signup_id="s-1"))
    client.set_cookie(COOKIE, key)


@pytest.mark.parametrize("kill", [signal.SIGKILL, signal.SIGSEGV])
def test_a_worker_killed_mid_utterance_does_not_stop_the_kiosk(
    voice_app: Flask, yes_pcm: bytes, kill: signal.Signals
) -> None:
    worker = recognizer()
    client = voice_app.test_client()
    in_dialog(voice_app, client, dialog.CONFIRM_ACTIVITY)
    half = len(yes_pcm) // 2 // 2 * 2
    first = post_piece(client, yes_pcm[:half], utterance="kill-utterance-1", seq=0, last=False)
    assert first.status_code == 200, first.get_json()

    os.kill(worker.pid or 0, kill)  # mid-utterance: the worker dies between two pieces
    last = post_piece(client, yes_pcm[half:], utterance="kill-utterance-1", seq=1, last=True)
    assert last.status_code == 503
    assert last.get_json()["error"] == "Praten lukt nu niet. Tik maar op het scherm."

    # The web server goes on answering (another screen: the start page would end this
    # dialog), and the coordinator reads why voice is off.
    assert voice_app.test_client().get("/").status_code == 200
    status = client.get("/stem/status").get_json()
    if status["available"] is False:  # unless the worker was already back
        assert "Spraak tijdelijk uit" in status["reason"]
        assert f"signaal {int(kill)}" in status["reason"] or "gestopt" in status["reason"]
    # The resident goes on by touch: the dialog is where it was.
    tapped = client.post("/stem/antwoord", data={"answer": "ja"},
                         headers={"Accept": "application/json"})  # fmt: skip
    assert tapped.status_code == 200 and tapped.get_json()["step"] == "name"

    # The worker is started again, and the next utterance is heard.
    assert worker.wait_ready().ready
    assert worker.pid is not None
    in_dialog(voice_app, client, dialog.CONFIRM_ACTIVITY)
    post_piece(client, yes_pcm[:half], utterance="kill-utterance-2", seq=0, last=False)
    answer = post_piece(client, yes_pcm[half:], utterance="kill-utterance-2", seq=1, last=True)
    body = answer.get_json()
    assert answer.status_code == 200, body
    assert (body["recognized"], body["step"]) == ("네", "name")


def cut_model(tmp_path: Path) -> Path:
    """A copy of the test model whose decoding graph was cut short (an interrupted copy
    from a USB stick): every file is there and not empty, so the folder check passes."""
    source = Path(korean_model_path())
    copy = tmp_path / "model-cut"
    for path in source.rglob("*"):
        if path.is_file():
            target = copy / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(path)
    graph = copy / "graph" / "HCLr.fst"
    graph.unlink()
    with (source / "graph" / "HCLr.fst").open("rb") as whole:
        graph.write_bytes(whole.read(1_000_000))
    return copy


def test_a_cut_model_fails_the_check_in_dutch_and_health_says_so(tmp_path: Path) -> None:
    from voice.model import check_model_folder

    model = cut_model(tmp_path)
    assert check_model_folder(model).ok  # the files are all there: only a decode tells
    db_path = str(tmp_path / "kiosk.db")
    result = CliRunner().invoke(cli, ["--db", db_path, "voice-model", "--check", str(model)])
    assert result.exit_code == 1, result.output
    assert "Niet in orde: Het spraakmodel in" in result.output
    assert "werkt niet" in result.output and "Aanmelden met aanraken werkt gewoon." in result.output

    db = connect(db_path)
    migrate(db)
    with write_transaction(db):
        config.set_setting(db, "vosk_model", str(model))
    check = health.check_voice(db)
    assert check.state == "error" and "werkt niet" in check.message
    shutil.rmtree(model)


def test_the_kiosk_with_a_cut_model_hides_voice_and_health_says_why(
    app: Flask, tmp_path: Path
) -> None:
    model = cut_model(tmp_path)
    with app.app_context():
        from kiosk.web.request_db import get_db

        with write_transaction(get_db()):
            config.set_setting(get_db(), "vosk_model", str(model))
    client = app.test_client()
    client.get("/stem/status")  # starts the worker, which proves the model
    worker = shared_recognizer(str(model))
    assert worker.wait_ready().state == "failed"
    status = client.get("/stem/status").get_json()
    assert status["available"] is False and "werkt niet" in status["reason"]
    assert 'data-testid="voice-start"' not in client.get("/").text
    report = client.get("/health").get_json()
    assert report["checks"]["voice"]["state"] == "error"


def test_health_reads_the_workers_last_status_without_loading_anything(tmp_path: Path) -> None:
    from voice.recognizer import RecognizerStatus, save_status

    db = connect(str(tmp_path / "kiosk.db"))
    migrate(db)
    model = korean_model_path()
    with write_transaction(db):
        config.set_setting(db, "vosk_model", model)
    slow = RecognizerStatus("ready", Recognizer._ready_message({"rtf_free": 2.0}), model,
                            {"rtf_free": 2.0})  # fmt: skip
    save_status(db, slow)
    check = health.check_voice(db)
    assert check.state == "ok" and "namen worden getypt" in check.message
    assert not slow.names_by_voice
    save_status(db, RecognizerStatus("restarting", "Spraak tijdelijk uit: x.", model))
    assert health.check_voice(db).state == "warning"


# --- the start-up check under a slow CPU (issue 17) -------------------------------------


@dataclass
class PacedUtterance:
    """Decodes nothing, but takes `factor` seconds of compute per second of sound."""

    factor: float
    fed: list[int]

    def feed(self, pcm: bytes) -> str:
        time.sleep(self.factor * len(pcm) / (2 * SAMPLE_RATE))
        self.fed.append(len(pcm))
        return ""

    def finish(self) -> Any:
        self.fed.append(-1)  # finished
        return None


@dataclass
class PacedEngine:
    """The probe's engine on a computer where free speech decodes `free_factor` times
    slower than real time (grammars fast)."""

    free_factor: float
    opened: list[PacedUtterance] = field(default_factory=list)

    def open(self, phrases: Any) -> PacedUtterance:
        factor = 0.01 if phrases or not self.opened else self.free_factor  # warm-up: fast
        utterance = PacedUtterance(factor, [])
        self.opened.append(utterance)
        return utterance


def test_the_start_up_check_stops_as_soon_as_free_speech_is_clearly_too_slow() -> None:
    slow = PacedEngine(free_factor=4.0)
    started = time.perf_counter()
    figures = recognizer_worker.probe(slow, ["ja"])  # type: ignore[arg-type]
    took = time.perf_counter() - started
    free = slow.opened[-1]
    assert free.fed == [recognizer_worker.CHUNK]  # one piece, not the whole sound
    assert figures["free_stopped_early"] == 1.0 and figures["rtf_free"] > MAX_NAME_RTF
    assert took < 2.0  # the whole second of sound at 4x would take 4 s
    status = RecognizerStatus("ready", "", "m", figures)
    assert not status.names_by_voice  # the name step goes to the keyboard

    fast = PacedEngine(free_factor=0.2)
    figures = recognizer_worker.probe(fast, ["ja"])  # type: ignore[arg-type]
    assert fast.opened[-1].fed[-1] == -1 and len(fast.opened[-1].fed) == 5  # all, finished
    assert "free_stopped_early" not in figures and figures["rtf_free"] < MAX_NAME_RTF
    # Near the limit (0.8x: slow for a name, not clearly so) it is measured in full.
    near = PacedEngine(free_factor=0.8)
    figures = recognizer_worker.probe(near, ["ja"])  # type: ignore[arg-type]
    assert "free_stopped_early" not in figures and figures["rtf_free"] > MAX_NAME_RTF


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            found += [int(p) for p in (task / "children").read_text().split()]
    return found


def _worker_of(server: subprocess.Popen[bytes], timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid in _children(server.pid):
            with contextlib.suppress(OSError):
                command = Path(f"/proc/{pid}/cmdline").read_bytes()
                if b"spawn_main" in command:
                    return pid
        assert server.poll() is None, "the kiosk stopped"
        time.sleep(0.005)
    raise AssertionError("no recognizer worker started")


def _get(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
def test_boot_answers_health_and_the_start_page_while_the_worker_cannot_load(
        tmp_path: Path) -> None:
    """`buurtkiosk run` with a voice model: the worker yields to the screens from its first
    instruction (nice 10 before anything is imported), and the first 200 from /health and
    from the start page never wait for the model: here the worker is frozen (SIGSTOP)
    the moment it appears, so the model cannot load at all."""
    db_path = str(tmp_path / "kiosk.db")
    db = connect(db_path)
    migrate(db)
    make_activity(db, "a1", title="Koffieochtend")
    with write_transaction(db):
        config.set_setting(db, "vosk_model", korean_model_path())
    db.close()
    with socket.socket() as probe_port:
        probe_port.bind(("127.0.0.1", 0))
        port = probe_port.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", "--db", db_path, "run", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    worker = None
    try:
        worker = _worker_of(server)
        nice_at_birth = os.getpriority(os.PRIO_PROCESS, worker)
        os.kill(worker, signal.SIGSTOP)
        assert nice_at_birth >= recognizer_worker.WORKER_NICE
        assert os.getpriority(os.PRIO_PROCESS, server.pid) == os.getpriority(
            os.PRIO_PROCESS, os.getpid())  # the screens themselves are not slowed
        deadline = time.monotonic() + 60
        answered: dict[str, int] = {}
        while len(answered) < 2 and time.monotonic() < deadline:
            for path in ("/health", "/"):
                with contextlib.suppress(OSError):
                    if path not in answered and _get(port, path) == 200:
                        answered[path] = 200
            time.sleep(0.05)
        assert answered == {"/health": 200, "/": 200}
        state = Path(f"/proc/{worker}/stat").read_text().rpartition(")")[2].split()[0]
        assert state == "T"  # still frozen: nothing above waited for the model
    finally:
        server.kill()
        server.wait()
        if worker is not None:
            with contextlib.suppress(OSError):
                os.kill(worker, signal.SIGKILL)
