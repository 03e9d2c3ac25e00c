"""/health for machines (the systemd watchdog, the browser's start-up wait, monitoring) and
/coordinator/status, the same checks as a page a coordinator can read."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from werkzeug.wrappers import Response

from kiosk.ops.health import LABELS, WORKER_NAMES, Health, check_health
from kiosk.web import auth
from kiosk.web.desk import render_desk
from kiosk.web.request_db import app_now, get_db

bp = Blueprint("health", __name__)


def _report() -> Health:
    workers = {name: worker.running for name in WORKER_NAMES
               if (worker := current_app.extensions.get(name)) is not None}
    return check_health(get_db(), current_app.config["DATABASE"], app_now(), workers)


@bp.get("/health")
def health() -> tuple[Response, int]:
    report = _report()
    # Only a broken database is a failure to monitoring: a missing printer or a week
    # offline is something a volunteer fixes, and the kiosk keeps taking signups meanwhile.
    status = 503 if report.checks["database"].state == "error" else 200
    return jsonify(report.as_json()), status


@bp.get("/coordinator/status")
@auth.require_role("coordinator", touch=False)
def status() -> str:
    return render_desk("health/status.html", report=_report(), labels=LABELS)
