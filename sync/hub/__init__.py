"""The hub: the Netwerk's central agenda service, a Flask app with its own SQLite
database. Kiosks pull the agenda and push signups (api.py); calendars subscribe to
its iCalendar export (ics.py); coordinators work in its web pages (coordinator.py)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from typing import Any

from flask import Flask, redirect, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from sync.hub.db import connect_hub, hub_db_path
from sync.hub.web import close_hub_db, json_error

MAX_REQUEST = 8 * 1024 * 1024  # 1000 outbox rows fit easily


def _secret(path: str) -> str:
    env = os.environ.get("BUURTKIOSK_HUB_SECRET")
    if env:
        return env
    db = connect_hub(path)
    try:
        db.execute("INSERT OR IGNORE INTO settings (key, value) VALUES ('secret', ?)",
                   [secrets.token_hex(32)])
        return db.execute("SELECT value FROM settings WHERE key = 'secret'").fetchone()[0]
    finally:
        db.close()


def trusted_proxies(raw: str) -> int:
    """BUURTKIOSK_HUB_TRUSTED_PROXIES: 0 to 5 (empty: 0). A wrong value stops the start."""
    raw = raw.strip() or "0"
    if not raw.isascii() or not raw.isdigit() or int(raw) > 5:
        raise ValueError(f"BUURTKIOSK_HUB_TRUSTED_PROXIES moet 0 tot en met 5 zijn, niet {raw!r}")
    return int(raw)


def create_hub_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(
        HUB_DATABASE=hub_db_path(),
        MAX_CONTENT_LENGTH=MAX_REQUEST,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # How many reverse proxies stand in front of the hub (0: none). Only with the
        # right count is the client's address the one the login throttle counts, and
        # not the proxy's, which every coordinator would then share.
        TRUSTED_PROXIES=trusted_proxies(os.environ.get("BUURTKIOSK_HUB_TRUSTED_PROXIES", "")),
    )
    if test_config:
        app.config.from_mapping(test_config)
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies:
        # Behind the proxy that terminates TLS the cookie never travels over plain HTTP,
        # and the __Host- prefix makes the browser refuse one set for another host or path.
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["SESSION_COOKIE_NAME"] = "__Host-session"
        # One X-Forwarded-* entry per trusted proxy; anything further left is the
        # client's own claim and is not believed.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    app.config["SECRET_KEY"] = _secret(app.config["HUB_DATABASE"])  # also migrates

    from sync.hub import api, coordinator, ics, monitor_pages

    for module in (api, ics, coordinator, monitor_pages):
        app.register_blueprint(module.bp)
    app.teardown_appcontext(close_hub_db)

    @app.get("/")
    def home() -> Response:
        return redirect(url_for("hub_coordinator.activities"))

    @app.after_request
    def security_headers(response: Response) -> Response:
        # No hub page inside another site's frame (clickjacking a coordinator's click).
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException) -> Response | HTTPException:
        if not request.path.startswith("/api/"):
            return err
        messages = {
            400: "Het verzoek klopt niet.",
            404: "Dit adres bestaat niet in de API van de centrale agenda.",
            405: "Deze methode kan hier niet.",
            413: "Het verzoek is te groot. Stuur minder wijzigingen tegelijk.",
        }
        code = err.code or 500
        return json_error(code, f"http_{code}", messages.get(code, "Er ging iets mis."))

    @app.errorhandler(Exception)
    def server_error(err: Exception) -> Response:
        app.logger.error("hub error", exc_info=err)
        if not request.path.startswith("/api/"):
            return Response("Er ging iets mis op de centrale agenda.", 500, mimetype="text/plain")
        # Nothing of the batch was kept (one transaction), so the kiosk simply retries.
        return json_error(500, "server_error",
                          "De centrale agenda heeft een storing. Er is niets verloren; de "
                          "kiosk probeert het later opnieuw.")

    return app
