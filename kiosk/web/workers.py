"""The threads that run beside the web server: the print worker (woken by each new
signup) and the sync worker (pushes the outbox, pulls the agenda; offline it just waits)."""

from __future__ import annotations

from flask import Flask

from printing.worker import PrintWorker
from sync.worker import SyncWorker


def start_workers(app: Flask) -> None:
    printer = PrintWorker(app.config["DATABASE"])
    printer.start()
    app.extensions["print_worker"] = printer
    syncer = SyncWorker(app.config["DATABASE"])
    syncer.start()
    app.extensions["sync_worker"] = syncer


def wake_printer(app: Flask) -> None:
    worker = app.extensions.get("print_worker")
    if worker is not None:
        worker.wake()
