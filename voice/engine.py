"""Recognition: an engine opens one utterance per thing a resident says; audio is fed
to it in pieces while the resident talks, and `finish` gives the text.

Feeding while recording is what makes the answer quick: by the time the browser has sent
the last piece, the recognizer has already done almost all of its work.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from voice.audio import BYTES_PER_SAMPLE, SAMPLE_RATE
from voice.model import LoadedModel


@dataclass(frozen=True)
class Recognition:
    text: str
    words: tuple[tuple[str, float], ...] = ()  # (word, confidence 0..1)
    audio_seconds: float = 0.0
    compute_seconds: float = 0.0  # time spent inside the recognizer, all pieces together


class Utterance(Protocol):
    def feed(self, pcm: bytes) -> str:
        """Add 16 kHz mono 16-bit audio; returns the text so far (may be empty)."""
        ...

    def finish(self) -> Recognition: ...


class Engine(Protocol):
    name: str

    def knows(self, word: str) -> bool: ...

    def open(self, phrases: Sequence[str] | None) -> Utterance:
        """A grammar-restricted utterance, or free recognition when phrases is None."""
        ...


@dataclass
class VoskUtterance:
    recognizer: object  # vosk.KaldiRecognizer
    texts: list[str] = field(default_factory=list)
    words: list[tuple[str, float]] = field(default_factory=list)
    audio_bytes: int = 0
    compute: float = 0.0

    def _keep(self, result_json: str) -> None:
        result = json.loads(result_json)
        if result.get("text"):
            self.texts.append(result["text"])
        self.words += [(w["word"], float(w.get("conf", 1.0))) for w in result.get("result", [])]

    def feed(self, pcm: bytes) -> str:
        started = time.perf_counter()
        self.audio_bytes += len(pcm)
        rec = self.recognizer
        # True means Vosk found the end of a phrase (a pause): keep it, carry on.
        if rec.AcceptWaveform(pcm):  # type: ignore[attr-defined]
            self._keep(rec.Result())  # type: ignore[attr-defined]
            partial = ""
        else:
            partial = json.loads(rec.PartialResult()).get("partial", "")  # type: ignore[attr-defined]
        self.compute += time.perf_counter() - started
        return " ".join([*self.texts, partial]).strip()

    def finish(self) -> Recognition:
        started = time.perf_counter()
        self._keep(self.recognizer.FinalResult())  # type: ignore[attr-defined]
        self.compute += time.perf_counter() - started
        return Recognition(
            text=" ".join(self.texts).strip(),
            words=tuple(self.words),
            audio_seconds=self.audio_bytes / (SAMPLE_RATE * BYTES_PER_SAMPLE),
            compute_seconds=self.compute,
        )


class VoskEngine:
    """The real engine: one shared model, a KaldiRecognizer per utterance."""

    name = "vosk"

    def __init__(self, model: LoadedModel) -> None:
        self.model = model

    def knows(self, word: str) -> bool:
        return self.model.knows(word)

    def open(self, phrases: Sequence[str] | None) -> VoskUtterance:
        from vosk import KaldiRecognizer

        if phrases is None:
            recognizer = KaldiRecognizer(self.model.model, SAMPLE_RATE)
        else:
            # ensure_ascii=False: Vosk compares bytes, and "\\u00e9" is not "é".
            grammar = json.dumps(list(phrases), ensure_ascii=False)
            recognizer = KaldiRecognizer(self.model.model, SAMPLE_RATE, grammar)
        recognizer.SetWords(True)
        return VoskUtterance(recognizer)


def warm_up(engine: Engine) -> float:
    """Run a free and a grammar recognizer over half a second of silence.

    The first free recognizer after loading is several times slower than later ones (Vosk
    builds parts of its decoding graph on first use); the kiosk pays that at start, not
    while the first resident waits for an answer. Returns the seconds it took.
    """
    started = time.perf_counter()
    silence = b"\0\0" * (SAMPLE_RATE // 2)
    known = [w for w in ("ja", "nee", "yes", "no") if engine.knows(w)]
    for phrases in (None, known or None):
        utterance = engine.open(phrases)
        utterance.feed(silence)
        utterance.finish()
    return time.perf_counter() - started
