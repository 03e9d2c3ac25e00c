"""Signing up by voice: the screens and the endpoints the browser's microphone code and
"Lees voor" talk to. The dialog itself is voice/dialog.py; this module only connects it
to the agenda, the signed dialog state, the recognizer and the signup rules.

The dialog state (with the resident's name and phone in it) stays on the server
(voice/dialog_store.py); the browser holds only an opaque id in a cookie, so nothing of
one resident is left in a URL, the history or the page for the next.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response

from kiosk.core import agenda, inputs
from kiosk.core.dutch import local
from kiosk.core.signups import SignupError, clean_name, clean_phone, create_signup
from kiosk.ops.voice_agenda import choice_for, kiosk_choices
from kiosk.web.pages import asked_for_json
from kiosk.web.request_db import app_now, get_db
from kiosk.web.voice_shared import (
    bad_utterance_id,
    current_engine,
    current_language,
    feed_piece,
    names_by_voice,
    uploaded_pcm,
    voice_status,
)
from kiosk.web.workers import wake_printer
from voice import dialog, grammar, intents
from voice.audio import to_wav
from voice.dialog_store import DialogStore
from voice.engine import Engine
from voice.intents import Intent
from voice.lang import Choice, Language
from voice.streams import Finished, NothingToHear
from voice.tts import MAX_TEXT, Speech, SpeechError
from voice.understand import understand

bp = Blueprint("voice", __name__)
log = logging.getLogger(__name__)


# --- reading aloud ---------------------------------------------------------------------


def _speech() -> Speech:
    speech = current_app.extensions.get("voice_speech")
    if speech is None:
        cache = current_app.config.get("TTS_CACHE_DIR") or (
            Path(current_app.config["DATABASE"]).parent / "spraak-cache"
        )
        voice = current_language().tts_voice
        speech = current_app.extensions["voice_speech"] = Speech(cache, voice=voice)
    return speech


# --- the agenda as the dialog sees it -------------------------------------------------


def _choices(also: str = "") -> list[Choice]:
    """Numbered exactly as the start screen numbers them, so "nummer drie" is card 3."""
    now = app_now()
    choices = kiosk_choices(get_db(), now)
    if also and not any(c.activity_id == also for c in choices):
        extra = agenda.get_activity(get_db(), also)
        if extra is not None and extra.status != "removed" and extra.starts_at > now:
            choices.append(choice_for(0, extra))
    return choices


# --- the dialog state, kept on the server ---------------------------------------------

COOKIE = "stemgesprek"  # holds only the dialog's opaque id


def dialog_store() -> DialogStore:
    return current_app.extensions.setdefault("voice_dialogs", DialogStore())


class DialogExpired(Exception):
    pass


def _current() -> tuple[str, dialog.State]:
    key = request.cookies.get(COOKIE, "")
    state = dialog_store().get(key) if key else None
    if state is None:
        raise DialogExpired("no dialog for this browser (finished, reset or expired)")
    return key, state


def _keep_cookie(response: Response, key: str) -> Response:
    response.set_cookie(COOKIE, key, httponly=True, samesite="Strict", path="/")
    return response


def _drop_cookie(response: Response) -> Response:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="Strict")
    return response


@bp.after_request
def _never_cached(response: Response) -> Response:
    """A voice page or answer shows one resident's dialog: never kept by the browser.
    (The read-aloud sound of a fixed sentence may be: it says what the screen says.)"""
    if request.endpoint != "voice.speech":
        response.cache_control.no_store = True
    return response


def forget_dialog_on_other_pages(response: Response) -> Response:
    """The screen went back to the start (the idle reset, "Stoppen", the ticket screen) or
    to any other page: the dialog, with the name in it, is forgotten there and then."""
    key = request.cookies.get(COOKIE)
    if (
        key
        and request.method == "GET"
        and request.blueprint != "voice"
        and response.status_code == 200
        and response.mimetype == "text/html"
        # A page the screen shows, not a stray fetch (a missing favicon is a 404 page).
        and request.headers.get("Sec-Fetch-Dest", "document") == "document"
    ):
        dialog_store().forget(key)
        _drop_cookie(response)
    return response


# --- answering --------------------------------------------------------------------------


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
        return dialog.refused(state, error.field, error.message, choices, current_language())
    wake_printer(current_app)
    return url_for("resident.done", signup_id=signup.id, stem=1)


def _panel_context(reply: dialog.Reply, choices: list[Choice], start: int = 0) -> dict[str, Any]:
    """The step's panel. At the activity step the server sends up to CHOICES_PER_PAGE
    activities from `start`; voice.js keeps those that fit the screen and its letters."""
    state = reply.state
    shown = dialog.listed(state, choices)
    start = min(max(start, 0), max(len(shown) - 1, 0))
    chosen = next((c for c in choices if c.activity_id == state.activity_id), None)
    return {
        "reply": reply,
        "state": state,
        "screen": reply.screen,
        "choices": shown[start : start + dialog.CHOICES_PER_PAGE],
        "start": start,
        "total": len(shown),
        "chosen": chosen,
        "max_party": dialog.MAX_PARTY,
        "question_key": state.question_key(),
    }


def _on_screen() -> dialog.Shown:
    """Which activities the screen showed when it answered (voice.js sends `vanaf`, the
    first, and `ruimte`, how many fitted); a page that sent neither showed the first four."""
    form = request.form
    start = inputs.pad_number(form.get("vanaf", ""), 0, 999) or 0
    count = inputs.pad_number(form.get("ruimte", ""), 1, dialog.CHOICES_PER_PAGE)
    return dialog.Shown(start, count or dialog.CHOICES_PER_PAGE)


def _same_list(before: dialog.State, after: dialog.State) -> bool:
    """The reply shows the same list as the screen did: it keeps its place in it."""
    return (
        before.step == after.step == dialog.ACTIVITY_STEP and before.options == after.options
    )


def _respond(
    key: str,
    reply: dialog.Reply,
    choices: list[Choice],
    *,
    start: int = 0,
    extra: dict[str, Any] | None = None,
) -> Response:
    """The reply as a page or as JSON. The dialog is kept for its next answer, or
    forgotten as soon as it ended (signed up, or stopped)."""
    redirect_to = ""
    state = reply.state
    if state.step == dialog.NAME_STEP and reply.listen and not names_by_voice():
        # A spoken name would be answered too late on this machine: typed instead.
        reply = dialog.prompt(
            replace(state, touch_only=True),
            choices,
            current_language(),
            notice=current_language().type_name(),
            heard=reply.screen.heard,
        )
    if reply.state.step == dialog.DONE:
        outcome = _sign_up(reply, choices)
        if isinstance(outcome, str):
            redirect_to = outcome
        else:
            reply = outcome
    elif reply.state.step == dialog.STOPPED:
        redirect_to = url_for("resident.start")
    if redirect_to:
        dialog_store().finish(key, redirect_to)
    else:
        kept = dialog_store().get(key)
        if kept is not None and replace(reply.state, turn=kept.turn) == kept:
            reply = replace(reply, state=kept)  # nothing changed: nothing to keep
        else:
            turn = (kept.turn if kept is not None else reply.state.turn) + 1
            reply = replace(reply, state=replace(reply.state, turn=turn))
            dialog_store().put(key, reply.state)

    response: Response
    if not asked_for_json():
        if redirect_to:
            response = redirect(redirect_to, code=303)
        else:
            html = render_template("voice.html", **_panel_context(reply, choices, start))
            response = make_response(html)
    else:
        body: dict[str, Any] = {
            "say": reply.say,
            "listen": reply.listen and not redirect_to,
            "step": reply.state.step,
            "heard": reply.screen.heard,
            "redirect": redirect_to or None,
            "volume": reply.volume,
            "question": reply.state.question_key(),
            "turn": reply.state.turn,
        }
        if not redirect_to:
            body["html"] = render_template(
                "voice_panel.html", **_panel_context(reply, choices, start)
            )
        body.update(extra or {})
        response = jsonify(body)
    return _drop_cookie(response) if redirect_to else response


def _expired() -> Response:
    message = "Dit gesprek is verlopen. We beginnen opnieuw."
    response: Response
    ended_on = dialog_store().finished_at(request.cookies.get(COOKIE, ""))
    if ended_on:
        # A second tap, or words on their way, as the dialog finished: the same page again.
        if asked_for_json():
            return _drop_cookie(jsonify(say="", redirect=ended_on, late=True))
        return _drop_cookie(redirect(ended_on, code=303))
    if asked_for_json():
        response = jsonify(error=message, redirect=url_for("voice.start"))
        response.status_code = 409
    else:
        response = redirect(url_for("voice.start"))
    return _drop_cookie(response)


# One answer at a time, from reading the dialog to keeping its next state: a tap and the
# last words of an utterance that arrive together (waitress serves requests on several
# threads) must not both be taken for the same question. One screen, one resident.
_ONE_ANSWER_AT_A_TIME = threading.Lock()


@bp.get("/stem")
def start() -> Response:
    """A new dialog, from the start screen or from an activity (?activiteit=ID); with
    ?verder=1 the dialog this browser is in goes on (after a reload)."""
    if not voice_status().available:
        return redirect(url_for("resident.start"))
    language = current_language()
    if request.args.get("verder"):
        with _ONE_ANSWER_AT_A_TIME:  # a reload must not write back a state an answer left
            try:
                key, state = _current()
            except DialogExpired:
                return _expired()
            choices = _choices(also=state.activity_id)
            return _respond(key, dialog.prompt(state, choices, language), choices)
    old = request.cookies.get(COOKIE)
    if old:
        dialog_store().forget(old)
    activity_id = request.args.get("activiteit", "")
    choices = _choices(also=activity_id)
    reply = dialog.start(choices, language, signup_id=str(uuid.uuid4()), activity_id=activity_id)
    key = dialog_store().begin(reply.state)
    return _keep_cookie(_respond(key, reply, choices), key)


# Touch answers on the voice screen: the button's value -> the intent it stands for.
_SIMPLE_ANSWERS = {
    "ja": intents.YES,
    "nee": intents.NO,
    "stop": intents.STOP,
    "opnieuw": intents.REPEAT,
    "overslaan": intents.SKIP,
    "geen-microfoon": intents.NO_MICROPHONE,  # sent by voice.js, not a button
}


@bp.post("/stem/antwoord")
def answer() -> Response:
    with _ONE_ANSWER_AT_A_TIME:
        return _answer()


def _answer() -> Response:
    try:
        key, state = _current()
    except DialogExpired:
        return _expired()
    language = current_language()
    choices = _choices(also=state.activity_id)
    form = request.form
    shown = _on_screen()
    tapped_at = form.get("vraag")
    # Stoppen and Opnieuw mean the same whatever the question: never refused. Nor is a
    # name or number typed while the kiosk was still answering words: typed beats heard.
    answered = form.get("answer", "")
    any_question = (
        answered in ("stop", "opnieuw")
        or (answered == "naam" and state.step in (dialog.NAME_STEP, dialog.CONFIRM_NAME))
        or (answered == "telefoon" and state.step == dialog.PHONE_STEP)
    )
    if tapped_at is not None and tapped_at != state.question_key() and not any_question:
        # The tap answered the question its screen showed; the dialog has moved on since
        # (words heard just before it, or the same button twice): this question is new
        # to the resident, so it is said, and nothing changes.
        log.info("tik bij een eerdere vraag: de stap is nu %s", state.step)
        reply = dialog.prompt(state, choices, language)
        return _respond(key, reply, choices, extra={"late": True})
    # Buttons say what they answer: "ja", "kies:<activity id>", "aantal:3", "wijzig:name".
    kind, _, argument = answered.partition(":")
    try:
        if kind in _SIMPLE_ANSWERS:
            intent = Intent(_SIMPLE_ANSWERS[kind], typed=True)
        elif kind == "kies":
            intent = Intent(intents.ACTIVITY, argument, typed=True)
        elif kind == "naam":
            intent = Intent(intents.NAME, clean_name(form.get("name", "")), typed=True)
        elif kind == "aantal":
            count = inputs.pad_number(argument, 0, 99) or 0
            intent = Intent(intents.COUNT, count, typed=True)
        elif kind == "telefoon":
            intent = Intent(intents.PHONE, clean_phone(form.get("phone", "")), typed=True)
        elif kind == "wijzig":
            intent = Intent(intents.CHANGE, argument, typed=True)
        else:  # "vanaf:4" (Meer, Vorige) and anything unknown: the same question, quietly
            start = inputs.pad_number(argument, 0, 999) or 0
            reply = dialog.prompt(state, choices, language)
            return _respond(key, reply, choices, start=start, extra={"quiet": True})
    except SignupError as error:
        notice = error.message
        reply = dialog.prompt(state, choices, language, notice=notice)
        return _respond(key, reply, choices, start=shown.start)
    reply = dialog.advance(state, intent, choices, language, shown)
    return _answered(key, state, reply, choices, shown)


def _answered(
    key: str,
    state: dialog.State,
    reply: dialog.Reply,
    choices: list[Choice],
    shown: dialog.Shown,
    extra: dict[str, Any] | None = None,
) -> Response:
    """The reply to an answer; a list that stays the same stays on its page."""
    start = shown.start if _same_list(state, reply.state) else 0
    return _respond(key, reply, choices, start=start, extra=extra)


def _recognizer_phrases(
    engine: Engine, state: dialog.State, choices: list[Choice], language: Language
) -> tuple[str, ...] | None:
    """The step's sentences in words the model knows (compounds it lacks split into
    parts it has, other unknown words left out); None for free recognition, () when
    nothing is left to listen for. Kept per step and agenda: the agenda changes rarely."""
    if state.step in dialog.TOUCH_ONLY_STEPS or state.touch_only:
        return ()
    key = (state.step, engine.name, tuple((c.number, c.activity_id) for c in choices))
    cache: dict[Any, tuple[str, ...] | None] = current_app.extensions.setdefault(
        "voice_phrases", {}
    )
    if key in cache:
        return cache[key]
    fitted = grammar.for_step(language, state.step, choices, engine)
    phrases = fitted.phrases if fitted is not None else None
    if fitted is not None and fitted.dropped_words:
        # For whoever wonders why a word is never heard: the model does not know it.
        log.info("spraak, stap %s: het model kent niet: %s", state.step,
                 ", ".join(fitted.dropped_words[:40]))  # fmt: skip
    if len(cache) > 32:  # an agenda that keeps changing must not grow it forever
        cache.clear()
    cache[key] = phrases
    return phrases


@bp.post("/stem/luister")
def listen() -> Response | tuple[Response, int]:
    """One piece of an utterance (a WAV of about half a second); the last piece gets the
    dialog's answer. Fields: utterance (an id the browser made), seq, last, audio."""
    received = time.perf_counter()
    form = request.form
    key = form.get("utterance", "")
    if refused := bad_utterance_id(key):
        return refused
    try:
        dialog_key, state = _current()
    except DialogExpired:
        return _expired()
    pcm = uploaded_pcm()
    if isinstance(pcm, tuple):
        return pcm

    language = current_language()
    choices = _choices(also=state.activity_id)

    def start_utterance() -> tuple[Any, Any]:
        engine = current_engine()
        phrases = _recognizer_phrases(engine, state, choices, language)
        if phrases == ():
            # A touch-only step, or a model that knows none of the step's words.
            raise NothingToHear(f"nothing to listen for at step {state.step}")
        return engine.open(phrases), state  # the question these words will answer

    record_dir = current_app.config.get("VOICE_RECORD_DIR") or os.environ.get(
        "BUURTKIOSK_VOICE_RECORD_DIR"
    )
    result = feed_piece(key, pcm, start_utterance, record=bool(record_dir))
    if isinstance(result, tuple):
        return result
    if not isinstance(result, Finished):
        return jsonify(partial=result)

    if record_dir:
        # Only with the coordinator's debug setting on: residents' voices stay off disk.
        Path(record_dir).mkdir(parents=True, exist_ok=True)
        (Path(record_dir) / f"{key}.wav").write_bytes(to_wav(result.recording))
    with _ONE_ANSWER_AT_A_TIME:
        return _heard(dialog_key, result, language, received)


def _heard(dialog_key: str, result: Finished, language: Language, received: float) -> Response:
    """The answer an utterance gave, for the question it was heard for."""
    recognition = result.recognition
    asked: dialog.State = result.context  # the state start_utterance kept
    now = dialog_store().get(dialog_key)
    if now is None:
        return _expired()
    if now != asked:
        # A tap moved the dialog on while these words were spoken or heard: they answered
        # the question before, and must not undo the tap. The screen shows the question now.
        log.info("stem %s: te laat gehoord, de stap is nu %s", asked.step, now.step)
        choices = _choices(also=now.activity_id)
        reply = dialog.prompt(now, choices, language)
        return _respond(dialog_key, reply, choices, extra={"quiet": True, "late": True})
    state = now
    choices = _choices(also=state.activity_id)
    understood = understand(
        state.step,
        recognition.text,
        choices,
        language,
        today=local(app_now()).date(),
        confidences=recognition.words,
    )
    intent = understood.intent
    shown = _on_screen()
    reply = dialog.advance(state, intent, choices, language, shown)
    timing = {
        "audio_seconds": round(recognition.audio_seconds, 3),
        "recognize_seconds": round(recognition.compute_seconds, 3),
        "answer_seconds": round(time.perf_counter() - received, 3),
    }
    # Never the words themselves: at the name step they are a resident's name, and the
    # log outlives the signup's retention and the AVG requests.
    log.info(
        "stem %s: %d woorden -> %s %s %s",
        state.step,
        len(recognition.text.split()),
        understood.outcome,
        understood.reason,
        timing,
    )
    extra = {"recognized": recognition.text, "timing": timing}
    return _answered(dialog_key, state, reply, choices, shown, extra)


# Renders at once: one screen reads one text at a time; a burst of requests must not tie up
# the server's threads (eight at once made the start page take 5 s), so the rest are told
# to try again at once instead of waiting.
RENDERS_AT_ONCE = 2


def _render_slots() -> threading.BoundedSemaphore:
    return current_app.extensions.setdefault(
        "voice_render_slots", threading.BoundedSemaphore(RENDERS_AT_ONCE)
    )


@bp.get("/stem/spraak")
def speech() -> Response | tuple[Response, int]:
    """The text, read aloud by the kiosk's own voice, as a WAV (cached per sentence).
    At most MAX_TEXT characters, and at most RENDERS_AT_ONCE renders at once."""
    text = request.args.get("tekst", "")[:MAX_TEXT]
    slots = _render_slots()
    if not slots.acquire(blocking=False):
        busy = jsonify(error="Voorlezen lukt nu even niet. Probeer het zo nog eens.")
        busy.headers["Retry-After"] = "1"
        return busy, 503
    # The name of the resident in this dialog ("Ik verstond: Jan de Vries") is said,
    # never kept in the speech cache (on disk, past the signup's own retention).
    key = request.cookies.get(COOKIE, "")
    state = dialog_store().get(key) if key else None
    private = [state.name] if state is not None and state.name else []
    try:
        data = _speech().wav(current_language().speakable(text), private=private)
    except SpeechError as error:
        log.warning("voorlezen: %s (%d tekens)", error, len(text))  # the text may hold a name
        return jsonify(error="Voorlezen lukt nu niet."), 503
    finally:
        slots.release()
    response = Response(data, mimetype="audio/wav")
    if private:
        response.cache_control.no_store = True
    else:
        response.cache_control.max_age = 24 * 3600
        response.cache_control.private = True
    return response


@bp.get("/stem/status")
def status() -> Response:
    current = voice_status()
    return jsonify(available=current.available, reason=current.reason)
