"""Parsing a feed in a child process with a memory limit, so no feed can take the
kiosk's memory: icalendar holds about 30 times the file's size while parsing, and a
Pi 3B+ shares 1 GB with Chromium. The child's memory goes back to the system when it
ends; the kiosk process only ever holds the bytes and the finished activities.

    parse_in_child(data, source=..., now=..., stadsdorp=...) -> ParsedFeed
    expand_in_child(...) -> ExpandedFeed (group by group, for a re-sync that keeps the
                                          groups whose text did not change)

The child is `python -m sync.ical_child`: on stdin one line of JSON with its limit and
the parse's arguments, then the feed; JSON on stdout. Nothing goes on its command line,
which every local user can read in `ps`: a feed's label and anything derived from a
private calendar address stay between the two processes.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from sync.ical_groups import group_from_json, group_to_json
from sync.ical_import import (
    KIOSK,
    WINDOW_DAYS,
    ExpandedFeed,
    FeedError,
    ParsedFeed,
    Reader,
    combine,
    expand_feed,
)

log = logging.getLogger(__name__)

# Address space of the child (RLIMIT_AS) on a kiosk. Python and the parsers take about
# 30 MB before the first byte is read; 10,000 events take the child to about 90 MB. With
# the kiosk process that keeps parent and child below 200 MB together (bench_feed_memory).
# The hub, on a server, passes its own.
CHILD_LIMIT_MB = 110
CHILD_DEADLINE = 60.0  # seconds for the whole parse; beyond it the child is killed
# Counted on the raw bytes before any parsing: the cheapest refusal of a runaway feed.
MAX_EVENTS = 10_000

def too_big(reader: Reader = KIOSK) -> str:
    return (
        f"De agenda-feed is te groot om in te lezen ({reader.machine} heeft er niet genoeg "
        "geheugen voor). De vorige agenda blijft staan. Vraag de beheerder van de agenda om "
        "een kleinere feed, bijvoorbeeld alleen de komende maanden."
    )


TOO_BIG = too_big(KIOSK)


def too_many_events(data: bytes, reader: Reader = KIOSK) -> FeedError | None:
    count = data.count(b"BEGIN:VEVENT")
    if count <= MAX_EVENTS:
        return None
    return FeedError(
        f"De agenda-feed heeft {count} activiteiten; {reader.name} leest er hoogstens "
        f"{MAX_EVENTS}. De vorige agenda blijft staan. Vraag de beheerder van de agenda "
        "om een kleinere feed, bijvoorbeeld alleen de komende maanden."
    )


def parse_in_child(
    data: bytes, *, source: str, now: datetime, stadsdorp: str = "",
    days: int = WINDOW_DAYS, limit_mb: int | None = None, deadline: float | None = None,
    reader: Reader = KIOSK,
) -> ParsedFeed:
    """parse_feed in a child process. Raises FeedError (Dutch) for whatever goes wrong,
    a child killed for its memory or its time included."""
    expanded = expand_in_child(data, source=source, now=now, stadsdorp=stadsdorp, days=days,
                               limit_mb=limit_mb, deadline=deadline, reader=reader)
    return combine(expanded.calendar_name, expanded.groups.values(), days=days,
                   reader=reader)


def expand_in_child(
    data: bytes, *, source: str, now: datetime, stadsdorp: str = "",
    days: int = WINDOW_DAYS, limit_mb: int | None = None, deadline: float | None = None,
    reader: Reader = KIOSK,
) -> ExpandedFeed:
    """expand_feed in a child process, with the errors of parse_in_child; `reader` names
    who parses in them, and limit_mb is its child's memory (the kiosk's by default)."""
    limit_mb = limit_mb or CHILD_LIMIT_MB
    deadline = deadline or CHILD_DEADLINE
    refused = too_many_events(data, reader)
    if refused is not None:
        raise refused
    root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (root, os.environ.get("PYTHONPATH", "")) if p)}
    command = [sys.executable, "-m", "sync.ical_child"]
    arguments = json.dumps({"limit_mb": limit_mb, "source": source, "now": now.isoformat(),
                            "days": days, "stadsdorp": stadsdorp,
                            "reader": [reader.name, reader.machine]}, ensure_ascii=True)
    try:
        done = subprocess.run(command, input=arguments.encode() + b"\n" + data,
                              capture_output=True, timeout=deadline, env=env, check=False)
    except subprocess.TimeoutExpired:
        raise FeedError(
            "De agenda-feed is te ingewikkeld om op tijd in te lezen. De vorige agenda "
            "blijft staan."
        ) from None
    except OSError as err:
        log.error("cannot start the feed parser: %s", err)
        raise FeedError(
            f"{reader.subject} kon de agenda-feed niet inlezen (interne fout).") from None
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        log.warning("feed parser ended with %s: %s", done.returncode,
                    done.stderr.decode(errors="replace")[-2000:])
        # Killed, or CPython itself gave up: under its address-space limit that is the
        # memory running out (a crash while handling a MemoryError prints "Fatal").
        out_of_memory = done.returncode < 0 or any(sign in done.stderr for sign in (
            b"MemoryError", b"Cannot allocate memory", b"Fatal Python error"))
        raise FeedError(too_big(reader) if out_of_memory else
                        f"{reader.subject} kon de agenda-feed niet inlezen (interne fout). De "
                        f"vorige agenda blijft staan; {reader.name} probeert het later opnieuw.")
    log.info("feed parsed in a child process, its peak %s kB", answer.get("peak_kb"))
    if "error" in answer:
        raise FeedError(str(answer["error"]))
    return ExpandedFeed(answer["calendar_name"],
                        {key: group_from_json(group) for key, group in answer["groups"]},
                        [str(key) for key in answer["event_groups"]])


def give_memory_back() -> None:
    """Hand freed heap pages back to the system after a big feed: CPython frees the
    parsed objects, but glibc keeps the pages for the next malloc unless asked."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to ask
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _child() -> int:
    import resource

    arguments = json.loads(sys.stdin.buffer.readline())
    limit = int(arguments["limit_mb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    reader = Reader(*arguments["reader"])
    out = sys.stdout
    data = b""
    try:
        data = sys.stdin.buffer.read()
        expanded = expand_feed(data, source=arguments["source"],
                               now=datetime.fromisoformat(arguments["now"]),
                               days=int(arguments["days"]), stadsdorp=arguments["stadsdorp"],
                               reader=reader)
        answer: dict[str, Any] = {
            "calendar_name": expanded.calendar_name,
            "groups": [[key, group_to_json(group)] for key, group in expanded.groups.items()],
            "event_groups": expanded.event_groups}
    except FeedError as err:
        # Out of memory deep inside icalendar can surface as a parse error of its own;
        # a failure at the limit was the limit.
        answer = {"error": too_big(reader) if at_limit(limit, len(data)) else err.message}
    except MemoryError:
        answer = {"error": too_big(reader)}
    except Exception:  # noqa: BLE001 - near its limit CPython fails in odd ways (SystemError)
        if not at_limit(limit, len(data)):
            raise  # a real bug: the traceback goes to the parent's log
        answer = {"error": too_big(reader)}
    answer["peak_kb"] = peak_rss_kb()
    out.write(json.dumps(answer, ensure_ascii=False))
    out.flush()
    return 0


def at_limit(limit: int, feed_bytes: int) -> bool:
    """Whether this process came so close to its RLIMIT_AS that an allocation may have
    failed. Measured as the limit measures: address space (VmPeak), not resident memory,
    which stays far below it (shared libraries, arenas reserved but not touched). The
    margin is the largest single allocation a parse makes: a copy of the text, up to
    4 bytes a character."""
    margin = max(8 * 1024 * 1024, 4 * feed_bytes)
    return _status_kb("VmPeak") * 1024 > limit - margin


def peak_rss_kb(pid: int | str = "self") -> int:
    """VmHWM, the peak resident memory of this process image. Not getrusage: its
    ru_maxrss survives exec, so a child would report the parent's peak as its own."""
    return _status_kb("VmHWM", pid)


def _status_kb(key: str, pid: int | str = "self") -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(_child())
