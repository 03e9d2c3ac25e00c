"""The signed-in volunteer or coordinator in the Flask session, and the guard on their pages."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import abort, current_app, redirect, request, session, url_for

from kiosk.core import inputs
from kiosk.core.pins import ROLE_LABELS, ROLES

F = TypeVar("F", bound=Callable[..., Any])
IDLE_SECONDS = 300
TOUCH_SLACK_SECONDS = 5
MAX_ACTOR = 40


def _clock() -> float:
    """Seconds for the idle timer; tests move it forward instead of sleeping."""
    return time.time()


# --- The signed-in volunteer in the Flask session ---------------------------------------


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
    session.clear()
    session["auth"] = {"role": role, "actor": actor, "seen": _clock()}


def sign_out() -> None:
    session.pop("auth", None)


def signed_in_role(touch: bool = False) -> str | None:
    """The role of this browser, or None; an idle session ends here."""
    auth = session.get("auth")
    if not auth:
        return None
    if _clock() - float(auth.get("seen", 0)) > idle_seconds():
        session.pop("auth", None)
        session["signed_out_idle"] = True
        return None
    # Re-signing the session cookie on every request costs about a millisecond; a few
    # seconds of slack on a five-minute timer does not matter.
    if touch and _clock() - float(auth["seen"]) > TOUCH_SLACK_SECONDS:
        auth["seen"] = _clock()
        session.modified = True
    return cast(str, auth["role"])


def current_actor() -> str:
    """'Marieke (vrijwilliger)': who did it, for the audit log."""
    auth = session.get("auth") or {}
    label = ROLE_LABELS.get(auth.get("role", ""), "onbekend")
    return f"{auth.get('actor') or 'zonder naam'} ({label})"


def has_role(role: str) -> bool:
    current = signed_in_role()
    return current == role or current == "coordinator"


def safe_next(target: str | None) -> str | None:
    """Only paths on this kiosk: a `next` must never send the browser elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _cross_site_post() -> bool:
    """A form posted from another site (CSRF). Chromium sends Origin on every POST."""
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        return origin == "null"
    return origin.rstrip("/") != request.host_url.rstrip("/")


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
            if request.method not in ("GET", "HEAD", "OPTIONS") and _cross_site_post():
                abort(403)
            return view(*args, **kwargs)

        return cast(F, guarded)

    return decorate


def no_store(response: Any) -> Any:
    """Pages with names on them must not come back from the browser cache after sign-out."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response
