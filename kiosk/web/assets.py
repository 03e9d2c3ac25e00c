"""/assets/: the top-level assets/ folder served by the kiosk itself (it has no internet),
and the browser's favicon from the same folder."""

from __future__ import annotations

from flask import Blueprint, send_from_directory
from werkzeug.wrappers import Response

from kiosk.core.assets import assets_dir

bp = Blueprint("assets", __name__)

# A week: the files change only with a new version of the kiosk.
MAX_AGE = 7 * 24 * 3600
FAVICON = "pictograms/koffie.svg"


@bp.get("/assets/<path:filename>")
def asset(filename: str) -> Response:
    # send_from_directory refuses paths that leave the folder (404).
    return send_from_directory(assets_dir(), filename, max_age=MAX_AGE)


@bp.get("/favicon.ico")
def favicon() -> Response:
    return send_from_directory(assets_dir(), FAVICON, max_age=MAX_AGE, mimetype="image/svg+xml")
