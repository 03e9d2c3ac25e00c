"""The kiosk's web app: everything app-wide is wired here, in create_app, and nowhere else."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from kiosk.core import config, pins
from kiosk.core.db import connect, migrate
from kiosk.web import (
    assets,
    coordinator,
    desk,
    health,
    own_ticket,
    pages,
    request_db,
    resident,
    sync,
    voice,
    voice_shared,
    volunteer,
    wishes,
    wishes_desk,
    wishes_voice,
    workers,
)

# One module per area of the screens, each with its blueprint `bp`.
SCREEN_AREAS = (resident, own_ticket, volunteer, coordinator, health, sync, voice, assets,
                wishes, wishes_desk, wishes_voice)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Defaults, then the environment, then a test's mapping."""
    app = Flask(__name__)
    app.config.from_mapping(
        DATABASE=config.db_path(),
        START_WORKERS=False,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        # The cookie holds only a session token; no other site ever needs to send it.
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_HTTPONLY=True,
    )
    if test_config:
        app.config.from_mapping(test_config)

    db = connect(app.config["DATABASE"])
    try:
        migrate(db)
        app.config["SECRET_KEY"] = config.signing_secret(db)
        app.config["KIOSK_ID"] = config.kiosk_id(db)
        if not app.testing:
            # A kiosk started without `buurtkiosk init-db` still gets PINs; the log shows
            # them once. Test apps skip this: hashing costs a tenth of a second per PIN.
            for role, new_pin in pins.ensure_pins(db).items():
                app.logger.warning("Nieuwe pincode %s: %s", pins.ROLE_LABELS[role], new_pin)
    finally:
        db.close()

    request_db.init_app(app)
    own_ticket.init_app(app)
    app.jinja_env.filters.update(pages.FILTERS)
    app.jinja_env.globals.update(pages.GLOBALS)
    app.context_processor(_kiosk_context)
    app.context_processor(desk.desk_context)
    app.context_processor(voice_shared.voice_context)
    app.after_request(pages.security_headers)
    # A spoken dialog ends when the screen leaves it (reset, ticket, any other page).
    app.after_request(voice.forget_dialog_on_other_pages)
    for code in pages.ERROR_CODES:
        app.register_error_handler(code, pages.error_page)
    for area in SCREEN_AREAS:
        app.register_blueprint(area.bp)

    if app.config["START_WORKERS"]:
        workers.start_workers(app)
        voice_shared.preload_model(app)
    return app


def _kiosk_context() -> dict[str, Any]:
    db = request_db.get_db()
    return {
        "kiosk_name": config.get_setting(db, "kiosk_name"),
        "idle_seconds": int(config.get_setting(db, "idle_seconds")),
        "help_where": config.get_setting(db, "help_where"),
    }
