"""Signing up by voice: the screens and the endpoints the browser's microphone code and
"Lees voor" talk to. The dialog itself is voice/dialog.py; this module only connects it
to the agenda, the signed dialog state, the recognizer and the signup rules.

The dialog state travels with the page, signed with the kiosk's secret (like the hidden
fields of the touch signup), so the server keeps nothing between answers except the few
utterances that are being spoken at that moment.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
        current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from kiosk.core import agenda, config
from kiosk.core.signups import SignupError, clean_name, clean_phone, create_signup
from kiosk.web.pages import error_page
from kiosk.web.request_db import app_now, get_db
from kiosk.web.workers import wake_printer
from voice import dialog, intents
from voice.audio import AudioError, read_wav, to_wav
from voice.engine import Engine, VoskEngine, warm_up
from voice.intents import Intent
from voice.lang import Choice, Language, get_language
from voice.model import ModelError, check_model_folder, shared_model
from voice.streams import Finished, NothingToHear, StreamError, Streams
from voice.tts import MAX_TEXT, Speech, SpeechError

bp = Blueprint("voice", __name__)
log = logging.getLogger(__name__)

STATE_MAX_AGE = 30 * 60  # a dialog older than half an hour starts again
CHOICES_PER_PAGE = 6  # activity buttons on one voice screen: no scrolling
_UTTERANCE_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")


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
    failed = app.extensions.get("voice_load_error", {}).get(check.model_folder)
    if failed:
        return VoiceStatus(False, failed)
    return VoiceStatus(True, check.message)


def _engine() -> Engine:
    configured = current_app.config.get("VOICE_ENGINE")
    if configured is not None:
        return configured
    check = check_model_folder(config.get_setting(get_db(), "vosk_model"))
    try:
        return VoskEngine(shared_model(check.model_folder or check.path))
    except ModelError as error:
        current_app.extensions.setdefault("voice_load_error", {})[check.model_folder] = str(error)
        raise


def _language() -> Language:
    configured = current_app.config.get("VOICE_LANGUAGE", "nl")
    return get_language(configured) if isinstance(configured, str) else configured


def _streams() -> Streams:
    return current_app.extensions.setdefault("voice_streams", Streams())


def _speech() -> Speech:
    speech = current_app.extensions.get("voice_speech")
    if speech is None:
        cache = current_app.config.get("TTS_CACHE_DIR") or (
            Path(current_app.config["DATABASE"]).parent / "spraak-cache"
        )
        speech = current_app.extensions["voice_speech"] = Speech(cache, voice=_language().tts_voice)
    return speech


def preload_model(app: Flask) -> None:
    """Load the model in the background at start, so the first resident who speaks does
    not wait for it."""
    if app.config.get("VOICE_ENGINE") is not None:
        return

    def load() -> None:
        with app.app_context():
            try:
                status = voice_status(app)
                if not status.available:
                    log.warning("Geen spraak: %s", status.reason)
                    return
                started = time.perf_counter()
                warm_up(_engine())
                log.info("Spraakmodel geladen in %.1f s", time.perf_counter() - started)
            except ModelError as error:
                log.warning("Spraakmodel laadt niet: %s", error)

    threading.Thread(target=load, name="voice-model-preload", daemon=True).start()


def voice_context() -> dict[str, Any]:
    try:
        available = voice_status().available
    except Exception:  # a page must render even when the voice check cannot
        log.exception("voice status")
        available = False
    return {"voice_available": available}


# --- the agenda as the dialog sees it -------------------------------------------------


def _choice(number: int, activity: agenda.Activity) -> Choice:
    return Choice(
        number=number,
        activity_id=activity.id,
        title=activity.title,
        short_name=activity.short_name or activity.title,
        when=activity.when,
        place=activity.location_name,
        cancelled=activity.status == "cancelled",
        full=activity.is_full,
    )


def _choices(also: str = "") -> list[Choice]:
    """Numbered exactly as the start screen numbers them, so "nummer drie" is card 3."""
    now = app_now()
    activities = agenda.upcoming(get_db(), now, stadsdorpen=config.shown_stadsdorpen(get_db()))
    choices = [_choice(n, a) for day in agenda.group_by_day(activities, now) for n, a in day.items]
    if also and not any(c.activity_id == also for c in choices):
        extra = agenda.get_activity(get_db(), also)
        if extra is not None and extra.status != "removed" and extra.starts_at > now:
            choices.append(_choice(0, extra))
    return choices


# --- the signed dialog state ----------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="buurtkiosk-voice-dialog")


def _sign(state: dialog.State) -> str:
    return _serializer().dumps(state.to_dict())


class DialogExpired(Exception):
    pass


def _unsign(token: str) -> dialog.State:
    try:
        return dialog.State.from_dict(_serializer().loads(token, max_age=STATE_MAX_AGE))
    except (BadSignature, ValueError, TypeError) as error:
        raise DialogExpired(str(error)) from error


# --- answering --------------------------------------------------------------------------


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json" or request.is_json


def _sign_up(reply: dialog.Reply, choices: list[Choice]) -> str | dialog.Reply:
    """The resident said yes: the same signup as touch (channel voice). Returns the ticket
    screen's address, or a reply that goes back to the step that can fix a refusal."""
    state = reply.state
    try:
        signup = create_signup(
            get_db(),
            state.activity_id,
            name=state.name,
            phone=state.phone,
            party_size=state.party_size,
            channel="voice",
            kiosk_id=current_app.config["KIOSK_ID"],
            signup_id=state.signup_id,
        )
    except SignupError as error:
        return dialog.refused(state, error.field, error.message, choices, _language())
    wake_printer(current_app)
    return url_for("resident.done", signup_id=signup.id, stem=1)


def _panel_context(reply: dialog.Reply, choices: list[Choice], page: int = 1) -> dict[str, Any]:
    state = reply.state
    shown = [c for c in choices if not state.options or c.activity_id in state.options]
    pages = max((len(shown) + CHOICES_PER_PAGE - 1) // CHOICES_PER_PAGE, 1)
    page = min(max(page, 1), pages)
    chosen = next((c for c in choices if c.activity_id == state.activity_id), None)
    return {
        "reply": reply,
        "state": state,
        "screen": reply.screen,
        "token": _sign(state),
        "choices": shown[(page - 1) * CHOICES_PER_PAGE : page * CHOICES_PER_PAGE],
        "page": page,
        "pages": pages,
        "chosen": chosen,
        "max_party": dialog.MAX_PARTY,
    }


def _respond(
    reply: dialog.Reply,
    choices: list[Choice],
    *,
    page: int = 1,
    extra: dict[str, Any] | None = None,
) -> Response | str | tuple[Response, int]:
    redirect_to = ""
    if reply.state.step == dialog.DONE:
        outcome = _sign_up(reply, choices)
        if isinstance(outcome, str):
            redirect_to = outcome
        else:
            reply = outcome
    elif reply.state.step == dialog.STOPPED:
        redirect_to = url_for("resident.start")

    if not _wants_json():
        if redirect_to:
            return redirect(redirect_to, code=303)
        return render_template("voice.html", **_panel_context(reply, choices, page))

    body: dict[str, Any] = {
        "say": reply.say,
        "listen": reply.listen and not redirect_to,
        "step": reply.state.step,
        "heard": reply.screen.heard,
        "redirect": redirect_to or None,
    }
    if not redirect_to:
        context = _panel_context(reply, choices, page)
        body["state"] = context["token"]
        body["html"] = render_template("voice_panel.html", **context)
        body["url"] = url_for("voice.start", staat=context["token"])
    body.update(extra or {})
    return jsonify(body)


def _expired() -> Response | tuple[Response, int]:
    message = "Dit gesprek is verlopen. We beginnen opnieuw."
    if _wants_json():
        return jsonify(error=message, redirect=url_for("voice.start")), 409
    return redirect(url_for("voice.start"))


@bp.get("/stem")
def start() -> str | Response | tuple[Response, int]:
    """From the start screen, or from an activity (?activiteit=ID), or going on with a
    dialog after a reload (?staat=TOKEN)."""
    if not voice_status().available:
        return redirect(url_for("resident.start"))
    language = _language()
    token = request.args.get("staat", "")
    if token:
        try:
            state = _unsign(token)
        except DialogExpired:
            return _expired()
        choices = _choices(also=state.activity_id)
        reply = dialog.prompt(state, choices, language)
    else:
        activity_id = request.args.get("activiteit", "")
        choices = _choices(also=activity_id)
        reply = dialog.start(
            choices, language, signup_id=str(uuid.uuid4()), activity_id=activity_id
        )
    page = request.args.get("pagina", 1, type=int)
    return render_template("voice.html", **_panel_context(reply, choices, page))


# Touch answers on the voice screen: the button's value -> the intent it stands for.
_SIMPLE_ANSWERS = {
    "ja": intents.YES,
    "nee": intents.NO,
    "stop": intents.STOP,
    "opnieuw": intents.REPEAT,
    "overslaan": intents.SKIP,
}


@bp.post("/stem/antwoord")
def answer() -> Response | str | tuple[Response, int]:
    try:
        state = _unsign(request.form.get("state", ""))
    except DialogExpired:
        return _expired()
    language = _language()
    choices = _choices(also=state.activity_id)
    form = request.form
    # Buttons say what they answer: "ja", "kies:<activity id>", "aantal:3", "wijzig:name".
    kind, _, argument = form.get("answer", "").partition(":")
    try:
        if kind in _SIMPLE_ANSWERS:
            intent = Intent(_SIMPLE_ANSWERS[kind], typed=True)
        elif kind == "kies":
            intent = Intent(intents.ACTIVITY, argument, typed=True)
        elif kind == "naam":
            intent = Intent(intents.NAME, clean_name(form.get("name", "")), typed=True)
        elif kind == "aantal":
            count = int(argument) if argument.isdigit() else 0
            intent = Intent(intents.COUNT, count, typed=True)
        elif kind == "telefoon":
            intent = Intent(intents.PHONE, clean_phone(form.get("phone", "")), typed=True)
        elif kind == "wijzig":
            intent = Intent(intents.CHANGE, argument, typed=True)
        else:  # "pagina:2" and anything unknown: the same question, maybe another page
            page = int(argument) if argument.isdigit() else 1
            return _respond(
                dialog.prompt(state, choices, language), choices, page=page, extra={"quiet": True}
            )
    except SignupError as error:
        return _respond(dialog.prompt(state, choices, language, notice=error.message), choices)
    return _respond(dialog.advance(state, intent, choices, language), choices)


def _audio_error(message: str, status: int, detail: str = "") -> tuple[Response, int]:
    return jsonify(error=message, detail=detail), status


@bp.post("/stem/luister")
def listen() -> Response | str | tuple[Response, int]:
    """One piece of an utterance (a WAV of about half a second); the last piece gets the
    dialog's answer. Fields: state, utterance (an id the browser made), seq, last, audio."""
    received = time.perf_counter()
    form = request.form
    key = form.get("utterance", "")
    if not _UTTERANCE_ID.match(key):
        return _audio_error(
            "Er ging iets mis met het luisteren. Probeer het nog een keer.", 400, "bad utterance id"
        )
    try:
        state = _unsign(form.get("state", ""))
    except DialogExpired:
        return _expired()
    upload = request.files.get("audio")
    if upload is None:
        return _audio_error("Er kwam geen geluid aan. Probeer het nog een keer.", 400, "no audio")
    try:
        pcm = read_wav(upload.read())
    except AudioError as error:
        return _audio_error(error.message, error.status, error.detail)

    language = _language()
    choices = _choices(also=state.activity_id)

    def start_utterance() -> tuple[Any, Any]:
        engine = _engine()
        grammar = dialog.grammar_for(state, choices, engine, language)
        if grammar is None or grammar.phrases == ():
            # A touch-only step, or a model that knows none of the step's words.
            raise NothingToHear(f"nothing to listen for at step {state.step}")
        return engine.open(grammar.phrases), grammar

    record_dir = current_app.config.get("VOICE_RECORD_DIR") or os.environ.get(
        "BUURTKIOSK_VOICE_RECORD_DIR"
    )
    try:
        result = _streams().feed(
            key,
            form.get("seq", -1, type=int),
            pcm,
            last=form.get("last") == "1",
            start=start_utterance,
            record=bool(record_dir),
        )
    except AudioError as error:
        return _audio_error(error.message, error.status, error.detail)
    except StreamError as error:
        return _audio_error(error.message, 409, str(error))
    except ModelError as error:
        return _audio_error("Praten lukt nu niet. Tik maar op het scherm.", 503, str(error))
    if not isinstance(result, Finished):
        return jsonify(partial=result)

    if record_dir:
        # Only with the coordinator's debug setting on: residents' voices stay off disk.
        Path(record_dir).mkdir(parents=True, exist_ok=True)
        (Path(record_dir) / f"{key}.wav").write_bytes(to_wav(result.recording))
    recognition = result.recognition
    intent = intents.parse(recognition.text, result.context, language)
    reply = dialog.advance(state, intent, choices, language)
    timing = {
        "audio_seconds": round(recognition.audio_seconds, 3),
        "recognize_seconds": round(recognition.compute_seconds, 3),
        "answer_seconds": round(time.perf_counter() - received, 3),
    }
    log.info("stem %s: %r -> %s %s", state.step, recognition.text, intent.kind, timing)
    return _respond(reply, choices, extra={"recognized": recognition.text, "timing": timing})


@bp.get("/stem/spraak")
def speech() -> Response | tuple[Response, int]:
    """The text, read aloud by the kiosk's own voice, as a WAV (cached per sentence)."""
    text = request.args.get("tekst", "")[:MAX_TEXT]
    try:
        data = _speech().wav(_language().speakable(text))
    except SpeechError as error:
        log.warning("voorlezen: %s (%r)", error, text[:80])
        return jsonify(error="Voorlezen lukt nu niet."), 503
    response = Response(data, mimetype="audio/wav")
    response.cache_control.max_age = 24 * 3600
    response.cache_control.private = True
    return response


@bp.get("/stem/status")
def status() -> Response:
    current = voice_status()
    return jsonify(available=current.available, reason=current.reason)


def _json_errors(error: HTTPException) -> Response | tuple[Response | str, int]:
    """The microphone code reads JSON; a too-large upload (413) is a spoken sentence."""
    if request.path.startswith("/stem/") and request.method == "POST" and _wants_json():
        message = (
            "Dat was te lang. Zeg het kort, in een paar woorden."
            if error.code == 413
            else ("Er ging iets mis. Probeer het nog een keer, of tik op het scherm.")
        )
        return jsonify(error=message, detail=error.description), error.code or 500
    return error_page(error)


# By code: the app's own per-code handlers (resident.error_page) would win over a handler
# for HTTPException in general.
for _code in (400, 404, 405, 413):
    bp.register_error_handler(_code, _json_errors)
