"""Buurtkiosk: the Flask app that runs on the kiosk."""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

# Flask is imported inside create_app so that the domain, printing and voice modules
# (all under this package's namespace or importing from it) stay free of the web layer.

# One module per area of the screens, each exposing `bp`.
BLUEPRINTS: tuple[str, ...] = (
    "kiosk.web.resident",
    "kiosk.web.volunteer",
    "kiosk.web.coordinator",
    "kiosk.web.health",
    "kiosk.web.sync",
    "kiosk.web.voice",
)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Defaults, then the environment, then a test's mapping."""
    from flask import Flask

    from kiosk.core import config
    from kiosk.core.db import connect, migrate
    from kiosk.web import request_db

    app = Flask(__name__)
    app.config.from_mapping(
        DATABASE=os.environ.get("BUURTKIOSK_DB") or str(config.default_db_path()),
        START_WORKERS=False,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
    )
    if test_config:
        app.config.from_mapping(test_config)

    db = connect(app.config["DATABASE"])
    try:
        migrate(db)
        app.config["SECRET_KEY"] = config.signing_secret(db)
        app.config["KIOSK_ID"] = config.kiosk_id(db)
    finally:
        db.close()

    request_db.init_app(app)

    @app.context_processor
    def kiosk_context() -> dict[str, Any]:
        db = request_db.get_db()
        return {
            "kiosk_name": config.get_setting(db, "kiosk_name"),
            "idle_seconds": int(config.get_setting(db, "idle_seconds")),
        }

    for module_name in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(module_name).bp)

    if app.config["START_WORKERS"]:
        start_workers(app)
    return app


def start_workers(app: Flask) -> None:
    """The print worker runs beside the web server and is woken by each new signup."""
    from printing.worker import PrintWorker

    worker = PrintWorker(app.config["DATABASE"])
    worker.start()
    app.extensions["print_worker"] = worker

    # The sync worker pushes the outbox and pulls the agenda; offline it just waits.
    from sync.worker import SyncWorker

    sync_worker = SyncWorker(app.config["DATABASE"])
    sync_worker.start()
    app.extensions["sync_worker"] = sync_worker


def wake_printer(app: Flask) -> None:
    worker = app.extensions.get("print_worker")
    if worker is not None:
        worker.wake()
