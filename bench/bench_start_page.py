"""How fast the start screen is served with a busy agenda: 1,000 activities in the database.

The activities are spread over 60 days (about 230 fall in the 14 days the screen shows),
across five stadsdorpen, most with limited seats and signups, a few cancelled. Each round
asks for the start page; it is timed twice:

- Flask's test client: the app alone (query, grouping, the window of cards, template);
- a real waitress server over HTTP on 127.0.0.1, as Chromium on the kiosk asks for it.

Target: median < 50 ms.

    .venv/bin/python bench/bench_start_page.py [--activities 1000] [--rounds 200]
"""

from __future__ import annotations

import argparse
import http.client
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from waitress.server import create_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.core.agenda import Activity, save_activity, upcoming  # noqa: E402
from kiosk.core.db import connect, migrate, write_transaction  # noqa: E402
from kiosk.core.dutch import AMSTERDAM  # noqa: E402
from kiosk.core.signups import create_signup  # noqa: E402
from kiosk.web import create_app  # noqa: E402

STADSDORPEN = ["Stadsdorp Zuid", "Stadsdorp Oost", "Stadsdorp Noord", "Stadsdorp West",
               "Stadsdorp Centrum"]
TITLES = ["Koffieochtend", "Wandelgroep", "Stoelyoga", "Filmclub", "Lezing", "Bingo-middag",
          "Computerspreekuur", "Samen koken en eten", "Filosofie-avond", "Breiclub"]
TARGET_MS = 50.0


def fill_agenda(db_path: str, count: int, kiosk_id: str, seed: int = 7) -> tuple[int, int]:
    """`count` activities over 60 days from now; returns (activities, signups)."""
    rng = random.Random(seed)
    today = datetime.now(AMSTERDAM).replace(hour=0, minute=0, second=0, microsecond=0)
    db = connect(db_path)
    signups = 0
    # One transaction: the bench measures reading the agenda, not filling it.
    with write_transaction(db):
        for n in range(count):
            starts = today + timedelta(days=rng.randrange(60), hours=rng.randrange(9, 21),
                                       minutes=rng.choice([0, 15, 30, 45]))
            if starts <= datetime.now(UTC):
                starts += timedelta(days=60)
            capacity = rng.choice([None, 8, 12, 20, 30, 40])
            cancelled = rng.random() < 0.03
            save_activity(db, Activity(
                id=f"bench:{n}", title=f"{rng.choice(TITLES)} {n}", starts_at=starts,
                ends_at=starts + timedelta(minutes=90), stadsdorp=rng.choice(STADSDORPEN),
                location_name="Buurthuis", address="Straat 1", capacity=capacity,
                price="gratis", contact="020 123 45 67",
                status="cancelled" if cancelled else "scheduled",
            ))
            if capacity is None or cancelled or n % 3:
                continue
            for _ in range(rng.randrange(1, capacity)):
                create_signup(db, f"bench:{n}", party_size=1, phone="0612345678",
                              kiosk_id=kiosk_id, print_ticket=False)
                signups += 1
    db.close()
    return count, signups


def timed(request: Callable[[], tuple[int, int]], rounds: int) -> list[float]:
    for _ in range(10):  # warm up: template compilation, SQLite page cache
        request()
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        status, size = request()
        timings.append((time.perf_counter() - started) * 1000)
        if status != 200 or size < 1000:
            raise RuntimeError(f"start page failed: HTTP {status}, {size} bytes")
    return timings


def report(label: str, timings: list[float]) -> float:
    median = statistics.median(timings)
    p95 = statistics.quantiles(timings, n=20)[-1]
    print(f"  {label:<28} median {median:6.1f} ms   p95 {p95:6.1f} ms")
    return median


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--activities", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()

    db_path = str(Path(tempfile.mkdtemp()) / "bench.db")
    db = connect(db_path)
    migrate(db)
    db.close()
    app = create_app({"DATABASE": db_path})
    activities, signups = fill_agenda(db_path, args.activities, app.config["KIOSK_ID"])

    client = app.test_client()

    def with_test_client(path: str = "/") -> tuple[int, int]:
        response = client.get(path)
        return response.status_code, len(response.data)

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    connection = http.client.HTTPConnection("127.0.0.1", server.effective_port)  # type: ignore[union-attr]

    def over_http() -> tuple[int, int]:
        connection.request("GET", "/")
        response = connection.getresponse()
        return response.status, len(response.read())

    shown = with_test_client()
    # A window near the end of the two weeks, as Meer asks for it (beginning mid-day).
    db = connect(db_path)
    cards = upcoming(db, datetime.now(UTC))
    db.close()
    late = max(len(cards) - 3, 0)
    keys = [card.agenda_key for card in cards]
    late_page = "/?" + urlencode(
        [("vanaf", keys[late]), ("eerder", "0"), ("eerder", keys[late // 3]),
         ("eerder", keys[2 * late // 3])]
    ) if keys else "/"
    print(f"start page with {activities} activities and {signups} signups in the database "
          f"({args.rounds} rounds, page of {shown[1]:,} bytes):")
    cpu = time.process_time()
    test_client_timings = timed(with_test_client, args.rounds)
    cpu_per_page = (time.process_time() - cpu) / (args.rounds + 10) * 1000
    medians = [
        report("Flask test client", test_client_timings),
        report("waitress over HTTP", timed(over_http, args.rounds)),
        report(f"a late page (card {late + 1})",
               timed(lambda: with_test_client(late_page), args.rounds)),
    ]
    # CPU time does not grow with other work on the machine, as wall time does.
    print(f"  {'CPU per request, test client':<28} {cpu_per_page:6.1f} ms   (load-independent)")
    print(f"  target: median < {TARGET_MS:.0f} ms")
    connection.close()
    server.close()
    return 0 if max(medians) < TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
