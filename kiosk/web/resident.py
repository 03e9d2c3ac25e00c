"""The resident's screens: the agenda, one activity, the signup steps, and the ticket code.

Signup answers travel as hidden form fields from step to step, so nothing is stored
until the resident taps "Ja, meld mij aan" — and a half-finished signup simply vanishes
when the screen goes back to the start.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from kiosk.core import agenda, config, inputs
from kiosk.core.signups import (
    MAX_NAME,
    MAX_PARTY,
    SignupError,
    clean_name,
    clean_party_size,
    clean_phone,
    create_signup,
    get_signup,
)
from kiosk.web.request_db import app_now, get_db
from kiosk.web.workers import wake_printer

bp = Blueprint("resident", __name__)

STEPS = ("naam", "telefoon", "aantal", "controle")
FIELD_STEP = {"name": "naam", "phone": "telefoon", "party_size": "aantal"}
MAX_PHONE_TYPED = 20
# The code stays reachable for a short while only: the next resident must not find it.
DONE_VISIBLE = timedelta(minutes=5)
# A second tap on "Ja, meld mij aan" arrives within this; a replay from history later.
REPEAT_TAP = timedelta(seconds=10)
# The done screen goes back to the start sooner than other screens: nothing is lost there.
DONE_IDLE_SECONDS = 60

# The start screen may not scroll (residents tap, they do not swipe), so a page holds
# as many cards and day headings as fit. These heights in px mirror kiosk.css
# (.agenda-card + gap, .day-label); the budget is the content height at 1280x800.
PAGE_BUDGET = 650
CARD_HEIGHT = 110
DAY_HEADING_HEIGHT = 52

Answers = dict[str, str]


def page_bounds(days: list[date]) -> list[range]:
    """Split the agenda, given as the local day of each activity in order, into pages:
    cards until the next one would not fit; a day that runs on to the next page gets its
    heading again there. Returns the positions in the agenda on each page."""
    bounds: list[range] = []
    first, used = 0, 0
    for index, day in enumerate(days):
        same_day = index > first and days[index - 1] == day
        cost = CARD_HEIGHT + (0 if same_day else DAY_HEADING_HEIGHT)
        if index > first and used + cost > PAGE_BUDGET:
            bounds.append(range(first, index))
            first, cost = index, CARD_HEIGHT + DAY_HEADING_HEIGHT
            used = 0
        used += cost
    bounds.append(range(first, len(days)))
    return bounds


@bp.after_request
def _not_kept(response: Response) -> Response:
    """A resident's answers and ticket code must not come back from the browser's cache
    for the next resident (Back, history); kiosk.js handles the back/forward cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
def start() -> str:
    now = app_now()
    db = get_db()
    shown = config.shown_stadsdorpen(db)
    # Only the shown page's activities are built; the others need only their day.
    days = agenda.upcoming_days(db, now, stadsdorpen=shown)
    bounds = page_bounds(days)
    page = min(max(request.args.get("pagina", 1, type=int), 1), len(bounds))
    on_page = bounds[page - 1]
    activities = agenda.upcoming(db, now, stadsdorpen=shown, offset=on_page.start,
                                 limit=len(on_page))
    return render_template(
        "start.html", days=agenda.group_by_day(activities, now, first_number=on_page.start + 1),
        page=page, pages=len(bounds), total=len(days),
    )


def _activity_or_404(activity_id: str) -> agenda.Activity:
    activity = agenda.get_activity(get_db(), activity_id)
    if activity is None or activity.status == "removed":
        abort(404)
    return activity


def _closed_reason(activity: agenda.Activity) -> str:
    """Why a resident cannot sign up (any more), or '' when they can."""
    if activity.status == "cancelled":
        return "Deze activiteit gaat niet door."
    if activity.starts_at <= app_now():
        return "Deze activiteit is al begonnen."
    return ""


def _render_activity(activity: agenda.Activity, error: str = "") -> str:
    return render_template(
        "activity.html", activity=activity, closed=_closed_reason(activity), error=error
    )


@bp.get("/activiteit/<activity_id>")
def activity(activity_id: str) -> str:
    return _render_activity(_activity_or_404(activity_id))


def _valid_token(raw: str) -> str:
    """The token becomes the signup id, so only a well-formed uuid is taken as one."""
    return inputs.signup_id(raw) or ""


def _answers() -> Answers:
    form = request.form
    return {
        "name": form.get("name", ""),
        "phone": form.get("phone", ""),
        "party_size": form.get("party_size", "1"),
        "token": _valid_token(form.get("token", "")),
    }


# What a form field can hold when shown again: more than any valid answer, far less
# than a 10,000-character one (which the in-page keys could never erase).
SHOWN_LIMIT = {"name": MAX_NAME * 2, "phone": MAX_PHONE_TYPED, "party_size": 3}


def _shown(answers: Answers) -> Answers:
    return {key: value[: SHOWN_LIMIT.get(key, len(value))] for key, value in answers.items()}


def _will_wait(activity: agenda.Activity, answers: Answers) -> bool:
    """Would this party go on the waitlist? (The domain decides for real on submit.)"""
    if activity.seats_left is None:
        return False
    try:
        return int(answers["party_size"]) > activity.seats_left
    except ValueError:
        return False


def _render_step(
    activity: agenda.Activity, step: str, answers: Answers, error: str = ""
) -> str:
    return render_template(
        f"signup_{step}.html",
        activity=activity,
        step=step,
        answers=_shown(answers),
        error=error,
        will_wait=_will_wait(activity, answers),
        max_party=MAX_PARTY,
        step_number=STEPS.index(step) + 1,
        step_count=len(STEPS),
    )


def _check_step(step: str, answers: Answers) -> None:
    """Validate the answer given on `step`, storing it cleaned; raises SignupError."""
    if step == "naam":
        answers["name"] = clean_name(answers["name"])
    elif step == "telefoon":
        answers["phone"] = clean_phone(answers["phone"])
    elif step == "aantal":
        answers["party_size"] = str(clean_party_size(answers["party_size"]))


@bp.get("/activiteit/<activity_id>/aanmelden")
def signup_start(activity_id: str) -> str | Response:
    activity = _activity_or_404(activity_id)
    if _closed_reason(activity):
        return redirect(url_for("resident.activity", activity_id=activity.id))
    answers = {"name": "", "phone": "", "party_size": "1", "token": str(uuid.uuid4())}
    return _render_step(activity, "naam", answers)


@bp.post("/activiteit/<activity_id>/aanmelden")
def signup_step(activity_id: str) -> str | Response | tuple[str, int]:
    """Each POST checks the step just answered, then shows the next (or previous) one.
    Going back never checks anything, so an answer is kept even when it is not right yet."""
    activity = _activity_or_404(activity_id)
    closed = _closed_reason(activity)
    if closed:
        return _render_activity(activity, closed), 400

    answers = _answers()
    step = request.form.get("step", "")
    finished = _finished(answers["token"], step, activity.id)
    if finished is not None:
        return finished
    if step not in STEPS or not answers["token"]:
        # Not a form this kiosk showed (or an old one): start the steps again.
        answers["token"] = str(uuid.uuid4())
        message = "Er ging iets mis met het formulier. Begin alstublieft opnieuw."
        return _render_step(activity, "naam", answers, message), 400

    action = request.form.get("action", "verder")
    if action == "terug":
        if step == STEPS[0]:
            return redirect(url_for("resident.activity", activity_id=activity.id), code=303)
        return _render_step(activity, STEPS[max(STEPS.index(step) - 1, 0)], answers)
    if action == "wijzig":
        return _render_step(activity, "naam", answers)

    try:
        _check_step(step, answers)
    except SignupError as error:
        return _render_step(activity, step, answers, error.message), 400

    if step == "aantal" and _will_wait(activity, answers) and not answers["phone"]:
        # Someone has to call a waitlisted resident: ask for the number before the summary.
        return _render_step(activity, "telefoon", answers, _WAITLIST_NEEDS_PHONE), 400
    if step != "controle":
        return _render_step(activity, STEPS[STEPS.index(step) + 1], answers)
    return _submit(activity, answers)


def _finished(token: str, step: str, activity_id: str) -> Response | None:
    """A form whose token already made a signup never renders its answers again: Back,
    a history entry or a replayed POST lands on the start screen, so the next resident
    does not see the last one's name. Only a second tap on "Ja, meld mij aan" within a
    moment still shows the ticket code, as the first tap would have."""
    signup = get_signup(get_db(), token) if token else None
    if signup is None:
        return None
    created = datetime.fromisoformat(signup.created_at.replace("Z", "+00:00"))
    repeat_tap = (
        step == "controle"
        and request.form.get("action", "verder") == "verder"
        and signup.activity_id == activity_id
        and datetime.now(UTC) - created <= REPEAT_TAP
    )
    if repeat_tap:
        return redirect(url_for("resident.done", signup_id=signup.id), code=303)
    return redirect(url_for("resident.start"), code=303)


_WAITLIST_NEEDS_PHONE = (
    "Er is geen plek meer. Wilt u op de wachtlijst? Vul dan uw telefoonnummer in. "
    "Wij bellen u als er plek is."
)


def _submit(activity: agenda.Activity, answers: Answers) -> Response | tuple[str, int]:
    try:
        signup = create_signup(
            get_db(),
            activity.id,
            name=answers["name"],
            phone=answers["phone"],
            party_size=answers["party_size"],
            channel="touch",
            kiosk_id=current_app.config["KIOSK_ID"],
            # A second tap on "Ja, meld mij aan" sends the same token: one signup.
            signup_id=answers["token"],
            now=app_now(),
        )
    except SignupError as error:
        if error.field in FIELD_STEP:
            return _render_step(activity, FIELD_STEP[error.field], answers, error.message), 400
        return _render_activity(activity, error.message), 400

    wake_printer(current_app)
    return redirect(url_for("resident.done", signup_id=signup.id), code=303)


@bp.get("/aangemeld/<signup_id>")
def done(signup_id: str) -> str | Response:
    """Only the code and the activity: never a name or phone on a public screen."""
    signup = get_signup(get_db(), signup_id)
    if signup is None:
        return redirect(url_for("resident.start"))
    created = datetime.fromisoformat(signup.created_at.replace("Z", "+00:00"))
    if datetime.now(UTC) - created > DONE_VISIBLE:
        return redirect(url_for("resident.start"))
    activity = agenda.get_activity(get_db(), signup.activity_id)
    if activity is None:
        return redirect(url_for("resident.start"))
    return render_template(
        "done.html", signup=signup, activity=activity, done_idle_seconds=DONE_IDLE_SECONDS
    )
