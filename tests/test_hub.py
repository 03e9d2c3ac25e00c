"""The hub: its API (tokens, per-row answers, idempotency, seat leases, isolation
between kiosks), its iCalendar export, its coordinator pages and its setup commands."""

from __future__ import annotations

import io
import uuid
from contextlib import redirect_stdout
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import icalendar
import pytest

from kiosk.cli.main import main as cli_main
from sync.hub import create_hub_app
from sync.hub.admin import add_coordinator
from sync.hub.db import connect_hub
from sync.hub.retention import purge
from sync.ical_import import parse_feed
from tests.sync_support import hub_activity, hub_signups, setup_hub


@pytest.fixture
def hub(tmp_path: Path) -> SimpleNamespace:
    path = tmp_path / "hub.db"
    tokens = setup_hub(path)
    hub_activity(path, "hub-koffie", capacity=10)
    hub_activity(path, "hub-lezing", capacity=None, title="Lezing", stadsdorp="oost",
                 days_ahead=5)
    app = create_hub_app({"HUB_DATABASE": str(path), "TESTING": True})
    client = app.test_client()
    client.environ_base["HTTP_ORIGIN"] = "http://localhost"  # as a browser on the hub's pages
    return SimpleNamespace(app=app, client=client, tokens=tokens, path=path)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def created(activity_id: str = "hub-koffie", *, size: int = 1, basis: str | None = "lease",
            status: str = "confirmed", name: str = "Jan", signup_id: str = "",
            event_id: str = "") -> dict[str, Any]:
    signup_id = signup_id or str(uuid.uuid4())
    return {"id": event_id or str(uuid.uuid4()), "kind": "signup.created",
            "signup_id": signup_id, "created_at": datetime.now(UTC).isoformat(),
            "payload": {"id": signup_id, "code": "7KQ4MX", "activity_id": activity_id,
                        "name": name, "phone": "0612345678", "party_size": size,
                        "channel": "touch", "status": status, "seat_basis": basis,
                        "created_at": datetime.now(UTC).isoformat(), "kiosk_id": "k"}}


def change(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "kind": kind, "signup_id": payload.get("id", ""),
            "payload": payload}


def post(hub: SimpleNamespace, kiosk: str, events: list[dict[str, Any]],
         activities: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    response = hub.client.post("/api/v1/events", headers=bearer(hub.tokens[kiosk]),
                               json={"version": 1, "events": events,
                                     "activities": activities or {}})
    assert response.status_code == 200, response.json
    assert response.json["version"] == 1
    return response.json["results"]


def pull(hub: SimpleNamespace, kiosk: str, since: str = "") -> dict[str, Any]:
    response = hub.client.get(f"/api/v1/agenda?since={since}",
                              headers=bearer(hub.tokens[kiosk]))
    assert response.status_code == 200, response.json
    return response.json


def lease(agenda: dict[str, Any], activity_id: str = "hub-koffie") -> dict[str, Any]:
    return next(s for s in agenda["seats"] if s["activity_id"] == activity_id)


# --- Tokens and errors ---------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer wrong-token", "Basic a2lvc2s6eA=="])
@pytest.mark.parametrize(("method", "path"), [("GET", "/api/v1/agenda"),
                                              ("POST", "/api/v1/events")])
def test_missing_or_wrong_token_is_401_with_a_dutch_json_error(hub, header, method, path):
    headers = {"Authorization": header} if header else {}
    response = hub.client.open(path, method=method, headers=headers,
                               json={"version": 1, "events": []})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json["version"] == 1
    assert "niet bekend bij de centrale agenda" in response.json["error"]["message"]


def test_bad_requests_get_json_errors_with_a_version(hub):
    headers = bearer(hub.tokens["kiosk-a"])
    cases = [
        hub.client.post("/api/v1/events", headers=headers, data=b"\xff\xfe not json",
                        content_type="application/json"),
        hub.client.post("/api/v1/events", headers=headers, json={"version": 2, "events": []}),
        hub.client.post("/api/v1/events", headers=headers, json={"version": 1}),
        hub.client.get("/api/v1/agenda?since=gisteren", headers=headers),
        hub.client.get("/api/v1/events", headers=headers),
        hub.client.get("/api/v1/bestaat-niet", headers=headers),
    ]
    assert [r.status_code for r in cases] == [400, 400, 400, 400, 405, 404]
    for response in cases:
        assert response.json["version"] == 1
        assert response.json["error"]["message"]


# --- Events: per-row answers and idempotency -------------------------------------------


def test_each_row_gets_its_own_answer_and_a_resend_is_a_duplicate(hub):
    good = created()
    batch = [
        good,
        {**created(), "kind": "signup.teleported"},
        created(size=11),
        change("signup.cancelled", {"id": str(uuid.uuid4())}),
        created(activity_id="nergens"),
    ]
    first = post(hub, "kiosk-a", batch)
    assert [r["result"] for r in first] == ["accepted"] + ["rejected"] * 4
    assert first[0]["signup"] == {"id": good["signup_id"], "status": "confirmed",
                                  "seat": "pool", "reason": ""}
    reasons = [r["reason"] for r in first[1:]]
    assert "Onbekende soort" in reasons[0]
    assert "aantal personen" in reasons[1]
    assert "niet bekend" in reasons[2] and "niet bekend" in reasons[3]
    again = post(hub, "kiosk-a", batch)
    assert [r["result"] for r in again] == ["duplicate"] + ["rejected"] * 4
    assert again[0]["signup"] == first[0]["signup"]
    db = connect_hub(hub.path)
    assert db.execute("SELECT COUNT(*) FROM signups").fetchone()[0] == 1


def test_a_row_that_fails_unexpectedly_fails_the_whole_batch(hub, monkeypatch):
    from sync.hub import events

    def boom(ctx: Any, payload: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setitem(events.HANDLERS, "signup.attended", boom)
    batch = [created(), change("signup.attended", {"id": "x"})]
    response = hub.client.post("/api/v1/events", headers=bearer(hub.tokens["kiosk-a"]),
                               json={"version": 1, "events": batch})
    assert response.status_code == 500
    assert "niets verloren" in response.json["error"]["message"]
    db = connect_hub(hub.path)
    assert db.execute("SELECT COUNT(*) FROM signups").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM received_events").fetchone()[0] == 0


# --- Seats: leases, the pool and the waitlist ---------------------------------------------


def test_leases_split_the_seats_and_beyond_them_the_hub_decides(hub):
    assert lease(pull(hub, "kiosk-a"))["lease"] == 5
    assert lease(pull(hub, "kiosk-b"))["lease"] == 5
    # Kiosk A confirmed five within its lease and took a sixth "onder voorbehoud".
    rows = [created() for _ in range(5)] + [created(basis="provisional")]
    results = post(hub, "kiosk-a", rows)
    assert [r["result"] for r in results] == ["accepted"] * 5 + ["moved-to-waitlist"]
    assert results[5]["signup"]["status"] == "waitlist"
    assert "Vol" in results[5]["reason"]
    # A kiosk claiming more lease seats than it holds is not believed.
    b = post(hub, "kiosk-b", [created(size=4), created(size=2)])
    assert [r["signup"]["status"] for r in b] == ["confirmed", "waitlist"]
    agenda = pull(hub, "kiosk-b")
    assert (lease(agenda)["seats_taken"], lease(agenda)["waiting"]) == (9, 3)
    # B gives back its one spare seat: the first on the waitlist that fits gets it.
    post(hub, "kiosk-b", [change("lease.returned", {"activity_id": "hub-koffie", "seats": 1})])
    news = pull(hub, "kiosk-a", agenda["cursor"])
    assert news["signups"] == [{"id": rows[5]["signup_id"], "status": "confirmed",
                                "seat": "pool", "reason": ""}]
    assert lease(news)["seats_taken"] == 10


def test_a_cancelled_pool_seat_goes_to_the_waitlist(hub):
    pull(hub, "kiosk-a")
    pull(hub, "kiosk-b")
    post(hub, "kiosk-a", [created() for _ in range(5)])
    pool = post(hub, "kiosk-b", [created(size=5)] + [created(basis="provisional")])
    assert pool[1]["signup"]["status"] == "waitlist"
    post(hub, "kiosk-b", [change("signup.cancelled", {"id": pool[0]["signup"]["id"]})])
    # A lease seat freed by a cancellation stays with its kiosk; B then returns it.
    agenda = pull(hub, "kiosk-b")
    assert (lease(agenda)["lease"], lease(agenda)["lease_used"], lease(agenda)["waiting"]) == (
        5, 0, 1)
    post(hub, "kiosk-b", [change("lease.returned", {"activity_id": "hub-koffie", "seats": 1})])
    assert pull(hub, "kiosk-b", agenda["cursor"])["signups"][0]["status"] == "confirmed"


# --- Isolation between kiosks ------------------------------------------------------------


def test_one_kiosk_can_never_read_or_touch_another_kiosks_signups(hub):
    mine = created(name="Els de Vries")
    [result] = post(hub, "kiosk-a", [mine])
    b_agenda = pull(hub, "kiosk-b")
    assert b_agenda["signups"] == []
    assert "Els" not in str(b_agenda)
    answers = post(hub, "kiosk-b", [
        change("signup.cancelled", {"id": mine["signup_id"]}),
        {**mine},  # A's event id, replayed by B
        created(signup_id=mine["signup_id"]),  # A's signup id, new event
        change("signup.attended", {"id": mine["signup_id"]}),
    ])
    assert [a["result"] for a in answers] == ["rejected"] * 4
    assert all("signup" not in a for a in answers)
    assert "Els" not in str(answers)
    a_agenda = pull(hub, "kiosk-a")
    assert a_agenda["signups"] == [result["signup"]]
    # Even A gets back only the verdict, never a name or phone number.
    assert set(a_agenda["signups"][0]) == {"id", "status", "seat", "reason"}


def test_a_forgotten_signup_goes_from_the_hub_and_frees_its_seat(hub):
    pull(hub, "kiosk-a")
    pull(hub, "kiosk-b")
    post(hub, "kiosk-a", [created() for _ in range(5)])
    [pool, waiting] = post(hub, "kiosk-b", [created(size=5, name="Els de Vries"),
                                            created(basis="provisional")])
    assert waiting["signup"]["status"] == "waitlist"
    # Kiosk A cannot make the hub forget kiosk B's resident.
    [other] = post(hub, "kiosk-a", [change("signup.forgotten", {"id": pool["signup"]["id"]})])
    assert other["signup"] is None
    assert len(hub_signups(str(hub.path))) == 7
    [gone] = post(hub, "kiosk-b", [change("signup.forgotten", {"id": pool["signup"]["id"]})])
    assert gone == {**gone, "result": "accepted", "signup": None}
    rows = hub_signups(str(hub.path))
    assert "Els de Vries" not in str(rows) and len(rows) == 6
    # Like a cancellation: the freed lease seats stay with kiosk B until it returns them.
    assert (lease(pull(hub, "kiosk-b"))["lease"], lease(pull(hub, "kiosk-b"))["lease_used"]) == (
        5, 0)


def test_retention_purges_old_signups_and_their_receipts_only(hub):
    [kept] = post(hub, "kiosk-a", [created(name="Toekomst")])
    hub_activity(hub.path, "oud", capacity=None, days_ahead=-40)
    [old] = post(hub, "kiosk-a", [created("oud", basis=None, name="Verleden")])
    db = connect_hub(hub.path)
    assert purge(db, datetime.now(UTC), days=30) == 1
    assert [r["id"] for r in hub_signups(str(hub.path))] == [kept["signup"]["id"]]
    receipts = db.execute("SELECT signup_id FROM received_events").fetchall()
    assert [r[0] for r in receipts] == [kept["signup"]["id"]]
    assert purge(db, datetime.now(UTC), days=30) == 0
    assert old["result"] == "accepted"


def test_a_kiosks_own_activity_travels_as_a_snapshot_and_stays_apart(hub):
    snapshot = {"a1": {"title": "Breiclub", "starts_at": "2030-01-07T14:00:00+01:00",
                       "ends_at": None, "location_name": "Buurthuis", "address": "",
                       "capacity": 3, "stadsdorp": ""}}
    [accepted] = post(hub, "kiosk-a", [created("a1", size=3, basis=None)], snapshot)
    [refused] = post(hub, "kiosk-b", [created("a1")])
    [b_own] = post(hub, "kiosk-b", [created("a1", basis=None)], snapshot)
    assert (accepted["result"], refused["result"], b_own["result"]) == (
        "accepted", "rejected", "accepted")
    db = connect_hub(hub.path)
    owners = db.execute("SELECT id, source FROM activities WHERE id LIKE 'k%:a1' ORDER BY id")
    assert [tuple(r) for r in owners] == [("k1:a1", "kiosk:kiosk-a"), ("k2:a1", "kiosk:kiosk-b")]
    assert not any(a["id"].endswith(":a1") for a in pull(hub, "kiosk-a")["activities"])


# --- The agenda a kiosk pulls ----------------------------------------------------------


def test_agenda_since_a_cursor_has_only_what_changed(hub):
    first = pull(hub, "kiosk-a")
    assert {a["id"] for a in first["activities"]} == {"hub-koffie", "hub-lezing"}
    koffie = next(a for a in first["activities"] if a["id"] == "hub-koffie")
    assert (koffie["stadsdorp"], koffie["stadsdorp_slug"], koffie["capacity"]) == (
        "Stadsdorp Zuid", "zuid", 10)
    assert [s["activity_id"] for s in first["seats"]] == ["hub-koffie"]  # no cap, no lease
    assert pull(hub, "kiosk-a", first["cursor"])["activities"] == []
    hub_activity(hub.path, "hub-lezing", capacity=20, title="Lezing", stadsdorp="oost")
    changed = pull(hub, "kiosk-a", first["cursor"])
    assert [a["id"] for a in changed["activities"]] == ["hub-lezing"]
    # A cursor from a hub database that was restored from backup: start over.
    assert len(pull(hub, "kiosk-a", "999999")["activities"]) == 2


def test_a_kiosk_sees_only_its_stadsdorpen(hub):
    db = connect_hub(hub.path)
    db.execute("UPDATE kiosks SET stadsdorpen = 'oost' WHERE name = 'kiosk-b'")
    db.close()
    assert [a["id"] for a in pull(hub, "kiosk-b")["activities"]] == ["hub-lezing"]


# --- iCalendar export ----------------------------------------------------------------


def test_ics_export_round_trips_and_has_no_personal_data(hub):
    post(hub, "kiosk-a", [created(name="Els de Vries")])
    hub_activity(hub.path, "hub-bingo", capacity=40, title="Bingo", days_ahead=6)
    db = connect_hub(hub.path)
    db.execute("UPDATE activities SET status = 'cancelled' WHERE id = 'hub-bingo'")
    db.close()
    response = hub.client.get("/agenda.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert b"Els" not in response.data and b"0612345678" not in response.data
    calendar = icalendar.Calendar.from_ical(response.data)
    assert [str(t["TZID"]) for t in calendar.walk("VTIMEZONE")] == ["Europe/Amsterdam"]
    events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"Koffieochtend", "Lezing", "Bingo"}
    assert str(events["Bingo"]["STATUS"]) == "CANCELLED"
    # Any calendar (or another kiosk) can read it back with the same parser.
    parsed = parse_feed(response.data, source="ics:hub", now=datetime.now(UTC))
    assert {a.title for a in parsed.activities} == {"Koffieochtend", "Lezing", "Bingo"}
    zuid = hub.client.get("/stadsdorp/zuid/agenda.ics")
    assert b"Lezing" not in zuid.data and b"Koffieochtend" in zuid.data
    assert hub.client.get("/stadsdorp/nergens/agenda.ics").status_code == 404
    again = hub.client.get("/agenda.ics", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


# --- Coordinator pages ---------------------------------------------------------------


def csrf(client: Any) -> str:
    with client.session_transaction() as session:
        session.setdefault("csrf", "test-csrf")
        return session["csrf"]


def login(client: Any, password: str = "geheim-wachtwoord") -> Any:
    path = client.application.config["HUB_DATABASE"]
    db = connect_hub(path)
    if not db.execute("SELECT 1 FROM coordinators").fetchone():
        add_coordinator(db, "coordinator", "geheim-wachtwoord")
    db.close()
    return client.post("/coordinator/login", data={
        "username": "coordinator", "password": password, "csrf": csrf(client)})


def test_coordinator_pages_need_a_login(hub):
    for path in ("/coordinator/", "/coordinator/kiosks", "/coordinator/export.csv",
                 "/coordinator/activiteit/hub-koffie/aanwezigheid"):
        response = hub.client.get(path)
        assert response.status_code == 303 and "/coordinator/login" in response.location
    assert login(hub.client, "fout").status_code == 401
    assert hub.client.post("/coordinator/login", data={
        "username": "coordinator", "password": "geheim-wachtwoord"}).status_code == 400
    assert login(hub.client).status_code == 303


def test_coordinator_sees_signups_from_all_kiosks_exports_and_prints(hub):
    pull(hub, "kiosk-a")
    post(hub, "kiosk-a", [created(name="Els de Vries", size=2)])
    post(hub, "kiosk-b", [created(name="=HYPERLINK(\"x\")", basis=None)])
    login(hub.client)
    overview = hub.client.get("/coordinator/").get_data(as_text=True)
    assert "Koffieochtend" in overview and "3 van 10" in overview
    page = hub.client.get("/coordinator/activiteit/hub-koffie").get_data(as_text=True)
    assert "Els de Vries" in page and "kiosk-a" in page and "kiosk-b" in page
    assert hub.client.get("/coordinator/activiteit/hub-koffie").headers["Cache-Control"] \
        == "no-store"
    attendance = hub.client.get("/coordinator/activiteit/hub-koffie/aanwezigheid")
    assert "Els de Vries" in attendance.get_data(as_text=True)
    assert "3 personen" in attendance.get_data(as_text=True)
    export = hub.client.get("/coordinator/export.csv")
    text = export.get_data(as_text=True)
    assert text.startswith("\ufeffactiviteit;begint;stadsdorp;naam")
    assert "Els de Vries;0612345678;2;confirmed;kiosk-a" in text
    assert "'=HYPERLINK" in text  # a name never runs as a spreadsheet formula
    kiosks = hub.client.get("/coordinator/kiosks").get_data(as_text=True)
    assert "kiosk-a" in kiosks and "nog nooit" in kiosks  # kiosk-b never pulled


def test_coordinator_enters_and_cancels_an_activity_and_kiosks_hear_of_it(hub):
    cursor = pull(hub, "kiosk-a")["cursor"]
    login(hub.client)
    token = csrf(hub.client)
    day = (datetime.now(UTC) + timedelta(days=9)).date().isoformat()
    bad = hub.client.post("/coordinator/activiteit/nieuw", data={
        "csrf": token, "title": "", "date": day, "start": "14:00"})
    assert bad.status_code == 400 and "titel" in bad.get_data(as_text=True)
    made = hub.client.post("/coordinator/activiteit/nieuw", data={
        "csrf": token, "title": "Bloemschikken", "stadsdorp": "zuid", "date": day,
        "start": "14:00", "end": "16:00", "capacity": "8", "price": "€ 2,00"})
    assert made.status_code == 303
    activity_id = made.location.rsplit("/", 1)[-1]
    news = pull(hub, "kiosk-a", cursor)
    assert [a["title"] for a in news["activities"]] == ["Bloemschikken"]
    assert lease(news, activity_id)["lease"] == 4
    hub.client.post(f"/coordinator/activiteit/{activity_id}/status",
                    data={"csrf": token, "status": "cancelled"})
    later = pull(hub, "kiosk-a", news["cursor"])
    assert [(a["id"], a["status"]) for a in later["activities"]] == [(activity_id, "cancelled")]


# --- Setting up the hub from the command line ------------------------------------------


def test_hub_setup_commands(tmp_path):
    path = str(tmp_path / "hub.db")
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli_main(["hub", "--hub-db", path, "add-stadsdorp", "Stadsdorp West"]) == 0
        assert cli_main(["hub", "--hub-db", path, "add-kiosk", "Buurthuis West",
                         "--stadsdorpen", "west"]) == 0
    token = out.getvalue().splitlines()[2]
    client = create_hub_app({"HUB_DATABASE": path}).test_client()
    assert client.get("/api/v1/agenda", headers=bearer(token)).status_code == 200
    with redirect_stdout(io.StringIO()):
        assert cli_main(["hub", "--hub-db", path, "add-kiosk", "Buurthuis West"]) == 1
        assert cli_main(["hub", "--hub-db", path, "new-token", "Buurthuis West"]) == 0
    assert client.get("/api/v1/agenda", headers=bearer(token)).status_code == 401


# --- Feeds imported into the hub, and the hub as one command ------------------------------


def test_hub_imports_a_feed_and_keeps_the_coordinators_capacity(hub):
    from sync.hub.feeds import add_feed, import_feed
    from tests.sync_support import FeedServer

    fixture = (Path(__file__).parent / "fixtures" / "ics" / "outlook.ics").read_bytes()
    server = FeedServer().start()
    try:
        server.routes["/noord.ics"] = fixture
        db = connect_hub(hub.path)
        add_feed(db, server.url("/noord.ics"), "oost")
        now = datetime(2026, 3, 16, 8, 0, tzinfo=UTC)
        assert import_feed(db, server.url("/noord.ics"), now) == ""
        rows = list(db.query("SELECT * FROM activities WHERE source LIKE 'ics:%'"))
        assert len(rows) == 10 and {r["stadsdorp"] for r in rows} == {"oost"}
        yoga = max((r for r in rows if r["title"] == "Stoelyoga"), key=lambda r: r["starts_utc"])
        db.execute("UPDATE activities SET capacity = 12 WHERE id = ?", [yoga["id"]])
        server.routes["/noord.ics"] = fixture.replace(b"Stoelyoga", b"Stoelyoga!")
        assert import_feed(db, server.url("/noord.ics"), now + timedelta(days=1)) == ""
        again = next(iter(db.query("SELECT * FROM activities WHERE id = ?", [yoga["id"]])))
        assert (again["title"], again["capacity"]) == ("Stoelyoga!", 12)
        server.routes["/noord.ics"] = b"<html>"
        assert "webpagina" in import_feed(db, server.url("/noord.ics"), now + timedelta(days=2))
        db.close()
    finally:
        server.stop()


def test_hub_parses_feeds_in_the_memory_limited_child_and_shows_skipped_series(
        hub, monkeypatch):
    import subprocess

    from sync import ical_child
    from sync.hub import feeds as hub_feeds
    from sync.hub.feeds import add_feed, import_feed
    from sync.ical_import import HUB, FeedError
    from tests.sync_support import FeedServer

    def calendar(*events: str) -> bytes:
        body = "".join(f"BEGIN:VEVENT\r\n{e}END:VEVENT\r\n" for e in events)
        return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\n{body}END:VCALENDAR\r\n".encode()

    good = "UID:lezing\r\nDTSTART:20260320T123000Z\r\nSUMMARY:Lezing over de buurt\r\n"
    broken = ("UID:brei\r\nDTSTART:20260317T090000Z\r\nRRULE:FREQ=WEEKLY;COUNT=abc\r\n"
              "SUMMARY:Breiclub\r\n")
    children: list[list[str]] = []
    real_run = subprocess.run

    def watched(command: list[str], *args: Any, **kwargs: Any) -> Any:
        children.append(list(command))
        return real_run(command, *args, **kwargs)

    monkeypatch.setattr(ical_child.subprocess, "run", watched)
    server = FeedServer().start()
    try:
        server.routes["/zuid.ics"] = calendar(good, broken)
        db = connect_hub(hub.path)
        url = add_feed(db, server.url("/zuid.ics"), "zuid")
        now = datetime(2026, 3, 16, 8, 0, tzinfo=UTC)
        assert import_feed(db, url, now) == ""
        assert [c[1:] for c in children] == [["-m", "sync.ical_child"]]
        titles = [r[0] for r in db.execute(
            "SELECT title FROM activities WHERE source LIKE 'ics:%' AND status != 'removed'")]
        assert titles == ["Lezing over de buurt"]
        login(hub.client)
        page = hub.client.get("/coordinator/kiosks").get_data(as_text=True)
        assert ("Overgeslagen, want de herhaling of de begintijd klopt niet: Breiclub. De rest "
                "van deze feed staat wel in de agenda.") in page
        # Beyond the child's memory: the Dutch error, the previous agenda kept.
        big = calendar(*[f"UID:e{i}\r\nDTSTART:20260320T100000Z\r\nSUMMARY:{'x' * 300}\r\n"
                         for i in range(8000)])
        server.routes["/zuid.ics"] = big
        monkeypatch.setattr(hub_feeds, "PARSE_LIMIT_MB", 60)
        error = import_feed(db, url, now + timedelta(days=1))
        assert error == ical_child.too_big(HUB) and "de server heeft" in error
        assert [r[0] for r in db.execute(
            "SELECT title FROM activities WHERE source LIKE 'ics:%' AND status != 'removed'"
        )] == titles
        page = hub.client.get("/coordinator/kiosks").get_data(as_text=True)
        assert "niet genoeg geheugen" in page
        # A feed too big for a kiosk's child is no reason for the hub to refuse it: the
        # hub gives its child the server's limit, not the kiosk's.
        monkeypatch.setattr(hub_feeds, "PARSE_LIMIT_MB", 300)
        monkeypatch.setattr(ical_child, "CHILD_LIMIT_MB", 60)
        with pytest.raises(FeedError, match="de kiosk heeft er niet genoeg geheugen"):
            ical_child.parse_in_child(big, source="ics:x", now=now)
        assert import_feed(db, url, now + timedelta(days=1, hours=1)) == ""
        assert db.execute("SELECT count(*) FROM activities WHERE source LIKE 'ics:%' "
                          "AND status != 'removed'").fetchone()[0] == 8000
        # Repaired: nothing skipped any more, and the page says nothing about it.
        server.routes["/zuid.ics"] = calendar(good, broken.replace("COUNT=abc", "COUNT=2"))
        assert import_feed(db, url, now + timedelta(days=2)) == ""
        assert "Overgeslagen" not in hub.client.get("/coordinator/kiosks").get_data(as_text=True)
        db.close()
    finally:
        server.stop()


def test_an_unforeseen_fault_in_one_hub_feed_leaves_the_others_be(hub, monkeypatch):
    from sync.hub import feeds as hub_feeds
    from tests.sync_support import FeedServer

    fixture = (Path(__file__).parent / "fixtures" / "ics" / "outlook.ics").read_bytes()
    real = hub_feeds.parse_in_child

    def explode(data: bytes, **kwargs: Any) -> Any:
        if b"kapot" in data:
            raise RuntimeError("a bug")
        return real(data, **kwargs)

    monkeypatch.setattr(hub_feeds, "parse_in_child", explode)
    server = FeedServer().start()
    try:
        server.routes["/a.ics"] = fixture.replace(b"PRODID:", b"PRODID:kapot")
        server.routes["/b.ics"] = fixture
        db = connect_hub(hub.path)
        a = hub_feeds.add_feed(db, server.url("/a.ics"), "oost")
        b = hub_feeds.add_feed(db, server.url("/b.ics"), "oost")
        errors = hub_feeds.import_all(db, datetime(2026, 3, 16, 8, 0, tzinfo=UTC))
        assert "interne fout" in errors[a] and errors[b] == ""
        assert db.execute("SELECT last_error FROM feeds WHERE url = ?", [a]).fetchone()[0]
        assert db.execute("SELECT count(*) FROM activities WHERE source LIKE 'ics:%'"
                          ).fetchone()[0] == 10
        db.close()
    finally:
        server.stop()


def test_buurtkiosk_hub_starts_with_one_command(tmp_path):
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = Path(__file__).resolve().parent.parent
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", "hub", "--hub-db", str(tmp_path / "hub.db"),
         "--port", str(port)],
        cwd=root, env={**os.environ, "PYTHONPATH": str(root)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/agenda.ics", timeout=2) as r:
                    assert r.status == 200 and r.read().startswith(b"BEGIN:VCALENDAR")
                    break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(10)
