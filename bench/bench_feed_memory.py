"""Memory of the kiosk while it reads a feed: parent and child processes together.

    .venv/bin/python bench/bench_feed_memory.py

The feed is parsed in a child process with an address-space limit (sync/ical_child.py);
this prints, for each feed below, the peak resident memory of this process (which has
the kiosk's web app loaded, as the server has) plus its children, sampled every 10 ms,
and the memory this process holds afterwards. Target: below 200 MB together.

1. 5 MB, 100,000 tiny events: refused on its event count before any parsing.
2. 10,000 tiny events (the cap), all in the 60-day window: parsed and applied.
3. 5 MB in 5,000 events with long descriptions: parsed and applied.
3e. The same as 3 with one emoji in a title, first sync and re-sync.
4. The same as 3 with the child limited to 60 MB: refused, the Dutch error printed.
Also the time of a first sync and of a re-sync after one changed event (feed 3).
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.core.db import connect, migrate  # noqa: E402
from kiosk.web import create_app  # noqa: E402
from sync import feeds, ical_child  # noqa: E402

NOW = datetime.now(UTC).replace(microsecond=0)


def rss_kb(pid: int, field: str = "VmRSS") -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as listed:
                found += [int(c) for c in listed.read().split()]
        except OSError:
            pass
    return found


def forked_not_started(child: int, parent: int) -> bool:
    """A child between fork and exec shows this process's own pages as its RSS (they
    are shared, or with vfork the very same): counting it would count us twice."""
    try:
        with open(f"/proc/{child}/cmdline", "rb") as mine, \
                open(f"/proc/{parent}/cmdline", "rb") as theirs:
            return mine.read() == theirs.read()
    except OSError:
        return True  # already gone


class Sampler(threading.Thread):
    """Peak of (this process + its children) resident memory."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self.stop.is_set():
            total = rss_kb(me) + sum(rss_kb(child) for child in children(me)
                                     if not forked_not_started(child, me))
            self.peak = max(self.peak, total)
            time.sleep(0.01)


def calendar(events: list[str]) -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\n{e}END:VEVENT\r\n" for e in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:bench\r\n{body}END:VCALENDAR\r\n".encode()


def tiny(count: int, minutes_apart: float) -> bytes:
    return calendar([
        f"UID:t{i}\r\nDTSTART:{NOW + timedelta(minutes=minutes_apart * i):%Y%m%dT%H%M%SZ}\r\n"
        f"SUMMARY:x{i}\r\n" for i in range(count)])


def smallest(count: int) -> bytes:
    """41 bytes an event (bare line feeds, no UID, no title, a date): 100,000 in 4 MB."""
    event = f"BEGIN:VEVENT\nDTSTART:{NOW:%Y%m%d}\nEND:VEVENT\n"
    return f"BEGIN:VCALENDAR\nVERSION:2.0\n{event * count}END:VCALENDAR\n".encode()


def long_descriptions(count: int, size: int) -> bytes:
    text = ("Kom gezellig koffie drinken met de buren. " * (size // 42 + 1))[:size]
    return calendar([
        f"UID:l{i}\r\nDTSTART:{NOW + timedelta(minutes=10 * i):%Y%m%dT%H%M%SZ}\r\n"
        f"SUMMARY:Activiteit {i}\r\nDESCRIPTION:{text}\r\n" for i in range(count)])


class Feed(BaseHTTPRequestHandler):
    body = b""

    def handle(self) -> None:
        with contextlib.suppress(ConnectionError):  # the kiosk hung up on a refused feed
            super().handle()
    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar")
        self.send_header("Content-Length", str(len(Feed.body)))
        self.end_headers()
        self.wfile.write(Feed.body)


def measure(label: str, body: bytes, db: Any, url: str, day: int) -> None:
    Feed.body = body
    gc.collect()
    before = rss_kb(os.getpid())
    sampler = Sampler()
    sampler.start()
    started = time.monotonic()
    result = feeds.pull_feed(db, url, NOW + timedelta(days=day))
    took = time.monotonic() - started
    sampler.stop.set()
    sampler.join()
    gc.collect()
    after = rss_kb(os.getpid())
    outcome = (result.error[:90] if result.error
               else f"{result.added} added, {result.updated} updated")
    print(f"{label:<44} {len(body) / 1e6:5.1f} MB  {took:6.2f} s  peak together "
          f"{sampler.peak / 1024:6.1f} MB  kiosk before/after {before / 1024:5.1f}/"
          f"{after / 1024:5.1f} MB\n    {outcome}")


def main() -> None:
    create_app({"TESTING": True, "DATABASE": ":memory:", "START_WORKERS": False})
    server = ThreadingHTTPServer(("127.0.0.1", 0), Feed)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/feed.ics"
    with tempfile.TemporaryDirectory() as folder:
        db = connect(Path(folder) / "kiosk.db")
        migrate(db)
        print(f"child limit {ical_child.CHILD_LIMIT_MB} MB, at most {ical_child.MAX_EVENTS} "
              f"events; this process at start {rss_kb(os.getpid()) / 1024:.1f} MB")
        measure("1. 100,000 tiny events", smallest(100_000), db, url, 0)
        measure("2. 10,000 tiny events in the window", tiny(10_000, 8), db, url, 1)
        big = long_descriptions(5_000, 900)
        measure("3. 5,000 events with long descriptions", big, db, url, 2)
        changed = big.replace(b"SUMMARY:Activiteit 4000\r\n",
                              b"SUMMARY:Activiteit 4000 (nieuw)\r\n")
        measure("   re-sync after one changed event", changed, db, url, 2)
        # One character beyond Latin-1 makes Python hold a decoded text at 4 bytes a
        # character: the kiosk process never decodes the feed, only the child does.
        emoji = big.replace(b"SUMMARY:Activiteit 1\r\n", "SUMMARY:Activiteit 1 \U0001F389\r\n"
                            .encode())
        measure("3e. as 3, one emoji in a title", emoji, db, url, 3)
        measure("   re-sync after one changed event", emoji.replace(
            b"SUMMARY:Activiteit 4000\r\n", b"SUMMARY:Activiteit 4000 (nieuw)\r\n"), db, url, 3)
        ical_child.CHILD_LIMIT_MB = 60
        measure("4. as 3, child limited to 60 MB", big.replace(b"bench", b"bench2"), db, url, 4)
        print(f"peak of this process over the run (VmHWM): "
              f"{rss_kb(os.getpid(), 'VmHWM') / 1024:.1f} MB")
    server.shutdown()


if __name__ == "__main__":
    main()
