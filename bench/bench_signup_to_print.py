"""From the tap on "Ja, meld mij aan" to the last ticket byte at a network printer.

A real waitress server with the print worker runs against a printer listening on
127.0.0.1; each round POSTs the final signup step (what the tap sends) and waits for
the ticket's last byte. Target: median < 1 s.

    .venv/bin/python bench/bench_signup_to_print.py [--rounds 30] [--qr image|native]
"""

from __future__ import annotations

import argparse
import http.client
import socket
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

from waitress.server import create_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.core.config import set_setting  # noqa: E402
from kiosk.core.db import connect, migrate  # noqa: E402
from kiosk.ops.demo import load_demo  # noqa: E402
from kiosk.web import create_app  # noqa: E402


class TimingPrinter:
    """Records when the last byte of each print job arrived."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.finished: list[float] = []
        self.changed = threading.Condition()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            conn, _ = self.server.accept()
            with conn:
                last, size = 0.0, 0
                try:
                    while chunk := conn.recv(65536):
                        if chunk.startswith(b"\x10\x04"):  # status request: paper is fine
                            conn.sendall(b"\x12" * (len(chunk) // 3))
                            continue
                        last, size = time.perf_counter(), size + len(chunk)
                except ConnectionResetError:
                    continue  # a kiosk stopped mid-job (pi_budget stops it): no ticket
            if size:
                with self.changed:
                    self.finished.append(last)
                    self.changed.notify_all()

    def wait_for(self, count: int, timeout: float = 10) -> float:
        with self.changed:
            if not self.changed.wait_for(lambda: len(self.finished) >= count, timeout):
                raise RuntimeError("the ticket never arrived")
            return self.finished[count - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--qr", choices=["image", "native"], default="image")
    args = parser.parse_args()

    printer = TimingPrinter()
    db_path = str(Path(tempfile.mkdtemp()) / "bench.db")
    db = connect(db_path)
    migrate(db)
    set_setting(db, "printer", f"tcp://127.0.0.1:{printer.port}")
    set_setting(db, "qr_mode", args.qr)
    app = create_app({"DATABASE": db_path, "START_WORKERS": True})
    load_demo(db, app.config["KIOSK_ID"])
    activity_id = db.execute(
        "SELECT id FROM activities WHERE capacity IS NULL AND status = 'scheduled' "
        "ORDER BY starts_utc LIMIT 1"
    ).fetchone()[0]

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    port = server.effective_port  # type: ignore[union-attr]

    timings = []
    for round_number in range(1, args.rounds + 1):
        form = urllib.parse.urlencode({
            "step": "controle", "action": "verder", "name": "Bench Bewoner",
            "phone": "", "party_size": "2", "token": str(uuid.uuid4()),
        })
        conn = http.client.HTTPConnection("127.0.0.1", port)
        tapped = time.perf_counter()
        conn.request("POST", f"/activiteit/{activity_id}/aanmelden", form,
                     {"Content-Type": "application/x-www-form-urlencoded"})
        response = conn.getresponse()
        response.read()
        if response.status != 303:
            raise RuntimeError(f"signup failed: HTTP {response.status}")
        answered = time.perf_counter()
        printed = printer.wait_for(round_number)
        timings.append(((answered - tapped) * 1000, (printed - tapped) * 1000))
        conn.close()

    answer = [t[0] for t in timings]
    last_byte = [t[1] for t in timings]
    p95 = statistics.quantiles(last_byte, n=20)[-1]
    print(f"signup to last ticket byte ({args.rounds} rounds, QR {args.qr}):")
    print(f"  server answer  median {statistics.median(answer):7.1f} ms")
    print(f"  last byte      median {statistics.median(last_byte):7.1f} ms   p95 {p95:7.1f} ms")
    print("  target: median < 1000 ms")
    server.close()


if __name__ == "__main__":
    main()
