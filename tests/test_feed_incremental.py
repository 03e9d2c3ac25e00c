"""A re-sync parses only the series whose text changed (sync/ical_groups.py) and must
give exactly what parsing the whole feed gives: compared here, step by step, on feeds
shaped like real exports, through edits of every kind a calendar program makes."""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.core.db import write_transaction
from kiosk.core.dutch import AMSTERDAM
from sync import feeds, ical_groups
from sync.ical_child import parse_in_child
from sync.ical_import import FeedError, ParsedFeed, feed_source, parse_feed

FIXTURES = Path(__file__).parent / "fixtures" / "ics"
NOW = datetime(2026, 3, 16, 9, 0, tzinfo=AMSTERDAM)
URL = "https://agenda.example.org/buurthuis.ics"

TZ = ("BEGIN:VTIMEZONE\r\nTZID:W. Europe Standard Time\r\nBEGIN:STANDARD\r\n"
      "DTSTART:16010101T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"
      "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\nEND:STANDARD\r\nBEGIN:DAYLIGHT\r\n"
      "DTSTART:16010101T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"
      "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n")
EVENTS = {
    "koffie": "UID:koffie@buurthuis\r\nDTSTART;TZID=W. Europe Standard Time:20260317T100000\r\n"
              "DTEND;TZID=W. Europe Standard Time:20260317T113000\r\nRRULE:FREQ=WEEKLY\r\n"
              "SUMMARY:Koffieochtend\r\nLOCATION:Buurthuis De Pijp\\, Ferdinand Bolstraat 12\r\n"
              "DESCRIPTION:Met <b>taart</b> en een lang verhaal dat over de regel heen\r\n"
              " gevouwen is\\, zoals Google dat doet.\r\n",
    "koffie-later": "UID:koffie@buurthuis\r\n"
                    "RECURRENCE-ID;RANGE=THISANDFUTURE;TZID=W. Europe Standard Time:"
                    "20260331T100000\r\nDTSTART;TZID=W. Europe Standard Time:20260331T110000\r\n"
                    "DTEND;TZID=W. Europe Standard Time:20260331T123000\r\n"
                    "SUMMARY:Koffieochtend (later)\r\n",
    "koffie-moved": "UID:koffie@buurthuis\r\n"
                    "RECURRENCE-ID;TZID=W. Europe Standard Time:20260324T100000\r\n"
                    "DTSTART;TZID=W. Europe Standard Time:20260325T140000\r\n"
                    "SUMMARY:Koffieochtend (woensdag)\r\n",
    "feest": "UID:feest@buurthuis\r\nDTSTART;VALUE=DATE:20260404\r\nDTEND;VALUE=DATE:20260406\r\n"
             "SUMMARY:Buurtfeest\r\n",
    "brei": "UID:brei@buurthuis\r\nDTSTART:20260318T130000Z\r\nRRULE:FREQ=WEEKLY;COUNT=abc\r\n"
            "SUMMARY:Breiclub\r\n",
    "brei-moved": "UID:brei@buurthuis\r\nRECURRENCE-ID:20260325T130000Z\r\n"
                  "DTSTART:20260325T140000Z\r\nSUMMARY:Breiclub later\r\n",
    "lezing": "UID:lezing@buurthuis\r\nDTSTART:20260320T123000Z\r\nDURATION:PT1H30M\r\n"
              "SUMMARY:Lezing\r\nSTATUS:CANCELLED\r\n",
    "zonder-uid": "DTSTART:20260322T150000Z\r\nSUMMARY:Wandeling zonder UID\r\n",
    "geheim": "UID:geheim@buurthuis\r\nDTSTART:20260323T100000Z\r\nCLASS:PRIVATE\r\n"
              "SUMMARY:Bestuur\r\n",
    "yoga": "UID:yoga@buurthuis\r\nDTSTART;TZID=Europe/Amsterdam:20260316T190000\r\n"
            "RRULE:FREQ=DAILY;INTERVAL=3;UNTIL=20260430T170000Z\r\nEXDATE;TZID=Europe/Amsterdam:"
            "20260322T190000\r\nSUMMARY:Stoelyoga\r\n",
}


# A time zone no library knows: icalendar builds it from the feed (and caches it, per
# TZID, for the rest of the process).
OWN_TZ = ("BEGIN:VTIMEZONE\r\nTZID:Buurthuistijd\r\nBEGIN:STANDARD\r\n"
          "DTSTART:19700101T000000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0100\r\n"
          "END:STANDARD\r\nEND:VTIMEZONE\r\n")


def calendar(events: dict[str, str], name: str = "Buurthuis De Pijp", zones: str = TZ) -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\n{text}END:VEVENT\r\n" for text in events.values())
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//NL\r\nX-WR-CALNAME:{name}\r\n"
            f"{zones}{body}END:VCALENDAR\r\n").encode()


def plain(parsed: ParsedFeed) -> dict[str, Any]:
    """Everything a ParsedFeed says, times as local clock text with their offset."""
    return {
        "activities": [{**asdict(a), "starts_at": a.starts_at.isoformat(),
                        "ends_at": a.ends_at.isoformat() if a.ends_at else None}
                       for a in parsed.activities],
        "calendar_name": parsed.calendar_name, "skipped": parsed.skipped,
        "skipped_series": list(parsed.skipped_series), "legacy_ids": parsed.legacy_ids,
    }


class Importer:
    """Imports feeds as pull_feed does (stored groups, the child), counting what the
    child was given to parse."""

    def __init__(self, db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        self.db = db
        self.parsed_events: list[int] = []
        real = feeds.expand_in_child

        def counted(data: bytes, **kwargs: Any) -> Any:
            self.parsed_events.append(data.upper().count(b"BEGIN:VEVENT"))
            return real(data, **kwargs)

        monkeypatch.setattr(feeds, "expand_in_child", counted)

    def check(self, data: bytes, now: datetime = NOW, url: str = URL) -> ParsedFeed:
        """Import incrementally, compare with a whole parse, keep the groups. The whole
        parse in a child too, as a kiosk makes it: in this process icalendar would
        answer a changed time zone with the one it cached the first time."""
        parsed, groups = feeds.expand_changed_groups(self.db, url, data, now=now)
        whole = parse_in_child(data, source=feed_source(url), now=now)
        assert plain(parsed) == plain(whole)
        with write_transaction(self.db):
            groups.store(self.db, url)
        return parsed


@pytest.fixture
def importer(db: Any, monkeypatch: pytest.MonkeyPatch) -> Importer:
    return Importer(db, monkeypatch)


def test_every_kind_of_edit_gives_what_a_whole_parse_gives(importer):
    events = dict(EVENTS)
    first = importer.check(calendar(events))
    assert first.skipped_series == ("Breiclub",) and len(first.activities) > 20
    assert importer.parsed_events == [len(events)]  # the first time: everything

    def step(**changes: str | None) -> ParsedFeed:
        for key, text in changes.items():
            if text is None:
                events.pop(key)
            else:
                events[key] = text
        importer.parsed_events.clear()
        return importer.check(calendar(events))

    # One event renamed: only its group is parsed again.
    step(lezing=EVENTS["lezing"].replace("Lezing", "Lezing over de buurt"))
    assert importer.parsed_events == [1]
    # A THISANDFUTURE override moved: the series with all its overrides (3 VEVENTs).
    step(**{"koffie-later": EVENTS["koffie-later"].replace("T110000", "T113000")})
    assert importer.parsed_events == [3]
    # One occurrence moved back to its own day, then the override removed.
    step(**{"koffie-moved": EVENTS["koffie-moved"].replace("20260325T14", "20260324T14")})
    step(**{"koffie-moved": None})
    assert importer.parsed_events == [2]
    # A UID removed, a new one added, an all-day event made longer.
    after = step(feest=None, nieuw="UID:nieuw@buurthuis\r\nDTSTART:20260401T090000Z\r\n"
                                   "SUMMARY:Repair café\r\n")
    assert "Buurtfeest" not in {a.title for a in after.activities}
    assert importer.parsed_events == [1]
    step(feest=EVENTS["feest"].replace("20260406", "20260407"))
    # The broken series repaired, then broken again another way.
    repaired = step(brei=EVENTS["brei"].replace("COUNT=abc", "COUNT=3"))
    assert repaired.skipped_series == ()
    assert step(brei=EVENTS["brei"].replace("COUNT=abc", "FREQ=SECONDLY")).skipped_series == (
        "Breiclub",)
    # Every DTSTAMP renewed, as Google writes the moment of each export: nothing parsed
    # again. A stamp that is no date is not assumed harmless: its group is parsed.
    stamped = {key: f"DTSTAMP:2026031{n % 10}T0{n % 10}1500Z\r\n{text}"
               for n, (key, text) in enumerate(events.items())}
    step(**stamped)
    restamped = {key: text.replace("DTSTAMP:2026031", "DTSTAMP:2026041", 1)
                 for key, text in events.items()}
    step(**restamped)
    assert importer.parsed_events == []  # no child started at all
    step(lezing=events["lezing"].replace("DTSTAMP:2026041", "DTSTAMP:2026049", 1))
    assert importer.parsed_events == [1]
    # The event without a UID changed; an event went private; nothing changed at all.
    step(**{"zonder-uid": EVENTS["zonder-uid"].replace("15", "16", 1)})
    step(yoga=EVENTS["yoga"] + "CLASS:CONFIDENTIAL\r\n")
    step()
    assert importer.parsed_events == []
    # The calendar's own lines changed (its name): every group again.
    importer.parsed_events.clear()
    importer.check(calendar(events, name="Buurthuis De Pijp en omstreken"))
    assert importer.parsed_events == [len(events)]
    # A time zone of the feed's own moves its offset: every group again, at the new one.
    events["kaart"] = ("UID:kaart@buurthuis\r\nDTSTART;TZID=Buurthuistijd:20260319T190000\r\n"
                       "SUMMARY:Kaartavond\r\n")
    importer.check(calendar(events, zones=TZ + OWN_TZ))
    importer.parsed_events.clear()
    later = importer.check(calendar(events, zones=TZ + OWN_TZ.replace("+0100", "+0000")))
    assert importer.parsed_events == [len(events)]
    [kaart] = [a for a in later.activities if a.title == "Kaartavond"]
    assert kaart.starts_at == datetime(2026, 3, 19, 19, 0, tzinfo=UTC)


def test_a_new_day_expands_everything_again(importer):
    data = calendar(EVENTS)
    importer.check(data)
    importer.parsed_events.clear()
    # Three weeks on, the window starts after the THISANDFUTURE override and the moved
    # occurrence: stored expansions of yesterday's window would be wrong.
    later = NOW + timedelta(days=21)
    importer.check(data, later)
    assert importer.parsed_events == [len(EVENTS)]
    importer.parsed_events.clear()
    importer.check(data.replace(b"SUMMARY:Stoelyoga", b"SUMMARY:Stoelyoga!"), later)
    assert importer.parsed_events == [1]


@pytest.mark.parametrize("name", ["google.ics", "nextcloud.ics", "outlook.ics",
                                  "wordpress.ics"])
def test_real_world_exports_edited_give_what_a_whole_parse_gives(importer, name):
    data = (FIXTURES / name).read_bytes()
    importer.check(data)
    importer.parsed_events.clear()
    # The first summary renamed: one group parsed again.
    renamed = re.sub(rb"\nSUMMARY([;:][^\r\n]*)", rb"\nSUMMARY\1 (nieuw)", data, count=1)
    importer.check(renamed)
    assert importer.parsed_events == [1] or importer.parsed_events[0] > 1  # a series
    # The last VEVENT taken out.
    start = renamed.rindex(b"BEGIN:VEVENT")
    end = renamed.index(b"END:VEVENT", start) + len(b"END:VEVENT\r\n")
    importer.check(renamed[:start] + renamed[end:])
    assert ical_groups.split_calendar(data) is not None  # these are cut, not whole


def test_a_calendar_not_cut_is_parsed_whole_every_time(importer):
    nested = calendar(EVENTS).replace(
        b"SUMMARY:Lezing\r\n",
        b"SUMMARY:Lezing\r\nBEGIN:VEVENT\r\nUID:binnen\r\nDTSTART:20260320T100000Z\r\n"
        b"END:VEVENT\r\n")
    twice = calendar(EVENTS) + calendar({"x": "UID:x\r\nDTSTART:20260320T100000Z\r\n"})
    two_uids = calendar({"x": "UID:x\r\nUID:y\r\nDTSTART:20260320T100000Z\r\n"})
    for data in (nested, twice, two_uids):
        assert ical_groups.split_calendar(data) is None
    for _round in range(2):
        importer.parsed_events.clear()
        importer.check(calendar(EVENTS).replace(b"END:VCALENDAR", b"X-COMMENT:x\r\nEND:VCALENDAR"))
        importer.check(nested)
    assert importer.parsed_events == [len(EVENTS), len(EVENTS) + 1]


def test_a_cut_the_parser_disagrees_with_falls_back_to_a_whole_parse(importer, monkeypatch):
    importer.check(calendar(EVENTS))
    importer.parsed_events.clear()
    real = ical_groups._uid_key
    monkeypatch.setattr(ical_groups, "_uid_key", lambda line: real(line) + "?")
    importer.check(calendar(EVENTS).replace(b"Lezing", b"Lezing!"))
    # The cut's groups differ from the parser's: all but the one without a UID looked
    # new, and the parser named them otherwise; then the whole feed.
    assert importer.parsed_events == [len(EVENTS) - 1, len(EVENTS)]


def test_the_agenda_after_incremental_syncs_is_the_agenda_of_a_whole_import(db, tmp_path):
    from kiosk.core.db import connect, migrate  # noqa: PLC0415
    from tests.sync_support import FeedServer  # noqa: PLC0415

    server = FeedServer().start()
    try:
        events = dict(EVENTS)
        server.routes["/a.ics"] = calendar(events)
        url = server.url("/a.ics")
        feeds.pull_feed(db, url, NOW)
        events["lezing"] = EVENTS["lezing"].replace("STATUS:CANCELLED\r\n", "")
        events.pop("feest")
        server.routes["/a.ics"] = calendar(events)
        result = feeds.pull_feed(db, url, NOW + timedelta(minutes=20))
        assert (result.updated, result.removed) == (1, 1)
        fresh = connect(tmp_path / "fresh.db")
        migrate(fresh)
        feeds.pull_feed(fresh, url, NOW + timedelta(minutes=20))
        query = ("SELECT id, title, starts_at, ends_at, status, location_name FROM activities "
                 "WHERE status != 'removed' ORDER BY id")
        assert list(db.query(query)) == list(fresh.query(query))
        # One stored group per UID (koffie with its two overrides, brei with one) and
        # one for the event without a UID; the removed feest's is gone.
        stored = [r[0] for r in db.execute("SELECT key FROM feed_series ORDER BY key")]
        assert stored == ["", "brei@buurthuis", "geheim@buurthuis", "koffie@buurthuis",
                          "lezing@buurthuis", "yoga@buurthuis"]
        fresh.close()
    finally:
        server.stop()


def test_the_parser_librarys_own_calendars_edited_give_what_a_whole_parse_gives(
        db, monkeypatch):
    """The ~95 calendars from recurring_ical_events' bug reports (shipped in its wheel):
    each imported whole, then with its first summary renamed (one group again), then
    with its last VEVENT gone. Expanded in this process to keep it quick; the child
    only carries the same function's result across."""
    import recurring_ical_events  # noqa: PLC0415

    from sync.ical_import import FeedError, expand_feed  # noqa: PLC0415

    folder = Path(recurring_ical_events.__file__).parent / "test" / "calendars"
    files = sorted(folder.glob("*.ics"))
    if not files:
        pytest.skip("this recurring_ical_events was installed without its test calendars")
    monkeypatch.setattr(feeds, "expand_in_child",
                        lambda data, **kwargs: expand_feed(data, **kwargs))

    compared = cut = 0
    for number, path in enumerate(files):
        data = path.read_bytes()
        first = re.search(rb"DTSTART[^:\r\n]*:(\d{8})", data)
        now = (datetime.strptime(first.group(1).decode(), "%Y%m%d").replace(
            hour=9, tzinfo=AMSTERDAM) if first else NOW)
        url = f"https://example.org/{number}.ics"
        renamed = re.sub(rb"\nSUMMARY([;:][^\r\n]*)", rb"\nSUMMARY\1 (nieuw)", data, count=1)
        variants = [data, renamed]
        start = renamed.rfind(b"BEGIN:VEVENT")
        end = renamed.find(b"\n", renamed.find(b"END:VEVENT", start)) + 1
        if start >= 0 and end > start:
            variants.append(renamed[:start] + renamed[end:])
        for variant in variants:
            groups = None
            try:
                parsed, groups = feeds.expand_changed_groups(db, url, variant, now=now)
                got: Any = plain(parsed)
            except FeedError as err:
                got = err.message
            try:
                wanted: Any = plain(parse_feed(variant, source=feed_source(url), now=now))
            except FeedError as err:
                wanted = err.message
            assert got == wanted, path.name
            compared += 1
            if groups is not None:
                cut += bool(groups.basis)
                with write_transaction(db):
                    groups.store(db, url)
    assert compared > 250 and cut > 200  # most are cut: their edits parsed group by group


def test_an_upgraded_kiosk_keeps_its_feed_groups(tmp_path, monkeypatch):
    from kiosk.core.db import connect, migrate  # noqa: PLC0415
    from tests.sync_support import FeedServer  # noqa: PLC0415
    from tests.test_migrations import first_release_db  # noqa: PLC0415

    db = connect(first_release_db(tmp_path / "kiosk.db"))
    migrate(db)
    importer = Importer(db, monkeypatch)
    server = FeedServer().start()
    try:
        server.routes["/a.ics"] = calendar(EVENTS)
        url = server.url("/a.ics")
        assert feeds.pull_feed(db, url, NOW).error == ""
        server.routes["/a.ics"] = calendar(EVENTS).replace(b"Stoelyoga", b"Stoelyoga!")
        result = feeds.pull_feed(db, url, NOW + timedelta(minutes=20))
        assert (result.error, result.updated) == ("", 15)  # every third day to 30 April
        assert importer.parsed_events == [len(EVENTS), 1]
    finally:
        server.stop()
        db.close()


def test_a_stored_group_that_no_longer_reads_costs_one_whole_parse(importer, db):
    importer.check(calendar(EVENTS))
    db.execute("UPDATE feed_series SET result = '{\"activities\": [{\"id\": 1}]}' "
               "WHERE key = 'yoga@buurthuis'")
    db.conn.commit()
    importer.parsed_events.clear()
    importer.check(calendar(EVENTS).replace(b"Lezing", b"Lezing!"))
    assert importer.parsed_events == [1, len(EVENTS)]
    importer.parsed_events.clear()
    importer.check(calendar(EVENTS).replace(b"Lezing", b"Lezing?"))
    assert importer.parsed_events == [1]  # stored anew, whole


def test_another_parser_version_expands_everything_again(importer, monkeypatch):
    importer.check(calendar(EVENTS))
    real = ical_groups._version
    monkeypatch.setattr(ical_groups, "_version",
                        lambda package: "99.0" if package == "icalendar" else real(package))
    ical_groups.parser_fingerprint.cache_clear()
    try:
        importer.parsed_events.clear()
        importer.check(calendar(EVENTS).replace(b"Lezing", b"Lezing!"))
        assert importer.parsed_events == [len(EVENTS)]
    finally:
        monkeypatch.undo()
        ical_groups.parser_fingerprint.cache_clear()


@pytest.mark.parametrize("line", ["UID;X-SOURCE:lezing", "UID;:lezing", 'UID;X="open:lezing'])
def test_a_uid_line_icalendar_cannot_read_is_parsed_whole(importer, line):
    """icalendar records such a line as the event's error (no UID); the cut does not
    guess what it names: the feed is parsed whole, every time, and still imported."""
    events = {**EVENTS, "lezing": EVENTS["lezing"].replace("UID:lezing@buurthuis", line)}
    data = calendar(events)
    assert ical_groups.split_calendar(data) is None
    for _round in range(2):
        importer.parsed_events.clear()
        parsed = importer.check(data)
        assert importer.parsed_events == [len(EVENTS)]
    assert "Lezing" in {a.title for a in parsed.activities}


def koffie_with(master_uid: str, moved_uid: str) -> dict[str, str]:
    """EVENTS with the koffie series' UID lines written otherwise: the series and its
    THISANDFUTURE override one way, its occurrence moved to Wednesday another."""
    return {**EVENTS,
            "koffie": EVENTS["koffie"].replace("UID:koffie@buurthuis", master_uid),
            "koffie-later": EVENTS["koffie-later"].replace("UID:koffie@buurthuis", master_uid),
            "koffie-moved": EVENTS["koffie-moved"].replace("UID:koffie@buurthuis", moved_uid)}


def moved_to_wednesday(parsed: ParsedFeed) -> bool:
    return any(a.title == "Koffieochtend (woensdag)" and
               a.starts_at.astimezone(AMSTERDAM).isoformat() == "2026-03-25T14:00:00+01:00"
               for a in parsed.activities)


@pytest.mark.parametrize("moved_uid", ["UID :koffie@buurthuis", "UID\t:koffie@buurthuis",
                                       "uid \t:koffie@buurthuis"])
def test_a_uid_name_with_spaces_is_read_as_icalendar_reads_it(importer, moved_uid):
    """icalendar drops spaces and tabs around a property name: the occurrence moved
    to Wednesday belongs to the koffie series, and a rename of the series elsewhere
    in the feed leaves it on Wednesday."""
    events = koffie_with("UID:koffie@buurthuis", moved_uid)
    assert moved_to_wednesday(importer.check(calendar(events)))
    importer.parsed_events.clear()
    events["koffie"] = events["koffie"].replace("SUMMARY:Koffieochtend", "SUMMARY:Koffie")
    assert moved_to_wednesday(importer.check(calendar(events)))
    assert importer.parsed_events == [3]  # the series, cut as the parser reads it


@pytest.mark.parametrize(("master_uid", "moved_uid"), [
    ("UID:koffie@buurthuis", "UID :koffie@buurthuis"),  # with the cut reading names badly
    ("UID:42", "UID;VALUE=INTEGER:042"),  # 42 to the parser, "042" to the cut
])
def test_a_cut_that_names_an_event_otherwise_than_the_parser_is_never_kept(
        importer, monkeypatch, master_uid, moved_uid):
    """The parser says which group each VEVENT is in, in file order; the first whole
    parse too is compared with the cut, and a cut that differs is not stored: every
    sync of such a feed is a whole parse, and the moved occurrence stays moved."""
    monkeypatch.setattr(ical_groups, "_LINE", re.compile(
        rb"^(?:(?P<BEGIN>BEGIN)|(?P<END>END)|(?P<UID>UID))[;:][^\n]*",
        re.IGNORECASE | re.MULTILINE))  # names only as written exactly so
    first = koffie_with(master_uid, moved_uid)
    for summary in ("Koffieochtend", "Koffie!", "Koffie?"):  # the series renamed each time
        events = {**first, "koffie": first["koffie"].replace("Koffieochtend", summary, 1)}
        importer.parsed_events.clear()
        assert moved_to_wednesday(importer.check(calendar(events)))
        assert importer.parsed_events == [len(EVENTS)]
        assert importer.db.execute("SELECT count(*) FROM feed_series").fetchone()[0] == 0


def test_the_fingerprint_covers_everything_the_expansion_reads(monkeypatch):
    """x-wr-timezone (recurring_ical_events moves floating times with it) and the
    kiosk's Amsterdam time (kiosk/core/dutch.py) change expansions as much as the
    parsers do; so do the system's time zone rules, which zoneinfo reads first."""
    ical_groups.parser_fingerprint.cache_clear()
    before = ical_groups.parser_fingerprint()
    real_version, real_read = ical_groups._version, Path.read_bytes
    changes = {
        "x-wr-timezone": lambda: monkeypatch.setattr(ical_groups, "_version", lambda p: (
            "99.0" if p == "x-wr-timezone" else real_version(p))),
        "dutch.py": lambda: monkeypatch.setattr(Path, "read_bytes", lambda path: (
            b"# changed" if path.name == "dutch.py" else real_read(path))),
    }
    try:
        for what, change in changes.items():
            change()
            ical_groups.parser_fingerprint.cache_clear()
            assert ical_groups.parser_fingerprint() != before, what
            monkeypatch.undo()
    finally:
        monkeypatch.undo()
        ical_groups.parser_fingerprint.cache_clear()


def test_the_kiosk_process_cuts_the_bytes_and_never_decodes_the_feed(importer, monkeypatch):
    """One emoji makes Python hold a decoded text at four bytes a character, and
    stripping and upper-casing it copies it again: the cut works on the bytes (every
    line it reads is ASCII) and only the child decodes. Measured on 4 MB of events."""
    import tracemalloc  # noqa: PLC0415

    description = "Kom gezellig koffie drinken met de buren. " * 20
    events = {f"e{i}": f"UID:e{i}@buurthuis\r\nDTSTART:202603{17 + i % 10}T100000Z\r\n"
                       f"SUMMARY:Activiteit {i}\r\nDESCRIPTION:{description}\r\n"
              for i in range(4500)}
    events["e1"] = events["e1"].replace("Activiteit 1", "Activiteit 1 \U0001F389")
    data = calendar(events)
    assert len(data) > 4_000_000
    monkeypatch.setattr(feeds, "expand_in_child", lambda *a, **k: pytest.fail("no parse"))
    tracemalloc.start()
    try:
        split = ical_groups.split_calendar(data)
        assert split is not None
        split.digests()
        split.subset({"e4000@buurthuis"})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1.5 * len(data)  # decoded, it was over 8 times the feed


def test_a_byte_order_mark_is_cut_and_another_encoding_is_the_childs_to_refuse(importer):
    bom = b"\xef\xbb\xbf" + calendar(EVENTS)
    assert ical_groups.split_calendar(bom) is not None
    importer.check(bom)
    importer.parsed_events.clear()
    importer.check(bom.replace(b"Lezing", b"Lezing!"))
    assert importer.parsed_events == [1]
    utf16 = calendar(EVENTS).decode().encode("utf-16")
    assert ical_groups.split_calendar(utf16) is None
    with pytest.raises(FeedError, match="geen UTF-8"):
        feeds.expand_changed_groups(importer.db, URL, utf16, now=NOW)
    broken = calendar(EVENTS).replace(b"UID:lezing@buurthuis", b"UID:lezing\xff")
    assert ical_groups.split_calendar(broken) is None
    with pytest.raises(FeedError, match="geen UTF-8"):
        feeds.expand_changed_groups(importer.db, URL, broken, now=NOW)
