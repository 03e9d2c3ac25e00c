"""Sync benchmarks: print figures, on loopback, with real files and servers.

    .venv/bin/python bench/bench_sync.py [--rows 10000] [--events 1000]

1. An iCalendar feed of 1,000 events (a third weekly recurring, expanded for 60 days)
   fetched, parsed and applied to an empty kiosk (target < 2 s), then applied again
   after a change to one event (only that event's series is parsed again). CPU counts
   the parsing child too (os.times, clock ticks of 10 ms).
2. A re-sync without changes: the server answers 304 (target < 50 ms), and a server
   that ignores conditional GETs (the content hash catches it).
3. Pushing 10,000 outbox rows to the hub (waitress on 127.0.0.1): rows per second.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from waitress import create_server  # noqa: E402

from kiosk.core import config  # noqa: E402
from kiosk.core.agenda import Activity  # noqa: E402
from kiosk.core.db import connect, migrate, write_transaction  # noqa: E402
from kiosk.core.dutch import AMSTERDAM  # noqa: E402
from kiosk.core.signups import create_signup  # noqa: E402
from sync import feeds  # noqa: E402
from sync.hub import create_hub_app  # noqa: E402
from sync.hub.admin import add_kiosk, add_stadsdorp  # noqa: E402
from sync.hub.agenda import save_activity  # noqa: E402
from sync.hub.db import connect_hub, next_rev  # noqa: E402
from sync.hub_client import HubClient, pull_agenda  # noqa: E402
from sync.outbox_push import push_outbox  # noqa: E402


def make_feed(events: int, now: datetime) -> bytes:
    """Shaped like a Nextcloud export: VTIMEZONE, TZIDs, folded-free plain lines."""
    start = now.astimezone(AMSTERDAM).replace(hour=10, minute=0, second=0, microsecond=0)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//EN", "X-WR-CALNAME:Bench",
             "BEGIN:VTIMEZONE", "TZID:Europe/Amsterdam",
             "BEGIN:DAYLIGHT", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "TZNAME:CEST",
             "DTSTART:19700329T020000", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "END:DAYLIGHT",
             "BEGIN:STANDARD", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "TZNAME:CET",
             "DTSTART:19701025T030000", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
             "END:STANDARD", "END:VTIMEZONE"]
    for n in range(events):
        begin = start + timedelta(days=n % 59, hours=n % 8)
        stamp = begin.strftime("%Y%m%dT%H%M%S")
        end = (begin + timedelta(hours=2)).strftime("%Y%m%dT%H%M%S")
        lines += ["BEGIN:VEVENT", f"UID:bench-{n}@example.org", "DTSTAMP:20260301T000000Z",
                  f"DTSTART;TZID=Europe/Amsterdam:{stamp}", f"DTEND;TZID=Europe/Amsterdam:{end}",
                  f"SUMMARY:Activiteit {n}", f"DESCRIPTION:Beschrijving van activiteit {n}.",
                  f"LOCATION:Buurthuis {n % 20}\\, Straat {n % 50}\\, Amsterdam",
                  "CATEGORIES:Ontmoeten"]
        if n % 3 == 0:
            lines.append("RRULE:FREQ=WEEKLY")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


class Feed(BaseHTTPRequestHandler):
    body = b""
    validators = True

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        etag = '"' + hashlib.sha1(self.body).hexdigest() + '"'
        if self.validators and self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        if self.validators:
            self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(self.body)


def cpu_seconds() -> float:
    """This process and its finished children (the feed is parsed in one): wall time
    on a shared machine measures the other users as much as the code."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def timed(label: str, function: Any, target: float | None = None) -> Any:
    started, cpu = time.perf_counter(), cpu_seconds()
    result = function()
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    goal = f"  (target < {target * 1000:.0f} ms)" if target else ""
    print(f"{label:<58} {seconds * 1000:9.1f} ms  CPU {cpu * 1000:5.0f} ms{goal}")
    return result


def bench_feeds(workdir: Path, events: int) -> None:
    now = datetime.now(UTC)
    Feed.body = make_feed(events, now)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Feed)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/bench.ics"
    db = connect(workdir / "feeds.db")
    migrate(db)
    print(f"Feed: {events} events, {events // 3 + (events % 3 > 0)} weekly recurring, "
          f"{len(Feed.body) / 1024:.0f} KiB")
    first = timed("first sync: fetch + parse + expand 60 days + apply",
                  lambda: feeds.pull_feed(db, url, now), 2.0)
    print(f"{'':<58} -> {first.added} activities stored")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'peak memory of this process so far (RSS)':<58} {rss:9.1f} MB")
    timed("re-sync, no change (304 Not Modified)", lambda: feeds.pull_feed(db, url, now), 0.05)
    Feed.validators = False
    timed("re-sync, no change, server without ETag (content hash)",
          lambda: feeds.pull_feed(db, url, now))
    feeds.pull_feed(db, url, now + timedelta(days=1))  # a new day: validators dropped
    Feed.body = Feed.body.replace(b"SUMMARY:Activiteit 7\r\n", b"SUMMARY:Activiteit 7!\r\n")
    changed = timed("re-sync after one event changed (parse + compare + apply)",
                    lambda: feeds.pull_feed(db, url, now + timedelta(days=1)))
    print(f"{'':<58} -> {changed.updated} updated, {changed.added} added")
    server.shutdown()
    db.close()


def bench_push(workdir: Path, rows: int, batch: int) -> None:
    hub_path = workdir / "hub.db"
    hub_db = connect_hub(hub_path)
    add_stadsdorp(hub_db, "Stadsdorp Zuid", "zuid")
    token = add_kiosk(hub_db, "bench-kiosk")
    with write_transaction(hub_db):
        rev = next_rev(hub_db)
        for n in range(20):
            save_activity(hub_db, Activity(
                id=f"hub-{n}", title=f"Activiteit {n}", stadsdorp="zuid",
                starts_at=datetime.now(UTC) + timedelta(days=1 + n),
                capacity=None if n % 2 else rows, source="hub"), rev=rev)
    hub_db.close()
    server = create_server(create_hub_app({"HUB_DATABASE": str(hub_path)}), host="127.0.0.1",
                           port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    client = HubClient(f"http://127.0.0.1:{server.effective_port}", token, timeout=60)

    kiosk = connect(workdir / "kiosk.db")
    migrate(kiosk)
    pull_agenda(kiosk, client)
    kiosk_id = config.kiosk_id(kiosk)
    started = time.perf_counter()
    with write_transaction(kiosk):  # one transaction: this measures the push, not fsync
        for n in range(rows):
            create_signup(kiosk, f"hub-{n % 20}", name=f"Bewoner {n}", phone="0612345678",
                          kiosk_id=kiosk_id, print_ticket=False)
    print(f"\nOutbox: {rows} signups made in {time.perf_counter() - started:.1f} s "
          f"(one transaction)")
    started = time.perf_counter()
    report = push_outbox(kiosk, client, batch_size=batch)
    seconds = time.perf_counter() - started
    print(f"{'push ' + str(report.sent) + ' rows in batches of ' + str(batch):<58} "
          f"{seconds * 1000:9.1f} ms  = {report.sent / seconds:,.0f} rows/s")
    print(f"{'':<58} -> {report.outcomes}")
    started = time.perf_counter()
    again = push_outbox(kiosk, client, batch_size=batch)
    print(f"{'push again (nothing left to send)':<58} "
          f"{(time.perf_counter() - started) * 1000:9.1f} ms  ({again.sent} rows)")
    server.close()
    kiosk.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        bench_feeds(Path(folder), args.events)
        bench_push(Path(folder), args.rows, args.batch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
