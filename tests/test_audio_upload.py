"""voice/audio.py: any upload is PCM or an AudioError with a Dutch message and a 4xx,
never another exception (which the microphone code would receive as a 500 HTML page)."""

from __future__ import annotations

import struct

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voice.audio import AudioError, read_wav, to_wav

GOOD = to_wav(b"\x01\x00" * 8000)
CHUNK = st.builds(
    lambda tag, size, body: tag + struct.pack("<I", size) + body,
    st.sampled_from([b"fmt ", b"data", b"LIST", b"fact", b"junk", b"\0\0\0\0"]),
    st.one_of(st.integers(0, 2**32 - 1), st.sampled_from([0, 1, 15, 16, 2**31, 2**32 - 1])),
    st.binary(max_size=64),
)
RIFF = st.builds(
    lambda chunks, tail: b"RIFF" + struct.pack("<I", 4 + sum(map(len, chunks))) + b"WAVE"
    + b"".join(chunks) + tail,
    st.lists(CHUNK, max_size=4),
    st.binary(max_size=100),
)
ONE_BYTE_CHANGED = st.builds(
    lambda i, b: GOOD[:i] + bytes([b]) + GOOD[i + 1 :], st.integers(0, 60), st.integers(0, 255)
)


def test_a_chunk_larger_than_the_upload_is_a_415_not_a_crash():
    oversized = GOOD[:12] + b"LIST" + struct.pack("<I", 0xFFFFFFF0) + GOOD[12:]
    try:
        read_wav(oversized)
    except AudioError as error:
        assert error.status == 415 and error.message.startswith("Het geluid kwam niet goed aan")
    else:
        raise AssertionError("an oversized chunk was read as audio")


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.one_of(RIFF, ONE_BYTE_CHANGED, st.binary(max_size=200)))
def test_any_upload_is_audio_or_a_dutch_4xx(data):
    try:
        pcm = read_wav(data)
    except AudioError as error:
        assert 400 <= error.status < 500 and error.message
        return
    assert len(pcm.data) % 2 == 0


def test_the_microphone_gets_json_for_a_broken_wav(app, db):
    """Through /stem/luister: the answer the microphone code reads is JSON with a 4xx."""
    import io
    import uuid

    from kiosk.web.voice import COOKIE, dialog_store
    from tests.conftest import make_activity
    from voice import dialog

    make_activity(db, "a1")
    with app.app_context():
        token = dialog_store().begin(dialog.State(step=dialog.CONFIRM_ACTIVITY, activity_id="a1",
                                            signup_id=str(uuid.uuid4())))
    client = app.test_client()
    client.set_cookie(COOKIE, token)
    oversized = GOOD[:12] + b"LIST" + struct.pack("<I", 0xFFFFFFF0) + GOOD[12:]
    answer = client.post(
        "/stem/luister",
        data={"utterance": "test-utterance-1", "seq": "0", "last": "1",
              "audio": (io.BytesIO(oversized), "stuk.wav", "audio/wav")},
        headers={"Accept": "application/json"},
    )
    assert answer.status_code == 415 and answer.is_json
    assert answer.get_json()["error"].startswith("Het geluid kwam niet goed aan")
    # The technical detail (English) goes to the log, not to the resident's screen.
    assert set(answer.get_json()) == {"error"}


def test_refusals_of_a_piece_carry_only_the_dutch_sentence(app, db, tmp_path):
    """A made-up utterance id, or a model that is not there: Dutch, with no English detail
    or path beside it in the JSON."""
    import io
    import uuid

    from kiosk.core.config import set_setting
    from kiosk.web.voice import COOKIE, dialog_store
    from tests.conftest import make_activity
    from voice import dialog

    make_activity(db, "a1")
    set_setting(db, "vosk_model", str(tmp_path / "geen-model"))
    with app.app_context():
        token = dialog_store().begin(dialog.State(step=dialog.CONFIRM_ACTIVITY, activity_id="a1",
                                            signup_id=str(uuid.uuid4())))
    client = app.test_client()
    client.set_cookie(COOKIE, token)

    def piece(utterance: str):
        return client.post(
            "/stem/luister",
            data={"utterance": utterance, "seq": "0", "last": "1",
                  "audio": (io.BytesIO(GOOD), "stuk.wav", "audio/wav")},
            headers={"Accept": "application/json"},
        )

    bad_id = piece("x")
    assert bad_id.status_code == 400 and bad_id.get_json() == {
        "error": "Er ging iets mis met het luisteren. Probeer het nog een keer."
    }
    no_model = piece("test-utterance-2")
    assert no_model.status_code == 503 and no_model.get_json() == {
        "error": "Praten lukt nu niet. Tik maar op het scherm."
    }
