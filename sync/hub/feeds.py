"""iCalendar feeds imported into the hub (a stadsdorp's Google or Nextcloud calendar,
the Netwerk website), so every kiosk gets them with capacity and seat leases.

The same fetch and parse as on a kiosk, the parse in the same memory-limited child
process (sync/ical_child.py) with the server's own limit, so no feed can take the hub's
memory; a coordinator's capacity survives re-imports.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from kiosk.core import dutch
from kiosk.core.clock import utc_iso
from kiosk.core.db import write_transaction
from sync import http
from sync.feed_urls import normalise_feed_url
from sync.feeds import fetch
from sync.hub import agenda
from sync.hub.db import next_rev
from sync.ical_child import give_memory_back, parse_in_child
from sync.ical_import import HUB, FeedError, feed_source, skipped_series_note, window

log = logging.getLogger(__name__)

# The parsing child's memory (see sync/ical_child.py). The hub runs on a server, not on
# a Pi beside Chromium: room for the largest feed a fetch accepts (5 MB) even when one
# character beyond Latin-1 makes Python hold its text at two or four bytes a character.
PARSE_LIMIT_MB = 300


def add_feed(db: sqlite_utils.Database, url: str, stadsdorp: str = "") -> str:
    """Returns the address as it will be fetched (webcal:// as https://); a bad one
    raises FeedUrlError in Dutch."""
    url = normalise_feed_url(url)
    with write_transaction(db):
        db.execute("INSERT INTO feeds (url, stadsdorp) VALUES (?, ?) ON CONFLICT (url) "
                   "DO UPDATE SET stadsdorp = excluded.stadsdorp", [url, stadsdorp])
    return url


def import_feed(db: sqlite_utils.Database, url: str, now: datetime | None = None) -> str:
    """Returns '' on success (or no change), else the error in Dutch."""
    now = now or datetime.now(UTC)
    state: dict[str, Any] = next(iter(db.query("SELECT * FROM feeds WHERE url = ?", [url])))
    today = dutch.local(now).date().isoformat()
    fresh_day = state["expanded_on"] == today  # see sync.feeds.pull_feed
    try:
        fetched = fetch(url, state["etag"] if fresh_day else "",
                        state["last_modified"] if fresh_day else "")
        digest = hashlib.sha256(fetched.body).hexdigest()
        if fetched.status == 304 or (fresh_day and digest == state["content_hash"]):
            with write_transaction(db):
                db.execute("UPDATE feeds SET last_attempt_at = ?, last_success_at = ?, "
                           "last_error = '' WHERE url = ?", [utc_iso(now), utc_iso(now), url])
            return ""
        parsed = parse_in_child(fetched.body, source=feed_source(url), now=now,
                                stadsdorp=state["stadsdorp"], limit_mb=PARSE_LIMIT_MB,
                                reader=HUB)
    except (http.SyncError, FeedError) as err:
        with write_transaction(db):
            db.execute("UPDATE feeds SET last_attempt_at = ?, last_error = ? WHERE url = ?",
                       [utc_iso(now), err.message, url])
        return err.message
    with write_transaction(db):
        rev = next_rev(db)
        for new_id, legacy_id in parsed.legacy_ids.items():
            agenda.rename_activity(db, legacy_id, new_id, rev)
        for activity in parsed.activities:
            # Here a stadsdorp is a slug; the calendar's own name is not one.
            activity = replace(activity, stadsdorp=state["stadsdorp"])
            agenda.save_activity(db, activity, rev=rev, keep_capacity=True)
        seen = [a.id for a in parsed.activities]
        start, _end = window(now)
        db.execute(
            "UPDATE activities SET status = 'removed', updated_at = ?, rev = ? "
            "WHERE source = ? AND starts_utc >= ? AND status != 'removed' "
            "AND id NOT IN (SELECT value FROM json_each(?))",
            [utc_iso(now), rev, feed_source(url), utc_iso(max(start, now)), json.dumps(seen)],
        )
        db.execute(
            "UPDATE feeds SET etag = ?, last_modified = ?, content_hash = ?, expanded_on = ?, "
            "last_attempt_at = ?, last_success_at = ?, last_error = '', skipped_series = ? "
            "WHERE url = ?",
            [fetched.etag, fetched.last_modified, digest, today, utc_iso(now), utc_iso(now),
             json.dumps(list(parsed.skipped_series), ensure_ascii=False), url],
        )
    del parsed, fetched
    give_memory_back()
    return ""


def feed_rows(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """The feeds for the coordinator's page, each with what its last import skipped."""
    rows = list(db.query("SELECT * FROM feeds ORDER BY url"))
    for row in rows:
        row["skipped_note"] = skipped_series_note(json.loads(row["skipped_series"] or "[]"))
    return rows


def import_all(db: sqlite_utils.Database, now: datetime | None = None) -> dict[str, str]:
    urls = [row[0] for row in db.execute("SELECT url FROM feeds ORDER BY url")]
    return {url: _import_guarded(db, url, now or datetime.now(UTC)) for url in urls}


def _import_guarded(db: sqlite_utils.Database, url: str, now: datetime) -> str:
    """A fault nobody foresaw in one feed is that feed's error, as on a kiosk: the other
    feeds are still imported, and this one is tried again next round."""
    try:
        return import_feed(db, url, now)
    except Exception:
        log.exception("feed %s failed unexpectedly", url)
        message = ("De hub kon deze agenda-feed niet verwerken (interne fout). De vorige "
                   "agenda blijft staan; de hub probeert het later opnieuw.")
        with write_transaction(db):
            db.execute("UPDATE feeds SET last_attempt_at = ?, last_error = ? WHERE url = ?",
                       [utc_iso(now), message, url])
        return message
