"""Stable activity ids: a one-off feed event keeps its id when its time changes, every
occurrence of a series keeps its own id (also after an "edit this and all future"),
and an agenda stored with the old ids moves over without losing a signup, on the kiosk
and on the hub."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.core.agenda import Activity, get_activity, save_activity
from kiosk.core.config import set_setting
from kiosk.core.db import write_transaction
from kiosk.core.dutch import AMSTERDAM
from kiosk.core.signups import create_signup
from sync import feeds
from sync.hub import create_hub_app
from sync.hub.db import connect_hub
from sync.hub.feeds import add_feed, import_feed
from sync.hub_client import apply_agenda
from sync.ical_fields import activity_id
from sync.ical_import import feed_source, parse_feed
from tests.sync_support import FeedServer, make_kiosk, setup_hub
from tests.test_hub import created

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=AMSTERDAM)


def calendar(*events: str) -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\n{e}END:VEVENT\r\n" for e in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\n{body}END:VCALENDAR\r\n".encode()


def lezing(start: str = "20260320T123000Z") -> str:
    return f"UID:lezing-1\r\nDTSTART:{start}\r\nSUMMARY:Lezing over de buurt\r\n"


SERIES = ("UID:koffie\r\nDTSTART;TZID=Europe/Amsterdam:20260317T100000\r\n"
          "RRULE:FREQ=WEEKLY\r\nSUMMARY:Koffieochtend\r\n")
LATER_FROM_31_MARCH = (
    "UID:koffie\r\nRECURRENCE-ID;RANGE=THISANDFUTURE;TZID=Europe/Amsterdam:20260331T100000\r\n"
    "DTSTART;TZID=Europe/Amsterdam:20260331T110000\r\nSUMMARY:Koffieochtend (later)\r\n")


def ids_by_local_start(data: bytes, now: datetime = NOW) -> dict[str, str]:
    return {a.starts_at.astimezone(AMSTERDAM).strftime("%m-%d %H:%M"): a.id
            for a in parse_feed(data, source="ics:t", now=now).activities}


def test_one_off_event_keeps_its_id_when_its_time_changes():
    before = ids_by_local_start(calendar(lezing("20260320T123000Z")))
    after = ids_by_local_start(calendar(lezing("20260320T133000Z")))
    assert list(before) == ["03-20 13:30"] and list(after) == ["03-20 14:30"]
    assert before["03-20 13:30"] == after["03-20 14:30"] == activity_id("ics:t", "lezing-1")


def test_this_and_future_gives_every_later_occurrence_its_own_lasting_id():
    plain = ids_by_local_start(calendar(SERIES))
    moved = ids_by_local_start(calendar(SERIES, LATER_FROM_31_MARCH))
    assert sorted(moved)[:4] == ["03-17 10:00", "03-24 10:00", "03-31 11:00", "04-07 11:00"]
    assert len(set(moved.values())) == len(moved) == len(plain)  # nothing collapsed
    # Each later occurrence keeps the id it had before it moved an hour.
    for day in ("03-31", "04-07", "05-12"):
        assert moved[f"{day} 11:00"] == plain[f"{day} 10:00"]
    # A week later the window moved on; the same occurrence still has the same id.
    next_week = ids_by_local_start(calendar(SERIES, LATER_FROM_31_MARCH),
                                   NOW + timedelta(days=7))
    assert next_week["04-07 11:00"] == moved["04-07 11:00"]


@pytest.fixture
def feed_server():
    server = FeedServer().start()
    yield server
    server.stop()


def test_one_off_moved_by_an_hour_keeps_its_signups_on_the_kiosk(db, feed_server):
    feed_server.routes["/a.ics"] = calendar(lezing("20260320T123000Z"))
    url = feed_server.url("/a.ics")
    set_setting(db, "feeds", url)
    assert feeds.pull_feed(db, url, NOW).added == 1
    the_id = activity_id(feed_source(url), "lezing-1")
    signup = create_signup(db, the_id, name="Els", kiosk_id="k", now=NOW)
    feed_server.routes["/a.ics"] = calendar(lezing("20260320T133000Z"))
    result = feeds.pull_feed(db, url, NOW + timedelta(minutes=20))
    assert (result.added, result.updated, result.removed) == (0, 1, 0)
    moved = get_activity(db, the_id)
    assert moved.starts_at.astimezone(AMSTERDAM).hour == 14 and moved.status == "scheduled"
    assert db.execute("SELECT activity_id, status FROM signups WHERE id = ?",
                      [signup.id]).fetchone() == (the_id, "confirmed")


def test_an_agenda_stored_with_the_old_ids_moves_over_with_its_signups(db, feed_server):
    feed_server.routes["/a.ics"] = calendar(lezing(), SERIES)
    url = feed_server.url("/a.ics")
    set_setting(db, "feeds", url)
    source = feed_source(url)
    start = datetime(2026, 3, 20, 12, 30, tzinfo=UTC)
    old_id = activity_id(source, "lezing-1", start)  # how ids were made before
    with write_transaction(db):
        save_activity(db, Activity(id=old_id, title="Lezing over de buurt", starts_at=start,
                                   source=source, capacity=30))
    signups = [create_signup(db, old_id, name=n, kiosk_id="k", now=NOW) for n in "ABC"]
    result = feeds.pull_feed(db, url, NOW)
    new_id = activity_id(source, "lezing-1")
    assert get_activity(db, old_id) is None
    assert get_activity(db, new_id).title == "Lezing over de buurt"
    assert {r[0] for r in db.execute("SELECT activity_id FROM signups")} == {new_id}
    assert db.execute("SELECT COUNT(*) FROM signups").fetchone()[0] == len(signups)
    assert result.removed == 0  # renamed, not removed plus new
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_hub_renames_old_ids_and_kiosks_follow(tmp_path: Path, feed_server):
    hub_path = tmp_path / "hub.db"
    tokens = setup_hub(hub_path, ["kiosk-a"])
    url = feed_server.url("/zuid.ics")
    now = datetime.now(UTC)
    start = (now + timedelta(days=5)).replace(hour=12, minute=30, second=0, microsecond=0)
    feed_server.routes["/zuid.ics"] = calendar(lezing(start.strftime("%Y%m%dT%H%M%SZ")))
    source = feed_source(url)
    old_id = activity_id(source, "lezing-1", start)
    new_id = activity_id(source, "lezing-1")
    hub = connect_hub(hub_path)
    add_feed(hub, url, "zuid")
    # The hub and a kiosk as they were before: the old id, a signup on each side.
    from sync.hub.agenda import save_activity as hub_save
    from sync.hub.db import next_rev

    with write_transaction(hub):
        hub_save(hub, Activity(id=old_id, title="Lezing", starts_at=start, source=source,
                               stadsdorp="zuid", capacity=20), rev=next_rev(hub))
    app = create_hub_app({"HUB_DATABASE": str(hub_path), "TESTING": True})
    client = app.test_client()
    auth = {"Authorization": f"Bearer {tokens['kiosk-a']}"}
    kiosk = make_kiosk(tmp_path / "a.db", "kiosk-a")
    first = client.get("/api/v1/agenda?since=", headers=auth).json
    apply_agenda(kiosk, first)
    signup = create_signup(kiosk, old_id, name="Els", kiosk_id="kiosk-a", now=now)
    hub_signup = created(old_id, size=2, basis="lease")
    sent = client.post("/api/v1/events", headers=auth, json={
        "version": 1, "events": [hub_signup], "activities": {}}).json
    assert sent["results"][0]["result"] == "accepted", sent

    assert import_feed(hub, url, now) == ""
    assert [r[0] for r in hub.execute("SELECT activity_id FROM signups")] == [new_id]
    assert hub.execute("SELECT COUNT(*) FROM activities WHERE id = ?", [old_id]).fetchone()[0] \
        == 0
    # The kiosk hears of the new id and takes its signup along.
    again = client.get(f"/api/v1/agenda?since={first['cursor']}", headers=auth).json
    assert again["renamed"] == [{"from": old_id, "to": new_id}]
    apply_agenda(kiosk, again)
    assert kiosk.execute("SELECT activity_id FROM signups WHERE id = ?",
                         [signup.id]).fetchone()[0] == new_id
    # A kiosk that was offline still pushes the old id: it lands on the new one.
    late = created(old_id, size=2, basis="lease")
    late["payload"]["code"] = "GHJKMN"
    answer = client.post("/api/v1/events", headers=auth, json={
        "version": 1, "events": [late], "activities": {}}).json
    assert answer["results"][0]["result"] == "accepted", answer
    assert {r[0] for r in hub.execute("SELECT activity_id FROM signups")} == {new_id}
    hub.close()
    kiosk.close()
