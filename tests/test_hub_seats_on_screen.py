"""What residents and volunteers see follows the hub: its seat figure on cards and the
activity page, "vol" with the waitlist once this kiosk's lease is used and the hub has
no seat left, an "onder voorbehoud" warning on "Klopt dit?", the desk's mark on such
signups, and "Nieuwe tijd" on a card whose activity moved."""

from __future__ import annotations

from datetime import timedelta

from kiosk.core import leases
from kiosk.core.agenda import get_activity, save_activity
from kiosk.core.db import write_transaction
from kiosk.core.signups import create_signup
from tests.desk_helpers import fast_pins, set_pins, sign_in  # noqa: F401
from tests.test_resident import NOW, add, answer, app, step_of, text  # noqa: F401


def hub_activity(db, capacity: int = 10, lease: int = 2, hub_taken: int = 0,
                 waiting: int = 0):
    activity = add(db, "hub-1", days=1, title="Koffieochtend", capacity=capacity, source="hub")
    with write_transaction(db):
        leases.set_lease(db, "hub-1", lease, hub_taken, waiting)
    return activity


def test_the_hubs_seat_figure_is_shown(client, db):
    hub_activity(db, capacity=10, lease=2, hub_taken=4)
    page = text(client.get("/activiteit/hub-1"))
    assert "Nog 6 plaatsen vrij" in page  # not 10: four taken at other kiosks
    create_signup(db, "hub-1", kiosk_id="k", now=NOW)  # not yet at the hub
    assert get_activity(db, "hub-1").seats_left == 5


def test_own_lease_still_counts_as_free_and_then_vol_with_waitlist(client, db):
    hub_activity(db, capacity=10, lease=2, hub_taken=10)
    # The hub counts this kiosk's lease among its seats; within it, it still confirms.
    assert get_activity(db, "hub-1").seats_left == 2
    for _ in range(2):
        assert create_signup(db, "hub-1", kiosk_id="k", now=NOW).seat_basis == leases.LEASE
    assert get_activity(db, "hub-1").is_full
    assert "Vol — wel wachtlijst" in text(client.get("/"))
    # Full by the hub's figure: the waitlist, said plainly, not "onder voorbehoud".
    answer(client, "hub-1", step="naam")
    answer(client, "hub-1", step="telefoon", phone="0612345678")
    summary = answer(client, "hub-1", step="aantal", phone="0612345678", party_size="1")
    assert step_of(summary) == "controle"
    assert "U komt op de wachtlijst" in text(summary)
    waiting = create_signup(db, "hub-1", phone="0612345678", kiosk_id="k", now=NOW)
    assert waiting.status == "waitlist"


def test_klopt_dit_warns_onder_voorbehoud_and_the_desk_marks_it(client, db, fast_pins):  # noqa: F811
    hub_activity(db, capacity=10, lease=0, hub_taken=3)
    # "Klopt dit?" warns; beyond the lease a phone number is needed: the hub may find
    # no seat, and then someone calls.
    warned = answer(client, "hub-1", step="aantal", party_size="1")
    assert step_of(warned) == "controle"
    assert 'data-testid="provisional-warning"' in text(warned)
    assert "onder voorbehoud" in text(warned) and "telefoonnummer nodig" in text(warned)
    no_phone = answer(client, "hub-1", step="controle", party_size="1")
    assert step_of(no_phone) == "telefoon" and "bijna geen plaatsen" in text(no_phone)
    summary = answer(client, "hub-1", step="controle", phone="0612345678", party_size="1",
                     action="wijzig-aantal")
    page = text(answer(client, "hub-1", step="aantal", phone="0612345678", party_size="1"))
    assert 'data-testid="provisional-warning"' in page and "onder voorbehoud" in page
    assert "telefoonnummer nodig" not in page and summary.status_code == 200
    signup = create_signup(db, "hub-1", name="Els", phone="0612345678", kiosk_id="k", now=NOW)
    assert signup.provisional
    set_pins(db)
    sign_in(client)
    desk = text(client.get("/vrijwilliger/activiteit/hub-1"))
    assert 'data-testid="provisional">onder voorbehoud' in desk


def test_a_moved_activity_says_nieuwe_tijd_until_moved_back(client, db):
    activity = add(db, "moved", days=1, title="Lezing")
    assert "Nieuwe tijd" not in text(client.get("/"))
    from dataclasses import replace

    with write_transaction(db):
        save_activity(db, replace(activity, starts_at=activity.starts_at + timedelta(hours=1)))
    page = text(client.get("/"))
    assert 'data-testid="new-time">Nieuwe tijd' in page
    with write_transaction(db):
        save_activity(db, activity)
    assert "Nieuwe tijd" not in text(client.get("/"))
