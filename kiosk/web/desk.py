"""What every volunteer and coordinator page shows: who is signed in, and any printer
trouble, as the design asks for a calm notice when jobs are stuck."""

from __future__ import annotations

from typing import Any

from flask import render_template

from kiosk.core import pins, print_jobs
from kiosk.core.signups import MAX_PARTY
from kiosk.web import auth
from kiosk.web.request_db import get_db


def desk_context() -> dict[str, Any]:
    return {
        "desk_idle_seconds": auth.idle_seconds(),
        "role_labels": pins.ROLE_LABELS,
        "max_party": MAX_PARTY,  # the desk's − and + stop where a signup does
    }


def plain_error(error: str | None) -> tuple[str, str]:
    """A printer error as the volunteer reads it, and its technical detail apart: the
    printing code appends what the library said in [brackets], for whoever fixes it."""
    text = (error or "").strip()
    if text.endswith("]") and " [" in text:
        sentence, detail = text.rsplit(" [", 1)
        return sentence.strip(), detail[:-1]
    return text, ""


def render_desk(template: str, **context: Any) -> str:
    count, error = print_jobs.stuck_jobs(get_db())
    return render_template(
        template,
        actor=auth.current_actor(),
        role=auth.signed_in_role(),
        printer_trouble=dict(zip(("error", "detail"), plain_error(error), strict=True),
                             count=count) if count else None,
        **context,
    )
