"""What every view needs from the app: one database connection per request, closed
when the request ends, and the clock (which a test may set with the NOW config key)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlite_utils
from flask import Flask, current_app, g

from kiosk.core.db import connect


def get_db() -> sqlite_utils.Database:
    if "db" not in g:
        g.db = connect(current_app.config["DATABASE"])
    return g.db


def close_db(_error: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(close_db)


def app_now() -> datetime:
    return current_app.config.get("NOW") or datetime.now(UTC)
