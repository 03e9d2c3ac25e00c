"""Every kind of print job and the layout that prints it, in one explicit table.

A job row names its kind; the functions here read what the job needs from the database as it
is when the job prints (later signups count on an attendance list) and hand it to the pure
layout functions. Adding a kind of paper means adding a line to JOB_LAYOUTS.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import sqlite_utils

from kiosk.core import config, dutch, tickets, wishes
from kiosk.core.agenda import get_activity
from kiosk.core.categories import category_for
from kiosk.core.inputs import is_pad_digits
from kiosk.core.logo import printable_logo
from kiosk.core.signup_lists import activity_signups
from kiosk.core.signups import get_signup
from kiosk.core.ticket_changes import PrintedAs, changes_since, printed_as
from printing import backends, pictograms, render
from printing.attendance import attendance_layout
from printing.layout import Op, Paper
from printing.slips import slip_layout, week_sheet_layout
from printing.test_page import test_page_layout
from printing.ticket import Reprint, ticket_layout
from printing.wishes import call_list_layout, wish_receipt_layout, wish_slip_layout


@dataclass(frozen=True)
class PrintSettings:
    printer_url: str = "dummy://"
    paper_mm: int = 80
    profile: str = render.DEFAULT_PROFILE
    qr_mode: str = "image"
    kiosk_name: str = "Buurtkiosk"
    secret: bytes = field(default=b"", repr=False)
    timeout: float = backends.DEFAULT_TIMEOUT

    @classmethod
    def from_db(cls, db: sqlite_utils.Database) -> PrintSettings:
        """Read every round: the coordinator may change the printer while the kiosk runs."""
        paper_mm = config.get_setting(db, "paper_mm").strip()
        return cls(
            printer_url=config.get_setting(db, "printer"),
            # A bad value fails each job with a readable error instead of stopping the worker.
            paper_mm=int(paper_mm) if is_pad_digits(paper_mm) else 0,
            profile=config.get_setting(db, "printer_profile"),
            qr_mode=config.get_setting(db, "qr_mode"),
            kiosk_name=config.get_setting(db, "kiosk_name"),
            secret=config.signing_secret(db),
        )

    @cached_property
    def paper(self) -> Paper:
        return render.paper_for(self.paper_mm, self.profile)


@dataclass(frozen=True)
class Document:
    """What a job prints, and for a ticket the facts it printed (kept with the first paper
    of a signup, so later papers and "Mijn kaartje" can say what changed since)."""

    ops: list[Op]
    printed_as: PrintedAs | None = None


class JobCannotPrint(Exception):
    """The job can never print (its signup is gone): it is abandoned, not retried."""


JobLayout = Callable[[sqlite_utils.Database, dict[str, Any], PrintSettings], Document]


def job_payload(job: dict[str, Any]) -> dict[str, Any]:
    return json.loads(job.get("payload") or "{}")


def ticket_job(db: sqlite_utils.Database, job: dict[str, Any], settings: PrintSettings) -> Document:
    signup = get_signup(db, job["signup_id"]) if job.get("signup_id") else None
    if signup is None:
        raise JobCannotPrint("Deze aanmelding bestaat niet meer.")
    activity = get_activity(db, signup.activity_id)
    if activity is None:
        raise JobCannotPrint("De activiteit van deze aanmelding bestaat niet meer.")
    first = printed_as(db, signup.id)  # kept for entry tickets only, see the return below
    confirmed = signup.status == "confirmed"
    reprint = None
    # Someone moved up from the waitlist has had no entry ticket yet: theirs is no copy.
    if job_payload(job).get("copy") and (first is not None or not confirmed):
        reprint = Reprint(printed_at=datetime.now(UTC), changes=changes_since(first, activity))
    category = category_for(activity.category, activity.title)
    ops = ticket_layout(
        signup,
        activity,
        columns=settings.paper.columns,
        qr_payload=tickets.ticket_qr(db, signup.code),
        kiosk_name=settings.kiosk_name,
        reprint=reprint,
        pictogram=pictograms.printable(category.key, settings.paper) if category else None,
        logo=logo_file(db, settings.paper.mm),
    )
    return Document(ops, PrintedAs.of(activity) if confirmed else None)


LOGO_FILES = "logo-*"


def logo_file(db: sqlite_utils.Database, paper_mm: int) -> str | None:
    """The stadsdorp's uploaded logo (kiosk/core/logo.py) as a PNG file for the renderer,
    named by its content, so a new upload is never confused with the old one. Only the
    current logo's file is kept: making a new one (a new logo, other paper) removes the
    others, and so does printing without a logo (it was removed, or a backup restored).
    Only the print worker calls this, so no file goes while a ticket laid out with it is
    still being rendered: a coordinator's new logo reaches the cache with the next ticket."""
    picture = printable_logo(db, paper_mm)
    if picture is None:
        forget_logo_files()
        return None
    data = picture.tobytes()
    target = pictograms.cache_folder() / (
        f"logo-{paper_mm}-{picture.width}x{picture.height}-"
        f"{hashlib.sha256(data).hexdigest()[:16]}.png"
    )
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".tmp")
        picture.save(partial, format="PNG")
        partial.replace(target)
        forget_logo_files(keep=target)
    return str(target)


def forget_logo_files(keep: Path | None = None) -> int:
    """Remove the cached files of earlier logos (all but `keep`); the next ticket makes the
    current one again."""
    return pictograms.remove_stale(LOGO_FILES, keep=keep)


def test_page_job(
    db: sqlite_utils.Database, job: dict[str, Any], settings: PrintSettings
) -> Document:
    return Document(
        test_page_layout(
            settings.kiosk_name,
            settings.printer_url,
            paper_mm=settings.paper.mm,
            columns=settings.paper.columns,
        )
    )


test_page_job.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def slip_job(db: sqlite_utils.Database, job: dict[str, Any], settings: PrintSettings) -> Document:
    payload = job_payload(job)
    activity = get_activity(db, payload.get("activity_id", ""))
    if activity is None:
        raise JobCannotPrint("De activiteit van deze strook staat niet meer in de agenda.")
    return Document(
        slip_layout(
            activity,
            payload["code"],
            columns=settings.paper.columns,
            kiosk_name=settings.kiosk_name,
        )
    )


def week_sheet_job(
    db: sqlite_utils.Database, job: dict[str, Any], settings: PrintSettings
) -> Document:
    payload = job_payload(job)
    activities = [get_activity(db, activity_id) for activity_id in payload.get("choices", [])]
    if not activities or any(a is None for a in activities):
        raise JobCannotPrint("Een activiteit van deze weekstrook staat niet meer in de agenda.")
    return Document(
        week_sheet_layout(
            [a for a in activities if a is not None],
            payload["code"],
            columns=settings.paper.columns,
            kiosk_name=settings.kiosk_name,
            week=payload.get("week", ""),
        )
    )


def attendance_job(
    db: sqlite_utils.Database, job: dict[str, Any], settings: PrintSettings
) -> Document:
    activity = get_activity(db, job_payload(job).get("activity_id", ""))
    if activity is None:
        raise JobCannotPrint("Deze activiteit staat niet meer in de agenda.")
    # The list as it is when it prints, not when it was asked for: later signups count.
    return Document(
        attendance_layout(
            activity,
            activity_signups(db, activity.id),
            columns=settings.paper.columns,
            kiosk_name=settings.kiosk_name,
            printed_at=datetime.now(UTC),
        )
    )


def wish_receipt_job(
    db: sqlite_utils.Database, job: dict[str, Any], settings: PrintSettings
) -> Document:
    wish = wishes.get_wish(db, str(job_payload(job).get("wish_id", "")))
    if wish is None:
        raise JobCannotPrint("Deze wens bestaat niet meer.")
    return Document(wish_receipt_layout(wish, columns=settings.paper.columns,
                                        kiosk_name=settings.kiosk_name,
                                        contact_days=wishes.contact_days(db)))


def wish_slip_job(
    db: sqlite_utils.Database, job: dict[str, Any], settings: PrintSettings
) -> Document:
    return Document(wish_slip_layout(str(job_payload(job)["code"]),
                                     columns=settings.paper.columns,
                                     kiosk_name=settings.kiosk_name,
                                     contact_days=wishes.contact_days(db)))


def wish_call_list_job(
    db: sqlite_utils.Database, job: dict[str, Any], settings: PrintSettings
) -> Document:
    # Read when it prints: the job row holds no names or phone numbers.
    return Document(call_list_layout(wishes.to_call(db), columns=settings.paper.columns,
                                     kiosk_name=settings.kiosk_name,
                                     printed_at=dutch.written_moment(datetime.now(UTC))))


JOB_LAYOUTS: dict[str, JobLayout] = {
    "ticket": ticket_job,
    "test": test_page_job,
    "slip": slip_job,
    "week_sheet": week_sheet_job,
    "attendance": attendance_job,
    "wish_receipt": wish_receipt_job,
    "wish_slip": wish_slip_job,
    "wish_call_list": wish_call_list_job,
}
