"""/coordinator/sync: is this kiosk in step with the central agenda and its feeds?
Last success, rows waiting, the last error in plain Dutch, and "Nu synchroniseren"."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, url_for
from werkzeug.wrappers import Response

from kiosk.core import audit, calls, config
from kiosk.core.db import write_transaction
from kiosk.core.outbox import unsent_count
from kiosk.web import auth
from kiosk.web.desk import render_desk
from kiosk.web.request_db import get_db
from sync import feeds, status
from sync.outbox_push import rejected_rows

bp = Blueprint("sync_views", __name__, url_prefix="/coordinator/sync")


@bp.after_request
def _private(response: Response) -> Response:
    return auth.no_store(response)


@bp.get("/")
@auth.require_role("coordinator")
def sync_status() -> str:
    db = get_db()
    return render_desk(
        "sync/status.html",
        hub_url=config.get_setting(db, "hub_url").strip(),
        state=status.get_status(db),
        waiting=unsent_count(db),
        rejected=rejected_rows(db),
        feeds=feeds.feed_states(db),
        configured_feeds=feeds.configured_feeds(db),
        to_call=len(calls.signups_needing_a_call(db)),
    )


@bp.post("/nu")
@auth.require_role("coordinator")
def sync_now() -> Response:
    db = get_db()
    with write_transaction(db):
        status.request_now(db)
        audit.record(db, auth.current_actor(), "sync.now", "Nu synchroniseren")
    worker = current_app.extensions.get("sync_worker")
    if worker is not None and worker.running:
        worker.wake(force=True)
        flash("De kiosk synchroniseert nu. Kijk over een halve minuut opnieuw.")
    else:
        # No worker in this process (started with --no-workers): do the round here.
        from sync.worker import run_round

        report = run_round(db, force=True)
        if report.errors:
            flash("Synchroniseren lukte niet helemaal: " + " ".join(report.errors), "error")
        else:
            flash("Klaar: de kiosk is bijgewerkt.")
    return redirect(url_for("sync_views.sync_status"), code=303)
