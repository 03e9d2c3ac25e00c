"""The volunteer desk under /vrijwilliger: the PIN page, entering paper slips and phone
signups, printing slips, the signups of an activity, and check-in at the door.

Views stay thin: the rules live in kiosk.core.slips, kiosk.core.checkin, kiosk.core.signups and
kiosk.web.auth. Every page here shows names, so every response is marked no-store.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response

from kiosk.core import agenda, audit, calls, checkin, config, dutch, pins, print_jobs, signup_lists
from kiosk.core import slips as slip_domain
from kiosk.core.clock import utc_iso
from kiosk.core.db import write_transaction
from kiosk.core.signups import (
    Signup,
    SignupError,
    cancel_signup,
    clean_signup_id,
    create_signup,
    get_signup,
)
from kiosk.web import auth
from kiosk.web.desk import render_desk
from kiosk.web.request_db import app_now, get_db
from kiosk.web.workers import wake_printer

bp = Blueprint("volunteer", __name__, url_prefix="/vrijwilliger")

View = str | Response | tuple[str, int]


def _wake_printer() -> None:
    wake_printer(current_app)


@bp.after_request
def _private(response: Response) -> Response:
    return auth.no_store(response)


# --- Signing in and out ------------------------------------------------------------------


@bp.route("/pincode", methods=["GET", "POST"])
def pin() -> View:
    wanted = request.values.get("rol", "volunteer")
    next_url = auth.safe_next(request.values.get("next"))
    idle_notice = auth.signed_in_role() is None and bool(session.pop("signed_out_idle", False))
    if request.method == "GET":
        error = ""
        if not pins.has_pins(get_db()):
            error = "Er is nog geen pincode. Stel er een in met: buurtkiosk set-pin vrijwilliger"
        return render_template(
            "volunteer/pin.html",
            wanted=wanted,
            next_url=next_url,
            idle_notice=idle_notice,
            error=error,
            name="",
        )
    raw_name = request.form.get("name", "")
    name, error = auth.clean_actor(raw_name), ""
    if name is None:
        name, error = raw_name[: auth.MAX_ACTOR], auth.ACTOR_WRONG
    elif not name:
        error = "Vul uw naam in. Dan weten we later wie wat heeft gedaan."
    else:
        result = pins.check_pin(get_db(), request.form.get("pin", ""))
        if result.role is None:
            if result.wait_seconds:
                error = (
                    f"Te vaak een verkeerde pincode. Wacht {result.wait_seconds} seconden "
                    "en probeer het dan opnieuw."
                )
            else:
                error = (
                    f"Deze pincode klopt niet. U kunt het nog {result.tries_left} keer proberen."
                )
        elif wanted == "coordinator" and result.role != "coordinator":
            error = "Hiervoor is de pincode van de coördinator nodig."
        else:
            auth.sign_in(result.role, name)
            with write_transaction(get_db()):
                audit.record(get_db(), auth.current_actor(), "signed_in", "Begonnen")
            home = "coordinator.home" if result.role == "coordinator" else "volunteer.home"
            return redirect(next_url or url_for(home), code=303)
    return render_template(
        "volunteer/pin.html",
        wanted=wanted,
        next_url=next_url,
        idle_notice=False,
        error=error,
        name=name,
    ), 400


@bp.route("/afsluiten", methods=["GET", "POST"])
def sign_out() -> Response:
    """GET too: the idle timer in volunteer.js goes here by itself."""
    idle = request.values.get("reden") == "stil"
    if auth.signed_in_role() is not None:
        with write_transaction(get_db()):
            what = "Gestopt na 5 minuten niets doen" if idle else "Gestopt"
            audit.record(get_db(), auth.current_actor(), "signed_out", what)
    auth.sign_out()
    if idle:
        # The screen is for residents again; the volunteer hears why on the next sign-in.
        session["signed_out_idle"] = True
    return redirect(url_for("resident.start"), code=303)


# --- Home -----------------------------------------------------------------------------


@bp.get("/")
@auth.require_role("volunteer")
def home() -> str:
    from printing import backends

    db = get_db()
    return render_desk(
        "volunteer/home.html",
        to_call=len(calls.signups_needing_a_call(db)),
        no_printer=backends.is_dummy(config.get_setting(db, "printer")),
    )


@bp.get("/bonnen")
@auth.require_role("volunteer")
def kept_prints() -> str:
    """Without a printer (dummy://) the kiosk keeps its last prints in memory to show here."""
    from printing import backends

    return render_desk("volunteer/kept_prints.html", prints=backends.kept_prints())


# --- Residents to phone ----------------------------------------------------------------


@bp.get("/bellen")
@auth.require_role("volunteer")
def to_call() -> str:
    return render_desk("volunteer/calls.html", items=calls.signups_needing_a_call(get_db()))


@bp.post("/aanmelding/<signup_id>/gebeld")
@auth.require_role("volunteer")
def called(signup_id: str) -> Response:
    db = get_db()
    signup = _signup_or_404(signup_id)
    with write_transaction(db):
        calls.mark_called(db, signup.id)
        _audit_signup(db, signup, "signup.called", f"Gebeld over aanmelding {signup.display_code}")
    flash(f"Aanmelding {signup.display_code}: gebeld. Dank u wel.")
    return redirect(url_for(".to_call"), code=303)


@bp.post("/aanmelding/<signup_id>/nieuw-kaartje")
@auth.require_role("volunteer")
def new_ticket(signup_id: str) -> Response:
    """From the call list: the paper the resident holds is wrong now (new time, place or
    seat), so print one that is right, saying what changed since the first."""
    db = get_db()
    signup = _signup_or_404(signup_id)
    item = calls.call_item(db, signup.id)
    if item is None or not item.reprint:
        flash("Voor deze aanmelding is geen nieuw kaartje nodig.")
        return redirect(url_for(".to_call"), code=303)
    with write_transaction(db):
        print_jobs.queue_print_job(db, "ticket", signup.id,
                                   {"copy": True, "what_changed": list(item.changes)})
        _audit_signup(db, signup, "ticket.reprinted",
                      f"Nieuw kaartje {signup.display_code}: {item.reason}")
    _wake_printer()
    flash(f"Een nieuw kaartje {signup.display_code} gaat naar de printer. "
          "Bel de bewoner ook, en druk dan op Gebeld.")
    return redirect(url_for(".to_call"), code=303)


@bp.post("/printer/opnieuw")
@auth.require_role("volunteer")
def printer_retry() -> Response:
    with write_transaction(get_db()):
        print_jobs.retry_now(get_db())
    _wake_printer()
    flash("De printer probeert het opnieuw.")
    return redirect(auth.safe_next(request.form.get("next")) or url_for(".home"), code=303)


# --- Entering slips and phone signups --------------------------------------------------


def _entry_page(status: int = 200, **context: Any) -> View:
    db = get_db()
    since = utc_iso(dutch.local(app_now()).replace(hour=0, minute=0, second=0, microsecond=0))
    # A fresh token per form: Enter pressed twice saves one phone signup, not two.
    context.setdefault("phone_form", {"token": str(uuid.uuid4())})
    page = render_desk(
        "volunteer/entry.html",
        activities=_open_activities(),
        entered_today=slip_domain.entered_by_actor_today(db, auth.current_actor(), since),
        print_ticket=bool(session.get("print_ticket")),
        **context,
    )
    return (page, status) if status != 200 else page


def _open_activities() -> list[agenda.Activity]:
    """What a slip or a phone call can still sign up for."""
    now = app_now()
    return [
        a
        for a in signup_lists.desk_activities(get_db(), now)
        if a.status == "scheduled" and a.starts_at > now
    ]


def _saved(signup_id: str | None) -> dict[str, Any] | None:
    signup = get_signup(get_db(), signup_id) if signup_id else None
    if signup is None:
        return None
    return {"signup": signup, "activity": agenda.get_activity(get_db(), signup.activity_id)}


@bp.get("/invoeren")
@auth.require_role("volunteer")
def entry() -> View:
    return _entry_page(saved=_saved(request.args.get("opgeslagen")))


@bp.post("/invoeren/strook")
@auth.require_role("volunteer")
def entry_scan() -> View:
    """Step 1: the scanner typed the QR (or the volunteer typed the code) and pressed Enter."""
    raw = request.form.get("scan", "")
    try:
        slip = slip_domain.look_up(get_db(), raw)
    except slip_domain.SlipError as error:
        return _entry_page(400, scan_error=error.message, scanned=raw)
    return _slip_form(slip, {"name": "", "phone": "", "party_size": "", "choice": ""})


def _slip_form(
    slip: slip_domain.Slip, values: dict[str, str], error: str = "", field: str = ""
) -> View:
    db = get_db()
    activity = agenda.get_activity(db, slip.activity_id) if slip.activity_id else None
    choices = [agenda.get_activity(db, a) for a in slip.choices]
    page = render_desk(
        "volunteer/slip_form.html",
        slip=slip,
        activity=activity,
        choices=choices,
        values=values,
        error=error,
        field=field,
        print_ticket=bool(session.get("print_ticket")),
    )
    return (page, 400) if error else page


@bp.post("/invoeren/strook/opslaan")
@auth.require_role("volunteer")
def entry_save() -> View:
    """Step 2: Enter in any field saves; back to an empty scan field for the next slip."""
    db = get_db()
    form = request.form
    values = {k: form.get(k, "") for k in ("name", "phone", "party_size", "choice")}
    code = form.get("code", "")
    print_ticket = form.get("print_ticket") == "1"
    try:
        signup = slip_domain.enter_slip(
            db,
            code,
            name=values["name"],
            phone=values["phone"],
            party_size=values["party_size"] or 1,
            choice=values["choice"],
            actor=auth.current_actor(),
            kiosk_id=current_app.config["KIOSK_ID"],
            print_ticket=print_ticket,
        )
    except slip_domain.SlipError as error:
        return _entry_page(400, scan_error=error.message)
    except SignupError as error:
        slip = slip_domain.get_slip(db, code)
        if slip is None:
            abort(400)
        return _slip_form(slip, values, error.message, error.field)
    if print_ticket:
        _wake_printer()
    session["print_ticket"] = print_ticket  # the desk's choice holds for the next slip
    return redirect(url_for(".entry", opgeslagen=signup.id), code=303)


@bp.post("/invoeren/telefoon")
@auth.require_role("volunteer")
def entry_phone() -> View:
    db = get_db()
    form = request.form
    values = {k: form.get(k, "") for k in ("activity_id", "name", "phone", "party_size", "token")}
    print_ticket = form.get("print_ticket") == "1"
    try:
        with write_transaction(db):
            # The token is this form's own: Enter pressed twice gives the one signup back.
            # Anything else (another signup's id, a made-up string) is not a token.
            token = clean_signup_id(values["token"])
            repeat = get_signup(db, token) if token else None
            if repeat is not None:
                if repeat.channel != "phone" or repeat.activity_id != values["activity_id"]:
                    raise SignupError("Dit formulier is al gebruikt. Vul het opnieuw in.")
                return redirect(url_for(".entry", opgeslagen=repeat.id), code=303)
            signup = create_signup(
                db,
                values["activity_id"],
                name=values["name"],
                phone=values["phone"],
                party_size=values["party_size"] or 1,
                channel="phone",
                kiosk_id=current_app.config["KIOSK_ID"],
                signup_id=token or None,
                print_ticket=print_ticket,
            )
            waitlist = " (wachtlijst)" if signup.status == "waitlist" else ""
            _audit_signup(
                db,
                signup,
                "phone.entered",
                f"Telefonische aanmelding {signup.display_code}{waitlist}",
            )
    except SignupError as error:
        values["token"] = str(uuid.uuid4())
        return _entry_page(
            400, phone_form=values, phone_error=error.message, phone_field=error.field
        )
    if print_ticket:
        _wake_printer()
    return redirect(url_for(".entry", opgeslagen=signup.id), code=303)


# --- Printing slips --------------------------------------------------------------------


def _count(raw: str | None) -> int:
    try:
        return int((raw or "").strip())
    except ValueError:
        return 0


@bp.get("/stroken-printen")
@auth.require_role("volunteer")
def print_slips() -> str:
    db = get_db()
    week_start = app_now()
    return render_desk(
        "volunteer/print_slips.html",
        activities=_open_activities(),
        week_label=signup_lists.week_label(week_start),
        week_count=len(signup_lists.week_activities(db, week_start)),
        chosen=request.args.get("activiteit", ""),
        max_slips=slip_domain.MAX_SLIPS_PER_PRINT,
    )


@bp.post("/stroken-printen")
@auth.require_role("volunteer")
def print_slips_post() -> View:
    db = get_db()
    count = _count(request.form.get("count"))
    try:
        if request.form.get("kind") == "week":
            start = app_now()
            printed = slip_domain.print_week_sheets(
                db,
                signup_lists.week_activities(db, start),
                count,
                auth.current_actor(),
                signup_lists.week_label(start),
            )
        else:
            printed = slip_domain.print_activity_slips(
                db, request.form.get("activity_id", ""), count, auth.current_actor()
            )
    except slip_domain.SlipError as error:
        flash(error.message, "error")
        return redirect(url_for(".print_slips"), code=303)
    _wake_printer()
    flash(f"{slip_domain.stroken(len(printed)).capitalize()} naar de printer gestuurd.")
    return redirect(url_for(".print_slips"), code=303)


# --- Activities and their signups ------------------------------------------------------


@bp.get("/activiteiten")
@auth.require_role("volunteer")
def activities() -> str:
    db = get_db()
    rows = [
        (activity, signup_lists.activity_signups(db, activity.id))
        for activity in signup_lists.desk_activities(db, app_now())
    ]
    return render_desk("volunteer/activities.html", rows=rows)


def _activity_or_404(activity_id: str) -> agenda.Activity:
    activity = agenda.get_activity(get_db(), activity_id)
    if activity is None:
        abort(404)
    return activity


@bp.get("/activiteit/<activity_id>")
@auth.require_role("volunteer")
def activity(activity_id: str) -> str:
    db = get_db()
    act = _activity_or_404(activity_id)
    moved_up = [get_signup(db, i) for i in request.args.get("opgeschoven", "").split(",") if i]
    return render_desk(
        "volunteer/activity.html",
        activity=act,
        lists=signup_lists.activity_signups(db, act.id),
        cancelled=get_signup(db, request.args.get("geannuleerd", "")),
        moved_up=[s for s in moved_up if s is not None],
    )


@bp.post("/activiteit/<activity_id>/presentielijst")
@auth.require_role("volunteer")
def print_attendance(activity_id: str) -> Response:
    db = get_db()
    act = _activity_or_404(activity_id)
    with write_transaction(db):
        print_jobs.queue_print_job(db, "attendance", None, {"activity_id": act.id})
        audit.record(
            db,
            auth.current_actor(),
            "attendance.printed",
            f"Presentielijst geprint: {act.title}",
            activity_id=act.id,
        )
    _wake_printer()
    flash("De presentielijst gaat naar de printer.")
    return redirect(url_for(".activity", activity_id=act.id), code=303)


def _audit_signup(db: Any, signup: Signup, action: str, detail: str) -> None:
    """Call inside the transaction that did the deed."""
    audit.record(
        db,
        auth.current_actor(),
        action,
        detail,
        activity_id=signup.activity_id,
        signup_id=signup.id,
    )


def _signup_or_404(signup_id: str) -> Signup:
    signup = get_signup(get_db(), signup_id)
    if signup is None:
        abort(404)
    return signup


@bp.get("/aanmelding/<signup_id>/annuleren")
@auth.require_role("volunteer")
def cancel_confirm(signup_id: str) -> str:
    signup = _signup_or_404(signup_id)
    return render_desk(
        "volunteer/cancel.html",
        signup=signup,
        activity=agenda.get_activity(get_db(), signup.activity_id),
    )


@bp.post("/aanmelding/<signup_id>/annuleren")
@auth.require_role("volunteer")
def cancel(signup_id: str) -> Response:
    db = get_db()
    signup = _signup_or_404(signup_id)
    with write_transaction(db):
        moved_up = cancel_signup(db, signup.id)
        moved = ", ".join(s.display_code for s in moved_up)
        _audit_signup(
            db,
            signup,
            "signup.cancelled",
            f"Aanmelding {signup.display_code} geannuleerd"
            + (f"; van de wachtlijst naar binnen: {moved}" if moved else ""),
        )
    return redirect(
        url_for(
            ".activity",
            activity_id=signup.activity_id,
            geannuleerd=signup.id,
            opgeschoven=",".join(s.id for s in moved_up) or None,
        ),
        code=303,
    )


@bp.post("/aanmelding/<signup_id>/kaartje")
@auth.require_role("volunteer")
def reprint(signup_id: str) -> Response:
    db = get_db()
    signup = _signup_or_404(signup_id)
    with write_transaction(db):
        print_jobs.queue_print_job(db, "ticket", signup.id, {"copy": True})
        _audit_signup(
            db, signup, "ticket.reprinted", f"Kopie van kaartje {signup.display_code} geprint"
        )
    _wake_printer()
    flash(f"Een kopie van kaartje {signup.display_code} gaat naar de printer.")
    return redirect(url_for(".activity", activity_id=signup.activity_id), code=303)


@bp.post("/aanmelding/<signup_id>/binnen")
@auth.require_role("volunteer")
def arrived(signup_id: str) -> Response:
    signup = _signup_or_404(signup_id)
    result = checkin.mark_attended(get_db(), signup.id, actor=auth.current_actor())
    flash(result.message, "error" if result.outcome == "refused" else "message")
    back = auth.safe_next(request.form.get("next"))
    return redirect(back or url_for(".activity", activity_id=signup.activity_id), code=303)


# --- Check-in at the door --------------------------------------------------------------


def _back_to_check_in() -> Response:
    back = auth.safe_next(request.form.get("next"))
    return redirect(back or url_for(".check_in"), code=303)


@bp.post("/deurlijst/<signup_id>/binnen")
@auth.require_role("volunteer")
def door_arrived(signup_id: str) -> Response:
    """A resident of another kiosk, on the door list, let in after a look (other day)."""
    result = checkin.door_arrived(get_db(), signup_id[:64], actor=auth.current_actor())
    flash(result.message, "error" if result.outcome == "refused" else "message")
    return _back_to_check_in()


@bp.post("/binnenkomst/kaartje")
@auth.require_role("volunteer")
def ticket_arrived() -> Response:
    """A genuine ticket of another kiosk that no list here knows, let in after a look."""
    db = get_db()
    result = checkin.ticket_arrived(db, config.signing_secret(db),
                                    request.form.get("kaartje", "")[:300],
                                    actor=auth.current_actor())  # fmt: skip
    flash(result.message, "error" if result.outcome == "refused" else "message")
    return _back_to_check_in()


@bp.route("/binnenkomst", methods=["GET", "POST"])
@auth.require_role("volunteer")
def check_in() -> View:
    db = get_db()
    activity_id = request.values.get("activiteit") or None
    act = agenda.get_activity(db, activity_id) if activity_id else None
    result = None
    if request.method == "POST":
        result = checkin.scan(
            db,
            config.signing_secret(db),
            request.form.get("scan", ""),
            actor=auth.current_actor(),
            activity_id=act.id if act else None,
            now=app_now(),
        )
    today = signup_lists.desk_activities(db, app_now(), days=1)
    page = render_desk(
        "volunteer/checkin.html",
        activity=act,
        result=result,
        today=today,
        counts=checkin.attendance_counts(db, act.id) if act else None,
    )
    return (page, 400) if result is not None and result.outcome == "refused" else page
