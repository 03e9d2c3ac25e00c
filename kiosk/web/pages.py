"""What every page of the kiosk shares: the plain Dutch error page and the template
filters for dates and times. create_app installs them; no blueprint does."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from kiosk.core import agenda, dutch
from kiosk.core.categories import category_for
from voice.lang.nl import NAME_PARTICLES

# 500 rather than Exception: with TESTING on, Flask still raises errors into the test.
ERROR_CODES = (400, 403, 404, 405, 409, 413, 429, 500)


# What a caller that reads JSON is told, by code. Only the microphone code of the spoken
# signup and the spoken wish (static/voice.js, static/wish_voice.js) asks for JSON, so a
# too-large answer is a spoken sentence that was too long.
JSON_MESSAGES = {
    413: "Dat was te lang. Zeg het kort, in een paar woorden.",
    429: "Het is even te druk. Probeer het zo nog eens.",
}
JSON_MESSAGE = "Er ging iets mis. Probeer het nog een keer, of tik op het scherm."


def asked_for_json() -> bool:
    """The caller reads JSON (a fetch that asks for it or sends it), not a page."""
    return request.accept_mimetypes.best == "application/json" or request.is_json


def error_page(error: HTTPException) -> tuple[str | Response, int]:
    """A plain Dutch page with a way back, never a technical error text; to a caller that
    reads JSON the same in JSON ({"error": Dutch sentence}), on every route, also one
    that does not exist, so the page's script can say it instead of failing on HTML."""
    code = error.code or 500
    if code == 500:
        # Flask passes the original exception along; the log gets it, the screen does not.
        original = getattr(error, "original_exception", None) or error
        current_app.logger.error("Fout op een scherm: %r", original)
    if asked_for_json():
        message = JSON_MESSAGES.get(code, JSON_MESSAGE)
        return jsonify(error=message, fout=message), code
    return render_template("error.html", code=code), code


def security_headers(response: Response) -> Response:
    """On every answer: no page of the kiosk inside another site's frame, no guessing of
    content types, and no address of a kiosk page sent to any other site."""
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def _moment(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def desk_stamp(stamp: str | None) -> str:
    """A stored UTC time as 'dinsdag 1 december om 10.12 uur'."""
    return dutch.written_moment(_moment(stamp)) if stamp else ""


def desk_clock(stamp: str | None) -> str:
    return dutch.clock(_moment(stamp)) if stamp else ""


def time_range(activity: agenda.Activity) -> str:
    return dutch.time_range(activity.starts_at, activity.ends_at)


def written_date(moment: datetime) -> str:
    return dutch.written_date(dutch.local(moment).date())


def pictogram(activity: agenda.Activity) -> str:
    """The category key whose pictogram the card shows (assets/pictograms/<key>.svg), or ''."""
    category = category_for(activity.category, activity.title)
    return category.key if category else ""


FILTERS: dict[str, Callable[..., str]] = {
    "written_moment": dutch.written_moment,
    "time_range": time_range,
    "written_date": written_date,
    "clock": dutch.clock,
    "people": dutch.people,
    "desk_stamp": desk_stamp,
    "desk_clock": desk_clock,
    "desk_phone": dutch.phone_display,
    "pictogram": pictogram,
}

GLOBALS: dict[str, Any] = {
    # The family-name particles the name keyboards write small ("Jan de Vries").
    "name_particles": " ".join(sorted(NAME_PARTICLES)),
}
