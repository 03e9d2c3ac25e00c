"""One database connection per request, closed when the request ends."""

from __future__ import annotations

import sqlite_utils
from flask import Flask, current_app, g

from kiosk.db import connect


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
