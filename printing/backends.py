"""Printers chosen by URL, and sending one finished job to them.

tcp://192.168.1.50:9100                 network printer (port 9100 is the default)
usb://04b8:0e15?in_ep=0x82&out_ep=0x01  USB vendor:product (hex), endpoints optional
serial:///dev/ttyUSB0?baudrate=19200    serial port; dsrdtr=0 turns hardware flow off
file:///dev/usb/lp0                     a device file (Linux usblp)
cups://Bonprinter                       a CUPS queue (needs pycups)
dummy://                                nothing is printed; the last jobs are kept in memory
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from escpos.escpos import Escpos
from escpos.exceptions import DeviceNotFoundError
from escpos.printer import CupsPrinter, Dummy, File, Network, Serial, Usb

from printing.errors import PrinterConfigError, PrinterSoftwareError, PrinterUnavailable
from printing.render import DEFAULT_PROFILE, load_profile

log = logging.getLogger(__name__)


def _printer_faults() -> tuple[type[BaseException], ...]:
    """What a printer that is off, unplugged, jammed or gone raises through python-escpos:
    sockets, pyserial and pyusb all raise OSError; python-escpos wraps a failed open in
    DeviceNotFoundError; CUPS raises its own IPPError."""
    faults: list[type[BaseException]] = [OSError, DeviceNotFoundError]
    try:
        import cups  # type: ignore[import-not-found]

        faults.append(cups.IPPError)
    except ImportError:
        pass
    return tuple(faults)


PRINTER_FAULTS = _printer_faults()

# An unplugged printer must fail fast: the worker retries anyway.
DEFAULT_TIMEOUT = 5.0
# How long a network printer gets to answer the status request. One that never answers
# (some cheap ones) is printed to anyway, so this is what such a printer costs per job.
STATUS_TIMEOUT = 0.5
KEEP_DUMMY_PRINTS = 20

EXAMPLES = (
    "Gebruik bijvoorbeeld tcp://192.168.1.50:9100, usb://04b8:0e15, "
    "serial:///dev/ttyUSB0?baudrate=9600, file:///dev/usb/lp0, cups://naam of dummy://."
)


@dataclass(frozen=True)
class KeptPrint:
    data: bytes
    text: str  # layout.plain_text of the job, for the volunteer screen
    printed_at: datetime = field(default_factory=lambda: datetime.now(UTC))


_kept: deque[KeptPrint] = deque(maxlen=KEEP_DUMMY_PRINTS)
_kept_lock = threading.Lock()


def is_dummy(url: str) -> bool:
    """dummy://: no printer set up; prints are only kept to show on the volunteer screen."""
    return urlsplit(url.strip()).scheme == "dummy"


def kept_prints() -> list[KeptPrint]:
    """What dummy:// printed in this process, newest first."""
    with _kept_lock:
        return list(reversed(_kept))


def clear_kept_prints() -> None:
    with _kept_lock:
        _kept.clear()


class KeepingDummy(Dummy):
    """dummy://: keeps each job on close, so a kiosk without a printer still shows tickets."""

    preview = ""

    def close(self) -> None:
        if self.output:
            with _kept_lock:
                _kept.append(KeptPrint(self.output, self.preview))
            self.clear()


def _query(url: str) -> dict[str, str]:
    return {key: values[-1] for key, values in parse_qs(urlsplit(url).query).items()}


def _number(text: str, what: str, url: str) -> int:
    try:
        return int(text, 0)
    except ValueError:
        raise PrinterConfigError(f"{what} {text!r} in {url!r} is geen getal. {EXAMPLES}") from None


def _hex(text: str, url: str) -> int:
    """USB ids are written in hex, with or without 0x, as lsusb shows them."""
    return _number("0x" + text.lower().removeprefix("0x"), "USB-nummer", url)


def make_printer(
    url: str, profile: str = DEFAULT_PROFILE, *, timeout: float = DEFAULT_TIMEOUT
) -> Escpos:
    """The python-escpos printer object a URL names, not yet connected."""
    parts = urlsplit(url.strip())
    query = _query(url)
    load_profile(profile)
    kwargs = {"profile": profile}
    match parts.scheme:
        case "tcp" if parts.hostname:
            try:
                port = parts.port or 9100
            except ValueError:
                raise PrinterConfigError(f"Ongeldige poort in {url!r}. {EXAMPLES}") from None
            return Network(parts.hostname, port, timeout=timeout, **kwargs)
        case "usb" if parts.netloc.count(":") == 1:
            vendor, product = (_hex(n, url) for n in parts.netloc.split(":"))
            return Usb(
                vendor,
                product,
                timeout=int(timeout * 1000),  # pyusb counts milliseconds; 0 would wait forever
                in_ep=_number(query.get("in_ep", "0x82"), "in_ep", url),
                out_ep=_number(query.get("out_ep", "0x01"), "out_ep", url),
                **kwargs,
            )
        case "serial" if parts.path:
            return Serial(
                parts.path,
                baudrate=_number(query.get("baudrate", "9600"), "baudrate", url),
                timeout=timeout,
                dsrdtr=query.get("dsrdtr", "1") not in ("0", "false", "no"),
                **kwargs,
            )
        case "file" if parts.path:
            return File(parts.path, auto_flush=False, **kwargs)
        case "cups" if parts.netloc:
            if not CupsPrinter.is_usable():
                raise PrinterConfigError(
                    "Printen via CUPS vraagt pycups (apt install python3-cups)."
                )
            return CupsPrinter(parts.netloc, **kwargs)
        case "dummy":
            return KeepingDummy(**kwargs)
    raise PrinterConfigError(f"Onbekend printeradres {url!r}. {EXAMPLES}")


def open_printer(
    url: str, profile: str = DEFAULT_PROFILE, *, timeout: float = DEFAULT_TIMEOUT
) -> Escpos:
    """A connected printer; PrinterUnavailable when it cannot be reached."""
    printer = make_printer(url, profile, timeout=timeout)
    try:
        printer.open()
        if isinstance(printer, Serial) and printer.device:
            # pyserial writes block forever by default, e.g. with DSR/DTR and the printer off.
            printer.device.write_timeout = timeout
    except PRINTER_FAULTS as exc:
        raise unavailable(url, exc) from exc
    except Exception as exc:
        raise software_error(url, exc) from exc
    return printer


def unavailable(url: str, exc: BaseException) -> PrinterUnavailable:
    detail = " ".join(str(exc).split()) or type(exc).__name__
    return PrinterUnavailable(
        f"De printer is niet bereikbaar ({url}). Staat hij aan en zit de kabel erin? [{detail}]"
    )


def software_error(url: str, exc: BaseException) -> PrinterSoftwareError:
    """Anything else is a bug in our code or a library, not the printer: log the traceback,
    and tell the volunteer plainly that plugging cables will not help."""
    log.error("bug while printing to %s", url, exc_info=exc)
    return PrinterSoftwareError(
        "Er ging iets mis in de kiosk zelf, niet in de printer. Meld dit aan de coördinator. "
        f"[{type(exc).__name__}: {' '.join(str(exc).split())}]"
    )


def check_status(sock: socket.socket, timeout: float = STATUS_TIMEOUT) -> None:
    """Ask with DLE EOT 1, 2 and 4 (real-time, answered even while the printer is busy) whether
    it can print. Without this a network printer without paper swallows the job and the
    ticket is lost. No answer, or an implausible one, means: print anyway."""
    sock.sendall(b"\x10\x04\x01\x10\x04\x02\x10\x04\x04")
    reply = b""
    previous = sock.gettimeout()
    sock.settimeout(timeout)
    try:
        while len(reply) < 3:
            chunk = sock.recv(3 - len(reply))
            if not chunk:
                break
            reply += chunk
    except TimeoutError:
        pass
    finally:
        sock.settimeout(previous)
    # Each status byte has bits 1 and 4 set and bits 0 and 7 clear.
    if len(reply) < 3 or any(byte & 0x93 != 0x12 for byte in reply):
        return
    printer_status, offline_cause, paper_sensor = reply
    if paper_sensor & 0x60 or offline_cause & 0x20:
        raise PrinterUnavailable("Het papier is op. Leg een nieuwe rol in de printer.")
    if offline_cause & 0x04:
        raise PrinterUnavailable("De klep van de printer staat open. Doe de klep dicht.")
    if printer_status & 0x08:
        raise PrinterUnavailable("De printer is niet klaar om te printen (offline).")


def _close_network(printer: Network) -> None:
    """Half-close and read what the printer still says before closing: closing a socket with
    unread data sends a reset, which can throw away the end of the job."""
    sock = printer.device
    try:
        sock.shutdown(socket.SHUT_WR)
        sock.settimeout(1.0)
        while sock.recv(256):
            pass
    except OSError:
        pass
    printer.close()


def deliver(
    url: str,
    data: bytes,
    *,
    profile: str = DEFAULT_PROFILE,
    timeout: float = DEFAULT_TIMEOUT,
    preview: str = "",
) -> None:
    """Send one rendered job in one write, flush, and close, whatever happens."""
    printer = open_printer(url, profile, timeout=timeout)
    try:
        if isinstance(printer, Network):
            check_status(printer.device)
        if isinstance(printer, KeepingDummy):
            printer.preview = preview
        printer._raw(data)
        if isinstance(printer, File):
            printer.flush()
        elif isinstance(printer, Serial):
            printer.device.flush()
        elif isinstance(printer, CupsPrinter):
            printer.send()
        if isinstance(printer, Network):
            _close_network(printer)
    except PrinterUnavailable:
        raise
    except PRINTER_FAULTS as exc:
        raise unavailable(url, exc) from exc
    except Exception as exc:
        raise software_error(url, exc) from exc
    finally:
        with contextlib.suppress(Exception):  # the job's fate is decided; this is cleanup
            printer.close()
