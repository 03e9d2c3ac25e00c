"""The print worker: takes due jobs from the print queue, lays them out, renders and sends them.

A job that cannot be sent stays in the queue with its error and a retry time; nothing here
raises into the caller, because the caller is a signup that must never fail for a printer.
There is one worker per database: two would print a job twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import sqlite_utils

from kiosk.core.background import BackgroundLoop
from kiosk.core.db import write_transaction
from kiosk.core.print_jobs import due_jobs, mark_abandoned, mark_failed, mark_printed
from kiosk.core.ticket_changes import PrintedAs, record_first_print
from printing import backends, jobs, layout, render
from printing.errors import PrinterError
from printing.jobs import JobCannotPrint, PrintSettings

log = logging.getLogger(__name__)

__all__ = ["PrintCounts", "PrintSettings", "PrintWorker", "process_due_jobs"]


@dataclass
class PrintCounts:
    printed: int = 0
    failed: int = 0
    abandoned: int = 0
    last_error: str = ""


@dataclass(frozen=True)
class BuiltJob:
    data: bytes
    text: str  # a text picture of the paper
    printed_as: PrintedAs | None


def build_job(db: sqlite_utils.Database, job: dict[str, Any], settings: PrintSettings) -> BuiltJob:
    make_document = jobs.JOB_LAYOUTS.get(job["kind"])
    if make_document is None:
        raise PrinterError(f"Onbekend soort printopdracht: {job['kind']!r}.")
    document = make_document(db, job, settings)
    data = render.render_bytes(
        document.ops, profile=settings.profile, paper_mm=settings.paper.mm, qr_mode=settings.qr_mode
    )
    return BuiltJob(
        data, layout.plain_text(document.ops, settings.paper.columns), document.printed_as
    )


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
            built = build_job(db, job, settings)
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
                built.data,
                profile=settings.profile,
                timeout=settings.timeout,
                preview=built.text,
            )
        except PrinterError as exc:
            log.warning("print job %s not printed: %s", job["id"], exc)
            for waiting in jobs[index:]:
                _fail(db, waiting, str(exc), counts)
            return False
        with write_transaction(db):
            mark_printed(db, job["id"])
            if built.printed_as is not None and job.get("signup_id"):
                record_first_print(db, job["signup_id"], built.printed_as)
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
