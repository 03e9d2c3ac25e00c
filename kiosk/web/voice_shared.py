"""What the spoken signup (kiosk/web/voice.py) and the spoken wish (kiosk/web/wishes_voice.py)
share: whether the kiosk can hear here, the one recognizer worker and its language (never a
second model load), the utterances whose pieces are on their way in, and the checks on an
uploaded piece of audio with the JSON refusal the microphone code (static/voice.js) reads.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, jsonify, request
from werkzeug.wrappers import Response

from kiosk.core import config
from kiosk.core.db import connect
from kiosk.web.request_db import get_db
from voice.audio import AudioError, Pcm, read_wav
from voice.engine import Engine, Utterance
from voice.lang import Language, get_language
from voice.model import ModelError, check_model_folder
from voice.recognizer import Recognizer, RecognizerStatus, save_status, shared_recognizer
from voice.streams import Finished, StreamError, Streams

log = logging.getLogger(__name__)

FIRST_ANSWER_WAIT = 60.0  # a resident who speaks while the model still loads waits this long
UTTERANCE_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")


# --- what is available --------------------------------------------------------------


@dataclass(frozen=True)
class VoiceStatus:
    available: bool
    reason: str  # Dutch, for the coordinator screen


def voice_status(app: Flask | None = None) -> VoiceStatus:
    """Can residents sign up by voice here, and if not, why not (for the coordinator)."""
    app = app or current_app
    if app.config.get("VOICE_ENGINE") is not None:
        return VoiceStatus(True, f"Spraakherkenning: {app.config['VOICE_ENGINE'].name}")
    path = config.get_setting(get_db(), "vosk_model")
    check = check_model_folder(path)
    if not check.ok:
        return VoiceStatus(False, check.message)
    try:
        status = _recognizer(app, check.model_folder).status
    except ModelError as error:
        return VoiceStatus(False, str(error))
    # While the model loads at start the buttons show: the first answer waits for it.
    return VoiceStatus(status.state in ("starting", "ready"), status.message)


def _recognizer(app: Flask, model_folder: str) -> Recognizer:
    """The worker for this model, started on first use; its status is kept in the
    settings so /health and `buurtkiosk health` report it without touching the model."""
    database = app.config["DATABASE"]

    def record(status: RecognizerStatus) -> None:
        db = connect(database)
        try:
            save_status(db, status)
        finally:
            db.close()
        log.info("spraak: %s", status.message)

    return shared_recognizer(model_folder, on_status=record)


def current_engine() -> Engine:
    configured = current_app.config.get("VOICE_ENGINE")
    if configured is not None:
        return configured
    check = check_model_folder(config.get_setting(get_db(), "vosk_model"))
    if not check.ok:
        raise ModelError(check.message)
    recognizer = _recognizer(current_app, check.model_folder)
    if recognizer.status.state == "starting":  # only just after the kiosk started
        recognizer.wait_ready(FIRST_ANSWER_WAIT)
    return recognizer


def names_by_voice() -> bool:
    """Free recognition keeps up on this machine (measured when the worker started)."""
    engine = current_app.config.get("VOICE_ENGINE")
    if engine is not None:
        return True
    check = check_model_folder(config.get_setting(get_db(), "vosk_model"))
    if not check.ok:
        return False
    try:
        return _recognizer(current_app, check.model_folder).status.names_by_voice
    except ModelError:
        return False


def current_language() -> Language:
    configured = current_app.config.get("VOICE_LANGUAGE", "nl")
    return get_language(configured) if isinstance(configured, str) else configured


def current_streams() -> Streams:
    return current_app.extensions.setdefault("voice_streams", Streams())


def preload_model(app: Flask) -> None:
    """Start the recognizer's worker at start, so the first resident who speaks does not
    wait for the model (it loads in the worker, in the background)."""
    if app.config.get("VOICE_ENGINE") is not None:
        return
    with app.app_context():
        try:
            status = voice_status(app)
        except Exception:  # the kiosk starts, with or without voice
            log.exception("spraak bij de start")
            return
    if not status.available:
        log.warning("Geen spraak: %s", status.reason)


def voice_context() -> dict[str, Any]:
    try:
        available = voice_status().available
    except Exception:  # a page must render even when the voice check cannot
        log.exception("voice status")
        available = False
    return {"voice_available": available}


# --- one uploaded piece of audio ------------------------------------------------------


def audio_error(message: str, status: int, detail: str = "") -> tuple[Response, int]:
    """The Dutch refusal the microphone code shows; the technical detail (English, maybe a
    path) goes to the log, never to the screen."""
    if detail:
        log.info("spraak geweigerd (%d): %s", status, detail)
    return jsonify(error=message), status


CANNOT_TALK = "Praten lukt nu niet. Tik maar op het scherm."


def bad_utterance_id(utterance: str) -> tuple[Response, int] | None:
    """The refusal for an utterance id the browser cannot have made, or None."""
    if UTTERANCE_ID.match(utterance):
        return None
    return audio_error(
        "Er ging iets mis met het luisteren. Probeer het nog een keer.", 400, "bad utterance id"
    )


def uploaded_pcm() -> Pcm | tuple[Response, int]:
    """The audio of one uploaded piece as 16 kHz PCM, or the refusal to send back."""
    upload = request.files.get("audio")
    if upload is None:
        return audio_error("Er kwam geen geluid aan. Probeer het nog een keer.", 400, "no audio")
    try:
        return read_wav(upload.read())
    except AudioError as error:
        return audio_error(error.message, error.status, error.detail)


def feed_piece(
    key: str, pcm: Pcm, start: Callable[[], tuple[Utterance, Any]], *, record: bool = False
) -> str | Finished | tuple[Response, int]:
    """Feed the uploaded piece (its number and whether it is the last come with the form):
    the text so far, the result after the last piece, or the refusal to send back."""
    form = request.form
    try:
        return current_streams().feed(
            key,
            form.get("seq", -1, type=int),
            pcm,
            last=form.get("last") == "1",
            start=start,
            record=record,
        )
    except AudioError as error:
        return audio_error(error.message, error.status, error.detail)
    except StreamError as error:
        return audio_error(error.message, 409, str(error))
    except ModelError as error:
        return audio_error(CANNOT_TALK, 503, str(error))
