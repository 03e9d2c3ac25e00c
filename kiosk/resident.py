"""The resident's screens: the agenda, one activity, the signup steps, and the ticket code.

Signup answers travel as hidden form fields from step to step, so nothing is stored
until the resident taps "Ja, meld mij aan" — and a half-finished signup simply vanishes
when the screen goes back to the start.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from kiosk import agenda, config, dutch
from kiosk.flask_db import get_db
from kiosk.signups import (
    SignupError,
    clean_name,
    clean_party_size,
    clean_phone,
    create_signup,
    get_signup,
)

bp = Blueprint("resident", __name__)

PER_PAGE = 5
STEPS = ("naam", "telefoon", "aantal", "controle")
# The code stays on screen for a short while only: the next resident must not find it.
DONE_VISIBLE = timedelta(minutes=5)


def _now() -> datetime:
    return current_app.config.get("NOW") or datetime.now(UTC)


def _shown_stadsdorpen() -> list[str]:
    raw = config.get_setting(get_db(), "stadsdorpen")
    return [name.strip() for name in raw.split(",") if name.strip()]


def _numbered_upcoming() -> list[agenda.Activity]:
    return agenda.upcoming(get_db(), _now(), stadsdorpen=_shown_stadsdorpen())


@bp.get("/")
def start() -> str:
    activities = _numbered_upcoming()
    pages = max(math.ceil(len(activities) / PER_PAGE), 1)
    page = min(max(request.args.get("pagina", 1, type=int), 1), pages)
    days = agenda.group_by_day(activities, _now())
    first = (page - 1) * PER_PAGE + 1
    last = first + PER_PAGE - 1
    shown = [
        agenda.AgendaDay(d.day, d.label, [(n, a) for n, a in d.items if first <= n <= last])
        for d in days
    ]
    return render_template(
        "start.html",
        days=[d for d in shown if d.items],
        page=page,
        pages=pages,
        total=len(activities),
    )


def _activity_or_404(activity_id: str) -> agenda.Activity:
    activity = agenda.get_activity(get_db(), activity_id)
    if activity is None or activity.status == "removed":
        abort(404)
    return activity


@bp.get("/activiteit/<activity_id>")
def activity(activity_id: str) -> str:
    return render_template("activity.html", activity=_activity_or_404(activity_id))


def _answers() -> dict[str, str]:
    form = request.form
    return {
        "name": form.get("name", ""),
        "phone": form.get("phone", ""),
        "party_size": form.get("party_size", "1"),
        "token": form.get("token") or str(uuid.uuid4()),
    }


def _render_step(activity: agenda.Activity, step: str, answers: dict[str, str], error: str = ""):
    return render_template(
        f"signup_{step}.html", activity=activity, step=step, answers=answers, error=error,
        step_number=STEPS.index(step) + 1, step_count=len(STEPS),
    )


@bp.get("/activiteit/<activity_id>/aanmelden")
def signup_start(activity_id: str) -> str:
    activity = _activity_or_404(activity_id)
    if activity.status == "cancelled":
        return render_template("activity.html", activity=activity)
    answers = {"name": "", "phone": "", "party_size": "1", "token": str(uuid.uuid4())}
    return _render_step(activity, "naam", answers)


@bp.post("/activiteit/<activity_id>/aanmelden")
def signup_step(activity_id: str) -> str | Response | tuple[str, int]:
    """Each POST checks the step just answered, then shows the next (or previous) one."""
    activity = _activity_or_404(activity_id)
    answers = _answers()
    step = request.form.get("step", "naam")
    if step not in STEPS:
        step = "naam"
    action = request.form.get("action", "verder")

    if action == "terug":
        previous = STEPS[max(STEPS.index(step) - 1, 0)]
        return _render_step(activity, previous, answers)
    if action == "wijzig":
        return _render_step(activity, "naam", answers)

    try:
        if step == "naam":
            answers["name"] = clean_name(answers["name"])
        elif step == "telefoon":
            clean_phone(answers["phone"])
        elif step == "aantal":
            answers["party_size"] = str(clean_party_size(answers["party_size"]))
    except SignupError as error:
        return _render_step(activity, step, answers, error.message), 400

    if step != "controle":
        return _render_step(activity, STEPS[STEPS.index(step) + 1], answers)

    db = get_db()
    try:
        signup = create_signup(
            db,
            activity.id,
            name=answers["name"],
            phone=answers["phone"],
            party_size=answers["party_size"],
            channel="touch",
            kiosk_id=current_app.config["KIOSK_ID"],
            signup_id=answers["token"],
        )
    except SignupError as error:
        target = {"name": "naam", "phone": "telefoon", "party_size": "aantal"}.get(
            error.field, "controle"
        )
        return _render_step(activity, target, answers, error.message), 400
    from kiosk import wake_printer

    wake_printer(current_app)
    return redirect(url_for("resident.done", signup_id=signup.id), code=303)


@bp.get("/aangemeld/<signup_id>")
def done(signup_id: str) -> str | Response:
    signup = get_signup(get_db(), signup_id)
    if signup is None:
        return redirect(url_for("resident.start"))
    created = datetime.fromisoformat(signup.created_at.replace("Z", "+00:00"))
    if datetime.now(UTC) - created > DONE_VISIBLE:
        return redirect(url_for("resident.start"))
    activity = agenda.get_activity(get_db(), signup.activity_id)
    return render_template("done.html", signup=signup, activity=activity)


@bp.app_template_filter("written_moment")
def _written_moment(moment: datetime) -> str:
    return dutch.written_moment(moment)


@bp.app_template_filter("time_range")
def _time_range(activity: agenda.Activity) -> str:
    return dutch.time_range(activity.starts_at, activity.ends_at)


@bp.app_template_filter("written_date")
def _written_date(moment: datetime) -> str:
    return dutch.written_date(dutch.local(moment).date())
