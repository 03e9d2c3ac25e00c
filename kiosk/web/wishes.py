"""The resident's second path beside the agenda: "Wat mist u in de buurt?" and "Wilt u
iets doen voor de buurt?". Tiles (more than one may be chosen), a day part if it matters,
then "Mag iemand van het stadsdorp u bellen?" with an explicit yes before name and phone
are asked; a thank-you and a printed receipt.

As with a signup, the answers ride along as hidden fields and nothing is stored before the
last step; a form whose wish was already made goes to the start, so Back or a replay
never shows one resident's name or number to the next.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from kiosk.core import config, wishes
from kiosk.core.signups import MAX_NAME, SignupError, clean_name
from kiosk.core.wishes import DAY_PARTS, WISH_CATEGORIES, WishError, check_answers, record_wish
from kiosk.web import auth
from kiosk.web.request_db import get_db
from kiosk.web.wish_paths import KIND_BY_PATH, PATH_BY_KIND
from kiosk.web.workers import wake_printer

bp = Blueprint("wishes", __name__, url_prefix="/wens")

STEPS = ("onderwerp", "dagdeel", "bellen", "naam", "telefoon")
DONE_VISIBLE = timedelta(minutes=5)
DONE_IDLE_SECONDS = 60
MAX_PHONE_TYPED = 20
TOPIC_QUESTION = {"miss": "Wat mist u in de buurt?", "offer": "Waar wilt u mee helpen?"}

View = str | Response | tuple[str, int]


@bp.after_request
def _private(response: Response) -> Response:
    return auth.no_store(response)  # a typed name or number must not come back from cache


def _kind(path: str) -> str:
    if path not in KIND_BY_PATH:
        abort(404)
    return KIND_BY_PATH[path]


def _valid_token(raw: str) -> str:
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        return ""


@dataclass
class Answers:
    """What the resident chose so far, as the hidden fields carry it (bounded)."""

    token: str
    categories: list[str] = field(default_factory=list)
    day_parts: list[str] = field(default_factory=list)
    name: str = ""
    phone: str = ""

    @classmethod
    def from_form(cls) -> Answers:
        form = request.form
        return cls(
            token=_valid_token(form.get("token", "")[:64]),
            categories=[c for c in form.getlist("categories")[:20] if len(c) <= 20],
            day_parts=[p for p in form.getlist("day_parts")[:3] if len(p) <= 10],
            name=form.get("name", "")[: MAX_NAME * 2],
            phone=form.get("phone", "")[:MAX_PHONE_TYPED],
        )


def _render(kind: str, step: str, answers: Answers, error: str = "") -> str:
    return render_template(
        f"wishes/{step}.html", kind=kind, path=PATH_BY_KIND[kind], step=step,
        answers=answers, error=error, categories=WISH_CATEGORIES, day_parts=DAY_PARTS,
        question=TOPIC_QUESTION[kind], contact_days=wishes.contact_days(get_db()),
    )


@bp.get("/")
def choose() -> str:
    return render_template("wishes/kiezen.html", questions=wishes.KIND_QUESTIONS,
                           paths=PATH_BY_KIND)


@bp.get("/<path>")
def start(path: str) -> str:
    kind = _kind(path)
    return _render(kind, "onderwerp", Answers(token=str(uuid.uuid4())))


@bp.post("/<path>")
def step(path: str) -> View:
    kind = _kind(path)
    answers = Answers.from_form()
    step = request.form.get("step", "")
    if step not in STEPS or not answers.token:
        answers.token = str(uuid.uuid4())
        return _render(kind, "onderwerp", answers,
                       "Er ging iets mis. Kies alstublieft opnieuw."), 400
    if wishes.get_wish(get_db(), answers.token) is not None:
        # This wish was made already: a replayed or Back-ed form shows nothing of it.
        return redirect(url_for("resident.start"), code=303)
    action = request.form.get("action", "verder")
    if action == "terug":
        if step == STEPS[0]:
            return redirect(url_for(".choose"), code=303)
        return _render(kind, STEPS[STEPS.index(step) - 1], answers)
    try:
        if step == "onderwerp":
            answers.categories = list(wishes.clean_categories(answers.categories))
            return _render(kind, "dagdeel", answers)
        if step == "dagdeel":
            answers.day_parts = list(wishes.clean_day_parts(answers.day_parts))
            return _render(kind, "bellen", answers)
        if step == "bellen":
            if action == "nee":
                return _save(kind, answers, callback=False)
            return _render(kind, "naam", answers)
        if step == "naam":
            answers.name = clean_name(answers.name)
            return _render(kind, "telefoon", answers)
        return _save(kind, answers, callback=True)
    except (WishError, SignupError) as error:
        field_step = {"categories": "onderwerp", "day_parts": "dagdeel", "name": "naam",
                      "phone": "telefoon"}.get(error.field, step)
        return _render(kind, field_step, answers, error.message), 400


def _save(kind: str, answers: Answers, *, callback: bool) -> Response:
    checked = check_answers(kind, answers.categories, answers.day_parts, callback=callback,
                            name=answers.name, phone=answers.phone)
    wish = record_wish(get_db(), checked, channel="touch",
                       kiosk_id=current_app.config["KIOSK_ID"], wish_id=answers.token)
    wake_printer(current_app)
    return redirect(url_for(".done", wish_id=wish.id), code=303)


@bp.get("/bedankt/<wish_id>")
def done(wish_id: str) -> View:
    """What was chosen and what happens next; never the name or the number."""
    wish = wishes.get_wish(get_db(), wish_id[:64])
    if wish is None:
        return redirect(url_for("resident.start"))
    created = datetime.fromisoformat(wish.created_at.replace("Z", "+00:00"))
    if datetime.now(UTC) - created > DONE_VISIBLE:
        return redirect(url_for("resident.start"))
    from printing import backends

    has_printer = not backends.is_dummy(config.get_setting(get_db(), "printer"))
    return render_template("wishes/bedankt.html", wish=wish, has_printer=has_printer,
                           done_idle_seconds=DONE_IDLE_SECONDS)
