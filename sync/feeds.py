"""The kiosk's iCalendar feeds: conditional fetch, then parse and apply in one go. A
changed feed is parsed again only where its text changed (sync/ical_groups.py).

A feed that fails in any way (unreachable, too big, not UTF-8, broken) changes nothing
in the agenda: the error goes on the sync screen and the previous agenda stays.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote, urldefrag

import sqlite_utils

from kiosk.core import calls, dutch
from kiosk.core.activity_ids import move_activity_id
from kiosk.core.agenda import DERIVED, Activity, save_activity
from kiosk.core.clock import utc_iso
from kiosk.core.config import get_setting
from kiosk.core.db import write_transaction
from sync import http
from sync.feed_urls import FeedUrlError, normalise_feed_url
from sync.ical_child import expand_in_child, give_memory_back, too_many_events
from sync.ical_groups import group_from_json, group_to_json, parser_fingerprint, split_calendar
from sync.ical_import import (
    WINDOW_DAYS,
    ExpandedFeed,
    FeedError,
    ParsedFeed,
    SeriesGroup,
    combine,
    feed_source,
    skipped_series_note,
    window,
)

# Real feeds are far smaller (a Google export of years is about 1 MB); parsing costs
# about 30 MB of memory per MB of iCalendar, so this keeps a bad feed to ~150 MB.
MAX_FEED_BYTES = 5 * 1024 * 1024
FEED_INTERVAL = timedelta(minutes=15)
FEED_DEADLINE = 60.0  # seconds for a whole download: connect, headers and body
WHAT = "De agenda-feed"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeedResult:
    url: str
    changed: bool  # False for a 304 or an identical body: nothing was parsed
    added: int = 0
    updated: int = 0
    removed: int = 0
    error: str = ""


@dataclass(frozen=True)
class Fetched:
    status: int
    body: bytes
    etag: str
    last_modified: str


def configured_feeds(db: sqlite_utils.Database) -> list[str]:
    return get_setting(db, "feeds").split()


def split_feed_url(configured: str) -> tuple[str, str]:
    """'https://…/zuid.ics#Stadsdorp%20Zuid' -> the URL to fetch and the stadsdorp its
    activities belong to. A fragment is never sent to the server, so it is a safe
    place for the label; without one the calendar's own name (X-WR-CALNAME) is used."""
    url, fragment = urldefrag(configured)
    return url, unquote(fragment).strip()


def fetch(url: str, etag: str = "", last_modified: str = "", *, timeout: float = http.TIMEOUT,
          max_bytes: int = MAX_FEED_BYTES, deadline: float | None = None) -> Fetched:
    headers = {"Accept": "text/calendar, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    response = http.request(
        "GET", url, headers=headers, max_bytes=max_bytes, timeout=timeout, what=WHAT,
        deadline=FEED_DEADLINE if deadline is None else deadline,
    )
    if response.status not in (200, 304):
        label = {401: "vraagt om een wachtwoord", 403: "is niet openbaar",
                 404: "bestaat niet (meer)", 410: "bestaat niet meer"}
        raise http.SyncError(
            f"De agenda-feed {label.get(response.status, 'geeft een fout')} "
            f"(HTTP {response.status}).",
            response.status,
        )
    return Fetched(
        response.status,
        response.body,
        response.header("etag"),
        response.header("last-modified"),
    )


def _state(db: sqlite_utils.Database, url: str) -> dict[str, Any]:
    rows = list(db.query("SELECT * FROM feed_state WHERE url = ?", [url]))
    if rows:
        return rows[0]
    return {"url": url, "etag": "", "last_modified": "", "content_hash": "", "expanded_on": "",
            "last_attempt_at": None, "series_basis": "", "calendar_name": ""}


def _save_state(db: sqlite_utils.Database, url: str, **values: Any) -> None:
    values = {"url": url, "source": feed_source(url), **values}
    columns = ", ".join(values)
    updates = ", ".join(f"{k} = excluded.{k}" for k in values if k != "url")
    db.execute(
        f"INSERT INTO feed_state ({columns}) VALUES ({', '.join('?' for _ in values)}) "
        f"ON CONFLICT (url) DO UPDATE SET {updates}",
        list(values.values()),
    )


def is_due(db: sqlite_utils.Database, url: str, now: datetime) -> bool:
    last = _state(db, url)["last_attempt_at"]
    return last is None or last <= utc_iso(now - FEED_INTERVAL)


def pull_feed(db: sqlite_utils.Database, configured: str, now: datetime | None = None,
              *, timeout: float = http.TIMEOUT) -> FeedResult:
    """Fetch one feed and bring the agenda in line with it. Never raises for a bad
    feed: the error is stored for the sync screen and returned."""
    now = now or datetime.now(UTC)
    try:
        url, stadsdorp = split_feed_url(normalise_feed_url(configured))
    except FeedUrlError as err:
        url = split_feed_url(configured.strip())[0]
        with write_transaction(db):
            _save_state(db, url, last_attempt_at=utc_iso(now), last_error=err.message)
        return FeedResult(url, changed=False, error=err.message)
    state = _state(db, url)
    today = dutch.local(now).date().isoformat()
    # Once a day the validators are dropped: a 304 says the file did not change, but
    # the 60-day window moved on, and next week's occurrences must be expanded.
    fresh_day = state["expanded_on"] == today
    try:
        fetched = fetch(
            url,
            state["etag"] if fresh_day else "",
            state["last_modified"] if fresh_day else "",
            timeout=timeout,
        )
        digest = hashlib.sha256(fetched.body).hexdigest() if fetched.status == 200 else ""
        if fetched.status == 304 or (fresh_day and digest == state["content_hash"]):
            with write_transaction(db):
                _save_state(db, url, last_attempt_at=utc_iso(now), last_success_at=utc_iso(now),
                            last_error="")
            return FeedResult(url, changed=False)
        parsed, groups = expand_changed_groups(db, url, fetched.body, now=now,
                                               stadsdorp=stadsdorp)
    except (http.SyncError, FeedError) as err:
        with write_transaction(db):
            _save_state(db, url, last_attempt_at=utc_iso(now), last_error=err.message)
        return FeedResult(url, changed=False, error=err.message)
    with write_transaction(db):
        result = apply_feed(db, url, parsed, now)
        groups.store(db, url)
        _save_state(
            db, url, etag=fetched.etag, last_modified=fetched.last_modified,
            content_hash=digest, expanded_on=today, last_attempt_at=utc_iso(now),
            last_success_at=utc_iso(now), last_error="", activity_count=len(parsed.activities),
            skipped_series=json.dumps(list(parsed.skipped_series), ensure_ascii=False),
        )
    del parsed, fetched, groups
    give_memory_back()
    return result


@dataclass
class NewGroups:
    """What a parse leaves for the next one: the digest and result of each group that
    was expanded now, under `basis` ('' when the feed could not be cut into groups)."""

    basis: str
    keys: list[str]  # every group of the feed as it is now
    expanded: dict[str, tuple[str, SeriesGroup]]
    calendar_name: str = ""

    def store(self, db: sqlite_utils.Database, url: str) -> None:
        """Call inside the transaction that applies the feed."""
        db.execute("DELETE FROM feed_series WHERE url = ? AND key NOT IN "
                   "(SELECT value FROM json_each(?))",
                   [url, json.dumps(self.keys if self.basis else [])])
        _save_state(db, url, series_basis=self.basis, calendar_name=self.calendar_name)
        if not self.basis:
            return
        db.conn.executemany(
            "INSERT INTO feed_series (url, key, digest, result) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (url, key) DO UPDATE SET digest = excluded.digest, "
            "result = excluded.result",
            ((url, key, digest, json.dumps(group_to_json(group), ensure_ascii=False))
             for key, (digest, group) in self.expanded.items()))


def expand_changed_groups(
    db: sqlite_utils.Database, url: str, data: bytes, *, now: datetime, stadsdorp: str = "",
) -> tuple[ParsedFeed, NewGroups]:
    """The feed parsed as a whole would give, parsing (in the child) only the groups
    whose text changed since the last import on the same day; the others' results are
    read back from that import. Raises FeedError as parse_in_child does."""
    refused = too_many_events(data)  # on the whole feed, before any part of it is sent
    if refused is not None:
        raise refused
    source = feed_source(url)
    split = split_calendar(data)
    if split is None:
        expanded = expand_in_child(data, source=source, now=now, stadsdorp=stadsdorp)
        return _combined(expanded), NewGroups("", [], {})
    digests = split.digests()
    basis = hashlib.sha256("\n".join((
        split.common_digest, dutch.local(now).date().isoformat(), str(WINDOW_DAYS), source,
        stadsdorp, parser_fingerprint())).encode()).hexdigest()
    stored: dict[str, str] = {}
    state = _state(db, url)
    if state.get("series_basis") == basis:
        stored = dict(db.execute("SELECT key, digest FROM feed_series WHERE url = ?", [url]))
    kept = {key for key, digest in digests.items() if stored.get(key) == digest}
    todo = [key for key in digests if key not in kept]
    whole = not kept
    part = b"" if whole else split.subset(set(todo))
    every_event = split.event_groups()
    events = every_event if whole else split.event_groups(set(todo))
    # The cut text goes before the child starts: parent and child are never both big.
    del split
    give_memory_back()
    if whole or todo:
        expanded = expand_in_child(data if whole else part, source=source, now=now,
                                   stadsdorp=stadsdorp)
    else:  # only what no parser reads changed (time stamps, folding): no child at all
        expanded = ExpandedFeed(state.get("calendar_name") or "", {})
    if not _as_cut(expanded, events):
        # The cut did not see the events the parser saw: trust the parser alone, and
        # keep nothing of this cut for the next time.
        log.warning("feed %s: events not as cut, parsed whole", source)
        if not whole:
            expanded = expand_in_child(data, source=source, now=now, stadsdorp=stadsdorp)
        return _combined(expanded), NewGroups("", [], {})
    try:
        reused = {key: group_from_json(json.loads(result)) for key, result in db.execute(
            "SELECT key, result FROM feed_series WHERE url = ?", [url]) if key in kept}
    except (ValueError, TypeError, KeyError):
        # A stored result that no longer reads: this once, the whole feed again.
        log.warning("feed %s: stored groups unreadable, parsed whole", source, exc_info=True)
        whole_again = expand_in_child(data, source=source, now=now, stadsdorp=stadsdorp)
        if not _as_cut(whole_again, every_event):
            return _combined(whole_again), NewGroups("", [], {})
        return _combined(whole_again), NewGroups(
            basis, list(digests), {key: (digests[key], group)
                                   for key, group in whole_again.groups.items()},
            whole_again.calendar_name)
    groups = {key: reused[key] if key in kept else expanded.groups[key] for key in digests}
    fresh = {key: (digests[key], expanded.groups[key]) for key in todo}
    return _combined(ExpandedFeed(expanded.calendar_name, groups)), NewGroups(
        basis, list(digests), fresh, expanded.calendar_name)


def _as_cut(expanded: ExpandedFeed, events: list[str]) -> bool:
    """Whether the parser found the cut's VEVENTs, one by one in the same order with
    the same UIDs: comparing only which groups exist would let an event the cut gave
    to the wrong group (or to none) through, and its stored expansion with it."""
    return expanded.event_groups == events and set(expanded.groups) == set(events)


def _combined(expanded: ExpandedFeed) -> ParsedFeed:
    return combine(expanded.calendar_name, expanded.groups.values())


_COMPARED = [f.name for f in fields(Activity) if f.name not in ("id", *DERIVED)]


def _comparable(values: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(values[name] for name in _COMPARED)


def _as_row(activity: Activity) -> dict[str, Any]:
    row = {name: getattr(activity, name) for name in _COMPARED}
    row["starts_at"] = dutch.local(activity.starts_at).isoformat()
    row["ends_at"] = dutch.local(activity.ends_at).isoformat() if activity.ends_at else None
    return row


def apply_feed(
    db: sqlite_utils.Database, url: str, parsed: ParsedFeed, now: datetime
) -> FeedResult:
    """Upsert what changed, mark what vanished as removed. Call inside a transaction.

    Only activities from now on can vanish: yesterday's falls out of the window, not
    out of the agenda. Signups are never deleted; what their residents were told is
    kept first, so every change that matters puts them on the call list.
    """
    source = feed_source(url)
    start, _end = window(now)
    existing = {
        row["id"]: row
        for row in db.query(
            "SELECT * FROM activities WHERE source = ? AND starts_utc >= ?",
            [source, utc_iso(start)],
        )
    }
    # The hub's copy of an activity knows its capacity and seat lease: it wins.
    hub_owned = {
        row[0]
        for row in db.execute(
            "SELECT id FROM activities WHERE source = 'hub' AND id IN "
            "(SELECT value FROM json_each(?))",
            [_json_ids(parsed)],
        )
    }
    for new_id, legacy_id in parsed.legacy_ids.items():
        if legacy_id in existing and new_id not in existing and move_activity_id(
                db, legacy_id, new_id):
            existing[new_id] = {**existing.pop(legacy_id), "id": new_id}
    added = updated = removed = 0
    for activity in parsed.activities:
        if activity.id in hub_owned:
            continue
        old = existing.get(activity.id)
        if old is not None and _comparable(old) == _comparable(_as_row(activity)):
            continue
        if old is not None:
            calls.remember_what_was_told(db, activity_id=activity.id)
        save_activity(db, activity)
        if old is None:
            added += 1
        else:
            updated += 1
    seen = {activity.id for activity in parsed.activities}
    for activity_id, old in existing.items():
        if activity_id in seen or old["status"] == "removed" or old["starts_utc"] < utc_iso(now):
            continue
        calls.remember_what_was_told(db, activity_id=activity_id)
        db.execute(
            "UPDATE activities SET status = 'removed', updated_at = ? WHERE id = ?",
            [utc_iso(now), activity_id],
        )
        removed += 1
    return FeedResult(url, changed=True, added=added, updated=updated, removed=removed)


def _json_ids(parsed: ParsedFeed) -> str:
    return json.dumps([activity.id for activity in parsed.activities])


def forget_unconfigured(db: sqlite_utils.Database, now: datetime) -> int:
    """A feed the coordinator took out of the settings takes its future activities
    with it (signups kept, residents on the call list)."""
    configured = {split_feed_url(_tidy(u))[0] for u in configured_feeds(db)}
    gone = [row[0] for row in db.execute("SELECT url FROM feed_state").fetchall()
            if row[0] not in configured]
    if not gone:
        return 0  # the usual case, every round: no write transaction for nothing
    removed = 0
    with write_transaction(db):
        for url in gone:
            empty = ParsedFeed([], "", 0)
            removed += apply_feed(db, url, empty, now).removed
            db.execute("DELETE FROM feed_state WHERE url = ?", [url])
            db.execute("DELETE FROM feed_series WHERE url = ?", [url])
    return removed


def pull_due_feeds(
    db: sqlite_utils.Database, now: datetime | None = None, *, force: bool = False
) -> list[FeedResult]:
    now = now or datetime.now(UTC)
    forget_unconfigured(db, now)
    return [
        _pull_guarded(db, configured, now)
        for configured in configured_feeds(db)
        if force or is_due(db, split_feed_url(_tidy(configured))[0], now)
    ]


def _pull_guarded(db: sqlite_utils.Database, configured: str, now: datetime) -> FeedResult:
    """A fault nobody foresaw in one feed is that feed's error, never the end of the
    round: the other feeds are still read, and this one is tried again in its turn."""
    try:
        return pull_feed(db, configured, now)
    except Exception:
        log.exception("feed %s failed unexpectedly", configured)
        message = ("De kiosk kon deze agenda-feed niet verwerken (interne fout). De vorige "
                   "agenda blijft staan; de kiosk probeert het later opnieuw.")
        url = split_feed_url(_tidy(configured))[0]
        with write_transaction(db):
            _save_state(db, url, last_attempt_at=utc_iso(now), last_error=message)
        return FeedResult(url, changed=False, error=message)


def _tidy(configured: str) -> str:
    """The URL a feed's state is kept under; a bad address under what was typed."""
    try:
        return normalise_feed_url(configured)
    except FeedUrlError:
        return configured.strip()  # its state is kept under what was typed


def feed_states(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    rows = list(db.query("SELECT * FROM feed_state ORDER BY url"))
    for row in rows:
        row["skipped_series"] = json.loads(row.get("skipped_series") or "[]")
        row["skipped_note"] = skipped_series_note(row["skipped_series"])
    return rows
