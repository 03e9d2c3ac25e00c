"""The signed-in volunteer or coordinator (a session kept on the server), and the guard on
their pages."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, request, session, url_for

from kiosk.core import desk_sessions, inputs
from kiosk.core.pins import ROLE_LABELS, ROLES
from kiosk.web.request_db import get_db

F = TypeVar("F", bound=Callable[..., Any])
IDLE_SECONDS = 300
MAX_ACTOR = 40


def _clock() -> float:
    """Seconds for the idle timer; tests move it forward instead of sleeping."""
    return time.time()


# --- The signed-in volunteer ------------------------------------------------------------


ACTOR_WRONG = f"Typ uw naam met gewone letters, hoogstens {MAX_ACTOR} tekens."


def clean_actor(raw: str) -> str | None:
    """The volunteer's name for the audit log, or None when it cannot be one."""
    try:
        return inputs.text(raw, limit=MAX_ACTOR)
    except inputs.InputError:
        return None


def idle_seconds() -> int:
    return int(current_app.config.get("VOLUNTEER_IDLE_SECONDS", IDLE_SECONDS))


def sign_in(role: str, actor: str) -> None:
    """A new session on the server; the cookie carries only its random token."""
    db = get_db()
    desk_sessions.end_idle(db, _clock(), idle_seconds())
    old = session.get("desk")
    if old:
        desk_sessions.end(db, old)
    session.clear()
    session["desk"] = desk_sessions.start(db, role, actor, _clock())
    g.desk_session = desk_sessions.current(db, session["desk"], _clock(), idle_seconds())


def sign_out() -> None:
    """Ends the session on the server: a copy of the cookie opens nothing any more."""
    token = session.pop("desk", None)
    if token:
        desk_sessions.end(get_db(), token)
    g.pop("desk_session", None)


def desk_token() -> str | None:
    return session.get("desk")


def _current_session(touch: bool = False) -> desk_sessions.DeskSession | None:
    if "desk_session" in g and not touch:
        return cast(desk_sessions.DeskSession | None, g.desk_session)
    token = session.get("desk")
    if not token:
        return None
    found = desk_sessions.current(get_db(), token, _clock(), idle_seconds(), touch=touch)
    if found is None:
        session.pop("desk", None)
        session["signed_out_idle"] = True
    g.desk_session = found
    return found


def signed_in_role(touch: bool = False) -> str | None:
    """The role of this browser, or None; an idle session ends here."""
    found = _current_session(touch)
    return found.role if found else None


def current_actor() -> str:
    """'Marieke (vrijwilliger)': who did it, for the audit log."""
    found = _current_session()
    if found is None:
        return "zonder naam (onbekend)"
    return f"{found.actor or 'zonder naam'} ({ROLE_LABELS.get(found.role, 'onbekend')})"



def safe_next(target: str | None) -> str | None:
    """Only paths on this kiosk: a `next` must never send the browser elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def from_this_kiosk() -> bool:
    """Does this state-changing request come from the kiosk's own pages? Chromium sends
    Origin on every POST; without it, Referer must say so. A request that names neither
    (or an opaque 'null' origin) is refused: a form on another site (CSRF) cannot be
    told from it otherwise."""
    here = request.host_url.rstrip("/")
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin.rstrip("/") == here
    referer = urlsplit(request.headers.get("Referer", ""))
    return bool(referer.netloc) and f"{referer.scheme}://{referer.netloc}" == here


def require_role(role: str, touch: bool = True) -> Callable[[F], F]:
    """Guard a view: without a fresh sign-in for `role` the browser goes to the PIN page.

    A coordinator passes volunteer checks. `touch=False` is for pages that refresh
    themselves, so an unattended screen still signs out after five idle minutes.
    """
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            current = signed_in_role(touch=touch)
            if current is None or (role == "coordinator" and current != "coordinator"):
                back = request.full_path.rstrip("?") if request.method == "GET" else None
                return redirect(url_for("volunteer.pin", next=back, rol=role), code=303)
            if request.method not in ("GET", "HEAD", "OPTIONS") and not from_this_kiosk():
                abort(403)
            return view(*args, **kwargs)

        return cast(F, guarded)

    return decorate


def no_store(response: Any) -> Any:
    """Pages with names on them must not come back from the browser cache after sign-out."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response
