"""Audio that arrives from the browser: 16 kHz mono 16-bit PCM in a WAV container.

Checked strictly before it reaches the recognizer: a wrong sample rate does not fail in
Vosk, it just recognizes nonsense, and an endless upload would tie up the kiosk.
"""

from __future__ import annotations

import io
import struct
import wave
from dataclasses import dataclass

SAMPLE_RATE = 16_000
BYTES_PER_SAMPLE = 2
MAX_SECONDS = 10.0  # the browser stops listening at 10 s
# A little slack over 10 s for the piece that was on its way when the browser stopped.
MAX_UTTERANCE_SECONDS = MAX_SECONDS + 1.0
MIN_UTTERANCE_SECONDS = 0.25
HEADER_ALLOWANCE = 1024  # RIFF headers with extra chunks (LIST, fact) are fine
MAX_UPLOAD_BYTES = int(MAX_UTTERANCE_SECONDS * SAMPLE_RATE * BYTES_PER_SAMPLE) + HEADER_ALLOWANCE

# Every refusal says the same thing to the resident; `detail` is for the log and tests.
RESIDENT_MESSAGE = "Het geluid kwam niet goed aan. Probeer het nog een keer, of tik op het scherm."


class AudioError(ValueError):
    def __init__(self, detail: str, *, status: int = 400, message: str = RESIDENT_MESSAGE) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Pcm:
    data: bytes  # 16 kHz mono signed 16-bit little-endian

    @property
    def seconds(self) -> float:
        return len(self.data) / (SAMPLE_RATE * BYTES_PER_SAMPLE)



def read_wav(data: bytes, *, max_seconds: float = MAX_UTTERANCE_SECONDS) -> Pcm:
    """The PCM inside a WAV upload, or AudioError saying what is wrong with it."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise AudioError(
            f"upload of {len(data)} bytes is over {MAX_UPLOAD_BYTES}",
            status=413,
            message="Dat was te lang. Zeg het kort, in een paar woorden.",
        )
    if len(data) < 44 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise AudioError("not a WAV file (no RIFF/WAVE header)", status=415)
    try:
        with wave.open(io.BytesIO(data)) as wav:
            channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            frames = wav.readframes(wav.getnframes())
    # RuntimeError: the stdlib's chunk reader raises it when a chunk's declared size
    # runs past the end of the upload (a LIST chunk of 4 GB in 2 KB of data).
    except (wave.Error, EOFError, struct.error, RuntimeError) as error:
        raise AudioError(f"unreadable WAV: {error}", status=415) from error
    problems = []
    if rate != SAMPLE_RATE:
        problems.append(f"rate {rate} Hz, expected {SAMPLE_RATE}")
    if channels != 1:
        problems.append(f"{channels} channels, expected mono")
    if width != BYTES_PER_SAMPLE:
        problems.append(f"{8 * width}-bit, expected 16-bit")
    if problems:
        raise AudioError("; ".join(problems), status=415)
    if len(frames) % BYTES_PER_SAMPLE:
        frames = frames[:-1]  # half a sample from a cut-off upload
    pcm = Pcm(frames)
    if pcm.seconds > max_seconds:
        raise AudioError(
            f"{pcm.seconds:.1f} s of audio, at most {max_seconds:.0f} s",
            status=413,
            message="Dat was te lang. Zeg het kort, in een paar woorden.",
        )
    return pcm


def to_wav(pcm: bytes, rate: int = SAMPLE_RATE) -> bytes:
    """Wrap PCM in a WAV header (for the debug recordings and for tests)."""
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(BYTES_PER_SAMPLE)
        wav.setframerate(rate)
        wav.writeframes(pcm)
    return out.getvalue()
