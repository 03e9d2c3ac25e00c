"""HTTP for the kiosk, standard library only: timeouts, a size cap while streaming (so
a 50 MB answer never sits in memory), one overall deadline over connect, headers and
body (so a server that trickles one byte at a time cannot hold the sync worker), and
errors in plain Dutch.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kiosk.core.inputs import is_pad_digits

USER_AGENT = "Buurtkiosk/0.1 (+https://github.com/stadsdorpen/buurtkiosk)"
TIMEOUT = 10.0  # seconds per connect / read
DEADLINE = 60.0  # seconds for a whole response
CHUNK = 64 * 1024


class SyncError(Exception):
    """Something the coordinator should read on the sync screen, in plain Dutch.
    Every SyncError is worth retrying later; nothing was lost."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.0f} MB"


def read_capped(stream: Any, max_bytes: int, deadline: float) -> bytes:
    """Read at most `max_bytes`, chunk by chunk; refuse early on a Content-Length that
    is already too large."""
    declared = stream.headers.get("Content-Length") if hasattr(stream, "headers") else None
    if declared and is_pad_digits(declared) and int(declared) > max_bytes:
        raise SyncError(f"Het antwoord is te groot ({_megabytes(int(declared))}).")
    chunks: list[bytes] = []
    total = 0
    while True:
        if time.monotonic() > deadline:
            raise SyncError("Het antwoord kwam te langzaam binnen en is afgebroken.")
        chunk = stream.read(CHUNK)
        if not chunk:
            # http.client's read(n) returns b"" at a premature end instead of raising.
            if declared and is_pad_digits(declared) and total < int(declared):
                raise http.client.IncompleteRead(b"", int(declared) - total)
            return b"".join(chunks)
        total += len(chunk)
        if total > max_bytes:
            raise SyncError(f"Het antwoord is te groot (meer dan {_megabytes(max_bytes)}).")
        chunks.append(chunk)


class _Deadline:
    """Shuts the request's sockets down when the deadline passes. A socket timeout is
    per read: a server sending a byte every few seconds never trips it, in the headers
    (which http.client reads line by line) as little as in the body. A shut-down socket
    makes whichever read is waiting return at once."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed: nothing left to stop
        sock.shutdown(socket.SHUT_RDWR)


def _opener(deadline: _Deadline) -> urllib.request.OpenerDirector:
    class Watched(http.client.HTTPConnection):
        def connect(self) -> None:
            super().connect()
            deadline.watch(self.sock)

    class WatchedTLS(http.client.HTTPSConnection):
        def connect(self) -> None:
            super().connect()
            deadline.watch(self.sock)

    class Plain(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> Any:
            return self.do_open(Watched, req)

    class TLS(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> Any:
            return self.do_open(WatchedTLS, req, context=self._context)  # type: ignore[attr-defined]

    return urllib.request.build_opener(Plain, TLS)


REDIRECTS = (301, 302, 303, 307, 308)


def _dutch(err: BaseException, what: str) -> str:
    """The cause of a failed request, in words a coordinator can act on."""
    reason = getattr(err, "reason", err)
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return f"{what} antwoordt niet op tijd. De kiosk probeert het later opnieuw."
    if isinstance(reason, ConnectionRefusedError):
        return f"{what} is niet bereikbaar (verbinding geweigerd). Staat de server aan?"
    if isinstance(reason, socket.gaierror):
        return (
            f"{what} is niet te vinden. Is er internet? Klopt het adres bij Instellingen?"
        )
    if isinstance(reason, ssl.SSLError):
        return f"De beveiligde verbinding met {what.lower()} lukt niet ({reason.reason})."
    if isinstance(err, (http.client.IncompleteRead, http.client.RemoteDisconnected,
                        ConnectionResetError, BrokenPipeError)):
        return f"De verbinding met {what.lower()} werd halverwege verbroken."
    if isinstance(reason, OSError) and reason.errno is not None:
        return f"Geen verbinding met {what.lower()} ({reason.strerror or reason})."
    return f"Geen verbinding met {what.lower()} ({type(reason).__name__})."


def request(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    max_bytes: int,
    timeout: float = TIMEOUT,
    deadline: float = DEADLINE,
    what: str = "De server",
) -> Response:
    """One HTTP request. Any status comes back as a Response (the caller decides what
    a 304 or 401 means); a network failure raises SyncError."""
    all_headers = {"User-Agent": USER_AGENT, **(headers or {})}
    try:
        req = urllib.request.Request(url, data=body, method=method, headers=all_headers)
    except ValueError:
        raise SyncError(f"Het adres {url!r} klopt niet.") from None
    end = time.monotonic() + deadline
    too_slow = f"{what} antwoordde te langzaam en is na {deadline:.0f} seconden afgebroken."
    with _Deadline(deadline) as watch:
        try:
            with _opener(watch).open(req, timeout=timeout) as resp:
                data = read_capped(resp, max_bytes, end)
                if watch.expired:
                    raise SyncError(too_slow)
                return Response(resp.status, data, _lower(resp.headers))
        except urllib.error.HTTPError as err:
            if err.code in REDIRECTS:
                # urllib gives up after 10 redirects or on a loop; either way the
                # address leads nowhere.
                raise SyncError(
                    f"{what} stuurt steeds door naar een ander adres en komt nergens uit "
                    "(een doorverwijzing in een kringetje). Controleer het adres."
                ) from None
            # 304 and every error status arrive here; a short body for the message is enough.
            try:
                data = read_capped(err, 64 * 1024, end)
            except (SyncError, OSError, http.client.HTTPException):
                data = b""
            return Response(err.code, data, _lower(err.headers))
        except SyncError:
            raise
        except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as err:
            if watch.expired:
                raise SyncError(too_slow) from None
            if isinstance(err, ValueError) and not isinstance(err, UnicodeError):
                raise SyncError(f"Het adres {url!r} klopt niet.") from None
            raise SyncError(_dutch(err, what)) from None


def _lower(headers: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()} if headers else {}


def json_body(response: Response, what: str) -> dict[str, Any]:
    try:
        data = json.loads(response.body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise SyncError(f"Het antwoord van {what.lower()} is onleesbaar (geen JSON).") from None
    if not isinstance(data, dict):
        raise SyncError(f"Het antwoord van {what.lower()} is onleesbaar.")
    return data
