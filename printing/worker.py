"""The print worker: takes due jobs from the print queue, lays them out, renders and sends them.

A job that cannot be sent stays in the queue with its error and a retry time; nothing here
raises into the caller, because the caller is a signup that must never fail for a printer.
There is one worker per database: two would print a job twice.
"""

from __future__ import annotations

import importlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import sqlite_utils

from kiosk.core import codes, config
from kiosk.core.agenda import get_activity
from kiosk.core.background import BackgroundLoop
from kiosk.core.db import write_transaction
from kiosk.core.print_jobs import due_jobs, mark_abandoned, mark_failed, mark_printed
from kiosk.core.signups import get_signup
from printing import backends, layout, render
from printing.errors import PrinterError
from printing.layout import Op, Paper

log = logging.getLogger(__name__)


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
            paper_mm=int(paper_mm) if paper_mm.isdigit() else 0,
            profile=config.get_setting(db, "printer_profile"),
            qr_mode=config.get_setting(db, "qr_mode"),
            kiosk_name=config.get_setting(db, "kiosk_name"),
            secret=config.signing_secret(db),
        )

    @cached_property
    def paper(self) -> Paper:
        return render.paper_for(self.paper_mm, self.profile)


class JobCannotPrint(Exception):
    """The job can never print (its signup is gone): it is abandoned, not retried."""


# kind -> function(db, job row, settings) -> operations. Other modules add kinds (slips,
# attendance lists) with register_layout; a job of a kind nobody registered yet waits.
JobLayout = Callable[[sqlite_utils.Database, dict[str, Any], PrintSettings], list[Op]]
LAYOUTS: dict[str, JobLayout] = {}


def register_layout(kind: str, function: JobLayout) -> None:
    LAYOUTS[kind] = function


def job_payload(job: dict[str, Any]) -> dict[str, Any]:
    return json.loads(job.get("payload") or "{}")


def ticket_ops(db: sqlite_utils.Database, job: dict[str, Any], settings: PrintSettings) -> list[Op]:
    signup = get_signup(db, job["signup_id"]) if job.get("signup_id") else None
    if signup is None:
        raise JobCannotPrint("Deze aanmelding bestaat niet meer.")
    activity = get_activity(db, signup.activity_id)
    if activity is None:
        raise JobCannotPrint("De activiteit van deze aanmelding bestaat niet meer.")
    return layout.ticket_layout(
        signup,
        activity,
        paper_mm=settings.paper.mm,
        columns=settings.paper.columns,
        qr_payload=codes.ticket_qr(settings.secret, signup.code),
        kiosk_name=settings.kiosk_name,
        copy=bool(job_payload(job).get("copy")),
    )


def test_page_ops(
    db: sqlite_utils.Database, job: dict[str, Any], settings: PrintSettings
) -> list[Op]:
    return layout.test_layout(
        settings.kiosk_name,
        settings.printer_url,
        paper_mm=settings.paper.mm,
        columns=settings.paper.columns,
    )


test_page_ops.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
register_layout("ticket", ticket_ops)
register_layout("test", test_page_ops)

# Layouts in their own modules register themselves on import. Importing them here means
# every worker knows them: the kiosk's and `buurtkiosk print-test`'s.
LAYOUT_MODULES: tuple[str, ...] = ("printing.slips", "printing.attendance", "printing.wishes")
for _module in LAYOUT_MODULES:
    importlib.import_module(_module)


@dataclass
class PrintCounts:
    printed: int = 0
    failed: int = 0
    abandoned: int = 0
    last_error: str = ""


def build_job(
    db: sqlite_utils.Database, job: dict[str, Any], settings: PrintSettings
) -> tuple[bytes, str]:
    """The job's bytes and a text picture of it."""
    make_ops = LAYOUTS.get(job["kind"])
    if make_ops is None:
        raise PrinterError(f"Onbekend soort printopdracht: {job['kind']!r}.")
    ops = make_ops(db, job, settings)
    data = render.render_bytes(
        ops, profile=settings.profile, paper_mm=settings.paper.mm, qr_mode=settings.qr_mode
    )
    return data, layout.plain_text(ops, settings.paper.columns)


def _fail(db: sqlite_utils.Database, job: dict[str, Any], error: str, counts: PrintCounts) -> None:
    with write_transaction(db):
        mark_failed(db, job["id"], error)
    counts.failed += 1
    counts.last_error = error


def _print_batch(
    db: sqlite_utils.Database,
    jobs: list[dict[str, Any]],
    settings: PrintSettings,
    counts: PrintCounts,
) -> bool:
    """Print the jobs in order. False when the printer failed: the rest waits with the same
    error, so an unplugged printer costs one timeout per round, not one per job."""
    for index, job in enumerate(jobs):
        try:
            data, text = build_job(db, job, settings)
        except JobCannotPrint as exc:
            with write_transaction(db):
                mark_abandoned(db, job["id"], str(exc))
            counts.abandoned += 1
            continue
        except PrinterError as exc:
            _fail(db, job, str(exc), counts)
            continue
        except Exception as exc:
            log.exception("print job %s could not be laid out", job["id"])
            _fail(db, job, f"Fout bij het opmaken: {exc}", counts)
            continue
        try:
            backends.deliver(
                settings.printer_url,
                data,
                profile=settings.profile,
                timeout=settings.timeout,
                preview=text,
            )
        except PrinterError as exc:
            log.warning("print job %s not printed: %s", job["id"], exc)
            for waiting in jobs[index:]:
                _fail(db, waiting, str(exc), counts)
            return False
        with write_transaction(db):
            mark_printed(db, job["id"])
        counts.printed += 1
    return True


def process_due_jobs(
    db: sqlite_utils.Database,
    printer_url: str | None = None,
    settings: PrintSettings | None = None,
    *,
    batch: int = 10,
) -> PrintCounts:
    """Print every job that is due, until none is left or the printer fails. Settings come
    from the database unless given; `printer_url` overrides theirs (tests, benchmarks)."""
    counts = PrintCounts()
    try:
        settings = settings or PrintSettings.from_db(db)
        if printer_url:
            settings = replace(settings, printer_url=printer_url)
        while jobs := due_jobs(db, batch):
            if not _print_batch(db, jobs, settings, counts):
                break
    except Exception as exc:  # the database itself: locked, gone, full disk
        log.exception("print worker round failed")
        counts.last_error = f"Printerwerker: {exc}"
    return counts


class PrintWorker(BackgroundLoop):
    """Runs process_due_jobs in a background thread: every `poll_seconds` (retries) and at
    once on wake() (a new signup)."""

    name = "print-worker"

    def __init__(
        self, db_path: str | Path, poll_seconds: float = 2.0, *, printer_url: str | None = None
    ) -> None:
        super().__init__(db_path, poll_seconds)
        self.printer_url = printer_url
        self.last_counts = PrintCounts()

    def run_once(self, db: sqlite_utils.Database) -> None:
        self.last_counts = process_due_jobs(db, self.printer_url)
