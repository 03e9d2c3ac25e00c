"""The API kiosks talk to: GET /api/v1/agenda and POST /api/v1/events, each kiosk with
its own bearer token. A kiosk only ever sees its own signups."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, g, jsonify, request
from werkzeug.wrappers import Response

from kiosk.core import inputs
from kiosk.core.db import write_transaction
from sync.hub import admin, agenda, events
from sync.hub.web import API_VERSION, get_hub_db, json_error, now

bp = Blueprint("hub_api", __name__, url_prefix="/api/v1")

MAX_BATCH = 1000


@bp.before_request
def authenticate() -> Response | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    kiosk = admin.kiosk_for_token(get_hub_db(), token.strip()) if scheme.lower() == "bearer" \
        else None
    if kiosk is None:
        response = json_error(
            401, "unauthorized",
            "Deze kiosk is niet bekend bij de centrale agenda. Controleer de sleutel "
            "(token) bij de instellingen van de kiosk.",
        )
        response.headers["WWW-Authenticate"] = 'Bearer realm="buurtkiosk"'
        return response
    g.kiosk = kiosk
    return None


@bp.get("/agenda")
def get_agenda() -> Response:
    raw = request.args.get("since", "") or "0"
    if not inputs.is_pad_digits(raw) or len(raw) > 18:
        return json_error(400, "bad_cursor", "De cursor ('since') moet een getal zijn.")
    db = get_hub_db()
    with write_transaction(db):
        data = agenda.agenda_for(db, g.kiosk, int(raw), now())
    return jsonify(data)


def parse_json(raw: bytes) -> Any:
    """The request body as JSON, or ValueError. RecursionError is json's answer to
    nesting deeper than Python's stack (a body of 100,000 '['): bad input, not a bug."""
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as error:
        raise ValueError("not JSON") from error


def _batch(body: Any) -> tuple[list[Any], dict[str, Any]] | Response:
    if not isinstance(body, dict):
        return json_error(400, "bad_json", "Het verzoek is geen geldige JSON.")
    if body.get("version") != API_VERSION:
        return json_error(400, "bad_version",
                          f"Deze centrale agenda spreekt versie {API_VERSION} van de API.",
                          supported=[API_VERSION])
    rows = body.get("events")
    snapshots = body.get("activities") or {}
    if not isinstance(rows, list) or not isinstance(snapshots, dict):
        return json_error(400, "bad_batch", "Het verzoek heeft geen lijst 'events'.")
    if len(rows) > MAX_BATCH:
        return json_error(413, "batch_too_large",
                          f"Stuur hoogstens {MAX_BATCH} wijzigingen tegelijk.")
    return rows, snapshots


@bp.post("/events")
def post_events() -> Response:
    try:
        body = parse_json(request.get_data(cache=False))
    except ValueError:
        body = None
    parsed = _batch(body)
    if isinstance(parsed, Response):
        return parsed
    rows, snapshots = parsed
    results = events.process_batch(get_hub_db(), g.kiosk, rows, snapshots)
    return jsonify({"version": API_VERSION, "results": results})
