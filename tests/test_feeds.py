"""iCalendar feeds: parsing exports shaped like Google, Nextcloud, Outlook and WordPress
(The Events Calendar), applying them to the kiosk's agenda, and fetching them over
HTTP with conditional GETs, caps and clear errors."""

from __future__ import annotations

import contextlib
import tracemalloc
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.core import calls
from kiosk.core.agenda import get_activity
from kiosk.core.config import set_setting
from kiosk.core.dutch import AMSTERDAM
from kiosk.core.signups import create_signup
from sync import feeds
from sync.ical_fields import activity_id, short_name, split_location
from sync.ical_import import FeedError, feed_source, parse_feed
from tests.sync_support import FeedServer

FIXTURES = Path(__file__).parent / "fixtures" / "ics"
NOW = datetime(2026, 3, 16, 9, 0, tzinfo=AMSTERDAM)  # a Monday, two weeks before DST


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parse(name: str, **kwargs: Any) -> dict[str, Any]:
    parsed = parse_feed(fixture(name), source="ics:test", now=NOW, **kwargs)
    return {"feed": parsed, "by_start": {
        a.starts_at.astimezone(AMSTERDAM).strftime("%m-%d %H:%M"): a for a in parsed.activities
    }}


def local(moment: datetime) -> str:
    return moment.astimezone(AMSTERDAM).strftime("%m-%d %H:%M")


# --- Parsing: one test per calendar program ---------------------------------------------


def test_google_export_weekly_series_with_exdate_override_and_cancelled_instance():
    result = parse("google.ics")
    feed, by_start = result["feed"], result["by_start"]
    assert feed.calendar_name == "Stadsdorp Zuid"
    koffie = sorted(k for k, a in by_start.items() if a.short_name == "koffieochtend")
    # Weekly on Tuesday 10:00 local, also after the switch to summer time (29 March);
    # 7 April is an EXDATE; 24 March moved to 11:00; 31 March cancelled.
    assert koffie == ["03-17 10:00", "03-24 11:00", "03-31 10:00", "04-14 10:00",
                      "04-21 10:00", "04-28 10:00", "05-05 10:00", "05-12 10:00"]
    assert by_start["04-14 10:00"].starts_at.utcoffset() == timedelta(hours=2)
    assert by_start["03-31 10:00"].status == "cancelled"
    moved = by_start["03-24 11:00"]
    assert moved.title == "Koffieochtend (met taart)"
    # The moved occurrence keeps the id of the occurrence it replaces (RECURRENCE-ID).
    original = datetime(2026, 3, 24, 10, 0, tzinfo=AMSTERDAM)
    assert moved.id == activity_id("ics:test", "5k3j2h1g0f9e8d7c6b5a4z3y2x@google.com", original)
    first = by_start["03-17 10:00"]
    assert first.location_name == "Buurthuis De Pijp"
    assert first.address == "Ferdinand Bolstraat 12, 1072 LK Amsterdam, Nederland"
    assert first.description == ("Kom gezellig koffie drinken met de buren.\nU hoeft niets mee "
                                 "te nemen.\nIedereen is welkom! Koffie & thee staan klaar.")
    # A single event in UTC (Google's habit) shows in Amsterdam time.
    assert by_start["03-20 14:30"].title == "Wandelgroep Amstelpark"
    # All-day: local midnight to the next midnight.
    koningsdag = by_start["04-27 00:00"]
    assert koningsdag.ends_at - koningsdag.starts_at == timedelta(days=1)
    assert koningsdag.short_name == "koningsdag"
    titles = {a.title for a in feed.activities}
    assert "Tandarts" not in titles  # CLASS:PRIVATE never reaches a public screen
    assert feed.skipped == 1
    assert not titles & {"Kerstborrel", "Zomerfeest"}  # before and after the 60 days


def test_nextcloud_export_rdate_floating_time_duration_and_monthly_override():
    result = parse("nextcloud.ics")
    by_start = result["by_start"]
    walks = sorted(k for k, a in by_start.items() if a.short_name == "wandelgroep flevopark")
    # Thursdays until 30 April, 2 April excluded, plus an RDATE on Saturday 11 April.
    assert walks == ["03-19 14:30", "03-26 14:30", "04-09 14:30", "04-11 10:00",
                     "04-16 14:30", "04-23 14:30", "04-30 14:30"]
    assert by_start["04-11 10:00"].ends_at - by_start["04-11 10:00"].starts_at == timedelta(
        minutes=90)
    assert by_start["03-19 14:30"].category == "bewegen"
    # A floating time (no TZID) is an Amsterdam time; DURATION gives the end.
    filosofie = by_start["03-18 19:00"]
    assert filosofie.starts_at.utcoffset() == timedelta(hours=1)
    assert local(filosofie.ends_at) == "03-18 20:30"
    assert filosofie.contact == "Marieke, 020-7654321"
    # First Wednesday of the month; May's moved a week later.
    repair = sorted(k for k, a in by_start.items() if a.short_name == "repair café")
    assert repair == ["04-01 10:00", "05-13 10:00"]


def test_outlook_export_windows_timezone_exdate_override_all_day_and_cancelled():
    result = parse("outlook.ics")
    by_start = result["by_start"]
    yoga = sorted(k for k, a in by_start.items() if a.title == "Stoelyoga")
    # "W. Europe Standard Time" is Amsterdam time; Easter Monday (6 April) is excluded.
    assert yoga == ["03-16 11:00", "03-23 11:00", "03-30 11:00", "04-13 11:00",
                    "04-20 11:00", "04-27 11:00", "05-04 11:00", "05-11 11:00"]
    assert by_start["04-13 11:00"].location_name == "Grote zaal"
    assert by_start["04-25 00:00"].title == "Buurtschoonmaak"
    cancelled = by_start["03-22 17:00"]
    assert cancelled.status == "cancelled"
    assert cancelled.title == "Samen koken en eten"  # Outlook's "Geannuleerd: " taken off
    assert result["feed"].activities[0].id.startswith("ics-")


def test_wordpress_events_calendar_export():
    result = parse("wordpress.ics")
    by_start = result["by_start"]
    assert len(by_start) == 5
    film = by_start["03-20 19:30"]
    assert (film.title, film.short_name, film.category) == (
        "Filmclub: Alles is familie", "filmclub", "cultuur")
    assert film.description.endswith("Entree € 3,00")
    assert "foto’s" in by_start["03-25 15:00"].description  # &#8217; decoded
    assert by_start["03-25 15:00"].short_name == "lezing"
    # Its VTIMEZONE lists only this season's transitions (no RRULE): still right.
    assert by_start["04-02 10:00"].starts_at.utcoffset() == timedelta(hours=2)


def test_feed_label_or_calendar_name_becomes_the_stadsdorp():
    assert parse("google.ics")["feed"].activities[0].stadsdorp == "Stadsdorp Zuid"
    labelled = parse("wordpress.ics", stadsdorp="Stadsdorp Oost")["feed"]
    assert {a.stadsdorp for a in labelled.activities} == {"Stadsdorp Oost"}
    assert feeds.split_feed_url("https://x.example/a.ics#Stadsdorp%20Zuid") == (
        "https://x.example/a.ics", "Stadsdorp Zuid")


def test_ids_are_stable_and_differ_per_feed():
    once = [a.id for a in parse("google.ics")["feed"].activities]
    again = [a.id for a in parse("google.ics")["feed"].activities]
    other = parse_feed(fixture("google.ics"), source="ics:other", now=NOW).activities
    assert once == again
    assert not set(once) & {a.id for a in other}
    assert feed_source("https://calendar.google.com/calendar/ical/x/private-KEY/basic.ics") \
        .startswith("ics:")
    assert "KEY" not in feed_source("https://calendar.google.com/private-KEY/basic.ics")


def test_small_helpers():
    assert split_location("Buurthuis De Pijp, Ferdinand Bolstraat 12") == (
        "Buurthuis De Pijp", "Ferdinand Bolstraat 12")
    assert split_location("Ferdinand Bolstraat 12, Amsterdam") == (
        "Ferdinand Bolstraat 12, Amsterdam", "")
    assert short_name("Lezing – Oost vroeger en nu") == "lezing"


def minimal(*events: str) -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\n{e}END:VEVENT\r\n" for e in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\n{body}END:VCALENDAR\r\n".encode()


def test_runaway_recurrence_rules_are_skipped_quickly():
    data = minimal(
        "UID:a\r\nDTSTART:19000101T000000Z\r\nRRULE:FREQ=SECONDLY\r\nSUMMARY:x\r\n",
        "UID:b\r\nDTSTART:20260301T000000Z\r\nRRULE:FREQ=DAILY;BYMINUTE=0,1,2,3\r\n"
        "SUMMARY:x\r\n",
        "UID:c\r\nDTSTART:20260317T100000Z\r\nSUMMARY:Gewoon\r\n",
    )
    parsed = parse_feed(data, source="s", now=NOW)
    assert [a.title for a in parsed.activities] == ["Gewoon"]
    assert parsed.skipped == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"hello world", "begint niet met BEGIN:VCALENDAR"),
        (b"<!doctype html><html><body>Inloggen</body></html>", "gewone webpagina"),
        (fixture("google.ics")[:3000], "onvolledig"),
        ("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:Café\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
         .encode("latin-1"), "geen UTF-8"),
        (b"BEGIN:VCALENDAR\r\nthis is no content line\r\nEND:VCALENDAR\r\n", "geen geldig"),
        (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VCALENDAR\r\n", "geen geldig"),
    ],
)
def test_broken_feeds_raise_a_dutch_error(data: bytes, message: str):
    with pytest.raises(FeedError, match=message):
        parse_feed(data, source="s", now=NOW)


# --- Applying a feed to the kiosk's agenda ----------------------------------------------


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer().start()
    yield server
    server.stop()


def configure(db, server: FeedServer, *paths: str) -> list[str]:
    urls = [server.url(p) for p in paths]
    set_setting(db, "feeds", " ".join(urls))
    return urls


def activities(db, url: str) -> dict[str, str]:
    return dict(db.execute("SELECT id, status FROM activities WHERE source = ?",
                           [feed_source(url)]).fetchall())


def test_vanished_event_is_marked_removed_its_signups_kept_and_flagged(db, feed_server):
    feed_server.routes["/zuid.ics"] = fixture("google.ics")
    [url] = configure(db, feed_server, "/zuid.ics")
    result = feeds.pull_feed(db, url, NOW)
    assert (result.added, result.error) == (10, "")
    wandel = next(a for a in parse_feed(fixture("google.ics"), source=feed_source(url), now=NOW)
                  .activities if a.title.startswith("Wandelgroep"))
    signup = create_signup(db, wandel.id, name="Els", phone="0612345678", kiosk_id="k",
                           now=NOW)
    # The organiser deletes the walk from Google Calendar.
    data = fixture("google.ics")
    start = data.index(b"BEGIN:VEVENT\r\nDTSTART:20260320T133000Z")
    end = data.index(b"END:VEVENT\r\n", start) + len(b"END:VEVENT\r\n")
    feed_server.routes["/zuid.ics"] = data[:start] + data[end:]
    result = feeds.pull_feed(db, url, NOW + timedelta(minutes=20))
    assert (result.removed, result.updated, result.added) == (1, 0, 0)
    assert get_activity(db, wandel.id).status == "removed"
    [call] = calls.signups_needing_a_call(db)
    assert (call.signup_id, call.reason) == (signup.id, calls.ACTIVITY_REMOVED)
    assert db.execute("SELECT status FROM signups WHERE id = ?", [signup.id]).fetchone()[0] \
        == "confirmed"
    # It comes back: scheduled again, nothing lost.
    feed_server.routes["/zuid.ics"] = data
    feeds.pull_feed(db, url, NOW + timedelta(minutes=40))
    assert get_activity(db, wandel.id).status == "scheduled"


def test_event_cancelled_later_puts_its_signups_on_the_call_list(db, feed_server):
    feed_server.routes["/oost.ics"] = fixture("nextcloud.ics")
    [url] = configure(db, feed_server, "/oost.ics")
    feeds.pull_feed(db, url, NOW)
    filosofie = next(a for a in parse_feed(fixture("nextcloud.ics"), source=feed_source(url),
                                           now=NOW).activities if a.title == "Filosofie-avond")
    create_signup(db, filosofie.id, phone="0612345678", kiosk_id="k", now=NOW)
    feed_server.routes["/oost.ics"] = fixture("nextcloud.ics").replace(
        b"SUMMARY:Filosofie-avond\r\n", b"SUMMARY:Filosofie-avond\r\nSTATUS:CANCELLED\r\n")
    result = feeds.pull_feed(db, url, NOW + timedelta(minutes=20))
    assert result.updated == 1
    assert get_activity(db, filosofie.id).status == "cancelled"
    assert [c.reason for c in calls.signups_needing_a_call(db)] == [calls.ACTIVITY_CANCELLED]


def test_conditional_get_304_does_no_work(db, feed_server, monkeypatch):
    feed_server.routes["/zuid.ics"] = fixture("google.ics")
    [url] = configure(db, feed_server, "/zuid.ics")
    feeds.pull_feed(db, url, NOW)

    def must_not_parse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a 304 must not be parsed")

    monkeypatch.setattr(feeds, "expand_in_child", must_not_parse)
    result = feeds.pull_feed(db, url, NOW + timedelta(minutes=20))
    assert (result.changed, result.error) == (False, "")
    assert [status for _path, status in feed_server.hits] == [200, 304]
    # Once a day the window moves on: then the whole feed is fetched and expanded again.
    monkeypatch.undo()
    result = feeds.pull_feed(db, url, NOW + timedelta(days=1))
    assert feed_server.hits[-1][1] == 200 and result.changed


def test_server_without_validators_is_caught_by_the_content_hash(db, feed_server, monkeypatch):
    body = fixture("outlook.ics")

    def plain(handler: Any) -> None:  # no ETag, no Last-Modified, always 200
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    feed_server.routes["/noord.ics"] = plain
    [url] = configure(db, feed_server, "/noord.ics")
    assert feeds.pull_feed(db, url, NOW).added == 10
    monkeypatch.setattr(feeds, "expand_in_child", lambda *a, **k: pytest.fail("parsed again"))
    assert feeds.pull_feed(db, url, NOW + timedelta(minutes=20)).changed is False


def huge(handler: Any) -> None:
    """50 MB of calendar, streamed: never held in memory on either side."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/calendar")
    handler.end_headers()
    chunk = (b"BEGIN:VEVENT\r\nUID:x\r\nSUMMARY:" + b"y" * 990 + b"\r\nEND:VEVENT\r\n") * 64
    try:
        handler.wfile.write(b"BEGIN:VCALENDAR\r\n")
        for _ in range(50 * 1024 * 1024 // len(chunk)):
            handler.wfile.write(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the kiosk hung up at its cap, as it should


def declared_huge(handler: Any) -> None:
    handler.send_response(200)
    handler.send_header("Content-Length", str(50 * 1024 * 1024))
    handler.end_headers()
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        handler.wfile.write(b"BEGIN:VCALENDAR\r\n")


def truncated(handler: Any) -> None:
    body = fixture("google.ics")
    handler.send_response(200)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body[: len(body) // 2])  # and the connection closes


@pytest.mark.parametrize(
    ("route", "message"),
    [
        (huge, "te groot"),
        (declared_huge, "te groot"),
        (truncated, "halverwege verbroken"),
        (fixture("google.ics")[:2500], "onvolledig"),
        (fixture("google.ics").replace(b"Koffieochtend", "Koffieochtend café".encode("cp1252")),
         "geen UTF-8"),
        (b"BEGIN:VCALENDAR\r\n:::\r\nEND:VCALENDAR\r\n", "geen geldig"),
        (None, "bestaat niet"),
    ],
    ids=["50MB-streamed", "50MB-declared", "cut-connection", "truncated", "not-utf8",
         "malformed", "404"],
)
def test_bad_feed_keeps_the_previous_agenda_with_a_clear_error(db, feed_server, route, message):
    feed_server.routes["/zuid.ics"] = fixture("google.ics")
    [url] = configure(db, feed_server, "/zuid.ics")
    feeds.pull_feed(db, url, NOW)
    before = activities(db, url)
    if route is None:
        del feed_server.routes["/zuid.ics"]
    else:
        feed_server.routes["/zuid.ics"] = route
    tracemalloc.start()
    try:
        result = feeds.pull_feed(db, url, NOW + timedelta(days=1))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert message in result.error
    assert activities(db, url) == before
    [state] = feeds.feed_states(db)
    assert state["last_error"] == result.error
    assert state["last_success_at"] < state["last_attempt_at"]
    assert peak < 2 * feeds.MAX_FEED_BYTES  # bounded by the cap, whatever the server sends


def test_unreachable_feed_and_feed_taken_out_of_the_settings(db, feed_server):
    feed_server.routes["/oost.ics"] = fixture("nextcloud.ics")
    [url] = configure(db, feed_server, "/oost.ics")
    feeds.pull_feed(db, url, NOW)
    assert db.execute("SELECT count(*) FROM feed_series").fetchone()[0] > 0
    down = feeds.pull_feed(db, "http://127.0.0.1:9/x.ics", NOW)
    assert "niet bereikbaar" in down.error
    set_setting(db, "feeds", "")
    feeds.pull_due_feeds(db, NOW)
    assert set(activities(db, url).values()) == {"removed"}
    assert feeds.feed_states(db) == []
    # Its stored expansions go with it: a private calendar's texts are not kept.
    assert db.execute("SELECT count(*) FROM feed_series").fetchone()[0] == 0
