"""The kiosk's side of seat leases and of the hub's verdicts: confirm within the lease,
"onder voorbehoud" beyond it, give spare seats back, and put residents on the call list
when the hub changes what they were told."""

from __future__ import annotations

import json

import pytest

from kiosk.core import calls, leases
from kiosk.core.db import write_transaction
from kiosk.core.signups import SignupError, cancel_signup, create_signup, get_signup
from sync.verdicts import apply_verdict
from tests.conftest import make_activity


@pytest.fixture
def leased(db):
    make_activity(db, "hub-1", capacity=10, source="hub")
    with write_transaction(db):
        leases.set_lease(db, "hub-1", 3)
    return db


def test_confirms_within_the_lease_and_onder_voorbehoud_beyond(leased):
    first = create_signup(leased, "hub-1", party_size=2, kiosk_id="k")
    assert (first.status, first.seat_basis, first.provisional) == ("confirmed", "lease", False)
    # Two do not fit in the one seat left: beyond the lease the hub decides, and someone
    # may have to call, so a phone number is needed.
    with pytest.raises(SignupError, match="telefoonnummer") as refused:
        create_signup(leased, "hub-1", party_size=2, kiosk_id="k")
    assert refused.value.field == "phone"
    second = create_signup(leased, "hub-1", party_size=2, phone="0612345678", kiosk_id="k")
    assert (second.status, second.seat_basis, second.provisional) == (
        "confirmed", "provisional", True)
    assert json.loads(leased.execute(
        "SELECT payload FROM outbox WHERE signup_id = ?", [second.id]).fetchone()[0]
    )["seat_basis"] == "provisional"
    third = create_signup(leased, "hub-1", party_size=1, kiosk_id="k")
    assert third.seat_basis == "lease"  # the last lease seat still fits one person
    assert leases.get_lease(leased, "hub-1").spare == 0


def test_a_cancelled_lease_seat_can_be_used_again_and_nothing_moves_up_locally(leased):
    seat = create_signup(leased, "hub-1", party_size=3, kiosk_id="k")
    waiting = create_signup(leased, "hub-1", phone="0612345678", kiosk_id="k")
    with write_transaction(leased):
        apply_verdict(leased, {"id": waiting.id, "status": "waitlist"})
    assert cancel_signup(leased, seat.id) == []  # the hub keeps the waitlist
    assert get_signup(leased, waiting.id).status == "waitlist"
    assert create_signup(leased, "hub-1", party_size=3, kiosk_id="k").seat_basis == "lease"


def test_spare_seats_go_back_only_when_people_wait_and_count_until_the_hub_knows(leased):
    create_signup(leased, "hub-1", kiosk_id="k")
    assert leases.return_spare_seats(leased) == []
    with write_transaction(leased):
        leases.set_lease(leased, "hub-1", 3, hub_seats_taken=10, hub_waiting=5)
    assert leases.return_spare_seats(leased) == [("hub-1", 2)]
    assert leases.get_lease(leased, "hub-1").seats == 1
    [row] = leased.execute("SELECT kind, payload FROM outbox WHERE kind = 'lease.returned'")
    assert json.loads(row[1]) == {"activity_id": "hub-1", "seats": 2}
    # The hub has not heard yet and still says 3: the kiosk keeps counting 1.
    with write_transaction(leased):
        leases.set_lease(leased, "hub-1", 3, hub_waiting=5)
    assert leases.get_lease(leased, "hub-1").seats == 1


def test_an_activity_without_a_lease_keeps_the_kiosks_own_rules(db):
    make_activity(db, "local", capacity=1)
    assert create_signup(db, "local", kiosk_id="k").seat_basis is None
    assert create_signup(db, "local", phone="0612345678", kiosk_id="k").status == "waitlist"


@pytest.mark.parametrize(
    ("local", "verdict", "status", "reason"),
    [
        ("confirmed", "waitlist", "waitlist", calls.MOVED_TO_WAITLIST),
        ("waitlist", "confirmed", "confirmed", calls.SEAT_AFTER_ALL),
        ("confirmed", "cancelled", "cancelled", calls.CANCELLED_CENTRALLY),
        ("confirmed", "confirmed", "confirmed", ""),
        ("cancelled", "confirmed", "cancelled", ""),  # the kiosk's own cancel wins
    ],
)
def test_hub_verdicts(db, local, verdict, status, reason):
    make_activity(db, "a1")
    signup = create_signup(db, "a1", phone="0612345678", kiosk_id="k")
    db.execute("UPDATE signups SET status = ? WHERE id = ?", [local, signup.id])
    with write_transaction(db):
        apply_verdict(db, {"id": signup.id, "status": verdict, "reason": ""})
    after = get_signup(db, signup.id)
    assert (after.status, after.hub_status) == (status, verdict)
    assert [c.reason for c in calls.signups_needing_a_call(db)] == ([reason] if reason else [])
    if reason:
        calls.mark_called(db, signup.id)
        assert calls.signups_needing_a_call(db) == []
