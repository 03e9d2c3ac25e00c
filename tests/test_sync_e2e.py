"""End to end: the hub as a real HTTP server on 127.0.0.1 and two kiosks (two
databases). Offline signups arrive exactly once; ten seats from two offline kiosks end
as exactly ten confirmed; faults (500, timeout, a cut connection, kill -9 mid-push)
lose or double nothing."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from kiosk.core import calls
from kiosk.core.signups import cancel_signup, create_signup
from kiosk.web import create_app
from sync import status
from sync.hub.agenda import set_status
from sync.hub.db import next_rev
from sync.hub_client import HubClient
from sync.worker import SyncWorker, run_round
from tests.desk_helpers import fast_pins, set_pins, sign_in
from tests.sync_support import (
    HubServer,
    hub_activity,
    hub_signups,
    make_kiosk,
    outbox_left,
    setup_hub,
)

ROOT = Path(__file__).resolve().parent.parent
_ = fast_pins


@pytest.fixture
def world(tmp_path: Path) -> Iterator[SimpleNamespace]:
    """A hub (not yet started) with a 10-seat koffieochtend, and two kiosks."""
    hub_path = tmp_path / "hub.db"
    tokens = setup_hub(hub_path)
    hub_activity(hub_path, "hub-koffie", capacity=10)
    hub_activity(hub_path, "hub-lezing", capacity=None, title="Lezing", days_ahead=4)
    hub = HubServer(hub_path)
    a = make_kiosk(tmp_path / "a.db", "kiosk-a", "", tokens["kiosk-a"])
    b = make_kiosk(tmp_path / "b.db", "kiosk-b", "", tokens["kiosk-b"])
    yield SimpleNamespace(hub=hub, a=a, b=b, tokens=tokens, tmp=tmp_path)
    hub.stop()
    a.close()
    b.close()


def connect_kiosks(world: SimpleNamespace) -> None:
    for kiosk in (world.a, world.b):
        kiosk.execute("UPDATE settings SET value = ? WHERE key = 'hub_url'", [world.hub.url])


def sync(kiosk, **kwargs) -> list[str]:
    return run_round(kiosk, force=True, **kwargs).errors


def signup(kiosk, activity: str = "hub-koffie", **kwargs):
    return create_signup(kiosk, activity, phone="0612345678", kiosk_id="k", **kwargs)


def statuses(kiosk) -> dict[str, str]:
    return dict(kiosk.execute("SELECT id, status FROM signups").fetchall())


def test_offline_signups_on_two_kiosks_arrive_exactly_once(world):
    world.hub.start()
    connect_kiosks(world)
    assert sync(world.a) == sync(world.b) == []
    world.hub.stop()  # the hub goes down; the kiosks keep taking signups
    made = [signup(world.a, "hub-lezing") for _ in range(6)]
    made += [signup(world.b, "hub-lezing") for _ in range(5)]
    cancel_signup(world.a, made[0].id)
    errors = sync(world.a)
    assert "niet bereikbaar" in errors[0]
    assert outbox_left(world.a) == 7  # 6 created + 1 cancelled, all kept
    world.hub.start()  # back, on the same address
    assert sync(world.a) == sync(world.b) == []
    assert sync(world.a) == []  # a second round sends nothing twice
    rows = hub_signups(world.hub.db_path)
    assert Counter(r["id"] for r in rows) == Counter(s.id for s in made)
    assert {r["id"]: r["status"] for r in rows}[made[0].id] == "cancelled"
    assert outbox_left(world.a) == outbox_left(world.b) == 0
    assert status.get_status(world.a).last_error == ""


def desk_calls(kiosk_path: Path) -> set[str]:
    """The signups the kiosk's volunteer screen asks to phone, read off its HTML."""
    client = create_app({"TESTING": True, "DATABASE": str(kiosk_path)}).test_client()
    sign_in(client)
    page = client.get("/vrijwilliger/bellen").get_data(as_text=True)
    return set(re.findall(r'data-signup="([^"]+)"', page))


def test_ten_seats_from_two_offline_kiosks_end_as_exactly_ten_confirmed(world, fast_pins):
    world.hub.start()
    connect_kiosks(world)
    sync(world.a)
    sync(world.b)  # each now holds a lease of 5 seats
    world.hub.stop()
    a_made = [signup(world.a) for _ in range(8)]
    b_made = [signup(world.b) for _ in range(7)]
    assert [s.provisional for s in a_made] == [False] * 5 + [True] * 3
    assert [s.provisional for s in b_made] == [False] * 5 + [True] * 2
    world.hub.start()
    assert sync(world.a) == sync(world.b) == []
    rows = hub_signups(world.hub.db_path, "hub-koffie")
    assert Counter(r["status"] for r in rows) == {"confirmed": 10, "waitlist": 5}
    hub_says = {r["id"]: r["status"] for r in rows}
    # Each kiosk was told which of its signups are waitlisted, and must call those.
    for kiosk, made in ((world.a, a_made), (world.b, b_made)):
        local = statuses(kiosk)
        assert all(local[s.id] == hub_says[s.id] for s in made)
        to_call = {c.signup_id for c in calls.signups_needing_a_call(kiosk)}
        assert to_call == {s.id for s in made if hub_says[s.id] == "waitlist"}
    set_pins(world.b)
    assert desk_calls(world.tmp / "b.db") == {
        s.id for s in b_made if hub_says[s.id] == "waitlist"
    }


def test_unused_lease_seats_go_back_to_residents_waiting_elsewhere(world):
    world.hub.start()
    connect_kiosks(world)
    sync(world.a)
    sync(world.b)
    world.hub.stop()
    a_made = [signup(world.a) for _ in range(2)]  # a quiet buurthuis
    b_made = [signup(world.b) for _ in range(9)]  # a busy one: 5 in lease, 4 onder voorbehoud
    world.hub.start()
    sync(world.b)  # B's four go on the waitlist: A still holds three seats
    sync(world.a)  # A sees people waiting and gives its three spare seats back
    sync(world.b)  # B hears that three of its residents got a seat after all
    rows = hub_signups(world.hub.db_path, "hub-koffie")
    assert Counter(r["status"] for r in rows) == {"confirmed": 10, "waitlist": 1}
    local = statuses(world.b)
    assert [local[s.id] for s in b_made] == ["confirmed"] * 8 + ["waitlist"]
    reasons = Counter(c.reason.split(".")[0] for c in calls.signups_needing_a_call(world.b))
    assert reasons == {calls.SEAT_AFTER_ALL.split(".")[0]: 3,
                       calls.MOVED_TO_WAITLIST.split(".")[0]: 1}
    assert all(statuses(world.a)[s.id] == "confirmed" for s in a_made)


@pytest.mark.parametrize("fault", ["500", "slow", "cut"])
def test_hub_faults_lose_or_double_nothing(world, fault):
    world.hub.start()
    connect_kiosks(world)
    sync(world.a)
    made = [signup(world.a, "hub-lezing") for _ in range(5)]
    world.hub.faults.mode = fault
    world.hub.faults.delay = 1.0
    # Only "slow" is about the timeout: under load the hub's work alone may take longer
    # than 0.3 s, and a cut or a 500 must be seen as what it is.
    timeout = 0.3 if fault == "slow" else 10
    client = HubClient(world.hub.url, world.tokens["kiosk-a"], timeout=timeout)
    errors = sync(world.a, client=client)
    expected = {"500": "storing", "slow": "niet op tijd", "cut": "halverwege"}[fault]
    assert expected in errors[0]
    state = status.get_status(world.a)
    assert (state.failures, state.last_error) == (1, errors[0])
    assert outbox_left(world.a) == 5  # nothing marked sent without an answer
    world.hub.faults.mode = None
    assert sync(world.a) == []
    rows = hub_signups(world.hub.db_path)
    assert Counter(r["id"] for r in rows) == Counter(s.id for s in made)
    assert outbox_left(world.a) == 0
    outcomes = Counter(world.a.execute(
        "SELECT outcome FROM outbox WHERE kind = 'signup.created'").fetchall())
    # Where the hub had done the work before the fault, the resend was a duplicate.
    expected_outcome = "accepted" if fault == "500" else "duplicate"
    assert outcomes == {(expected_outcome,): 5}


def test_kiosk_killed_mid_push_resends_safely(world):
    world.hub.start()
    connect_kiosks(world)
    sync(world.a)
    made = [signup(world.a, "hub-lezing") for _ in range(4)]
    world.hub.faults.mode = "hold"  # the hub commits, then holds its answer
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    kiosk_db = str(world.tmp / "a.db")
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", "--db", kiosk_db, "sync"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while len(hub_signups(world.hub.db_path)) < 4:
            assert time.monotonic() < deadline, "the push never reached the hub"
            assert process.poll() is None
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)  # kill -9, mid-push
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
    world.hub.faults.release.set()
    world.hub.faults.mode = None
    assert process.returncode == -signal.SIGKILL
    assert outbox_left(world.a) == 4
    assert sync(world.a) == []
    rows = hub_signups(world.hub.db_path)
    assert Counter(r["id"] for r in rows) == Counter(s.id for s in made)
    assert outbox_left(world.a) == 0


def test_backoff_doubles_and_nu_synchroniseren_skips_it(world):
    connect_kiosks(world)  # the hub is not running
    now = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
    for failures, wait in ((1, 1), (2, 2), (3, 4)):
        run_round(world.a, now, force=True)
        state = status.get_status(world.a)
        assert state.failures == failures
        assert state.next_attempt_at == (now + timedelta(minutes=wait)).strftime(
            "%Y-%m-%dT%H:%M:%SZ")
    assert status.backoff(20) == timedelta(hours=1)
    assert not status.hub_due(status.get_status(world.a), now + timedelta(minutes=3), unsent=5)
    status.request_now(world.a)
    assert status.hub_due(status.get_status(world.a), now, unsent=0)


def test_wrong_token_is_reported_plainly(world):
    world.hub.start()
    connect_kiosks(world)
    world.a.execute("UPDATE settings SET value = 'oud-token' WHERE key = 'hub_token'")
    [error] = sync(world.a)
    assert "kent deze kiosk niet" in error and "sleutel" in error


def test_worker_thread_delivers_a_new_signup(world):
    world.hub.start()
    connect_kiosks(world)
    worker = SyncWorker(world.tmp / "a.db", poll_seconds=0.05)
    worker.start()
    try:
        deadline = time.monotonic() + 10
        while not world.a.execute("SELECT 1 FROM activities WHERE source = 'hub'").fetchone():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        made = signup(world.a, "hub-lezing")
        worker.wake()
        while not hub_signups(world.hub.db_path):
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        worker.stop()
    assert [r["id"] for r in hub_signups(world.hub.db_path)] == [made.id]


def test_hub_cancels_an_activity_and_the_kiosk_calls_its_residents(world):
    world.hub.start()
    connect_kiosks(world)
    sync(world.a)
    made = signup(world.a)
    sync(world.a)
    db = world.hub.db()
    set_status(db, "hub-koffie", "cancelled", next_rev(db))
    db.close()
    sync(world.a)
    assert world.a.execute("SELECT status FROM activities WHERE id = 'hub-koffie'").fetchone()[0] \
        == "cancelled"
    [call] = calls.signups_needing_a_call(world.a)
    assert (call.signup_id, call.reason) == (made.id, calls.ACTIVITY_CANCELLED)
