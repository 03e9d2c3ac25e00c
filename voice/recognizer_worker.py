"""The recognizer's own process: loads the Vosk model, proves it by decoding a short sound,
then answers requests from the kiosk over a pipe. A crash inside libvosk (a damaged model
file can make it crash) ends this process only; the kiosk notices and starts a new one.

Requests, each a tuple: ("knows", words) -> [bool]; ("open", id, phrases or None);
("feed", id, pcm) -> text so far; ("finish", id) -> Recognition fields; ("drop", id).
"""

from __future__ import annotations

import math
import os
import random
import struct
import time
from multiprocessing.connection import Connection
from typing import Any

from voice.audio import SAMPLE_RATE
from voice.engine import Utterance, VoskEngine
from voice.model import ModelError, shared_model


def probe_pcm(seconds: float = 0.6) -> bytes:
    """A short sound the decoder must work through: a voiced, gliding tone with a little
    noise between two pauses (speech-like enough to walk the decoding graph), made here so
    no recording ships with the kiosk. The same samples every time."""
    noise = random.Random(1)
    pause = b"\0\0" * int(SAMPLE_RATE * 0.2)
    samples = []
    for i in range(int(SAMPLE_RATE * seconds)):
        t = i / SAMPLE_RATE
        pitch = 140 + 40 * math.sin(2 * math.pi * 1.5 * t)
        value = sum(math.sin(2 * math.pi * pitch * k * t) / k for k in (1, 2, 3, 4))
        samples.append(int(5000 * value) + noise.randint(-400, 400))
    voiced = struct.pack(f"<{len(samples)}h", *(max(-32768, min(32767, s)) for s in samples))
    return pause + voiced + pause


# Free decoding slower than this (compute / sound, as measured so far) is clearly too slow
# for a spoken name: the measurement stops there instead of decoding the rest of the sound.
# Twice the limit (recognizer.MAX_NAME_RTF), so a model near the limit is measured in full.
CLEARLY_TOO_SLOW_RTF = 1.0
CHUNK = 8000  # bytes: a quarter of a second, as the browser sends pieces
# The worker's priority (nice value): the screens come first, loading the model and
# decoding yield to the web server.
WORKER_NICE = 10


def lower_priority(nice: int = WORKER_NICE) -> int:
    """Make the calling thread (on Linux the nice value is a thread's) at least this
    nice; never raises it back, which an ordinary user may not do. Returns the value."""
    current = os.getpriority(os.PRIO_PROCESS, 0)
    if current < nice:
        os.setpriority(os.PRIO_PROCESS, 0, nice)
    return os.getpriority(os.PRIO_PROCESS, 0)


def probe(engine: VoskEngine, grammar_words: list[str]) -> dict[str, float]:
    """Decode the probe sound freely and through a small grammar; returns the real-time
    factors (compute time / sound length), the figure that says whether the model keeps
    up on this machine. The free decode stops as soon as it is clearly too slow for a
    name (rtf_free is then what was measured up to there, and free_stopped_early 1):
    on a slow computer the worker is ready, and the name step on the keyboard, sooner."""
    pcm = probe_pcm()
    figures = {}
    # The first free decode after loading builds parts of the graph (engine.warm_up): it
    # proves the model; the second says how fast a resident's name will be. The grammar
    # (yes/no) is measured before it, so it is never the one cut short.
    runs = (("warm_up", None), ("grammar", grammar_words or None), ("free", None))
    for label, phrases in runs:
        utterance = engine.open(phrases)
        started = time.perf_counter()
        fed = 0
        for start in range(0, len(pcm), CHUNK):
            piece = pcm[start : start + CHUNK]
            utterance.feed(piece)
            fed += len(piece)
            elapsed = time.perf_counter() - started
            if label == "free" and elapsed / _seconds(fed) > CLEARLY_TOO_SLOW_RTF:
                figures["free_stopped_early"] = 1.0
                break
        else:
            utterance.finish()
        figures[f"rtf_{label}"] = (time.perf_counter() - started) / _seconds(fed)
    return figures


def _seconds(pcm_bytes: int) -> float:
    return pcm_bytes / (2 * SAMPLE_RATE)


def serve(conn: Connection, model_path: str, grammar_words: list[str]) -> None:
    """The worker's main loop (the target of the process)."""
    # Already so from its first instruction where the kiosk's recognizer thread started
    # it (Recognizer._run): made sure of here, before vosk is imported and the model read.
    lower_priority()
    started = time.perf_counter()
    try:
        engine = VoskEngine(shared_model(model_path))
        loaded = time.perf_counter() - started
        known = [w for w in grammar_words if engine.knows(w)]
        figures = probe(engine, known)
    except ModelError as error:
        conn.send(("failed", str(error)))
        return
    except Exception as error:  # vosk raises a bare Exception for a broken graph
        conn.send(("failed", f"Het spraakmodel in {model_path} werkt niet: {error}"))
        return
    conn.send(("ready", {"load_seconds": loaded, **figures}))
    utterances: dict[str, Utterance] = {}
    while True:
        try:
            request = conn.recv()
        except EOFError:  # the kiosk went away
            return
        conn.send(_answer(engine, utterances, request))


def _answer(engine: VoskEngine, utterances: dict[str, Utterance], request: Any) -> Any:
    kind = request[0]
    try:
        if kind == "knows":
            return ("ok", [engine.knows(w) for w in request[1]])
        if kind == "open":
            # A browser that went away leaves an utterance behind: keep a few at most.
            while len(utterances) >= 8:
                utterances.pop(next(iter(utterances)))
            utterances[request[1]] = engine.open(request[2])
            return ("ok", None)
        if kind == "feed":
            return ("ok", utterances[request[1]].feed(request[2]))
        if kind == "finish":
            result = utterances.pop(request[1]).finish()
            return ("ok", (result.text, result.words, result.audio_seconds, result.compute_seconds))
        if kind == "drop":
            utterances.pop(request[1], None)
            return ("ok", None)
    except KeyError:
        return ("error", "unknown utterance")
    return ("error", f"unknown request {kind!r}")
