"""Read aloud: text -> WAV, sentence by sentence, each sentence cached by its text.

The same sentences come back all day ("Wat is er te doen?", the agenda of the week), so a
cached sentence costs a file read. New sentences go to a worker process (tts_worker.py) that
keeps pyttsx3 loaded; one that hangs is killed after `timeout` seconds and replaced.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import select
import subprocess
import sys
import tempfile
import threading
import wave
from collections import OrderedDict
from collections.abc import Collection
from pathlib import Path

DEFAULT_RATE = 150  # words per minute; espeak's default 175 is fast for many listeners
MAX_TEXT = 4000  # characters in one request: the longest agenda page is about 2000
# The agenda changes every week, so new sentences keep coming; on an SD card the cache
# keeps the most recently used ones only (a sentence is 50-300 kB).
MAX_CACHE_FILES = 1500
PRUNE_EVERY = 50  # renders
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


class SpeechError(RuntimeError):
    pass


def sentences(text: str) -> list[str]:
    """Split into sentences: each is rendered and cached on its own, so one changed
    activity on the agenda page does not make the whole page new."""
    return [s.strip() for s in _SENTENCE_END.split(" ".join(text.split())) if s.strip()]


class _Worker:
    def __init__(self, voice: str, rate: int, timeout: float) -> None:
        self.timeout = timeout
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "voice.tts_worker", voice, str(rate)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        if not self._read(timeout=max(timeout, 10.0)).get("ready"):
            raise SpeechError("speech worker did not start")

    def _read(self, timeout: float) -> dict[str, object]:
        stdout = self.process.stdout
        assert stdout is not None
        ready, _, _ = select.select([stdout], [], [], timeout)
        if not ready:
            self.kill()
            raise SpeechError(f"speech worker did not answer within {timeout} s")
        line = stdout.readline()
        if not line:
            self.kill()
            raise SpeechError("speech worker stopped")
        return json.loads(line)

    def render(self, text: str, path: Path) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        stdin.write(json.dumps({"text": text, "path": str(path)}) + "\n")
        stdin.flush()
        answer = self._read(self.timeout)
        if not answer.get("ok"):
            raise SpeechError(f"speech worker failed: {answer.get('error', 'no file')}")

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=5)


class Speech:
    """pyttsx3 with the espeak-ng voice, in a worker process, with a cache on disk and
    the most recent sentences in memory."""

    def __init__(
        self,
        cache_dir: str | Path,
        *,
        voice: str = "gmw/nl",
        rate: int = DEFAULT_RATE,
        timeout: float = 10.0,
        memory_items: int = 200,
    ) -> None:
        self.cache_dir = Path(cache_dir)
        self.voice = voice
        self.rate = rate
        self.timeout = timeout
        self.memory_items = memory_items
        self._memory: OrderedDict[str, bytes] = OrderedDict()
        self._worker: _Worker | None = None
        self._lock = threading.Lock()
        self.rendered = 0  # sentences that were not in a cache, for the bench and tests

    def _key(self, sentence: str) -> str:
        return hashlib.sha256(f"{self.voice}|{self.rate}|{sentence}".encode()).hexdigest()[:40]

    def sentence_wav(self, sentence: str, *, keep: bool = True) -> bytes:
        """The sentence as WAV. keep=False: a sentence with a resident's name in it is
        rendered for this once and kept nowhere, neither in memory nor on disk."""
        if not keep:
            return self._render_once(sentence)
        key = self._key(sentence)
        cached = self._memory.get(key)
        if cached is not None:
            self._memory.move_to_end(key)
            return cached
        file = self.cache_dir / f"{key}.wav"
        if file.is_file():
            data = file.read_bytes()
            with contextlib.suppress(OSError):  # recently used: kept when pruning
                file.touch()
        else:
            data = self._render(sentence, file)
        self._memory[key] = data
        while len(self._memory) > self.memory_items:
            self._memory.popitem(last=False)
        return data

    def _render_once(self, sentence: str) -> bytes:
        with tempfile.TemporaryDirectory(prefix="spraak-") as folder:
            return self._render(sentence, Path(folder) / "zin.wav", cache=False)

    def _render(self, sentence: str, file: Path, *, cache: bool = True) -> bytes:
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            # Into a temporary name first: a half-written file is never served as cached.
            fd, tmp_name = tempfile.mkstemp(suffix=".wav", dir=file.parent)
        except OSError as error:
            raise SpeechError(f"no cache folder for speech: {error}") from error
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            with self._lock:
                for attempt in (1, 2):  # a worker that died or misfired is replaced once
                    try:
                        if self._worker is None or not self._worker.alive():
                            self._worker = _Worker(self.voice, self.rate, self.timeout)
                        self._worker.render(sentence, tmp)
                        if tmp.stat().st_size <= 44:
                            raise SpeechError("speech worker wrote an empty file")
                        break
                    except SpeechError:
                        if self._worker is not None:
                            self._worker.kill()
                        self._worker = None
                        if attempt == 2:
                            raise
            data = tmp.read_bytes()
            self.rendered += 1
            if not cache:
                return data
            tmp.replace(file)
            if self.rendered % PRUNE_EVERY == 0:
                self.prune()
            return data
        finally:
            tmp.unlink(missing_ok=True)

    def prune(self, keep: int = MAX_CACHE_FILES) -> int:
        """Remove the least recently used sentences beyond `keep`; returns how many."""
        files = sorted(self.cache_dir.glob("*.wav"), key=lambda f: f.stat().st_mtime, reverse=True)
        for old in files[keep:]:
            old.unlink(missing_ok=True)
        return max(len(files) - keep, 0)

    def wav(self, text: str, *, private: Collection[str] = ()) -> bytes:
        """One WAV for the whole text, its sentences one after the other. A sentence with
        any of `private` in it (the name of the resident in the dialog) is not cached."""
        spoken = [s for s in sentences(text[:MAX_TEXT]) if any(c.isalnum() for c in s)]
        secret = [p.lower() for p in private if p.strip()]
        parts = [self.sentence_wav(s, keep=not any(p in s.lower() for p in secret)) for s in spoken]
        return join_wavs(parts)

    def close(self) -> None:
        with self._lock:
            if self._worker is not None:
                self._worker.kill()
                self._worker = None


def join_wavs(parts: list[bytes]) -> bytes:
    out = io.BytesIO()
    params = None
    frames: list[bytes] = []
    for part in parts:
        with wave.open(io.BytesIO(part)) as wav:
            if params is None:
                params = wav.getparams()
            frames.append(wav.readframes(wav.getnframes()))
    with wave.open(out, "wb") as joined:
        if params is None:  # no text: a tenth of a second of silence is still a WAV
            joined.setnchannels(1)
            joined.setsampwidth(2)
            joined.setframerate(22050)
            joined.writeframes(b"\0\0" * 2205)
        else:
            joined.setparams(params)
            joined.writeframes(b"".join(frames))
    return out.getvalue()
