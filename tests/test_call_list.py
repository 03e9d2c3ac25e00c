"""The call list: every central change that touches a signup (time, day, place, cancel,
cancel undone, removal, seat given or taken) in plain Dutch, withdrawn when undone
before anyone phoned, with "nieuw kaartje printen" where the paper is now wrong."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from kiosk.core import calls
from kiosk.core.calls import Facts, what_changed
from kiosk.core.config import set_setting
from kiosk.core.db import write_transaction
from kiosk.core.dutch import AMSTERDAM
from kiosk.core.signups import create_signup
from sync import feeds
from sync.ical_fields import activity_id
from sync.ical_import import feed_source
from sync.verdicts import apply_verdict
from tests.desk_helpers import fast_pins, set_pins, sign_in  # noqa: F401
from tests.sync_support import FeedServer

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=AMSTERDAM)
TOLD = Facts("2026-03-20T12:30:00+01:00", "Buurthuis De Pijp", "scheduled", "confirmed")


@pytest.mark.parametrize(("now", "lines", "reprint"), [
    (Facts("2026-03-20T13:00:00+01:00", TOLD.place, "scheduled", "confirmed"),
     ["Andere tijd: eerst 12.30 uur, nu 13.00 uur."], True),
    (Facts("2026-03-21T12:30:00+01:00", TOLD.place, "scheduled", "confirmed"),
     ["Andere dag: eerst vrijdag 20 maart om 12.30 uur, nu zaterdag 21 maart om 12.30 uur."],
     True),
    (Facts(TOLD.starts_at, "Buurthuis Oost", "scheduled", "confirmed"),
     ["Andere plek: eerst Buurthuis De Pijp, nu Buurthuis Oost."], True),
    (Facts(TOLD.starts_at, TOLD.place, "cancelled", "confirmed"),
     [calls.ACTIVITY_CANCELLED], False),
    (Facts(TOLD.starts_at, TOLD.place, "removed", "confirmed"), [calls.ACTIVITY_REMOVED], False),
    (Facts(TOLD.starts_at, TOLD.place, "scheduled", "waitlist"), [calls.MOVED_TO_WAITLIST], True),
    (Facts("2026-03-20T13:00:00+01:00", TOLD.place, "cancelled", "confirmed"),
     [calls.ACTIVITY_CANCELLED, "Andere tijd: eerst 12.30 uur, nu 13.00 uur."], False),
    (TOLD, [], False),
])
def test_what_changed_in_plain_dutch(now, lines, reprint):
    change = what_changed(TOLD, now)
    assert (list(change.lines), change.reprint) == (lines, reprint)


def test_seat_given_after_waitlist_or_onder_voorbehoud_and_cancel_undone():
    for told in ("waitlist", "provisional"):
        change = what_changed(Facts(TOLD.starts_at, TOLD.place, "scheduled", told),
                              TOLD)
        assert change.lines == (calls.SEAT_AFTER_ALL,) and change.reprint
    undone = what_changed(Facts(TOLD.starts_at, TOLD.place, "cancelled", "confirmed"), TOLD)
    assert undone.lines == (calls.ACTIVITY_BACK,) and not undone.reprint


def calendar(*events: str) -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\n{e}END:VEVENT\r\n" for e in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\n{body}END:VCALENDAR\r\n".encode()


def lezing(start: str = "20260320T113000Z", place: str = "Buurthuis De Pijp",
           status: str = "") -> bytes:
    extra = f"STATUS:{status}\r\n" if status else ""
    return calendar(f"UID:lezing\r\nDTSTART:{start}\r\nSUMMARY:Lezing\r\n"
                    f"LOCATION:{place}\r\n{extra}")


@pytest.fixture
def feed(db):
    server = FeedServer().start()
    url = server.url("/a.ics")
    set_setting(db, "feeds", url)
    state = {"minutes": 0}

    def publish(body: bytes) -> None:
        server.routes["/a.ics"] = body
        state["minutes"] += 20
        result = feeds.pull_feed(db, url, NOW + timedelta(minutes=state["minutes"]))
        assert result.error == ""

    publish(lezing())
    yield publish, activity_id(feed_source(url), "lezing")
    server.stop()


def reasons(db) -> list[str]:
    return [c.reason for c in calls.signups_needing_a_call(db)]


def test_time_change_and_back_lands_then_withdraws(db, feed):
    publish, the_id = feed
    create_signup(db, the_id, name="Els", phone="0612345678", kiosk_id="k", now=NOW)
    publish(lezing("20260320T120000Z"))  # 12.30 -> 13.00
    [item] = calls.signups_needing_a_call(db)
    assert item.reason == "Andere tijd: eerst 12.30 uur, nu 13.00 uur." and item.reprint
    publish(lezing("20260320T113000Z"))  # back to 12.30 before anyone phoned
    assert reasons(db) == []


def test_cancel_and_cancel_undone(db, feed):
    publish, the_id = feed
    signup = create_signup(db, the_id, name="Els", phone="0612345678", kiosk_id="k", now=NOW)
    publish(lezing(status="CANCELLED"))
    assert reasons(db) == [calls.ACTIVITY_CANCELLED]
    publish(lezing())  # "gaat toch door" before anyone phoned: nothing stale stays
    assert reasons(db) == []
    publish(lezing(status="CANCELLED"))
    with write_transaction(db):
        calls.mark_called(db, signup.id)  # the resident was told it is off
    assert reasons(db) == []
    publish(lezing())
    assert reasons(db) == [calls.ACTIVITY_BACK]


def test_place_change_and_removal(db, feed):
    publish, the_id = feed
    create_signup(db, the_id, name="Els", phone="0612345678", kiosk_id="k", now=NOW)
    publish(lezing(place="Buurthuis Oost"))
    assert reasons(db) == ["Andere plek: eerst Buurthuis De Pijp, nu Buurthuis Oost."]
    publish(calendar())
    assert reasons(db) == [calls.ACTIVITY_REMOVED + " Andere plek: eerst Buurthuis De Pijp, "
                           "nu Buurthuis Oost."]


def test_seat_taken_and_given_back_before_a_call_withdraws(db, feed):
    _publish, the_id = feed
    signup = create_signup(db, the_id, name="Els", phone="0612345678", kiosk_id="k", now=NOW)
    with write_transaction(db):
        apply_verdict(db, {"id": signup.id, "status": "waitlist", "reason": "Vol."})
    assert reasons(db) == [calls.MOVED_TO_WAITLIST + " Vol."]
    with write_transaction(db):
        apply_verdict(db, {"id": signup.id, "status": "confirmed", "reason": ""})
    assert reasons(db) == []


def test_new_ticket_from_the_call_list_queues_a_reprint_with_what_changed(
        client, db, feed, fast_pins):  # noqa: F811
    publish, the_id = feed
    signup = create_signup(db, the_id, name="Els", phone="0612345678", kiosk_id="k", now=NOW)
    publish(lezing("20260320T120000Z"))
    set_pins(db)
    sign_in(client)
    page = client.get("/vrijwilliger/bellen").get_data(as_text=True)
    assert "Andere tijd: eerst 12.30 uur, nu 13.00 uur." in page
    assert 'data-testid="new-ticket"' in page
    done = client.post(f"/vrijwilliger/aanmelding/{signup.id}/nieuw-kaartje")
    assert done.status_code == 303
    [payload] = [json.loads(r[0]) for r in db.execute(
        "SELECT payload FROM print_jobs WHERE signup_id = ? AND payload LIKE '%what_changed%'",
        [signup.id])]
    assert payload == {"copy": True,
                       "what_changed": ["Andere tijd: eerst 12.30 uur, nu 13.00 uur."]}
    client.post(f"/vrijwilliger/aanmelding/{signup.id}/gebeld")
    assert reasons(db) == []
    # Nothing left to reprint: the button says so instead of printing.
    again = client.post(f"/vrijwilliger/aanmelding/{signup.id}/nieuw-kaartje",
                        follow_redirects=True)
    assert "geen nieuw kaartje nodig" in again.get_data(as_text=True)
