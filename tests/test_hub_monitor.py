"""The hub's Monitor and wishes: a month seeded through the events API from two kiosks,
its figures checked against counts made here in Python from the seeded events themselves;
the CSV against the page; no name or phone on either; figures that outlive the purge,
a salt that goes when the month is fixed; coordinators who see only their stadsdorpen."""

from __future__ import annotations

import csv
import io
import random
import re
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from werkzeug.security import generate_password_hash

from kiosk.core.agenda import Activity
from kiosk.core.categories import BY_KEY
from kiosk.core.db import write_transaction
from sync.hub import admin, create_hub_app
from sync.hub.admin import add_coordinator, add_kiosk, add_stadsdorp
from sync.hub.agenda import save_activity
from sync.hub.db import connect_hub, next_rev
from sync.hub.retention import purge

MONTH = "2027-01"
PASSWORD = "geheim-wachtwoord"
# id -> (stadsdorp, title, category as a feed would say it, category key the monitor uses)
ACTIVITIES = {
    "koffie-z": ("zuid", "Koffieochtend", "", "koffie"),
    "wandel-z": ("zuid", "Wandelgroep Amstel", "wandelen", "wandelen"),
    "koor-o": ("oost", "Buurtkoor", "muziek", "muziek"),
    "bingo-o": ("oost", "Bingo", "", "spel"),
    "lezing-o": ("oost", "Iets heel nieuws", "", "overig"),
}
KIOSKS = {"kiosk-a": ["zuid"], "kiosk-b": ["zuid", "oost"]}
CHANNEL_LABELS = {"touch": "scherm", "voice": "stem", "paper": "strook", "phone": "telefoon"}


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    # Cheap password hashes in tests; the real cost is production's business.
    monkeypatch.setattr(admin, "generate_password_hash",
                        lambda password: generate_password_hash(password, "pbkdf2:sha256:1000"))
    path = tmp_path / "hub.db"
    db = connect_hub(path)
    add_stadsdorp(db, "Stadsdorp Zuid", "zuid")
    add_stadsdorp(db, "Stadsdorp Oost", "oost")
    tokens = {name: add_kiosk(db, name, scope) for name, scope in KIOSKS.items()}
    add_coordinator(db, "netwerk", PASSWORD)
    add_coordinator(db, "zuid", PASSWORD, ["zuid"])
    with write_transaction(db):
        for day, (activity_id, (stadsdorp, title, category, _)) in enumerate(
                ACTIVITIES.items(), start=3):
            save_activity(db, Activity(
                id=activity_id, title=title, stadsdorp=stadsdorp, category=category,
                starts_at=datetime(2027, 1, day * 4, 10, tzinfo=UTC), source="hub",
            ), rev=next_rev(db))
    db.close()
    app = create_hub_app({"HUB_DATABASE": str(path), "TESTING": True,
                          "NOW": datetime(2027, 1, 28, tzinfo=UTC)})
    return SimpleNamespace(app=app, client=app.test_client(), tokens=tokens, path=path)


def _post(hub: SimpleNamespace, kiosk: str, events: list[dict[str, Any]]) -> list[Any]:
    response = hub.client.post("/api/v1/events",
                               headers={"Authorization": f"Bearer {hub.tokens[kiosk]}"},
                               json={"version": 1, "events": events, "activities": {}})
    assert response.status_code == 200, response.json
    return response.json["results"]


def _event(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "kind": kind, "signup_id": payload["id"],
            "payload": payload}


def seed(hub: SimpleNamespace, seed: int = 16) -> dict[str, Any]:
    """A month of signups, cancellations and wishes from both kiosks; returns the events."""
    rng = random.Random(seed)
    phones = [f"06{rng.randrange(10**8):08d}" for _ in range(25)]
    signups, wishes, cancelled = [], [], set()
    batches: dict[str, list[dict[str, Any]]] = {kiosk: [] for kiosk in KIOSKS}
    cancels: dict[str, list[dict[str, Any]]] = {kiosk: [] for kiosk in KIOSKS}
    for n in range(300):
        kiosk = rng.choice(list(KIOSKS))
        activity = rng.choice([a for a, v in ACTIVITIES.items() if v[0] in KIOSKS[kiosk]])
        phone = rng.choice(phones + [""] * 10)
        # one resident types the number two ways: still one resident
        shown = f"+31 6 {phone[2:6]} {phone[6:]}" if phone and n % 7 == 0 else phone
        signup = {"id": str(uuid.uuid4()), "code": "7KQ4MX", "activity_id": activity,
                  "name": f"Bewoner {n} Testnaam", "phone": shown,
                  "party_size": rng.randint(1, 4), "status": "confirmed",
                  "channel": rng.choice(list(CHANNEL_LABELS)), "seat_basis": None,
                  "created_at": "2027-01-02T09:00:00Z", "kiosk": kiosk}
        signups.append(signup)
        batches[kiosk].append(_event("signup.created",
                                     {k: v for k, v in signup.items() if k != "kiosk"}))
        if rng.random() < 0.15:
            cancelled.add(signup["id"])
            cancels[kiosk].append(_event("signup.cancelled", {"id": signup["id"]}))
    for n in range(40):
        kiosk = rng.choice(list(KIOSKS))
        callback = rng.random() < 0.4
        wish = {"id": str(uuid.uuid4()), "code": "AB12CD", "kind": rng.choice(["miss", "offer"]),
                "categories": rng.sample(["wandelen", "vervoer", "klusjes", "eten"],
                                         rng.randint(1, 3)),
                "day_parts": rng.sample(["ochtend", "middag", "avond"], rng.randint(0, 2)),
                "channel": rng.choice(["touch", "voice", "paper"]),
                "stadsdorp": "Stadsdorp Zuid" if kiosk == "kiosk-a" else rng.choice(
                    ["zuid", "oost"]),
                "created_at": f"2027-01-{rng.randint(1, 27):02d}T12:00:00Z",
                "callback": callback,
                **({"name": f"Wenser {n} Testnaam", "phone": rng.choice(phones)}
                   if callback else {})}
        wishes.append(wish | {"kiosk": kiosk})
        batches[kiosk].append(_event("wish.created", wish))
    for kiosk in KIOSKS:
        results = _post(hub, kiosk, batches[kiosk]) + _post(hub, kiosk, cancels[kiosk])
        assert {r["result"] for r in results} == {"accepted"}, results
    return {"signups": signups, "cancelled": cancelled, "wishes": wishes, "phones": phones}


def expected(seeded: dict[str, Any], area: str) -> dict[tuple[str, str], tuple[int, int]]:
    """(dimension, key) -> (signups, people), counted from the events, not by SQL."""
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    residents: set[str] = set()
    for s in seeded["signups"]:
        stadsdorp, title, _, category = ACTIVITIES[s["activity_id"]]
        if area not in ("*", stadsdorp):
            continue
        if s["phone"]:
            residents.add(re.sub(r"\D", "", s["phone"])[-9:])
        if s["id"] in seeded["cancelled"]:
            continue
        label = BY_KEY[category].label if category in BY_KEY else "Overig"
        for key in (("totaal", ""), ("activiteit", title), ("categorie", label),
                    ("kanaal", CHANNEL_LABELS[s["channel"]]), ("kiosk", s["kiosk"])):
            counts[key][0] += 1
            counts[key][1] += s["party_size"]
    chosen: Counter[tuple[str, str]] = Counter()
    for w in seeded["wishes"]:
        stadsdorp = "zuid" if w["kiosk"] == "kiosk-a" else w["stadsdorp"]
        if area not in ("*", stadsdorp):
            continue
        chosen[(f"wensen-{w['kind']}", "")] += 1
        for key in w["categories"]:
            chosen[(f"wens-{w['kind']}", BY_KEY[key].label)] += 1
        for part in ("ochtend", "middag", "avond"):
            chosen[(f"dagdeel-{w['kind']}", part)] += part in w["day_parts"]
        if w["callback"]:
            residents.add(w["phone"][-9:])
    result = {key: (n, p) for key, (n, p) in counts.items()}
    result |= {key: (n, 0) for key, n in chosen.items()}
    result[("bewoners", "")] = (len(residents), 0)
    return result


ROW = re.compile(r'<tr data-dim="([^"]+)"(?: data-key="([^"]*)")?>(.*?)</tr>', re.S)
CELL = re.compile(r'<td class="(label|signups|people)">([^<]*)</td>')


def shown(page: str) -> dict[tuple[str, str], tuple[int, int]]:
    """What the page shows, by the rows' data attributes (labels for the keyed tables)."""
    found: dict[tuple[str, str], tuple[int, int]] = {}
    for dim, key, cells in ROW.findall(page):
        values = dict(CELL.findall(cells))
        label = values.get("label", key)
        key = label if dim in ("kanaal", "categorie") or dim.startswith("wens-") else key
        found[(dim, key)] = (int(values.get("signups", 0)), int(values.get("people", 0)))
    return found


def login(client: Any, username: str) -> None:
    client.environ_base["HTTP_ORIGIN"] = "http://localhost"  # as a browser on the hub's pages
    with client.session_transaction() as session:
        session.setdefault("csrf", "test-csrf")
    response = client.post("/coordinator/login", data={"username": username,
                                                       "password": PASSWORD,
                                                       "csrf": "test-csrf"})
    assert response.status_code == 303


def _compare(page: dict[tuple[str, str], tuple[int, int]],
             want: dict[tuple[str, str], tuple[int, int]]) -> None:
    for key, value in want.items():
        if key[0] == "totaal":
            assert page[key][0] == value[0], key
            continue
        if value == (0, 0) and key not in page:
            continue
        if key[0].startswith(("wens", "dagdeel", "bewoners")):
            assert page.get(key, (0, 0))[0] == value[0], key
        else:
            assert page.get(key) == value, key
    keyed = {k for k in page if not k[0].startswith(("totaal", "bewoners", "wensen", "dagdeel"))}
    assert keyed <= set(want), keyed - set(want)


@pytest.mark.parametrize("area", ["*", "zuid", "oost"])
def test_monitor_figures_match_the_seeded_events(hub: SimpleNamespace, area: str) -> None:
    seeded = seed(hub)
    login(hub.client, "netwerk")
    response = hub.client.get(f"/coordinator/monitor?maand={MONTH}&gebied={area}")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    want = expected(seeded, area)
    _compare(shown(page), want)
    assert "<svg" in page
    people = sum(s["party_size"] for s in seeded["signups"] if s["id"] not in seeded["cancelled"]
                 and area in ("*", ACTIVITIES[s["activity_id"]][0]))
    assert f'<td class="people">{people}</td>' in page

    export = hub.client.get(f"/coordinator/monitor.csv?maand={MONTH}&gebied={area}")
    text = export.get_data(as_text=True)
    rows = [r for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";")
            if r["maand"] == MONTH]
    by_label = {(r["onderdeel"], r["waarde"]): (int(r["aantal"]), r["personen"]) for r in rows}
    for dim, title in (("activiteit", "per activiteit"), ("kiosk", "per kiosk")):
        for (d, key), (n, p) in want.items():
            if d == dim:
                assert by_label[(title, key)] == (n, str(p))
    assert by_label[("aanmeldingen totaal", "")] == (want[("totaal", "")][0], str(people))
    assert by_label[("bewoners met telefoonnummer", "")][0] == want[("bewoners", "")][0]
    assert sum(1 for r in rows if r["onderdeel"].startswith("per ")) == sum(
        1 for k in shown(page) if k[0] in ("activiteit", "categorie", "kanaal", "kiosk"))

    for secret in [*seeded["phones"], "Testnaam", "+31 6"]:
        assert secret not in page and secret not in text


def test_the_figures_outlive_the_purge_and_the_salt_goes(hub: SimpleNamespace) -> None:
    seeded = seed(hub, seed=7)
    login(hub.client, "netwerk")
    before = shown(hub.client.get(f"/coordinator/monitor?maand={MONTH}").get_data(as_text=True))
    db = connect_hub(hub.path)
    try:
        gone = purge(db, datetime(2027, 3, 1, tzinfo=UTC))
        assert gone == len(seeded["signups"])
        assert db.execute("SELECT COUNT(*) FROM signups").fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM monitor_salts").fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM monitor_residents").fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM wishes").fetchone()[0] == len(seeded["wishes"])
    finally:
        db.close()
    after = shown(hub.client.get(f"/coordinator/monitor?maand={MONTH}").get_data(as_text=True))
    assert after == before
    _compare(after, expected(seeded, "*"))


def test_a_month_not_yet_over_keeps_counting(hub: SimpleNamespace) -> None:
    seed(hub, seed=3)
    db = connect_hub(hub.path)
    try:
        with write_transaction(db):
            from sync.hub import monitor

            assert monitor.fix_months(db, datetime(2027, 2, 5, tzinfo=UTC)) == []
            assert monitor.fix_months(db, datetime(2027, 2, 9, tzinfo=UTC)) == [MONTH]
            monitor.note_resident(db, MONTH, "zuid", "0699999999")  # too late: not counted
        assert db.execute("SELECT COUNT(*) FROM monitor_residents").fetchone()[0] == 0
    finally:
        db.close()


def test_a_stadsdorp_coordinator_sees_only_their_own(hub: SimpleNamespace) -> None:
    seeded = seed(hub, seed=5)
    login(hub.client, "zuid")
    assert hub.client.get(f"/coordinator/monitor?maand={MONTH}&gebied=oost").status_code == 403
    assert hub.client.get(f"/coordinator/monitor?maand={MONTH}&gebied=*").status_code == 403
    assert hub.client.get("/coordinator/monitor.csv?gebied=oost").status_code == 403
    page = hub.client.get(f"/coordinator/monitor?maand={MONTH}").get_data(as_text=True)
    assert "Stadsdorp Zuid" in page and "Hele Netwerk" not in page
    _compare(shown(page), expected(seeded, "zuid"))

    wishes = hub.client.get("/coordinator/wensen").get_data(as_text=True)
    assert hub.client.get("/coordinator/wensen?gebied=oost").status_code == 403
    for w in seeded["wishes"]:
        own = w["kiosk"] == "kiosk-a" or w["stadsdorp"] == "zuid"
        assert (w["id"] in wishes) == own
        if w["callback"]:
            assert (f"{w['name']}, {w['phone']}" in wishes) == own

    netwerk = hub.app.test_client()
    login(netwerk, "netwerk")
    everything = netwerk.get("/coordinator/wensen").get_data(as_text=True)
    assert all(w["id"] in everything for w in seeded["wishes"])


def test_wish_contacts_go_after_their_term_on_the_hub(hub: SimpleNamespace) -> None:
    seeded = seed(hub, seed=9)
    db = connect_hub(hub.path)
    try:
        purge(db, datetime(2027, 1, 20, tzinfo=UTC) + timedelta(days=90))
        left = db.execute("SELECT created_at FROM wishes WHERE phone != ''").fetchall()
        assert all(row[0] >= "2027-01-20" for row in left)
        purge(db, datetime(2027, 2, 1, tzinfo=UTC) + timedelta(days=90))
        assert db.execute("SELECT COUNT(*) FROM wishes WHERE phone != '' OR name != ''"
                          ).fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM wishes").fetchone()[0] == len(seeded["wishes"])
    finally:
        db.close()


@pytest.mark.parametrize("payload", [
    {"kind": "both"}, {"categories": []}, {"categories": ["spel"]}, {"day_parts": ["nacht"]},
    {"channel": "fax"}, {"created_at": "gisteren"}, {"categories": "wandelen"},
    {"callback": True, "phone": "12"},
])
def test_bad_wish_events_are_rejected_alone(hub: SimpleNamespace, payload: dict[str, Any]
                                            ) -> None:
    good = {"id": str(uuid.uuid4()), "kind": "miss", "categories": ["wandelen"],
            "day_parts": [], "channel": "touch", "created_at": "2027-01-05T10:00:00Z",
            "callback": False}
    bad = good | payload | {"id": str(uuid.uuid4())}
    results = _post(hub, "kiosk-a", [_event("wish.created", bad), _event("wish.created", good)])
    assert [r["result"] for r in results] == ["rejected", "accepted"]


def test_contact_without_the_yes_is_not_kept(hub: SimpleNamespace) -> None:
    wish = {"id": str(uuid.uuid4()), "kind": "offer", "categories": ["vervoer"],
            "channel": "touch", "created_at": "2027-01-05T10:00:00Z", "callback": False,
            "name": "Stiekem", "phone": "0612345678"}
    assert _post(hub, "kiosk-a", [_event("wish.created", wish)])[0]["result"] == "accepted"
    db = connect_hub(hub.path)
    try:
        assert db.execute("SELECT name, phone, stadsdorp FROM wishes").fetchall() == [
            ("", "", "zuid")]
    finally:
        db.close()


def test_a_forgotten_wish_loses_its_contact_on_the_hub(hub: SimpleNamespace) -> None:
    wish = {"id": str(uuid.uuid4()), "kind": "offer", "categories": ["vervoer"],
            "channel": "touch", "created_at": "2027-01-05T10:00:00Z", "callback": True,
            "name": "Els", "phone": "0612345678"}
    _post(hub, "kiosk-a", [_event("wish.created", wish)])
    # Another kiosk cannot make it forget; its own kiosk can.
    _post(hub, "kiosk-b", [_event("wish.forgotten", {"id": wish["id"]})])
    db = connect_hub(hub.path)
    try:
        assert db.execute("SELECT phone FROM wishes").fetchone()[0] == "0612345678"
        _post(hub, "kiosk-a", [_event("wish.forgotten", {"id": wish["id"]})])
        assert db.execute("SELECT name, phone, kind FROM wishes").fetchall() == [
            ("", "", "offer")]
    finally:
        db.close()
