"""What every hub page and API call shares: the request's database connection, the
clock, and errors as JSON with a Dutch message."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlite_utils
from flask import current_app, g, jsonify
from werkzeug.wrappers import Response

from kiosk.core.db import connect

API_VERSION = 1


def get_hub_db() -> sqlite_utils.Database:
    if "hub_db" not in g:
        g.hub_db = connect(current_app.config["HUB_DATABASE"])
    return g.hub_db


def close_hub_db(_error: BaseException | None = None) -> None:
    db = g.pop("hub_db", None)
    if db is not None:
        db.close()


def now() -> datetime:
    return current_app.config.get("NOW") or datetime.now(UTC)


def json_error(status: int, code: str, message: str, **extra: Any) -> Response:
    response = jsonify(
        {"version": API_VERSION, "error": {"code": code, "message": message, **extra}}
    )
    response.status_code = status
    return response
