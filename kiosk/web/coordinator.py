"""The coordinator's pages under /coordinator: settings (one field per entry in
kiosk.core.config.SETTINGS, so a new setting appears here by itself), a test print, the PINs,
the stadsdorp's logo for the ticket, and the audit log.

The coordinator's start page links to every coordinator page, those of other areas too.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from kiosk.core import audit, config, desk_sessions, inputs, logo, pins, print_jobs
from kiosk.core.db import write_transaction
from kiosk.web import auth
from kiosk.web.desk import render_desk
from kiosk.web.request_db import get_db
from sync.feed_urls import feed_list_problem, normalise_feed_list

bp = Blueprint("coordinator", __name__, url_prefix="/coordinator")

# (label, endpoint) shown on the coordinator's start page, in order.
MENU: tuple[tuple[str, str], ...] = (
    ("Instellingen en testafdruk", "coordinator.settings"),
    ("Pincodes", "coordinator.pins"),
    ("Logo op het kaartje", "coordinator.logo_page"),
    ("Logboek", "coordinator.audit_log"),
    ("Status van de kiosk", "health.status"),
    ("Synchronisatie", "sync_views.sync_status"),
)
AUDIT_PAGE = 100


@bp.after_request
def _private(response: Response) -> Response:
    return auth.no_store(response)


@bp.get("/")
@auth.require_role("coordinator")
def home() -> str:
    return render_desk("coordinator/home.html", menu=MENU)


# --- Settings ---------------------------------------------------------------------------


def _int_between(low: int, high: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        if inputs.pad_number(value, low, high) is None:
            return f"Kies een getal van {low} tot en met {high}."
        return ""

    return check


def _one_of(*allowed: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        return "" if value in allowed else f"Kies {' of '.join(allowed)}."

    return check


def _printer_url(value: str) -> str:
    from printing.backends import make_printer
    from printing.errors import PrinterConfigError

    try:
        make_printer(value)  # parses only; nothing is opened
    except PrinterConfigError as error:
        return str(error)
    return ""


def _printer_profile(value: str) -> str:
    from printing.errors import PrinterConfigError
    from printing.render import load_profile

    try:
        load_profile(value)
    except PrinterConfigError as error:
        return str(error)
    return ""


# Settings without a check here are free text.
CHECKS: dict[str, Callable[[str], str]] = {
    "paper_mm": _one_of("80", "58"),
    "qr_mode": _one_of("image", "native"),
    # At least 40 s: the warning comes 20 s before the reset and must be readable first.
    "idle_seconds": _int_between(40, 3600),
    "retention_days": _int_between(1, 3650),
    "wish_contact_days": _int_between(1, 3650),
    "printer": _printer_url,
    "printer_profile": _printer_profile,
    "feeds": feed_list_problem,
}
# Settings stored in a tidied form once their check passed.
TIDY: dict[str, Callable[[str], str]] = {
    "feeds": normalise_feed_list,  # webcal:// and a missing https:// put right
}


def check_setting(key: str, raw: str) -> tuple[str, str]:
    """(the value to store, '') or (what was typed, why it cannot be stored)."""
    try:
        value = config.clean_setting(key, raw)
    except inputs.InputError as error:
        return raw, error.message
    return value, CHECKS.get(key, lambda _: "")(value)


def _is_secret(key: str) -> bool:
    return key.endswith(("_token", "_secret", "_password"))


@dataclass(frozen=True)
class SettingRow:
    key: str
    label: str
    value: str
    source: str  # where the value comes from, in words
    secret: bool


def _rows() -> list[SettingRow]:
    db = get_db()
    overridden = {row[0] for row in db.execute("SELECT key FROM settings")}
    rows = []
    for key, spec in config.SETTINGS.items():
        if key in overridden:
            source = "ingesteld op dit scherm"
        elif os.environ.get(spec.env):
            source = f"uit {spec.env}"
        else:
            source = "standaard"
        rows.append(
            SettingRow(key, spec.label, config.get_setting(db, key), source, _is_secret(key))
        )
    return rows


def _test_job() -> dict[str, str] | None:
    job_id = request.args.get("testafdruk", type=int)
    if job_id is None:
        return None
    row = (
        get_db()
        .execute(
            "SELECT status, attempts, last_error FROM print_jobs WHERE id = ? AND kind = 'test'",
            [job_id],
        )
        .fetchone()
    )
    if row is None:
        return None
    if row[0] == "printed":
        return {"state": "ok", "text": "De testafdruk is geprint."}
    if row[2]:
        return {"state": "error", "text": f"Nog niet geprint: {row[2]}"}
    return {"state": "waiting", "text": "De testafdruk wacht op de printer."}


@bp.get("/instellingen")
@auth.require_role("coordinator")
def settings() -> str:
    return render_desk("coordinator/settings.html", rows=_rows(), errors={}, test_job=_test_job())


@bp.post("/instellingen")
@auth.require_role("coordinator")
def settings_save() -> str | tuple[str, int] | Response:
    db = get_db()
    errors: dict[str, str] = {}
    changes: dict[str, str] = {}
    for key in config.SETTINGS:
        if key not in request.form:
            continue
        value, error = check_setting(key, request.form[key])
        if _is_secret(key) and not value:
            continue  # a secret field is left empty to keep what is stored
        if value == config.get_setting(db, key):
            continue
        if error:
            errors[key] = error
        else:
            changes[key] = TIDY.get(key, str)(value)
    if errors:
        return render_desk(
            "coordinator/settings.html", rows=_rows(), errors=errors, test_job=None
        ), 400
    with write_transaction(db):
        for key, value in changes.items():
            spec = config.SETTINGS[key]
            if value == os.environ.get(spec.env, spec.default):
                # Back to what the environment says, so a later change there counts again.
                db.execute("DELETE FROM settings WHERE key = ?", [key])
            else:
                config.set_setting(db, key, value)
            shown = "(verborgen)" if _is_secret(key) else value
            audit.record(db, auth.current_actor(), "setting.changed", f"{spec.label}: {shown}")
    flash(f"{len(changes)} instellingen bewaard." if changes else "Er was niets veranderd.")
    return redirect(url_for(".settings"), code=303)


@bp.post("/testafdruk")
@auth.require_role("coordinator")
def test_print() -> Response:
    db = get_db()
    with write_transaction(db):
        job_id = print_jobs.queue_print_job(db, "test")
        audit.record(
            db,
            auth.current_actor(),
            "test.printed",
            f"Testafdruk naar {config.get_setting(db, 'printer')}",
        )
    worker = current_app.extensions.get("print_worker")
    if worker is not None:
        worker.wake()
    else:
        # No background worker (a test, or `run --no-workers`): print now, so the
        # coordinator still sees whether the printer works.
        from printing.worker import process_due_jobs

        process_due_jobs(db)
    return redirect(url_for(".settings", testafdruk=job_id), code=303)


# --- PINs -------------------------------------------------------------------------------


@bp.get("/pincodes", endpoint="pins")
@auth.require_role("coordinator")
def pins_page() -> str:
    return render_desk("coordinator/pins.html", error="", role_choice="volunteer")


@bp.post("/pincodes")
@auth.require_role("coordinator")
def pins_save() -> str | tuple[str, int] | Response:
    role = request.form.get("role", "")
    pin, again = request.form.get("pin", ""), request.form.get("pin_again", "")
    error = ""
    if role not in pins.ROLES:
        error = "Kies voor wie de pincode is."
    elif pin != again:
        error = "De twee pincodes zijn niet gelijk. Typ ze opnieuw."
    else:
        try:
            pins.set_pin(get_db(), role, pin)
        except pins.PinError as problem:
            error = str(problem)
        else:
            # Whoever signed in with the old PIN is out; the coordinator making the change
            # stays signed in.
            desk_sessions.end_role(get_db(), role, keep=auth.desk_token())
    if error:
        return render_desk("coordinator/pins.html", error=error, role_choice=role), 400
    with write_transaction(get_db()):
        audit.record(
            get_db(),
            auth.current_actor(),
            "pin.changed",
            f"Pincode voor {pins.ROLE_LABELS[role]} veranderd",
        )
    flash(f"De pincode voor de {pins.ROLE_LABELS[role]} is veranderd.")
    return redirect(url_for(".home"), code=303)


# --- Audit log --------------------------------------------------------------------------


@bp.get("/logboek")
@auth.require_role("coordinator")
def audit_log() -> str:
    page = max(request.args.get("pagina", 1, type=int), 1)
    total = audit.count(get_db())
    return render_desk(
        "coordinator/audit.html",
        entries=audit.recent(get_db(), AUDIT_PAGE, (page - 1) * AUDIT_PAGE),
        page=page,
        pages=max((total + AUDIT_PAGE - 1) // AUDIT_PAGE, 1),
        total=total,
    )


# --- The stadsdorp's logo on the ticket -------------------------------------------------


@bp.get("/logo")
@auth.require_role("coordinator")
def logo_page() -> str:
    return render_desk("coordinator/logo.html", has_logo=logo.printable_png(get_db()) is not None,
                       error="")


@bp.get("/logo/zo-op-papier.png")
@auth.require_role("coordinator")
def logo_preview() -> Response:
    """What the printer gets: black dots only."""
    png = logo.printable_png(get_db())
    if png is None:
        abort(404)
    return Response(png, mimetype="image/png", headers={"Cache-Control": "no-store"})


@bp.post("/logo")
@auth.require_role("coordinator")
def logo_save() -> str | tuple[str, int] | Response:
    db = get_db()
    if request.form.get("action") == "weghalen":
        with write_transaction(db):
            if logo.remove_logo(db):
                audit.record(db, auth.current_actor(), "logo.removed", "Logo weggehaald")
        flash("Het logo is weggehaald. Kaartjes hebben nu geen logo.")
        return redirect(url_for(".logo_page"), code=303)
    upload = request.files.get("logo")
    data = upload.read(logo.MAX_UPLOAD_BYTES + 1) if upload else b""
    try:
        if not data:
            raise logo.LogoError("Kies eerst een plaatje.")
        with write_transaction(db):
            logo.save_logo(db, data, auth.current_actor())
            audit.record(db, auth.current_actor(), "logo.uploaded", "Nieuw logo op het kaartje")
    except logo.LogoError as error:
        has_logo = logo.printable_png(db) is not None
        return render_desk("coordinator/logo.html", has_logo=has_logo, error=str(error)), 400
    flash("Het logo is bewaard. Zo komt het op het kaartje.")
    return redirect(url_for(".logo_page"), code=303)
