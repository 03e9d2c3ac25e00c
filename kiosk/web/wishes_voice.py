"""The spoken wish: recognized text in, the dialog's next question out (voice/wish_dialog).

The dialog's state lives here on the server under an opaque random id that the page keeps
in memory (never in the address, history or a cookie), and is gone when the wish is made,
when the resident stops, or after IDLE minutes. The phone number is typed, as in the
spoken signup: spoken digits through a small model go wrong too often.

What the microphone heard reaches `heard` as text; the capture and the recognizer are the
voice area's (kiosk/web/voice.py), and `voice.wish_dialog.phrases` is the grammar to give
them at each step.
"""

from __future__ import annotations

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
from kiosk.web.wish_paths import KIND_BY_PATH, PATH_BY_KIND
from kiosk.web.workers import wake_printer
from voice import wish_dialog
from voice.wish_dialog import WishState

bp = Blueprint("wishes_voice", __name__, url_prefix="/wens")

IDLE_SECONDS = 10 * 60
MAX_TEXT = 500


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
    return render_template("wishes/stem.html", reply=reply, path=path,
                           conversation=CONVERSATIONS.start(reply.state),
                           contact_days=contact_days(get_db()), error="")


def _finish(key: str, state: WishState, *, name: str = "", phone: str = "") -> str:
    answers = check_answers(state.kind, state.categories, state.day_parts,
                            callback=state.callback, name=name, phone=phone)
    wish = record_wish(get_db(), answers, channel="voice",
                       kiosk_id=current_app.config["KIOSK_ID"])
    CONVERSATIONS.drop(key)
    wake_printer(current_app)
    return url_for("wishes.done", wish_id=wish.id)


@bp.post("/stem/gehoord")
def heard() -> Response | tuple[Response, int]:
    """{"gesprek": id, "tekst": what was recognized} -> what to say and show next."""
    data: Any = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("tekst"), str):
        return jsonify(fout="Er ging iets mis. Probeer het nog een keer."), 400
    key = str(data.get("gesprek", ""))[:64]
    state = CONVERSATIONS.get(key)
    if state is None:
        return jsonify(fout="Dit gesprek is verlopen. Begin opnieuw.",
                       klaar=url_for("resident.start")), 410
    reply = wish_dialog.hear(state, data["tekst"][:MAX_TEXT])
    answer: dict[str, Any] = {"zeg": reply.say, "stap": reply.state.step,
                              "gehoord": list(reply.heard), "tikken": reply.touch}
    if reply.state.step == wish_dialog.DONE:
        answer["klaar"] = _finish(key, reply.state)
    elif reply.state.step == wish_dialog.STOPPED:
        CONVERSATIONS.drop(key)
        answer["klaar"] = url_for("resident.start")
    else:
        CONVERSATIONS.put(key, reply.state)
        if reply.touch and reply.state.step != wish_dialog.PHONE:
            CONVERSATIONS.drop(key)
            answer["klaar"] = url_for("wishes.start", path=PATH_BY_KIND[reply.state.kind])
    return jsonify(answer)


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
        return render_template("wishes/stem.html", reply=reply, path=PATH_BY_KIND[state.kind],
                               conversation=key, contact_days=contact_days(get_db()),
                               error=error.message), 400
    return redirect(target, code=303)
