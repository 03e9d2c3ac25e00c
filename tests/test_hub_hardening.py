"""The hub against what a stranger, a broken kiosk or a curious kiosk may send: one bad
event rejected on its own, scope per event kind with no existence oracle, JSON that is not
JSON, CSRF without a token, sessions that end on the hub, a login throttle in the
database per account and per address, and the client's address behind a proxy."""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync.hub import coordinator, create_hub_app, events, logins, scope
from sync.hub.api import parse_json
from sync.hub.db import connect_hub
from tests.sync_support import hub_activity, hub_signups, setup_hub
from tests.test_hub import bearer, change, created, csrf, login, post


@pytest.fixture
def hub(tmp_path: Path) -> SimpleNamespace:
    """test_hub.py's hub: Zuid's hub-koffie (10 seats), Oost's hub-lezing, kiosks A and B."""
    path = tmp_path / "hub.db"
    tokens = setup_hub(path)
    hub_activity(path, "hub-koffie", capacity=10)
    hub_activity(path, "hub-lezing", capacity=None, title="Lezing", stadsdorp="oost",
                 days_ahead=5)
    app = create_hub_app({"HUB_DATABASE": str(path), "TESTING": True})
    client = app.test_client()
    client.environ_base["HTTP_ORIGIN"] = "http://localhost"
    return SimpleNamespace(app=app, client=client, tokens=tokens, path=path)

RESULTS = {"accepted", "duplicate", "moved-to-waitlist", "rejected"}


def snapshot(**overrides: Any) -> dict[str, Any]:
    return {"title": "Breiclub", "starts_at": "2030-01-07T14:00:00+01:00", "ends_at": None,
            "location_name": "Buurthuis", "address": "", "capacity": 3, **overrides}


# --- Per-event validation ------------------------------------------------------------


def test_one_bad_snapshot_is_rejected_alone_and_the_rest_applied(hub):
    good = created()
    bad = created("eigen-1", basis=None)
    also_good = created("eigen-2", basis=None)
    answers = post(hub, "kiosk-a", [good, bad, also_good],
                   {"eigen-1": snapshot(capacity=-1), "eigen-2": snapshot()})
    assert [a["result"] for a in answers] == ["accepted", "rejected", "accepted"]
    assert "aantal plaatsen" in answers[1]["reason"]
    assert {r["id"] for r in hub_signups(str(hub.path))} == {
        good["signup_id"], also_good["signup_id"]}
    # The same batch again: the good ones are duplicates, the bad one stays rejected.
    again = post(hub, "kiosk-a", [good, bad, also_good],
                 {"eigen-1": snapshot(capacity=-1), "eigen-2": snapshot()})
    assert [a["result"] for a in again] == ["duplicate", "rejected", "duplicate"]


@pytest.mark.parametrize(("field", "value", "words"), [
    ("party_size", True, "aantal personen"),
    ("party_size", 0, "aantal personen"),
    ("name", "Jan\x1b[2J", "'name'"),
    ("name", "x" * 81, "'name'"),
    ("phone", "06" * 20, "'phone'"),
    ("code", "'; DROP", "code"),
    ("channel", "fax", "kanaal"),
    ("created_at", "gisteren", "'created_at'"),
    ("created_at", "2030-01-07T14:00:00", "tijdzone"),
    ("id", "not-a-uuid", "niet bekend"),
])
def test_each_field_has_its_bounds(hub, field, value, words):
    event = created()
    event["payload"][field] = value
    [answer] = post(hub, "kiosk-a", [event])
    assert answer["result"] == "rejected" and words in answer["reason"]
    assert hub_signups(str(hub.path)) == []


@pytest.mark.parametrize("bad", [snapshot(starts_at="morgen"), snapshot(starts_at=None),
                                 snapshot(starts_at="2030-01-07T14:00:00"),
                                 snapshot(ends_at="2030-01-07T13:00:00+01:00"),
                                 snapshot(capacity="3"), snapshot(capacity=10**9),
                                 snapshot(title="\u202eBreiclub"), "niet eens een object"])
def test_a_bad_snapshot_is_a_rejection_never_a_500(hub, bad):
    [answer] = post(hub, "kiosk-a", [created("eigen", basis=None)], {"eigen": bad})
    assert answer["result"] == "rejected"


def test_a_name_is_stored_in_nfc(hub):
    [answer] = post(hub, "kiosk-a", [created(name="Rene\u0301e")])
    assert answer["result"] == "accepted"
    assert hub_signups(str(hub.path))[0]["name"] == "Renée"


def test_json_that_is_not_json_or_too_deep_is_a_400(hub):
    headers = {**bearer(hub.tokens["kiosk-a"]), "Content-Type": "application/json"}
    for body in (b"[" * 100_000 + b"]" * 100_000,
                 b'{"version": 1, "events": [{"payload": ' + b"[" * 100_000 + b"]" * 100_000
                 + b"}]}",
                 b"\xff\xfe", b"", b"null"):
        response = hub.client.post("/api/v1/events", data=body, headers=headers)
        assert response.status_code == 400, body[:30]
        assert response.json["version"] == 1 and response.json["error"]["message"]


# --- Scope per event kind, and no existence oracle -------------------------------------


def test_every_event_kind_has_a_scope_rule():
    assert set(scope.SCOPE) == set(events.HANDLERS)


def test_a_kiosk_works_only_within_its_stadsdorpen(hub):
    db = connect_hub(hub.path)
    db.execute("UPDATE kiosks SET stadsdorpen = 'oost' WHERE name = 'kiosk-b'")
    db.close()
    # hub-koffie is Zuid's: for kiosk B it is as if it did not exist.
    [outside, nowhere, inside] = post(hub, "kiosk-b", [
        created("hub-koffie"), created("bestaat-niet"), created("hub-lezing", basis=None)])
    assert (outside["result"], nowhere["result"], inside["result"]) == (
        "rejected", "rejected", "accepted")
    assert outside["reason"] == nowhere["reason"]


def test_answers_about_another_kiosks_signup_equal_answers_about_none(hub):
    mine = created(name="Els de Vries")
    post(hub, "kiosk-a", [mine])
    stranger = str(uuid.uuid4())
    for kind in ("signup.cancelled", "signup.confirmed", "signup.attended"):
        [theirs, nobodys] = post(hub, "kiosk-b", [change(kind, {"id": mine["signup_id"]}),
                                                  change(kind, {"id": stranger})])
        assert theirs["result"] == nobodys["result"] == "rejected"
        assert theirs["reason"] == nobodys["reason"]
    [forget_theirs, forget_nobodys] = post(hub, "kiosk-b", [
        change("signup.forgotten", {"id": mine["signup_id"]}),
        change("signup.forgotten", {"id": stranger})])
    assert {k: v for k, v in forget_theirs.items() if k != "id"} == {
        k: v for k, v in forget_nobodys.items() if k != "id"}
    # Kiosk A's event id or signup id reused by B: refused without naming another kiosk.
    [replayed, reused] = post(hub, "kiosk-b", [mine, created(signup_id=mine["signup_id"])])
    for answer in (replayed, reused):
        assert answer["result"] == "rejected" and "kiosk" not in answer["reason"]
    assert len(hub_signups(str(hub.path))) == 1


def test_a_check_in_follows_the_attendee_list(hub, monkeypatch):
    theirs = created()
    post(hub, "kiosk-a", [theirs])
    attended = change("signup.attended", {"id": theirs["signup_id"]})
    assert post(hub, "kiosk-b", [attended])[0]["result"] == "rejected"
    # When the hub has put kiosk A's resident on kiosk B's door list, B may check them in.
    monkeypatch.setattr(scope, "on_attendee_list", lambda db, kiosk, signup: True)
    again = change("signup.attended", {"id": theirs["signup_id"]})
    assert post(hub, "kiosk-b", [again])[0]["result"] == "accepted"
    assert hub_signups(str(hub.path))[0]["attended_at"]


def test_a_check_in_on_the_ticket_alone_names_the_signup_by_code_and_key(hub):
    """Kiosk B let in kiosk A's resident on the ticket alone: the hub finds the signup
    by code and A's key, within B's stadsdorpen; every other answer is the same."""
    post(hub, "kiosk-a", [created()])  # code 7KQ4MX
    db = connect_hub(hub.path)
    db.execute("UPDATE kiosks SET ticket_key_id = 'AAAAAA' WHERE name = 'kiosk-a'")
    db.conn.commit()

    def let_in(code: str, key: str) -> dict[str, Any]:
        [answer] = post(hub, "kiosk-b", [change("ticket.attended", {
            "code": code, "key_id": key, "day": "2030-01-07",
            "at": "2030-01-07T10:00:00+01:00"})])
        return {k: v for k, v in answer.items() if k != "id"}

    def doors() -> int:
        return db.execute("SELECT COUNT(*) FROM checkins").fetchone()[0]

    nobody = let_in("7KQ4MX", "BBBBBB")
    assert nobody == let_in("2345AB", "AAAAAA") and doors() == 0
    db.execute("UPDATE kiosks SET stadsdorpen = 'oost' WHERE name = 'kiosk-b'")
    db.conn.commit()
    assert let_in("7KQ4MX", "AAAAAA") == nobody and doors() == 0
    db.execute("UPDATE kiosks SET stadsdorpen = '' WHERE name = 'kiosk-b'")
    db.conn.commit()
    assert let_in("7KQ4MX", "AAAAAA") == nobody and doors() == 1
    assert hub_signups(str(hub.path))[0]["attended_at"]
    db.close()


# --- Properties: the hub's parsers at the edge ---------------------------------------


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(st.characters(codec="utf-8"), max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                 max_size=4),
    max_leaves=20,
)
KINDS = st.sampled_from([*events.HANDLERS, "signup.teleported"])
FIELD = st.one_of(JSON, st.just("hub-koffie"), st.just(str(uuid.uuid4())),
                  st.integers(-5, 20), st.just("2030-01-07T14:00:00+01:00"))
PAYLOAD = st.dictionaries(
    st.sampled_from(["id", "activity_id", "party_size", "status", "seat_basis", "name",
                     "phone", "code", "channel", "created_at", "at", "seats", "note",
                     "key_id", "day"]),
    FIELD, max_size=8,
)
EVENT = st.one_of(JSON, st.fixed_dictionaries(
    {"id": st.one_of(st.uuids().map(str), JSON), "kind": st.one_of(KINDS, JSON),
     "payload": st.one_of(PAYLOAD, JSON)}))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(EVENT, max_size=5),
       st.dictionaries(st.sampled_from(["eigen", "hub-koffie"]),
                       st.one_of(JSON, st.fixed_dictionaries({}, optional={
                           "title": FIELD, "starts_at": FIELD, "ends_at": FIELD,
                           "capacity": FIELD})), max_size=2))
def test_any_batch_gets_one_answer_per_event_and_no_exception(hub, batch, snapshots):
    db = connect_hub(hub.path)
    try:
        kiosk = db.execute("SELECT * FROM kiosks WHERE name = 'kiosk-a'").fetchone()
        columns = [d[0] for d in db.execute("SELECT * FROM kiosks").description]
        answers = events.process_batch(db, dict(zip(columns, kiosk, strict=True)), batch,
                                       snapshots)
    finally:
        db.close()
    assert len(answers) == len(batch)
    assert all(a["result"] in RESULTS for a in answers)
    json.dumps(answers)


@given(st.one_of(st.binary(max_size=300), st.builds(
    lambda depth, inner: b"[" * depth + inner + b"]" * depth,
    st.integers(0, 20_000), st.binary(max_size=10))))
def test_any_body_is_json_or_a_value_error(raw):
    with contextlib.suppress(ValueError):
        parse_json(raw)


# --- CSRF, sessions, the throttle, the proxy ------------------------------------------


def test_a_post_without_a_csrf_token_is_refused_even_with_none_in_the_session(hub):
    fresh = hub.app.test_client()
    fresh.environ_base["HTTP_ORIGIN"] = "http://localhost"
    response = fresh.post("/coordinator/login",
                          data={"username": "coordinator", "password": "geheim-wachtwoord"})
    assert response.status_code == 400
    login(hub.client)
    for token in ("", "wrong"):
        refused = hub.client.post("/coordinator/activiteit/hub-koffie/status",
                                  data={"csrf": token, "status": "cancelled"})
        assert refused.status_code == 400
    foreign = hub.client.post("/coordinator/activiteit/hub-koffie/status",
                              data={"csrf": csrf(hub.client), "status": "cancelled"},
                              headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403


def test_a_copied_hub_cookie_stops_working_at_sign_out(hub):
    assert login(hub.client).status_code == 303
    copy = hub.app.test_client()
    copy.set_cookie("session", hub.client.get_cookie("session").value)
    assert copy.get("/coordinator/").status_code == 200
    hub.client.post("/coordinator/logout", data={"csrf": csrf(hub.client)})
    assert copy.get("/coordinator/").status_code == 303
    assert copy.get("/coordinator/export.csv").status_code == 303


def test_a_new_password_and_the_idle_limit_end_hub_sessions(hub, monkeypatch):
    from sync.hub.admin import add_coordinator

    login(hub.client)
    db = connect_hub(hub.path)
    add_coordinator(db, "coordinator", "nieuw-geheim-wachtwoord")
    db.close()
    assert hub.client.get("/coordinator/").status_code == 303
    login(hub.client, "nieuw-geheim-wachtwoord")
    assert hub.client.get("/coordinator/").status_code == 200
    later = time.time() + logins.IDLE_SECONDS + 1
    monkeypatch.setattr(coordinator, "_clock", lambda: later)
    assert hub.client.get("/coordinator/").status_code == 303


def _wrong(client: Any, username: str = "coordinator", address: str = "") -> Any:
    headers = {"X-Forwarded-For": address} if address else {}
    return client.post("/coordinator/login", headers=headers, data={
        "username": username, "password": "fout-fout-fout", "csrf": csrf(client)})


def test_the_login_throttle_is_per_address_and_survives_a_restart(hub):
    login(hub.client, "fout")  # makes the coordinator
    for _ in range(logins.PER_ADDRESS.tries - 2):
        assert _wrong(hub.client, "iemand-anders").status_code == 401
    page = _wrong(hub.client, "iemand-anders").get_data(as_text=True)
    assert "Te vaak" not in page
    # The hub restarts: the count is in its database, not in memory.
    restarted = create_hub_app({"HUB_DATABASE": str(hub.path), "TESTING": True}).test_client()
    restarted.environ_base["HTTP_ORIGIN"] = "http://localhost"
    locked = restarted.post("/coordinator/login", data={
        "username": "coordinator", "password": "geheim-wachtwoord", "csrf": csrf(restarted)})
    assert locked.status_code == 401 and "Wacht 1 minuut" in locked.get_data(as_text=True)


def test_a_stranger_cannot_keep_every_coordinator_out(tmp_path):
    """Behind one proxy every request comes from the proxy's address: with the trusted
    proxy count set, the throttle counts the real client instead."""
    path = tmp_path / "hub.db"
    setup_hub(path, coordinator=True)
    app = create_hub_app({"HUB_DATABASE": str(path), "TESTING": True, "TRUSTED_PROXIES": 1})
    client = app.test_client()
    client.environ_base["HTTP_ORIGIN"] = "http://localhost"
    for _ in range(logins.PER_ADDRESS.tries + 2):
        _wrong(client, "iemand", address="203.0.113.9")
    stranger = _wrong(client, "iemand", address="203.0.113.9")
    assert "Wacht" in stranger.get_data(as_text=True)
    colleague = client.post("/coordinator/login", headers={"X-Forwarded-For": "198.51.100.7"},
                            data={"username": "coordinator", "password": "geheim-wachtwoord",
                                  "csrf": csrf(client)})
    assert colleague.status_code == 303


def test_an_account_under_attack_is_paused_briefly_not_for_good():
    assert logins.PER_ACCOUNT.longest_pause <= 5 * 60
    assert logins.PER_ACCOUNT.tries > logins.PER_ADDRESS.tries


def test_the_trusted_proxy_count_is_checked():
    from sync.hub import trusted_proxies

    assert trusted_proxies("") == 0 and trusted_proxies(" 2 ") == 2
    for bad in ("-1", "٢", "6", "een"):
        with pytest.raises(ValueError):
            trusted_proxies(bad)


def test_behind_a_proxy_the_hub_cookie_is_secure_and_no_page_is_framed(tmp_path):
    path = tmp_path / "hub.db"
    setup_hub(path)
    app = create_hub_app({"HUB_DATABASE": str(path), "TESTING": True, "TRUSTED_PROXIES": 1})
    client = app.test_client()
    page = client.get("/coordinator/login")
    assert page.headers["X-Frame-Options"] == "DENY"
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=") and "Secure" in cookie and "HttpOnly" in cookie
    assert "Path=/" in cookie and "Domain" not in cookie


def test_digits_a_keyboard_cannot_type_are_no_numbers_at_the_hub(hub, monkeypatch):
    for cursor in ("³", "٣", "１"):
        response = hub.client.get(f"/api/v1/agenda?since={cursor}",
                                  headers=bearer(hub.tokens["kiosk-a"]))
        assert response.status_code == 400 and response.json["error"]["message"]
    login(hub.client)
    form = {"csrf": csrf(hub.client), "title": "Bloemschikken", "date": "2030-01-07",
            "start": "14:00", "capacity": "³"}
    refused = hub.client.post("/coordinator/activiteit/nieuw", data=form)
    assert refused.status_code == 400 and "aantal plaatsen" in refused.get_data(as_text=True)
    control = hub.client.post("/coordinator/activiteit/nieuw",
                              data={**form, "capacity": "8", "address": "Straat\x1b[2J 1"})
    assert control.status_code == 400 and "Het adres" in control.get_data(as_text=True)
    from sync.hub import retention

    monkeypatch.setenv("BUURTKIOSK_RETENTION_DAYS", "³")
    assert retention.retention_days() == retention.DEFAULT_DAYS
