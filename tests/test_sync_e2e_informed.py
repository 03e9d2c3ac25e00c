"""End to end with three kiosks and a hub on 127.0.0.1: every central change reaches the
call list of every kiosk with a signup and nothing stale stays there; resident screens
show the hub's seat figure; a signup beyond the kiosk's lease gets a ticket that says
ONDER VOORBEHOUD on paper (printed over TCP, read back by an independent decoder, and by
emupos where BUURTKIOSK_EMUPOS names it); a ticket made at kiosk B is let in at kiosk A while both
are offline, a forged one is not, and the hub shows the double check-in."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from kiosk.core import calls, checkin, door_list, dutch, leases, tickets
from kiosk.core.agenda import Activity
from kiosk.core.config import signing_secret
from kiosk.core.db import write_transaction
from kiosk.core.signups import create_signup
from kiosk.web import create_app
from printing import backends
from printing.worker import process_due_jobs
from sync.hub import create_hub_app
from sync.hub.agenda import get_activity as hub_get_activity
from sync.hub.agenda import save_activity as hub_save_activity
from sync.hub.agenda import set_status
from sync.hub.db import next_rev
from sync.hub.doors import set_places
from sync.worker import run_round
from tests.escpos_decode import decode
from tests.escpos_listener import FakePrinter
from tests.sync_support import HubServer, hub_activity, make_kiosk, setup_hub
from tests.test_hub import login
from tests.test_printing_emupos import emupos  # noqa: F401 (a fixture, used by name)

KIOSKS = ("kiosk-a", "kiosk-b", "kiosk-c")


@pytest.fixture
def world(tmp_path: Path) -> Iterator[SimpleNamespace]:
    hub_path = tmp_path / "hub.db"
    tokens = setup_hub(hub_path, KIOSKS)
    hub_activity(hub_path, "hub-koffie", capacity=10)
    hub = HubServer(hub_path).start()
    kiosks = {name: make_kiosk(tmp_path / f"{name}.db", name, hub.url, tokens[name])
              for name in KIOSKS}
    yield SimpleNamespace(hub=hub, k=kiosks, path=hub_path, tmp=tmp_path)
    hub.stop()
    for db in kiosks.values():
        db.close()


def sync(*kiosks) -> None:
    for db in kiosks:
        assert run_round(db, force=True).errors == []


def change_on_hub(world: SimpleNamespace, **changes: object) -> None:
    db = world.hub.db()
    with write_transaction(db):
        row = hub_get_activity(db, "hub-koffie")
        assert row is not None
        activity = Activity.from_row({**row, "stadsdorp": row["stadsdorp"]})
        hub_save_activity(db, replace(activity, **changes), rev=next_rev(db))
    db.close()


def reasons(db) -> list[str]:
    return [c.reason for c in calls.signups_needing_a_call(db)]


def test_time_place_cancel_and_undo_reach_every_call_list_and_nothing_stale_stays(world):
    a, b, c = (world.k[n] for n in KIOSKS)
    sync(a, b, c)
    for db in (a, b):
        create_signup(db, "hub-koffie", name="Els", phone="0612345678", kiosk_id="k")
    sync(a, b, c)
    start = Activity.from_row({**hub_get_activity(world.hub.db(), "hub-koffie")}).starts_at
    change_on_hub(world, starts_at=start + timedelta(minutes=30))
    sync(a, b, c)
    for db in (a, b):
        [item] = calls.signups_needing_a_call(db)
        assert item.changes[0].startswith("Andere tijd: eerst") and item.reprint
    assert reasons(c) == []  # no signup there, nothing to call
    change_on_hub(world, starts_at=start + timedelta(minutes=30), location_name="Buurthuis Oost")
    sync(a, b, c)
    for db in (a, b):
        [item] = calls.signups_needing_a_call(db)
        assert [line.split(":")[0] for line in item.changes] == ["Andere tijd", "Andere plek"]
    hub = world.hub.db()
    set_status(hub, "hub-koffie", "cancelled", next_rev(hub))
    sync(a, b, c)
    for db in (a, b):
        [item] = calls.signups_needing_a_call(db)
        assert item.changes[0] == calls.ACTIVITY_CANCELLED and not item.reprint
    set_status(hub, "hub-koffie", "scheduled", next_rev(hub))  # "gaat toch door"
    hub.close()
    sync(a, b, c)
    for db in (a, b):
        [item] = calls.signups_needing_a_call(db)
        assert calls.ACTIVITY_CANCELLED not in item.changes  # nothing stale
        assert [line.split(":")[0] for line in item.changes] == ["Andere tijd", "Andere plek"]


def test_resident_screens_show_the_hubs_seat_figure(world):
    a, b = world.k["kiosk-a"], world.k["kiosk-b"]
    sync(a, b)
    create_signup(a, "hub-koffie", party_size=3, phone="0612345678", kiosk_id="k")
    sync(a, b)
    app = create_app({"DATABASE": str(world.tmp / "kiosk-b.db"), "TESTING": True})
    page = app.test_client().get("/activiteit/hub-koffie").get_data(as_text=True)
    assert "Nog 7 plaatsen vrij" in page  # 10 seats, 3 taken at kiosk A


def sign_up_by_touch(client, name: str, party_size: int, phone: str):
    """The resident's last tap, "Ja, meld mij aan", with every answer given."""
    form = {"token": str(uuid.uuid4()), "name": name, "phone": phone,
            "party_size": str(party_size), "step": "controle", "action": "verder"}
    return client.post("/activiteit/hub-koffie/aanmelden", data=form)


def test_a_provisional_signups_ticket_says_onder_voorbehoud_on_paper(world, request):
    a, b, c = (world.k[n] for n in KIOSKS)
    sync(a, b, c)  # 10 seats, three kiosks: a lease of 3 each, 1 seat in the hub's pool
    assert leases.get_lease(a, "hub-koffie").seats == 3
    app = create_app({"DATABASE": str(world.tmp / "kiosk-a.db"), "TESTING": True})
    client = app.test_client()
    assert sign_up_by_touch(client, "Els de Vries", 3, "0612345678").status_code == 303
    sync(a, b, c)  # the hub tops A's lease up from its pool: 4
    assert leases.get_lease(a, "hub-koffie").spare == 1
    assert sign_up_by_touch(client, "Piet Jansen", 1, "0611111111").status_code == 303
    sync(a, b, c)  # A's lease is used up; the hub's figure: 4 taken, the rest leased to B and C
    lease = leases.get_lease(a, "hub-koffie")
    assert (lease.seats, lease.spare, lease.hub_seats_taken) == (4, 0, 4)
    assert leases.seat_outlook(a, "hub-koffie", 10, 1) == leases.PROVISIONAL
    form = {"token": str(uuid.uuid4()), "name": "Ans Bakker", "phone": "0687654321",
            "party_size": "1", "step": "aantal", "action": "verder"}
    summary = client.post("/activiteit/hub-koffie/aanmelden", data=form)
    assert 'data-testid="provisional-warning"' in summary.get_data(as_text=True)
    assert sign_up_by_touch(client, "Ans Bakker", 1, "0687654321").status_code == 303
    rows = {row["name"]: row for row in a.query("SELECT * FROM signups")}
    assert rows["Els de Vries"]["seat_basis"] == rows["Piet Jansen"]["seat_basis"] == leases.LEASE
    assert rows["Ans Bakker"]["seat_basis"] == leases.PROVISIONAL

    with FakePrinter() as printer:  # a network printer on 127.0.0.1: the bytes go over TCP
        assert process_due_jobs(a, printer.url).printed == 3
        jobs = printer.wait_for_jobs(3)
    papers = {}
    for data in jobs:
        text = "\n".join(decode(data).texts)
        [name] = [n for n in rows if f"Naam: {n}" in text]
        papers[name] = (data, text)
    provisional, confirmed = papers["Ans Bakker"][1], papers["Els de Vries"][1]
    assert "Naam: Els de Vries" in confirmed
    assert "ONDER VOORBEHOUD" in provisional and "Uw plaats is nog niet zeker" in provisional
    assert "AANMELDING" not in provisional
    assert "ONDER VOORBEHOUD" not in confirmed and "AANMELDING" in confirmed

    if os.environ.get("BUURTKIOSK_EMUPOS"):  # the same bytes, read by emupos as well
        emupos = request.getfixturevalue("emupos")
        for name, says, never in (("Ans Bakker", "ONDER VOORBEHOUD", "AANMELDING"),
                                  ("Els de Vries", "AANMELDING", "ONDER VOORBEHOUD")):
            before = len(emupos.receipts())
            backends.deliver(emupos.tcp_url, papers[name][0])
            read = emupos.text(emupos.wait_for_receipt(before))
            emupos.assert_understood_everything()
            assert f"Naam: {name}" in read and says in read and never not in read


def test_a_ticket_from_kiosk_b_is_let_in_at_kiosk_a_offline_and_the_hub_sees_the_double(
        world):
    a, b = world.k["kiosk-a"], world.k["kiosk-b"]
    hub = world.hub.db()
    with write_transaction(hub):
        for kiosk_id in (1, 2):
            set_places(hub, kiosk_id, "Buurthuis De Pijp")
    hub.close()
    sync(a, b)
    made = create_signup(b, "hub-koffie", name="Ans Bakker", phone="0612345678",
                         party_size=2, kiosk_id="k")
    c = world.k["kiosk-c"]
    sync(b, a, c)  # one earlier sync: A has B's key and the attendee list; C only the key
    # ... and the days that list covers: a ticket for such a day that it leaves out is
    # not one to let in (cancelled, or elsewhere).
    today = dutch.local(datetime.now(UTC)).date()
    assert door_list.covers(a, today, datetime.now(UTC))
    assert not door_list.covers(c, today, datetime.now(UTC))  # C has no places
    listed = door_list.find(a, made.code, tickets.key_id(bytes(tickets.signing_key(b).verify_key)))
    assert listed is not None and listed.key_id  # found by code and B's key
    world.hub.stop()  # all offline from here
    qr = tickets.ticket_qr(b, made.code)
    door_open = Activity.from_row(dict(next(iter(b.query(
        "SELECT * FROM activities WHERE id = 'hub-koffie'"))))).starts_at  # the day itself
    # Two days early, at A (door list) and at C (no list: the day signed on the ticket),
    # the same warning as for their own tickets, with the day written out.
    early = door_open - timedelta(days=2)
    day = dutch.written_date(dutch.local(door_open).date())
    for db, path in ((a, "door"), (c, "ticket")):
        held = checkin.scan(db, signing_secret(db), qr, actor="Piet", now=early)
        assert held.outcome == "other_day", (path, held.message)
        assert f"niet voor vandaag, maar voor {day}" in held.message
        assert (held.door is not None, bool(held.ticket)) == (path == "door", path == "ticket")
    assert checkin.scan(c, signing_secret(c), qr, actor="Piet", now=door_open).outcome == "confirm"
    assert checkin.ticket_arrived(c, signing_secret(c), qr, actor="Jan").outcome == "welcome"
    at_a = checkin.scan(a, signing_secret(a), qr, actor="Piet", now=door_open)
    assert at_a.outcome == "welcome" and "Ans Bakker" in at_a.message
    at_b = checkin.scan(b, signing_secret(b), qr, actor="Kees", now=door_open)  # other door
    assert at_b.outcome == "welcome"
    forged = qr[:-3] + ("AAA" if not qr.endswith("AAA") else "BBB")
    assert checkin.scan(a, signing_secret(a), forged, actor="Piet").outcome == "refused"
    other_code = qr.replace(made.code, "7KQ4MX")
    assert checkin.scan(a, signing_secret(a), other_code, actor="Piet").outcome == "refused"
    # The door list has names, never phone numbers.
    assert "0612345678" not in str(a.execute("SELECT * FROM door_list").fetchall())

    world.hub.start()
    sync(a, b, c)  # C's check-in on the ticket alone reaches the hub by code and key
    app = create_hub_app({"HUB_DATABASE": str(world.path), "TESTING": True})
    client = app.test_client()
    client.environ_base["HTTP_ORIGIN"] = "http://localhost"  # as a browser on the hub's pages
    login(client)
    page = client.get("/coordinator/activiteit/hub-koffie/aanwezigheid").get_data(as_text=True)
    assert 'data-testid="double-checkin"' in page
    assert "kiosk-a" in page and "kiosk-b" in page and "kiosk-c" in page
    assert made.display_code in page  # as on the ticket, with the dash
