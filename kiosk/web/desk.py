"""What every volunteer and coordinator page shows: who is signed in, and any printer
trouble, as the design asks for a calm notice when jobs are stuck."""

from __future__ import annotations

from typing import Any

from flask import render_template

from kiosk.core import pins, print_jobs
from kiosk.web import auth
from kiosk.web.request_db import get_db


def desk_context() -> dict[str, Any]:
    return {"desk_idle_seconds": auth.idle_seconds(), "role_labels": pins.ROLE_LABELS}


def render_desk(template: str, **context: Any) -> str:
    count, error = print_jobs.stuck_jobs(get_db())
    return render_template(
        template,
        actor=auth.current_actor(),
        role=auth.signed_in_role(),
        printer_trouble={"count": count, "error": error} if count else None,
        **context,
    )
