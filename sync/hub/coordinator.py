"""The Netwerk coordinators' pages on the hub: activities with their signups from all
kiosks, kiosks and their last sync, a CSV export, a printable attendance list, and a
form to enter or change an activity. Behind a login (username and password)."""

from __future__ import annotations

import csv
import functools
import hmac
import io
import secrets
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

import qrcode
import qrcode.image.svg
from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from markupsafe import Markup
from werkzeug.wrappers import Response

from kiosk.core import codes, dutch, inputs
from kiosk.core.agenda import Activity
from kiosk.core.clock import utc_iso
from kiosk.core.db import write_transaction
from sync.hub import admin, agenda, doors, logins, seats
from sync.hub import feeds as hub_feeds
from sync.hub.csv_cells import safe_cell
from sync.hub.db import next_rev
from sync.hub.web import get_hub_db, now

bp = Blueprint("hub_coordinator", __name__, url_prefix="/coordinator")

F = TypeVar("F", bound=Callable[..., Any])


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return cast(str, session["csrf"])


def _clock() -> float:
    """Seconds for sessions and the throttle; tests move it instead of sleeping."""
    return time.time()


def _signed_in() -> str | None:
    """The coordinator of this browser's live session on the hub, or None."""
    if "coordinator" not in g:
        g.coordinator = logins.session_user(get_hub_db(), session.get("hub_session"), _clock())
    return cast(str | None, g.coordinator)


def current_coordinator() -> str | None:
    """The signed-in coordinator's username, for pages that show only their stadsdorpen."""
    return _signed_in()


@bp.app_context_processor
def template_helpers() -> dict[str, Any]:
    return {"csrf_token": csrf_token, "written": _written, "kiosk_names": _kiosk_names,
            "signed_in_coordinator": _signed_in,
            "ticket_code": _ticket_code}


def _from_this_site() -> bool:
    """Origin, else Referer, must name this hub (behind a proxy: as ProxyFix restores it)."""
    here = request.host_url.rstrip("/")
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin.rstrip("/") == here
    referer = urlsplit(request.headers.get("Referer", ""))
    return bool(referer.netloc) and f"{referer.scheme}://{referer.netloc}" == here


@bp.before_request
def check_csrf() -> None:
    """Every form post carries the session's token and comes from the hub's own pages; a
    request with no token at all is refused like one with a wrong token."""
    if request.method != "POST":
        return
    sent, expected = request.form.get("csrf", ""), session.get("csrf", "")
    if not sent or not expected or not hmac.compare_digest(str(sent), str(expected)):
        abort(400, "Het formulier is verlopen. Laad de pagina opnieuw.")
    if not _from_this_site():
        abort(403)


def login_required(view: F) -> F:
    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if _signed_in() is None:
            session.pop("hub_session", None)
            return redirect(url_for("hub_coordinator.login", next=request.path), code=303)
        response = current_app.make_response(view(*args, **kwargs))
        response.headers["Cache-Control"] = "no-store"  # names and phone numbers
        return response

    return cast(F, guarded)


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    error = ""
    if request.method == "POST":
        db = get_hub_db()
        username = request.form.get("username", "")[:logins.MAX_SUBJECT].strip()
        address = request.remote_addr or "?"
        wait = logins.attempt(db, username, address, _clock())
        if wait:
            minutes = max(1, round(wait / 60))
            error = (f"Te vaak een verkeerd wachtwoord. Wacht {minutes} "
                     f"{'minuut' if minutes == 1 else 'minuten'} en probeer het opnieuw.")
        elif admin.check_coordinator(db, username, request.form.get("password", "")):
            logins.succeeded(db, username, address)
            old = session.get("hub_session")
            if old:
                logins.end_session(db, old)
            session.clear()
            session["hub_session"] = logins.start_session(db, username, _clock())
            target = request.args.get("next", "")
            return redirect(target if target.startswith("/coordinator/") else
                            url_for("hub_coordinator.activities"), code=303)
        else:
            error = "Gebruikersnaam of wachtwoord klopt niet."
        return render_template("hub/login.html", error=error), 401
    return render_template("hub/login.html", error=error)


@bp.post("/logout")
def logout() -> Response:
    """Ends the session on the hub: a copy of the cookie opens nothing afterwards."""
    token = session.get("hub_session")
    if token:
        logins.end_session(get_hub_db(), token)
    session.clear()
    return redirect(url_for("hub_coordinator.login"), code=303)


def _written(iso: str | None) -> str:
    if not iso:
        return "nog nooit"
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return dutch.written_moment(moment)


def _ticket_code(code: str | None) -> str:
    """As on the ticket: '1VS-Q24', never '1VSQ24'."""
    return codes.display_code(code) if code and len(code) == codes.CODE_LENGTH else code or ""


def _kiosk_names() -> dict[int, str]:
    return dict(get_hub_db().execute("SELECT id, name FROM kiosks").fetchall())


@bp.get("/")
@login_required
def activities() -> str:
    db = get_hub_db()
    rows = db.query(
        """
        SELECT a.*, COALESCE(SUM(CASE WHEN s.status = 'confirmed' THEN s.party_size END), 0)
                   AS taken,
               COALESCE(SUM(CASE WHEN s.status = 'waitlist' THEN s.party_size END), 0)
                   AS waiting
        FROM activities a LEFT JOIN signups s ON s.activity_id = a.id
        WHERE a.starts_utc >= ? AND a.status != 'removed'
        GROUP BY a.id ORDER BY a.starts_utc
        """,
        [utc_iso(now() - timedelta(days=1))],
    )
    return render_template("hub/activities.html", activities=list(rows),
                           stadsdorpen=agenda.stadsdorp_names(db))


def _activity_or_404(activity_id: str) -> dict[str, Any]:
    activity = agenda.get_activity(get_hub_db(), activity_id)
    if activity is None:
        abort(404)
    return activity


def _signups(activity_id: str) -> list[dict[str, Any]]:
    return list(get_hub_db().query(
        "SELECT * FROM signups WHERE activity_id = ? ORDER BY "
        "CASE status WHEN 'confirmed' THEN 0 WHEN 'waitlist' THEN 1 ELSE 2 END, "
        "created_at, rowid",
        [activity_id],
    ))


@bp.get("/activiteit/<activity_id>")
@login_required
def activity(activity_id: str) -> str:
    row = _activity_or_404(activity_id)
    count = seats.count(get_hub_db(), activity_id, row["capacity"])
    return render_template("hub/activity.html", activity=row, signups=_signups(activity_id),
                           seats=count, stadsdorpen=agenda.stadsdorp_names(get_hub_db()))


@bp.get("/activiteit/<activity_id>/aanwezigheid")
@login_required
def attendance(activity_id: str) -> str:
    row = _activity_or_404(activity_id)
    people = [s for s in _signups(activity_id) if s["status"] != "cancelled"]
    return render_template("hub/attendance.html", activity=row, signups=people,
                           check_ins=doors.check_ins(get_hub_db(), activity_id))


FORM_FIELDS = ("title", "short_name", "stadsdorp", "date", "start", "end", "location_name",
               "address", "capacity", "price", "contact", "category", "accessibility",
               "description")


def _form_values(row: dict[str, Any] | None) -> dict[str, str]:
    if row is None:
        return {name: "" for name in FORM_FIELDS}
    start = datetime.fromisoformat(row["starts_at"])
    end = datetime.fromisoformat(row["ends_at"]) if row["ends_at"] else None
    values = {name: str(row.get(name) or "") for name in FORM_FIELDS}
    values.update(date=start.date().isoformat(), start=start.strftime("%H:%M"),
                  end=end.strftime("%H:%M") if end else "",
                  capacity="" if row["capacity"] is None else str(row["capacity"]))
    return values


class PastDate(ValueError):
    """A date already gone: saved only once the coordinator confirms it (entering last
    week's activity afterwards is fine; a typo in the year is not)."""


def parse_activity_form(form: dict[str, str], activity_id: str, stadsdorpen: set[str],
                        source: str = "hub") -> Activity:
    """The form -> an Activity (stadsdorp as slug); raises ValueError in Dutch."""
    title = inputs.text(form.get("title", ""), limit=200, what="De titel")
    if not title:
        raise ValueError("Geef de activiteit een titel.")
    if form.get("stadsdorp", "") not in stadsdorpen | {""}:
        raise ValueError("Kies een stadsdorp uit de lijst.")
    try:
        day = datetime.strptime(form.get("date", ""), "%Y-%m-%d").date()
        start = datetime.strptime(form.get("start", ""), "%H:%M").time()
    except ValueError:
        raise ValueError("Vul een datum (JJJJ-MM-DD) en een begintijd (UU:MM) in.") from None
    starts_at = datetime.combine(day, start, dutch.AMSTERDAM)
    ends_at = None
    if form.get("end"):
        try:
            ends_at = datetime.combine(day, datetime.strptime(form["end"], "%H:%M").time(),
                                       dutch.AMSTERDAM)
        except ValueError:
            raise ValueError("De eindtijd klopt niet (UU:MM).") from None
        if ends_at <= starts_at:
            raise ValueError("De eindtijd moet na de begintijd liggen.")
    capacity_text = form.get("capacity", "").strip()
    capacity = inputs.pad_number(capacity_text, 0, 10_000) if capacity_text else None
    if capacity_text and capacity is None:
        raise ValueError("Het aantal plaatsen is een getal (leeg = onbeperkt).")
    # The one input policy (InputError is a ValueError with a Dutch message).
    text: dict[str, Any] = {name: inputs.text(form.get(name, ""), limit=300, what=label)
            for name, label in (("short_name", "De korte naam"), ("location_name", "De plaats"),
                                ("address", "Het adres"), ("price", "De prijs"),
                                ("contact", "Het contact"), ("category", "De soort"),
                                ("accessibility", "De toegankelijkheid"))}
    description = inputs.text(form.get("description", ""), limit=2000,
                              what="De beschrijving", multiline=True)
    return Activity(
        id=activity_id, title=title, starts_at=starts_at, ends_at=ends_at,
        stadsdorp=form.get("stadsdorp", ""), description=description,
        capacity=capacity, source=source,
        **{**text, "short_name": text["short_name"] or title.lower()[:40]},
    )


@bp.route("/activiteit/nieuw", methods=["GET", "POST"])
@bp.route("/activiteit/<activity_id>/bewerken", methods=["GET", "POST"])
@login_required
def edit_activity(activity_id: str | None = None) -> str | Response | tuple[str, int]:
    db = get_hub_db()
    row = _activity_or_404(activity_id) if activity_id else None
    names = agenda.stadsdorp_names(db)
    if request.method == "GET":
        return render_template("hub/activity_form.html", values=_form_values(row), row=row,
                               stadsdorpen=names, error="")
    new_id = activity_id or "hub-" + secrets.token_hex(6)
    try:
        activity = parse_activity_form(request.form.to_dict(), new_id, set(names),
                                       source=row["source"] if row else "hub")
        if activity.starts_at < now() and request.form.get("past_ok") != "1":
            raise PastDate(
                f"Let op: {dutch.written_moment(activity.starts_at)} is al voorbij. Klopt "
                "de datum? Zet dan een vinkje bij 'De datum klopt' en sla opnieuw op.")
    except ValueError as err:
        values = {name: request.form.get(name, "") for name in FORM_FIELDS}
        return render_template("hub/activity_form.html", values=values, row=row,
                               stadsdorpen=names, error=str(err),
                               past=isinstance(err, PastDate)), 400
    with write_transaction(db):
        rev = next_rev(db)
        if row is not None:
            activity = _keep_status(activity, row)
        agenda.save_activity(db, activity, rev=rev)
        saved = agenda.get_activity(db, new_id)
        if saved is not None:
            seats.promote_waitlist(db, saved, rev)  # more seats: the waitlist moves up
    return redirect(url_for("hub_coordinator.activity", activity_id=new_id), code=303)


def _keep_status(activity: Activity, row: dict[str, Any]) -> Activity:
    return replace(activity, status=row["status"])


@bp.post("/activiteit/<activity_id>/status")
@login_required
def set_status(activity_id: str) -> Response:
    _activity_or_404(activity_id)
    status = request.form.get("status", "")
    # "removed" deletes the activity for the kiosks; its signups stay, and each kiosk
    # puts its residents on the call list.
    if status not in ("scheduled", "cancelled", "removed"):
        abort(400)
    db = get_hub_db()
    with write_transaction(db):
        agenda.set_status(db, activity_id, status, next_rev(db))
    return redirect(url_for("hub_coordinator.activity", activity_id=activity_id), code=303)


@bp.post("/kiosks/<int:kiosk_id>/plekken")
@login_required
def kiosk_places(kiosk_id: int) -> Response:
    """Where a kiosk stands: its door list is the residents of activities there."""
    db = get_hub_db()
    with write_transaction(db):
        doors.set_places(db, kiosk_id, request.form.get("locations", ""))
    return redirect(url_for("hub_coordinator.kiosks"), code=303)


@bp.post("/kiosks/<int:kiosk_id>/sleutel")
@login_required
def kiosk_token(kiosk_id: int) -> str:
    """A new token for a kiosk, shown once, as text and as a QR code: at the kiosk the
    coordinator taps the token field and holds this screen to the USB scanner, which
    types the 43 characters. The old token stops working at once."""
    db = get_hub_db()
    row = db.execute("SELECT name FROM kiosks WHERE id = ?", [kiosk_id]).fetchone()
    if row is None:
        abort(404)
    token = admin.new_token(db, row[0])
    return render_template("hub/kiosk_token.html", name=row[0], token=token,
                           qr_svg=Markup(token_qr_svg(token)))


def token_qr_svg(token: str) -> str:
    """The token as an SVG QR code (no pixels to scale, sharp on any screen)."""
    image = qrcode.make(token, image_factory=qrcode.image.svg.SvgPathImage, box_size=12,
                        border=4)
    return image.to_string(encoding="unicode")


@bp.get("/kiosks")
@login_required
def kiosks() -> str:
    db = get_hub_db()
    rows = db.query(
        "SELECT k.*, (SELECT COUNT(*) FROM signups s WHERE s.kiosk_id = k.id) AS signups "
        "FROM kiosks k ORDER BY k.name"
    )
    return render_template("hub/kiosks.html", kiosks=list(rows), feeds=hub_feeds.feed_rows(db),
                           stadsdorpen=agenda.stadsdorp_names(db))


CSV_HEADER = ["activiteit", "begint", "stadsdorp", "naam", "telefoon", "aantal", "status",
              "kiosk", "kanaal", "code", "aangemeld", "aanwezig"]


def signups_csv(rows: list[dict[str, Any]], kiosks: dict[int, str],
                stadsdorpen: dict[str, str]) -> str:
    """Semicolons and a byte-order mark: what Dutch Excel opens without a wizard."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(CSV_HEADER)
    for r in rows:
        writer.writerow([safe_cell(v) for v in (
            r["title"], r["starts_at"], stadsdorpen.get(r["stadsdorp"], r["stadsdorp"]),
            r["name"], r["phone"], r["party_size"], r["status"],
            kiosks.get(r["kiosk_id"], "centraal"), r["channel"], _ticket_code(r["code"]),
            r["created_at"],
            r["attended_at"] or "",
        )])
    return "\ufeff" + out.getvalue()


@bp.get("/export.csv")
@login_required
def export_csv() -> Response:
    db = get_hub_db()
    sql = ("SELECT s.*, a.title, a.starts_at, a.stadsdorp FROM signups s "
           "JOIN activities a ON a.id = s.activity_id")
    params: list[Any] = []
    activity_id = request.args.get("activiteit")
    if activity_id:
        sql += " WHERE s.activity_id = ?"
        params.append(activity_id)
    rows = list(db.query(sql + " ORDER BY a.starts_utc, s.created_at", params))
    body = signups_csv(rows, _kiosk_names(), agenda.stadsdorp_names(db))
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="aanmeldingen.csv"'
    return response
