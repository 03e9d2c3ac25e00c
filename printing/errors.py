"""Why a print did not happen. The text of each error is a calm Dutch sentence, because it is
shown on the volunteer screen as the job's last error."""

from __future__ import annotations


class PrinterError(Exception):
    """Printing failed; the job stays in the queue."""


class PrinterConfigError(PrinterError, ValueError):
    """A printer URL, profile or setting that can never work until someone changes it."""


class PrinterUnavailable(PrinterError):
    """The printer is unplugged, off, out of paper or has its cover open: retry later."""


class PrinterSoftwareError(PrinterError):
    """A bug in the kiosk's own code (or a library) while printing, not a printer fault: its
    traceback is logged; the job stays and is retried, as a fix may come with an update."""
