"""The resident's screens: the agenda, one activity, the signup steps, and the ticket code.

Signup answers travel as hidden form fields from step to step, so nothing is stored
until the resident taps "Ja, meld mij aan" — and a half-finished signup simply vanishes
when the screen goes back to the start.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from kiosk.core import agenda, config, inputs, leases, print_jobs
from kiosk.core.signups import (
    MAX_NAME,
    MAX_PARTY,
    PROVISIONAL_NEEDS_PHONE,
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

# One person with no name signs up in four taps: a card, "Ik doe mee", "Ik kom alleen",
# "Ja, meld mij aan". Name and phone are offered once, on "Klopt dit?", and each line there
# opens straight the step that changes it; those steps lead back to "Klopt dit?".
STEPS = ("aantal", "meer", "controle", "naam", "telefoon")
STEP_NUMBER = {"aantal": 1, "meer": 1, "controle": 2, "naam": 2, "telefoon": 2}
STEP_COUNT = 2
BACK_TO = {"meer": "aantal", "controle": "aantal", "naam": "controle", "telefoon": "controle"}
QUICK_PARTY = {"alleen": "1", "twee": "2"}
CHANGEABLE = ("aantal", "naam", "telefoon")  # "Verander" on a line of "Klopt dit?"
FIELD_STEP = {"name": "naam", "phone": "telefoon", "party_size": "meer"}
MAX_PHONE_TYPED = 20
# The code stays reachable for a short while only: the next resident must not find it.
DONE_VISIBLE = timedelta(minutes=5)
# A second tap on "Ja, meld mij aan" arrives within this; a replay from history later.
REPEAT_TAP = timedelta(seconds=10)
# The done screen goes back to the start sooner than other screens: nothing is lost there.
DONE_IDLE_SECONDS = 60

Answers = dict[str, str]


@bp.after_request
def _not_kept(response: Response) -> Response:
    """A resident's answers and ticket code must not come back from the browser's cache
    for the next resident (Back, history); kiosk.js handles the back/forward cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


# The start page holds at most this many cards: more than fit on the largest screen
# (a day of short cards shows 4 on every supported screen, 1920x1080 included;
# tests/test_screens.py checks each shows fewer than this), so a Pi builds and lays out
# a screenful, not the ~250 of two busy weeks.
START_WINDOW = 10
# The most pages back a resident can go.
MOST_PAGES_BACK = 300
# A resident leafing through the agenda sees it as it was at their first page, so an
# activity that begins meanwhile stays on its page and changes no card's number (the first
# page Vorige returns to would lose a card, and every card after it its number); for this
# long at most.
AGENDA_KEPT = timedelta(minutes=30)


# In `eerder`: the first page, whose place is "from the start" (an activity a sync puts
# before its first card is on it too).
FIRST_PAGE = "0"


@bp.get("/")
def start() -> str:
    """A window of the coming two weeks from the card whose agenda key is `vanaf` on
    (none: the first); static/agenda.js shows as many of its cards as fit the screen at
    hand (nothing scrolls), and its Meer asks for the window from the first card it could
    not show. `eerder` (repeated) holds the keys of the first cards of the pages before,
    so Vorige goes back to exactly the page it came from; `stand` the moment (Unix
    seconds) of the agenda the first page showed. Keys, not counts: an activity a sync
    adds or removes meanwhile shifts no card (agenda.upcoming_window)."""
    db = get_db()
    latest = int(app_now().timestamp())  # whole seconds, as every page after this one has it
    moment = inputs.pad_number(
        request.args.get("stand", ""), latest - int(AGENDA_KEPT.total_seconds()), latest
    )
    now = datetime.fromtimestamp(latest if moment is None else moment, UTC)
    key = agenda.parse_agenda_key(request.args.get("vanaf", ""))
    window = agenda.upcoming_window(
        db, now, key, START_WINDOW, stadsdorpen=config.shown_stadsdorpen(db)
    )
    earlier = _pages_before(request.args.getlist("eerder"), key) if window.offset else []
    return render_template(
        "start.html", window=window, earlier=earlier, moment=int(now.timestamp())
    )


def _pages_before(raw: list[str], key: agenda.AgendaKey | None) -> list[str]:
    """The first page, then the keys of the pages after it, each beginning no later than
    the next and before this page; anything else leads back to the first page."""
    if key is None or not 0 < len(raw) <= MOST_PAGES_BACK or raw[0] != FIRST_PAGE:
        return [FIRST_PAGE]
    keys = [agenda.parse_agenda_key(part) for part in raw[1:]]
    places = [(k.starts_utc, k.id) for k in keys if k is not None]
    if len(places) != len(keys):
        return [FIRST_PAGE]
    places.append((key.starts_utc, key.id))
    if any(a[0] > b[0] or a == b for a, b in zip(places, places[1:], strict=False)):
        return [FIRST_PAGE]
    return raw


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


def _outlook(activity: agenda.Activity, answers: Answers) -> str | None:
    """What the seat would be (leases.seat_outlook); the domain decides for real on
    submit."""
    try:
        size = int(answers["party_size"])
    except ValueError:
        return None
    return leases.seat_outlook(get_db(), activity.id, activity.capacity, size)


def _will_wait(activity: agenda.Activity, answers: Answers) -> bool:
    """Would this party go on the waitlist?"""
    outlook = _outlook(activity, answers)
    if outlook is not None:
        return outlook == leases.FULL
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
        provisional=_outlook(activity, answers) == leases.PROVISIONAL,
        max_party=MAX_PARTY,
        step_number=STEP_NUMBER[step],
        step_count=STEP_COUNT,
    )


def _check_step(step: str, answers: Answers) -> None:
    """Validate the answer given on `step`, storing it cleaned; raises SignupError."""
    if step == "naam":
        answers["name"] = clean_name(answers["name"])
    elif step == "telefoon":
        answers["phone"] = clean_phone(answers["phone"])
    elif step == "meer":
        answers["party_size"] = str(clean_party_size(answers["party_size"]))


@bp.get("/activiteit/<activity_id>/aanmelden")
def signup_start(activity_id: str) -> str | Response:
    activity = _activity_or_404(activity_id)
    if _closed_reason(activity):
        return redirect(url_for("resident.activity", activity_id=activity.id))
    answers = {"name": "", "phone": "", "party_size": "1", "token": str(uuid.uuid4())}
    return _render_step(activity, "aantal", answers)


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
        return _render_step(activity, "aantal", answers, message), 400

    action = request.form.get("action", "verder")
    if action == "terug":
        if step == STEPS[0]:
            return redirect(url_for("resident.activity", activity_id=activity.id), code=303)
        return _render_step(activity, BACK_TO[step], answers)
    if action in QUICK_PARTY:
        answers["party_size"] = QUICK_PARTY[action]
        return _render_step(activity, "controle", answers)
    if action == "meer":
        # "Met meer": three to start from, or what was chosen before when that was more.
        answers["party_size"] = str(max(3, _party_or_one(answers["party_size"])))
        return _render_step(activity, "meer", answers)
    if action.startswith("wijzig-") and action[len("wijzig-"):] in CHANGEABLE:
        return _render_step(activity, action[len("wijzig-"):], answers)
    if action != "verder":
        # Not a button this kiosk shows: the same step again, nothing done.
        return _render_step(activity, step, answers)

    try:
        _check_step(step, answers)
    except SignupError as error:
        return _render_step(activity, step, answers, error.message), 400

    if step != "controle":
        return _render_step(activity, "controle", answers)
    if _will_wait(activity, answers) and not answers["phone"]:
        # Someone has to call a waitlisted resident; "Klopt dit?" said so already.
        return _render_step(activity, "telefoon", answers)
    if not answers["phone"] and _outlook(activity, answers) == leases.PROVISIONAL:
        # Beyond this kiosk's seats the hub decides; if it finds none, someone calls.
        return _render_step(activity, "telefoon", answers, PROVISIONAL_NEEDS_PHONE), 400
    return _submit(activity, answers)


def _party_or_one(raw: str) -> int:
    try:
        return clean_party_size(raw)
    except SignupError:
        return 1


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
    from printing import backends

    printer_set_up = not backends.is_dummy(config.get_setting(get_db(), "printer"))
    return render_template(
        "done.html",
        signup=signup,
        activity=activity,
        done_idle_seconds=DONE_IDLE_SECONDS,
        ticket=print_jobs.ticket_outlook(get_db(), signup.id, printer_set_up),
    )
