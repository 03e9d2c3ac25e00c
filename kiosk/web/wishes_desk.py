"""The volunteers' "Wensen en aanbod" under /vrijwilliger/wensen: who wants a call back
(with the phone), 'gebeld', the newest entries and the counts, entering a wishes slip by
scanning it, printing blank slips and the call-back list.

The rules live in kiosk.core.wishes and kiosk.core.wish_slips; names and phones are on
these pages, so every answer is no-store.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from kiosk.core import inputs, wish_slips, wishes
from kiosk.core.db import write_transaction
from kiosk.core.print_jobs import queue_print_job
from kiosk.core.wishes import KINDS, WISH_CATEGORIES, WishAnswers, WishError, check_answers
from kiosk.web import auth
from kiosk.web.desk import render_desk
from kiosk.web.request_db import get_db
from kiosk.web.workers import wake_printer

bp = Blueprint("wishes_desk", __name__, url_prefix="/vrijwilliger/wensen")

View = str | Response | tuple[str, int]
RECENT = 50


@bp.after_request
def _private(response: Response) -> Response:
    return auth.no_store(response)


def _overview(status: int = 200, **context: Any) -> View:
    db = get_db()
    page = render_desk(
        "volunteer/wishes.html",
        to_call=wishes.to_call(db),
        recent=wishes.recent(db, RECENT),
        counts=wishes.counts(db),
        categories=WISH_CATEGORIES,
        max_slips=wish_slips.MAX_PER_PRINT,
        **context,
    )
    return (page, status) if status != 200 else page


@bp.get("/")
@auth.require_role("volunteer")
def overview() -> View:
    return _overview()


@bp.post("/<wish_id>/gebeld")
@auth.require_role("volunteer")
def called(wish_id: str) -> Response:
    try:
        wish = wishes.mark_called(get_db(), wish_id[:64], auth.current_actor())
    except WishError as error:
        flash(error.message, "error")
    else:
        flash(f"Wens {wish.display_code}: gebeld. Dank u wel.")
    return redirect(url_for(".overview"), code=303)


@bp.post("/bellijst")
@auth.require_role("volunteer")
def print_call_list() -> Response:
    with write_transaction(get_db()):
        queue_print_job(get_db(), "wish_call_list")
    wake_printer(current_app)
    flash("De lijst om terug te bellen gaat naar de printer.")
    return redirect(url_for(".overview"), code=303)


@bp.post("/stroken")
@auth.require_role("volunteer")
def print_slips() -> Response:
    raw = request.form.get("count", "").strip()
    try:
        printed = wish_slips.print_wish_slips(
            get_db(), int(raw) if inputs.is_pad_digits(raw) else 0, auth.current_actor()
        )
    except WishError as error:
        flash(error.message, "error")
    else:
        wake_printer(current_app)
        flash(f"{len(printed)} {'wensenstrook' if len(printed) == 1 else 'wensenstroken'} "
              "naar de printer gestuurd.")
    return redirect(url_for(".overview"), code=303)


@bp.post("/strook")
@auth.require_role("volunteer")
def scan() -> View:
    """The scanner typed the slip's QR (or the volunteer its code) and Enter."""
    raw = request.form.get("scan", "")[:200]
    try:
        slip = wish_slips.look_up(get_db(), raw)
    except WishError as error:
        return _overview(400, scan_error=error.message, scanned=raw)
    return _slip_form(slip, {})


def _slip_form(slip: wish_slips.WishSlip, values: dict[str, Any], error: str = "") -> View:
    page = render_desk("volunteer/wish_slip_form.html", slip=slip, values=values, error=error,
                       categories=WISH_CATEGORIES, day_parts=wishes.DAY_PARTS)
    return (page, 400) if error else page


def _slip_answers(values: dict[str, Any]) -> list[WishAnswers]:
    """One wish per kind ticked; the day parts and the call back hold for both."""
    return [
        check_answers(kind, values[kind], values["day_parts"], callback=values["callback"],
                      name=values["name"], phone=values["phone"])
        for kind in KINDS
        if values[kind]
    ]


@bp.post("/strook/opslaan")
@auth.require_role("volunteer")
def save_slip() -> View:
    db = get_db()
    form = request.form
    values: dict[str, Any] = {
        **{kind: form.getlist(kind)[:20] for kind in KINDS},
        "day_parts": form.getlist("day_parts")[:3],
        "callback": form.get("callback") == "ja",
        "name": form.get("name", "")[:160],
        "phone": form.get("phone", "")[:40],
    }
    code = form.get("code", "")[:12]
    try:
        slip = wish_slips.look_up(db, code)
    except WishError as error:
        return _overview(400, scan_error=error.message)
    try:
        made = wish_slips.enter_wish_slip(db, slip.code, _slip_answers(values),
                                          actor=auth.current_actor(),
                                          kiosk_id=current_app.config["KIOSK_ID"])
    except WishError as error:
        return _slip_form(slip, values, error.message)
    flash(f"Wensenstrook {slip.display_code} ingevoerd: "
          + ", ".join(f"wens {w.display_code}" for w in made) + ".")
    return redirect(url_for(".overview"), code=303)
