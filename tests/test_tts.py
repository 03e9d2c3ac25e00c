"""Read aloud: pyttsx3 with the espeak-ng Dutch voice, in a worker process, cached by
sentence; the /stem/spraak endpoint; and "Lees voor" on every resident screen."""

from __future__ import annotations

import io
import shutil
import sys
import time
import wave
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.parts import missing
from voice import tts
from voice.audio import to_wav
from voice.tts import Speech, SpeechError, join_wavs, sentences


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory):
    if shutil.which("espeak-ng") is None:
        missing("espeak-ng is not installed (deploy/system-packages.sh installs it)")
    pytest.importorskip("pyttsx3")
    spoken = Speech(tmp_path_factory.mktemp("tts"))
    yield spoken
    spoken.close()


def seconds_of(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as wav:
        return wav.getnframes() / wav.getframerate()


def test_a_sentence_becomes_dutch_speech(speech: Speech) -> None:
    data = speech.sentence_wav("Dinsdag één december, om tien uur.")
    with wave.open(io.BytesIO(data)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        assert 1.0 < wav.getnframes() / wav.getframerate() < 6.0


def test_the_worker_keeps_working_after_many_sentences(speech: Speech) -> None:
    """pyttsx3's runAndWait is known to hang on a later call in one process; the worker
    renders one sentence after another without that."""
    before = speech.rendered
    for n in range(12):
        assert seconds_of(speech.sentence_wav(f"Zin nummer {n}.")) > 0.3
    assert speech.rendered == before + 12


def test_sentences_are_cached_in_memory_and_on_disk(speech: Speech) -> None:
    sentence = "Wat is er te doen?"
    first = speech.sentence_wav(sentence)
    rendered = speech.rendered
    assert speech.sentence_wav(sentence) == first
    assert speech.rendered == rendered  # not rendered again: served from the cache
    # A restarted kiosk finds it on disk.
    fresh = Speech(speech.cache_dir)
    try:
        assert fresh.sentence_wav(sentence) == first
        assert fresh.rendered == 0 and fresh._worker is None  # no worker even started
    finally:
        fresh.close()


def test_the_cache_keeps_the_most_recently_used_sentences(speech: Speech) -> None:
    for n in range(3):
        speech.sentence_wav(f"Oud {n}.")
    time.sleep(0.01)
    speech._memory.clear()
    speech.sentence_wav("Oud 0.")  # read again: now the most recent
    assert speech.prune(keep=1) >= 2
    names = {p.name for p in speech.cache_dir.glob("*.wav")}
    assert names == {speech._key("Oud 0.") + ".wav"}


def test_a_text_is_read_sentence_by_sentence_from_the_cache(speech: Speech) -> None:
    speech.wav("Nummer één. Koffieochtend.")
    rendered = speech.rendered
    whole = speech.wav("Nummer één. Koffieochtend. Wandelgroep.")
    assert speech.rendered == rendered + 1  # only the new sentence
    assert seconds_of(whole) > seconds_of(speech.sentence_wav("Wandelgroep."))
    assert sentences("Ja. Nee?  Goed!") == ["Ja.", "Nee?", "Goed!"]
    assert seconds_of(speech.wav("")) == pytest.approx(0.1)  # nothing to say is still a WAV
    assert seconds_of(speech.wav(" . ")) == pytest.approx(0.1)


def test_a_hanging_worker_is_killed_and_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that never answers costs `timeout` seconds once, then a new one is used."""
    hang = tmp_path / "voice_hang"
    hang.mkdir()
    (hang / "__init__.py").write_text("")
    (hang / "tts_worker.py").write_text(
        "import json, sys, time\n"
        "print(json.dumps({'ready': True}), flush=True)\n"
        "for line in sys.stdin:\n"
        "    time.sleep(60)\n"
    )
    real_popen = tts.subprocess.Popen
    calls: list[list[str]] = []

    def popen(args: list[str], **kwargs):  # the first worker hangs, the next is the real one
        calls.append(args)
        if len(calls) == 1:
            args = [sys.executable, "-m", "voice_hang.tts_worker"]
            kwargs["cwd"] = str(tmp_path)
        return real_popen(args, **kwargs)

    monkeypatch.setattr(tts.subprocess, "Popen", popen)
    spoken = Speech(tmp_path / "cache", timeout=1.0)
    try:
        started = time.perf_counter()
        data = spoken.sentence_wav("Bent u er nog?")
        assert 1.0 <= time.perf_counter() - started < 30  # the hung worker is given up on
        assert seconds_of(data) > 0.5
        assert len(calls) == 2
        assert not list((tmp_path / "cache").glob("tmp*"))  # no half-written files left
    finally:
        spoken.close()


def test_a_worker_that_keeps_failing_gives_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(tts, "_Worker", _BrokenWorker)
    spoken = Speech(tmp_path / "cache")
    with pytest.raises(SpeechError, match="stopped"):
        spoken.sentence_wav("Hallo.")


class _BrokenWorker:
    def __init__(self, *args: object) -> None:
        raise SpeechError("speech worker stopped")


def test_joined_wavs_keep_their_format() -> None:
    from voice.audio import to_wav

    joined = join_wavs([to_wav(b"\1\0" * 100, 22050), to_wav(b"\2\0" * 50, 22050)])
    with wave.open(io.BytesIO(joined)) as wav:
        assert (wav.getframerate(), wav.getnframes()) == (22050, 150)


# --- in the app -------------------------------------------------------------------------------


def test_the_speech_endpoint_reads_dates_the_way_people_say_them(
    app: Flask, tmp_path: Path, speech: Speech
) -> None:
    app.config["TTS_CACHE_DIR"] = str(tmp_path / "spraak")
    client = app.test_client()
    response = client.get(
        "/stem/spraak", query_string={"tekst": "Dinsdag 1 december om 10.00 uur."}
    )
    assert response.status_code == 200
    assert response.mimetype == "audio/wav"
    assert "max-age" in response.headers["Cache-Control"]
    spoken = app.extensions["voice_speech"]
    try:
        # Cached under the spoken form: the written one was turned into words first.
        assert spoken._key("Dinsdag één december, om tien uur.") + ".wav" in {
            p.name for p in (tmp_path / "spraak").iterdir()}  # fmt: skip
    finally:
        spoken.close()


def test_the_speech_endpoint_fails_kindly(
    app: Flask, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(tts, "_Worker", _BrokenWorker)
    app.config["TTS_CACHE_DIR"] = str(tmp_path / "spraak")
    response = app.test_client().get("/stem/spraak", query_string={"tekst": "Hallo."})
    assert response.status_code == 503
    assert response.get_json() == {"error": "Voorlezen lukt nu niet."}


def test_renders_at_once_are_bounded_and_the_rest_told_to_try_again(
    app: Flask, tmp_path: Path
) -> None:
    """Eight "Lees voor"s at once must not hold eight server threads: beyond the slots a
    request is answered at once with 503 and Retry-After, and nothing is rendered for it."""
    import threading

    from kiosk.web import voice as voice_views

    started, release = threading.Event(), threading.Event()

    class SlowSpeech:
        renders = 0

        def wav(self, text: str, private: Any = ()) -> bytes:
            SlowSpeech.renders += 1
            started.set()
            release.wait(10)
            return to_wav(b"\0\0" * 100, 22050)

    app.extensions["voice_speech"] = SlowSpeech()
    results: list[int] = []

    def ask() -> None:
        results.append(app.test_client().get("/stem/spraak", query_string={"tekst": "Hallo."})
                       .status_code)  # fmt: skip

    busy = [threading.Thread(target=ask) for _ in range(voice_views.RENDERS_AT_ONCE)]
    for thread in busy:
        thread.start()
    started.wait(5)
    while SlowSpeech.renders < voice_views.RENDERS_AT_ONCE:
        threading.Event().wait(0.01)
    refused = app.test_client().get("/stem/spraak", query_string={"tekst": "Nog een."})
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "1"
    assert "Probeer het zo nog eens" in refused.get_json()["error"]
    release.set()
    for thread in busy:
        thread.join(10)
    assert results == [200] * voice_views.RENDERS_AT_ONCE
    assert SlowSpeech.renders == voice_views.RENDERS_AT_ONCE
    again = app.test_client().get("/stem/spraak", query_string={"tekst": "Nu wel."})
    assert again.status_code == 200  # the slots are free again


def test_the_text_read_aloud_is_bounded_in_length(app: Flask) -> None:
    from kiosk.web import voice as voice_views

    heard: list[str] = []

    class Recording:
        def wav(self, text: str, private: Any = ()) -> bytes:
            heard.append(text)
            return to_wav(b"\0\0" * 10, 22050)

    app.extensions["voice_speech"] = Recording()
    app.test_client().get("/stem/spraak", query_string={"tekst": "a" * 50_000})
    assert len(heard[0]) <= voice_views.MAX_TEXT


def test_a_sentence_with_the_residents_name_is_never_kept(tmp_path: Path, speech: Speech) -> None:
    """ "Ik verstond: Jan de Vries." is said, not cached: not in memory, not on disk."""
    cache = Speech(tmp_path / "cache")
    try:
        data = cache.wav("Ik verstond: Jan de Vries. Klopt dat?", private=["Jan de Vries"])
        assert data[:4] == b"RIFF"
        kept = {p.name for p in (tmp_path / "cache").glob("*.wav")}
        assert kept == {cache._key("Klopt dat?") + ".wav"}  # only the sentence without it
        assert cache._key("Ik verstond: Jan de Vries.") not in cache._memory
    finally:
        cache.close()


def test_the_speech_endpoint_keeps_no_name_of_the_dialog(app: Flask, tmp_path: Path) -> None:
    from kiosk.web.voice import COOKIE, dialog_store
    from voice import dialog

    heard: list[tuple[str, list[str]]] = []

    class Recording:
        def wav(self, text: str, private: Any = ()) -> bytes:
            heard.append((text, list(private)))
            return to_wav(b"\0\0" * 10, 22050)

    app.extensions["voice_speech"] = Recording()
    client = app.test_client()
    with app.app_context():
        key = dialog_store().begin(dialog.State(step="confirm_name", name="Fatma Yilmaz"))
    client.set_cookie(COOKIE, key)
    response = client.get("/stem/spraak", query_string={"tekst": "Ik verstond: Fatma Yilmaz."})
    assert heard[-1][1] == ["Fatma Yilmaz"]
    assert "no-store" in response.headers["Cache-Control"]
