"""The spoken wish: recognized text in, the dialog's next question out (voice/wish_dialog).

The dialog's state lives here on the server under an opaque random id that the page keeps
in memory (never in the address, history or a cookie), and is gone when the wish is made,
when the resident stops, or after IDLE minutes. The phone number is typed, as in the
spoken signup: spoken digits through a small model go wrong too often.

Speech reaches the dialog in two ways: `listen` takes the microphone's WAV pieces from the
signup's own capture code (static/voice.js) and feeds them to the one shared recognizer
(kiosk/web/voice_shared.py: the same worker and model, never a second load), with the wish step's
words (`voice.wish_dialog.phrases`) as its grammar; `heard` takes text that was recognized
elsewhere. Both move the same dialog and answer alike.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from typing import Any

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from kiosk.core.signups import SignupError, clean_name
from kiosk.core.wishes import WishError, check_answers, contact_days, record_wish
from kiosk.web import auth
from kiosk.web.request_db import get_db
from kiosk.web.voice_shared import (
    bad_utterance_id,
    current_engine,
    current_language,
    feed_piece,
    uploaded_pcm,
    voice_context,
)
from kiosk.web.wish_paths import KIND_BY_PATH, PATH_BY_KIND
from kiosk.web.workers import wake_printer
from voice import grammar, understand, wish_dialog
from voice.engine import Engine
from voice.streams import Finished, NothingToHear
from voice.wish_dialog import WishState

bp = Blueprint("wishes_voice", __name__, url_prefix="/wens")
log = logging.getLogger(__name__)

IDLE_SECONDS = 10 * 60
MAX_TEXT = 500
MAX_CONVERSATIONS = 8
NO_MICROPHONE = "De microfoon doet het niet. U kunt verder door op het scherm te tikken."


class Conversations:
    """Dialog states by opaque id, in this process, forgotten after IDLE_SECONDS."""

    def __init__(self) -> None:
        self._states: dict[str, tuple[float, WishState]] = {}
        self._lock = threading.Lock()

    def start(self, state: WishState) -> str:
        key = secrets.token_urlsafe(18)
        self.put(key, state)
        return key

    def get(self, key: str) -> WishState | None:
        with self._lock:
            now = time.monotonic()
            for old in [k for k, (at, _) in self._states.items() if now - at > IDLE_SECONDS]:
                del self._states[old]
            found = self._states.get(key)
        return found[1] if found else None

    def put(self, key: str, state: WishState) -> None:
        with self._lock:
            self._states[key] = (time.monotonic(), state)
            # One screen holds one conversation at a time; a page reloaded over and over
            # must not grow this without end: the oldest go first.
            while len(self._states) > MAX_CONVERSATIONS:
                oldest = min(self._states, key=lambda k: self._states[k][0])
                del self._states[oldest]

    def drop(self, key: str) -> None:
        with self._lock:
            self._states.pop(key, None)


CONVERSATIONS = Conversations()


@bp.after_request
def _private(response: Response) -> Response:
    return auth.no_store(response)


@bp.get("/<path>/stem")
def start(path: str) -> str | Response:
    if path not in KIND_BY_PATH:
        return redirect(url_for("wishes.choose"))
    reply = wish_dialog.begin(KIND_BY_PATH[path])
    return _page(reply, CONVERSATIONS.start(reply.state), path)


def _page(reply: wish_dialog.Reply, key: str, path: str, error: str = "") -> str:
    # The microphone is opened only where the kiosk can recognize speech; without it the
    # page still takes recognized text, and the resident is never sent here.
    return render_template("wishes/stem.html", reply=reply, path=path, conversation=key,
                           contact_days=contact_days(get_db()), error=error,
                           listen=voice_context()["voice_available"] and _listens(reply))


def _listens(reply: wish_dialog.Reply) -> bool:
    return not reply.touch and reply.state.step not in (
        wish_dialog.PHONE, wish_dialog.DONE, wish_dialog.STOPPED)


def _finish(key: str, state: WishState, *, name: str = "", phone: str = "") -> str:
    answers = check_answers(state.kind, state.categories, state.day_parts,
                            callback=state.callback, name=name, phone=phone)
    wish = record_wish(get_db(), answers, channel="voice",
                       kiosk_id=current_app.config["KIOSK_ID"])
    CONVERSATIONS.drop(key)
    wake_printer(current_app)
    return url_for("wishes.done", wish_id=wish.id)


def _advance(key: str, state: WishState, text: str) -> dict[str, Any]:
    """The dialog's answer to `text`, kept or ended, in the words of both callers: the
    text path's ("zeg", "klaar") and the microphone code's ("say", "redirect", "html")."""
    reply = wish_dialog.hear(state, text[:MAX_TEXT])
    target = ""
    if reply.state.step == wish_dialog.DONE:
        target = _finish(key, reply.state)
    elif reply.state.step == wish_dialog.STOPPED:
        CONVERSATIONS.drop(key)
        target = url_for("resident.start")
    else:
        CONVERSATIONS.put(key, reply.state)
        if reply.touch and reply.state.step != wish_dialog.PHONE:
            CONVERSATIONS.drop(key)
            target = url_for("wishes.start", path=PATH_BY_KIND[reply.state.kind])
    answer: dict[str, Any] = {"zeg": reply.say, "stap": reply.state.step,
                              "gehoord": list(reply.heard), "tikken": reply.touch,
                              "say": reply.say, "step": reply.state.step,
                              "listen": not target and _listens(reply),
                              "redirect": target or None}
    if target:
        answer["klaar"] = target
    else:
        answer["html"] = render_template("wishes/_stem_panel.html", reply=reply)
    return answer


@bp.post("/stem/gehoord")
def heard() -> Response | tuple[Response, int]:
    """{"gesprek": id, "tekst": what was recognized} -> what to say and show next."""
    data: Any = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("tekst"), str):
        message = "Er ging iets mis. Probeer het nog een keer."
        return jsonify(fout=message, error=message), 400
    key = str(data.get("gesprek", ""))[:64]
    state = CONVERSATIONS.get(key)
    if state is None:
        return _expired()
    return jsonify(_advance(key, state, data["tekst"]))


def _expired() -> tuple[Response, int]:
    message = "Dit gesprek is verlopen. Begin opnieuw."
    home = url_for("resident.start")
    return jsonify(fout=message, error=message, klaar=home, redirect=home), 410


def _phrases(engine: Engine, state: WishState) -> tuple[str, ...]:
    """The step's words in words the model knows (as the signup fits its own); kept per
    step and engine: they never change while the kiosk runs."""
    cache: dict[tuple[str, str, str], tuple[str, ...]] = current_app.extensions.setdefault(
        "wish_voice_phrases", {})
    key = (state.kind, state.step, engine.name)
    if key not in cache:
        language = current_language()
        fitted = grammar.fit_sentences(wish_dialog.phrases(state), engine,
                                       language.unknown_word,
                                       keep=understand.critical_words(language))
        if fitted.dropped_words:
            log.info("spraak, wens %s: het model kent niet: %s", state.step,
                     ", ".join(fitted.dropped_words[:40]))
        cache[key] = fitted.phrases
    return cache[key]


@bp.post("/stem/luister")
def listen() -> Response | tuple[Response, int]:
    """One WAV piece of a spoken answer, from the signup's capture code (static/voice.js):
    fields gesprek, utterance, seq, last, audio. The last piece gets the dialog's answer."""
    form = request.form
    utterance = form.get("utterance", "")
    if refused := bad_utterance_id(utterance):
        return refused
    key = form.get("gesprek", "")[:64]
    state = CONVERSATIONS.get(key)
    if state is None:
        return _expired()
    pcm = uploaded_pcm()
    if isinstance(pcm, tuple):
        return pcm

    def start_utterance() -> tuple[Any, Any]:
        engine = current_engine()
        phrases = _phrases(engine, state) if _listens(wish_dialog.Reply(state, "")) else ()
        if not phrases:
            raise NothingToHear(f"nothing to listen for at wish step {state.step}")
        return engine.open(phrases), None

    result = feed_piece(f"wens-{utterance}", pcm, start_utterance)
    if isinstance(result, tuple):
        return result
    if not isinstance(result, Finished):
        return jsonify(partial=result)
    text = result.recognition.text
    answer = _advance(key, state, text)
    log.info("wens %s: %d woorden -> %s", state.step, len(text.split()), answer["step"])
    answer["recognized"] = text
    return jsonify(answer)


@bp.post("/stem/antwoord")
def no_microphone() -> Response | tuple[Response, int]:
    """The capture code's one message without speech: no microphone, or no permission.
    Said once; the wish goes on by touch, from its first question."""
    if request.form.get("answer") != "geen-microfoon":
        return jsonify(error="Er ging iets mis. Probeer het nog een keer."), 400
    key = request.form.get("gesprek", "")[:64]
    state = CONVERSATIONS.get(key)
    CONVERSATIONS.drop(key)
    target = (url_for("wishes.start", path=PATH_BY_KIND[state.kind]) if state
              else url_for("wishes.choose"))
    return jsonify(say=NO_MICROPHONE, zeg=NO_MICROPHONE, listen=False, redirect=target,
                   klaar=target)


@bp.post("/stem/telefoon")
def phone() -> str | Response | tuple[str, int]:
    """The number (and a name, if given), typed at the phone step after a spoken yes."""
    key = request.form.get("gesprek", "")[:64]
    state = CONVERSATIONS.get(key)
    if state is None or state.step != wish_dialog.PHONE:
        return redirect(url_for("resident.start"), code=303)
    name, number = request.form.get("name", "")[:160], request.form.get("phone", "")[:20]
    try:
        clean_name(name)
        target = _finish(key, state, name=name, phone=number)
    except (WishError, SignupError) as error:
        reply = wish_dialog.Reply(state, wish_dialog.question(state), touch=True)
        return _page(reply, key, PATH_BY_KIND[state.kind], error.message), 400
    return redirect(target, code=303)
