"""'Mijn kaartje': the resident holds the ticket's QR to the scanner (which types like a
keyboard, also on the start screen) or types its code on big keys, and sees that one signup:
what, when, where, any change since the paper was printed, and its status. They may cancel
it or print it again.

An opened ticket is shown under an opaque, short-lived view id, never under the signup's id
or code: when the screen has gone back to the start, Back or history opens nothing.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Blueprint, Flask, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from kiosk.core import config, own_ticket
from kiosk.core.own_ticket import NotOpened, OwnTicket
from kiosk.web.request_db import app_now, get_db
from kiosk.web.workers import wake_printer
from printing.backends import is_dummy

bp = Blueprint("own_ticket", __name__, url_prefix="/mijn-kaartje")

# More than any ticket QR (a signature included), far less than a page of text.
MAX_SCANNED = 300


@dataclass
class _View:
    signup_id: str
    expires: datetime


class OpenViews:
    """Opened tickets by view id. A view lives as long as the screen's idle limit since it
    was last used, so it is gone by the time the screen has gone back to the start."""

    def __init__(self) -> None:
        self._views: dict[str, _View] = {}
        self._lock = threading.Lock()

    def open(self, signup_id: str, now: datetime, lifetime: timedelta) -> str:
        view_id = secrets.token_urlsafe(18)
        with self._lock:
            self._drop_expired(now)
            self._views[view_id] = _View(signup_id, now + lifetime)
        return view_id

    def use(self, view_id: str, now: datetime, lifetime: timedelta) -> str | None:
        with self._lock:
            self._drop_expired(now)
            view = self._views.get(view_id)
            if view is None:
                return None
            view.expires = now + lifetime
            return view.signup_id

    def close(self, view_id: str) -> None:
        with self._lock:
            self._views.pop(view_id, None)

    def _drop_expired(self, now: datetime) -> None:
        for key in [key for key, view in self._views.items() if view.expires <= now]:
            del self._views[key]


def init_app(app: Flask) -> None:
    app.extensions["own_ticket_views"] = OpenViews()


def _views() -> OpenViews:
    views: OpenViews = current_app.extensions["own_ticket_views"]
    return views


def _lifetime() -> timedelta:
    return timedelta(seconds=int(config.get_setting(get_db(), "idle_seconds")))


@bp.after_request
def _never_cached(response: Response) -> Response:
    # What a resident opened must not come back from the browser's cache for the next one.
    response.headers["Cache-Control"] = "no-store"
    return response


def _keys_page(error: str = "", status: int = 200) -> tuple[str, int]:
    now = app_now()
    until = own_ticket.paused_until(get_db(), now)
    wait = int((until - now).total_seconds()) + 1 if until else 0
    if until and not error:
        error = own_ticket.PAUSED
    html = render_template("own_ticket/code.html", error=error, wait_seconds=wait)
    return html, status


@bp.get("/")
def code() -> tuple[str, int]:
    return _keys_page()


@bp.post("/")
def open_ticket() -> Response | tuple[str, int]:
    """From the keys, or from the scanner on any screen that listens for it."""
    raw = request.form.get("code", "")[:MAX_SCANNED]
    if not raw.strip():
        return _keys_page("Typ de code van uw kaartje, of houd de QR-code voor de scanner.", 400)
    db = get_db()
    try:
        ticket = own_ticket.open_ticket(db, config.signing_secret(db), raw, app_now())
    except NotOpened as refused:
        return _keys_page(str(refused), 429 if refused.args[0] == own_ticket.PAUSED else 400)
    view_id = _views().open(ticket.signup.id, app_now(), _lifetime())
    return redirect(url_for(".show", view_id=view_id), code=303)


def _ticket_or_start(view_id: str) -> OwnTicket | None:
    signup_id = _views().use(view_id, app_now(), _lifetime())
    if signup_id is None:
        return None
    return own_ticket.as_it_is_now(get_db(), signup_id)


def _gone() -> Response:
    return redirect(url_for("resident.start"), code=303)


DONE_MESSAGES = {
    "afgemeld": "U bent afgemeld. Uw plaats is nu vrij voor iemand anders.",
    "geprint": "Uw kaartje komt uit de printer. Er staat KOPIE op.",
    "geen-printer": "Deze kiosk heeft nu geen printer. Vraag het aan een vrijwilliger.",
}


@bp.get("/bekijk/<view_id>")
def show(view_id: str) -> str | Response:
    ticket = _ticket_or_start(view_id)
    if ticket is None:
        return _gone()
    done = DONE_MESSAGES.get(request.args.get("gedaan", ""), "")
    return render_template(
        "own_ticket/ticket.html",
        ticket=ticket,
        view_id=view_id,
        done=done,
        can_cancel=ticket.can_cancel(app_now()),
    )


@bp.get("/bekijk/<view_id>/afmelden")
def cancel_confirm(view_id: str) -> str | Response:
    ticket = _ticket_or_start(view_id)
    if ticket is None:
        return _gone()
    if not ticket.can_cancel(app_now()):
        return redirect(url_for(".show", view_id=view_id), code=303)
    return render_template("own_ticket/cancel.html", ticket=ticket, view_id=view_id)


@bp.post("/bekijk/<view_id>/afmelden")
def cancel(view_id: str) -> Response:
    ticket = _ticket_or_start(view_id)
    if ticket is None:
        return _gone()
    if ticket.can_cancel(app_now()):
        own_ticket.cancel(get_db(), ticket)
    return redirect(url_for(".show", view_id=view_id, gedaan="afgemeld"), code=303)


@bp.post("/bekijk/<view_id>/printen")
def reprint(view_id: str) -> Response:

    ticket = _ticket_or_start(view_id)
    if ticket is None:
        return _gone()
    if not ticket.can_reprint():  # cancelled at the desk meanwhile: the page now says so
        return redirect(url_for(".show", view_id=view_id), code=303)
    if is_dummy(config.get_setting(get_db(), "printer")):
        return redirect(url_for(".show", view_id=view_id, gedaan="geen-printer"), code=303)
    own_ticket.reprint(get_db(), ticket)
    wake_printer(current_app)
    return redirect(url_for(".show", view_id=view_id, gedaan="geprint"), code=303)


@bp.post("/bekijk/<view_id>/klaar")
def finish(view_id: str) -> Response:
    _views().close(view_id)
    return _gone()
