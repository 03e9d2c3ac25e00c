"""The real engine on real audio: Vosk with the Korean test model (see voice_support.py
for why Korean), fed with speech that espeak-ng makes at test time.

Covers what does not depend on the language: the model folder check, loading once,
grammar recognizers and vocabulary filtering, streaming in pieces, WAV validation, the
/stem/luister endpoint, speed and memory.
"""

from __future__ import annotations

import io
import time
import wave
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from kiosk.core import config
from kiosk.core.db import write_transaction
from tests.conftest import make_activity
from tests.voice_support import KoreanTestLanguage, korean_model_path, pcm_of, spoken_wav
from voice import dialog, grammar
from voice.audio import MAX_UPLOAD_BYTES, AudioError, Pcm, read_wav, to_wav
from voice.engine import VoskEngine
from voice.model import LoadedModel, ModelError, check_model_folder, shared_model
from voice.streams import Finished, StreamError, Streams
from voice.understand import understand

KO = KoreanTestLanguage()


@pytest.fixture(scope="session")
def ko_model() -> LoadedModel:
    return shared_model(korean_model_path())


@pytest.fixture(scope="session")
def engine(ko_model: LoadedModel) -> VoskEngine:
    return VoskEngine(ko_model)


@pytest.fixture(scope="session")
def audio(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("audio")
    return {
        "yes": spoken_wav("네", folder / "yes.wav"),
        "no": spoken_wav("아니요", folder / "no.wav"),
        # About three seconds: the utterance the answer-time target is about.
        "long": spoken_wav("안녕하세요 저는 김민수 입니다", folder / "long.wav", after=1.0),
    }


def recognize(
    engine: VoskEngine, phrases: Any, pcm: bytes, piece: int = 0
) -> tuple[str, list[str]]:
    utterance = engine.open(phrases)
    partials = []
    step = piece or len(pcm)
    for start in range(0, len(pcm), step):
        partials.append(utterance.feed(pcm[start : start + step]))
    return utterance.finish().text, partials


# --- the model folder ------------------------------------------------------------------------


def fake_model(root: Path, *, skip: tuple[str, ...] = (), empty: tuple[str, ...] = ()) -> Path:
    names = ["am/final.mdl", "conf/model.conf", "conf/mfcc.conf", "graph/HCLr.fst",
             "graph/Gr.fst", "graph/disambig_tid.int", "graph/phones/word_boundary.int",
             "ivector/final.ie", "ivector/final.dubm", "ivector/final.mat",
             "ivector/global_cmvn.stats", "ivector/online_cmvn.conf",
             "ivector/splice.conf"]  # fmt: skip
    for name in names:
        if name in skip:
            continue
        file = root / name
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(b"" if name in empty else b"x")
    return root


def test_a_complete_model_folder_passes(ko_model: LoadedModel) -> None:
    check = check_model_folder(korean_model_path())
    assert check.ok and check.missing == ()
    assert check.message.startswith("Spraakmodel klaar")


def test_what_is_missing_is_said_plainly(tmp_path: Path) -> None:
    broken = fake_model(
        tmp_path / "m", skip=("am/final.mdl", "graph/Gr.fst"), empty=("conf/mfcc.conf",)
    )
    check = check_model_folder(broken)
    assert not check.ok
    assert check.missing == ("am/final.mdl", "conf/mfcc.conf (leeg)", "graph/Gr.fst")
    assert (
        "is niet compleet. Dit ontbreekt: am/final.mdl, conf/mfcc.conf (leeg), graph/Gr.fst"
        in check.message
    )
    half_ivector = check_model_folder(fake_model(tmp_path / "i", skip=("ivector/final.mat",)))
    assert half_ivector.missing == ("ivector/final.mat",)


def test_no_model_or_a_wrong_path_is_said_plainly(tmp_path: Path) -> None:
    assert "geen spraakmodel ingesteld" in check_model_folder("").message
    assert "bestaat niet" in check_model_folder(tmp_path / "nergens").message
    (tmp_path / "model.zip").write_bytes(b"PK")
    assert "geen bestand" in check_model_folder(tmp_path / "model.zip").message


def test_a_model_one_folder_down_is_found(tmp_path: Path) -> None:
    inner = fake_model(tmp_path / "uitgepakt" / "vosk-model-small-nl-0.22")
    check = check_model_folder(tmp_path / "uitgepakt")
    assert check.ok and check.model_folder == str(inner)


def test_an_incomplete_model_is_never_handed_to_vosk(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="niet compleet"):
        shared_model(fake_model(tmp_path / "m", skip=("conf/model.conf",)))


# --- loading once, vocabulary -------------------------------------------------------------


def test_the_model_is_loaded_once_and_shared(ko_model: LoadedModel) -> None:
    again = shared_model(korean_model_path())
    assert again is ko_model  # the same object: no second load
    assert ko_model.seconds > 0  # the load time, for the coordinator's health page


def test_vocabulary_lookups_use_find_word(ko_model: LoadedModel) -> None:
    assert ko_model.knows("네") and ko_model.knows("아니요")
    assert not ko_model.knows("koffieochtend")
    assert not ko_model.knows("[unk]")  # this model has no [unk]; the Dutch one does
    assert ko_model.words["koffieochtend"] is False  # remembered


def yes_no_phrases(engine: VoskEngine) -> tuple[str, ...]:
    fitted = grammar.for_step(KO, "confirm", [], engine)
    assert fitted is not None
    return fitted.phrases


def test_grammars_keep_only_words_the_model_knows(engine: VoskEngine) -> None:
    assert set(yes_no_phrases(engine)) >= {"네", "예", "아니요"}
    assert all(engine.knows(w) for p in yes_no_phrases(engine) for w in p.split())
    choices = [dialog.Choice(1, "a", "Koffieochtend", "koffieochtend", "maandag")]
    # Dutch numbers and names mean nothing to a Korean model: all left out, none
    # handed to Vosk (which would only warn and drop them itself).
    activity = grammar.for_step(KO, "activity", choices, engine)
    assert activity is not None and activity.phrases == ()
    assert {"koffieochtend", "nummer", "een", "eerste"} <= set(activity.dropped_words)


# --- recognition on real audio ------------------------------------------------------------------


def test_yes_and_no_are_recognized_through_a_grammar(engine: VoskEngine, audio) -> None:
    phrases = yes_no_phrases(engine)
    for name, outcome in [("yes", "yes"), ("no", "no")]:
        text, _ = recognize(engine, phrases, pcm_of(audio[name]))
        heard = understand("confirm", text, [], KO, today=date(2026, 12, 1))
        assert heard.outcome == outcome, text


def test_streaming_in_pieces_gives_the_same_answer(engine: VoskEngine, audio) -> None:
    phrases = yes_no_phrases(engine)
    pcm = pcm_of(audio["no"])
    whole, _ = recognize(engine, phrases, pcm)
    pieces, partials = recognize(engine, phrases, pcm, piece=4000)  # 0.125 s pieces
    assert pieces == whole == "아니요"
    assert any(partials)  # the browser can show what is heard while the resident talks


def test_free_recognition_returns_text(engine: VoskEngine, audio) -> None:
    text, _ = recognize(engine, None, pcm_of(audio["yes"]))
    assert text  # a Korean word; what matters here is that free recognition runs


def test_recognizers_are_independent_between_threads(engine: VoskEngine, audio) -> None:
    from concurrent.futures import ThreadPoolExecutor

    phrases = yes_no_phrases(engine)
    jobs = [pcm_of(audio["yes"]), pcm_of(audio["no"])] * 3
    with ThreadPoolExecutor(4) as pool:
        texts = list(pool.map(lambda pcm: recognize(engine, phrases, pcm, piece=8000)[0], jobs))
    assert texts == ["네", "아니요"] * 3


# --- what bench/bench_voice.py reads (speed is measured there, not asserted here) -----------


def test_streamed_pieces_add_up_to_the_utterance(
    engine: VoskEngine, audio
) -> None:
    phrases = yes_no_phrases(engine)
    pcm = pcm_of(audio["long"])
    utterance = engine.open(phrases)
    piece = 8000  # what the browser sends: half a second
    for start in range(0, len(pcm), piece):
        utterance.feed(pcm[start : start + piece])
    utterance.feed(b"")  # the last upload, after a second of silence, carries no audio
    result = utterance.finish()
    assert result.audio_seconds == pytest.approx(len(pcm) / 32000)


# --- WAV uploads ---------------------------------------------------------------------------------


def wav_bytes(
    *, rate: int = 16000, channels: int = 1, width: int = 2, seconds: float = 1.0
) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        wav.writeframes(b"\0" * int(rate * seconds) * channels * width)
    return out.getvalue()


def test_a_good_upload_is_read() -> None:
    pcm = read_wav(wav_bytes(seconds=2.0))
    assert pcm.seconds == 2.0


@pytest.mark.parametrize(
    ("data", "status", "detail"),
    [(wav_bytes(rate=44100), 415, "rate 44100 Hz"), (wav_bytes(channels=2), 415, "2 channels"),
     (wav_bytes(width=1), 415, "8-bit"), (b"RIFF....WAVEjunk" + b"\0" * 40, 415, "unreadable"),
     (b"OggS" + b"\0" * 100, 415, "not a WAV"),
     (b"\0" * (MAX_UPLOAD_BYTES + 1), 413, "bytes is over")],
)  # fmt: skip
def test_bad_uploads_are_refused_with_a_dutch_message(
    data: bytes, status: int, detail: str
) -> None:
    with pytest.raises(AudioError) as refused:
        read_wav(data)
    assert refused.value.status == status
    assert detail in refused.value.detail
    assert refused.value.message.startswith(("Het geluid kwam niet goed aan", "Dat was te lang"))


def test_too_long_audio_is_refused() -> None:
    with pytest.raises(AudioError, match="at most"):
        read_wav(wav_bytes(seconds=3.0), max_seconds=2.0)


# --- utterances in pieces -------------------------------------------------------------------------


class Counting:
    def __init__(self) -> None:
        self.fed = 0

    def feed(self, pcm: bytes) -> str:
        self.fed += len(pcm)
        return "..."

    def finish(self) -> Any:
        from voice.engine import Recognition

        return Recognition("klaar", audio_seconds=self.fed / 32000)


def test_pieces_in_order_make_one_utterance() -> None:
    streams = Streams()
    half = Pcm(b"\0\0" * 8000)
    assert streams.feed("u-000001", 0, half, last=False, start=lambda: (Counting(), "ctx")) == "..."
    result = streams.feed("u-000001", 1, half, last=True, start=lambda: (Counting(), "ctx"))
    assert isinstance(result, Finished)
    assert (result.recognition.text, result.context) == ("klaar", "ctx")
    assert len(streams) == 0


def test_pieces_out_of_order_or_unknown_are_refused() -> None:
    streams = Streams()
    half = Pcm(b"\0\0" * 8000)
    with pytest.raises(StreamError):
        streams.feed("u-000002", 3, half, last=False, start=lambda: (Counting(), None))
    streams.feed("u-000002", 0, half, last=False, start=lambda: (Counting(), None))
    with pytest.raises(StreamError):
        streams.feed("u-000002", 2, half, last=False, start=lambda: (Counting(), None))
    with pytest.raises(StreamError):
        streams.feed("u-000002", 0, half, last=False, start=lambda: (Counting(), None))


def test_an_utterance_cannot_grow_past_the_limit_or_stay_forever() -> None:
    streams = Streams(max_idle=0.05)
    second = Pcm(b"\0\0" * 16000)
    for seq in range(11):
        streams.feed("u-000003", seq, second, last=False, start=lambda: (Counting(), None))
    with pytest.raises(AudioError) as too_long:
        streams.feed("u-000003", 11, second, last=False, start=lambda: (Counting(), None))
    assert too_long.value.status == 413
    streams.feed("u-000004", 0, second, last=False, start=lambda: (Counting(), None))
    time.sleep(0.1)
    with pytest.raises(StreamError, match="unknown"):
        streams.feed("u-000004", 1, second, last=True, start=lambda: (Counting(), None))


def test_open_utterances_are_bounded() -> None:
    streams = Streams(max_open=2)
    piece = Pcm(b"\0\0" * 100)
    for key in ("u-000005", "u-000006", "u-000007"):
        streams.feed(key, 0, piece, last=False, start=lambda: (Counting(), None))
    assert len(streams) == 2


def test_a_nearly_empty_utterance_is_refused() -> None:
    with pytest.raises(AudioError, match="only"):
        Streams().feed(
            "u-000008", 0, Pcm(b"\0\0" * 100), last=True, start=lambda: (Counting(), None)
        )


# --- the endpoint, with the real engine ----------------------------------------------------------


@pytest.fixture
def voice_app(app: Flask, ko_model: LoadedModel, tmp_path: Path) -> Iterator[Flask]:
    app.config.update(VOICE_LANGUAGE=KO, TTS_CACHE_DIR=str(tmp_path / "tts"))
    with app.app_context():
        from kiosk.web.request_db import get_db

        db = get_db()
        make_activity(db, "a1", title="Koffieochtend")
        with write_transaction(db):
            config.set_setting(db, "vosk_model", korean_model_path())
    yield app


def _recognizer_status(app: Flask) -> Any:
    from voice.recognizer import shared_recognizer

    return shared_recognizer(korean_model_path()).status


def dialog_token(app: Flask, step: str) -> str:
    """A dialog at `step`, kept on the server; returns its id (the browser's cookie)."""
    from kiosk.web.voice import dialog_store

    with app.app_context():
        return dialog_store().begin(dialog.State(step=step, activity_id="a1", signup_id="s-1"))


def post_piece(client: Any, token: str, data: bytes, *, seq: int = 0, last: bool = True,
               utterance: str = "test-utterance-1") -> Any:  # fmt: skip
    from kiosk.web.voice import COOKIE

    client.set_cookie(COOKIE, token)
    return client.post(
        "/stem/luister",
        data={"utterance": utterance, "seq": str(seq), "last": "1" if last else "0",
              "audio": (io.BytesIO(data), "stuk.wav", "audio/wav")},
        headers={"Accept": "application/json"},
    )  # fmt: skip


def test_spoken_yes_moves_the_dialog_on_through_the_endpoint(voice_app: Flask, audio) -> None:
    client = voice_app.test_client()
    token = dialog_token(voice_app, dialog.CONFIRM_ACTIVITY)
    pcm = pcm_of(audio["yes"])
    half = len(pcm) // 2 // 2 * 2
    first = post_piece(client, token, to_wav(pcm[:half]), last=False)
    assert first.status_code == 200 and "partial" in first.get_json()
    answer = post_piece(client, token, to_wav(pcm[half:]), seq=1)
    body = answer.get_json()
    assert answer.status_code == 200, body
    assert (body["recognized"], body["step"]) == ("네", "name")
    # The name is spoken only where free recognition keeps up (measured at the worker's
    # start); elsewhere it is typed, and the kiosk says so.
    status = _recognizer_status(voice_app)
    assert body["listen"] is status.names_by_voice
    if status.names_by_voice:
        assert body["say"].startswith("Wat is uw naam?")
    else:
        assert body["say"].startswith("Typ uw naam.")
    assert 'data-step="name"' in body["html"]
    timing = body["timing"]
    assert timing["answer_seconds"] > 0 and timing["recognize_seconds"] > 0  # for the log
    assert timing["audio_seconds"] == pytest.approx(len(pcm) / 32000, abs=0.001)


def test_bad_audio_gets_a_dutch_answer(voice_app: Flask) -> None:
    client = voice_app.test_client()
    token = dialog_token(voice_app, dialog.CONFIRM_ACTIVITY)
    wrong_rate = post_piece(client, token, wav_bytes(rate=8000))
    assert wrong_rate.status_code == 415
    assert wrong_rate.get_json()["error"].startswith("Het geluid kwam niet goed aan.")
    huge = post_piece(client, token, b"\0" * (3 * 1024 * 1024))
    assert huge.status_code == 413
    assert huge.get_json()["error"] == "Dat was te lang. Zeg het kort, in een paar woorden."
    out_of_order = post_piece(client, token, wav_bytes(), seq=5, utterance="test-utterance-2")
    assert out_of_order.status_code == 409
    assert "Probeer het nog een keer" in out_of_order.get_json()["error"]


def test_a_forged_or_old_dialog_starts_again(voice_app: Flask) -> None:
    client = voice_app.test_client()
    forged = post_piece(client, "not-a-signed-state", wav_bytes())
    assert forged.status_code == 409
    assert forged.get_json()["redirect"] == "/stem"
