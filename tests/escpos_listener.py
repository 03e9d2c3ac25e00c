"""A network printer on 127.0.0.1 for tests: it keeps each connection's bytes as one job and
answers status requests (DLE EOT) the way an Epson does."""

from __future__ import annotations

import socket
import threading
import time


def free_port() -> int:
    """A port nothing listens on: an unplugged printer."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def status_byte(n: int, *, paper_out: bool) -> bytes:
    value = 0x12  # the fixed bits of every DLE EOT reply
    if paper_out:
        value |= {1: 0x08, 2: 0x20, 3: 0x00, 4: 0x6C}[n]
    return bytes([value])


class FakePrinter:
    def __init__(self, port: int = 0, *, answer_status: bool = True) -> None:
        self.answer_status = answer_status
        self.paper_out = False
        self.jobs: list[bytes] = []  # connections that sent more than status requests
        self.connections = 0
        self._changed = threading.Condition()
        self._server = socket.create_server(("127.0.0.1", port))
        self._server.settimeout(0.05)
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def __enter__(self) -> FakePrinter:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self._server.close()

    def wait_for_jobs(self, count: int, timeout: float = 5.0) -> list[bytes]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.jobs) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(self.jobs)} jobs arrived, {count} expected")
                self._changed.wait(left)
            return list(self.jobs)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            with conn:
                self._receive(conn)

    def _receive(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        data = b""
        answered = 0
        while chunk := conn.recv(65536):
            data += chunk
            # Status requests come first, before the job; answer each complete one.
            while data[answered : answered + 2] == b"\x10\x04" and len(data) >= answered + 3:
                if self.answer_status:
                    conn.sendall(status_byte(data[answered + 2], paper_out=self.paper_out))
                answered += 3
        with self._changed:
            self.connections += 1
            if len(data) > answered:
                self.jobs.append(data)
            self._changed.notify_all()
