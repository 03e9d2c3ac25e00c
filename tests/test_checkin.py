"""Check-in at the door: a genuine ticket QR lets someone in once; a forged or altered one,
a cancelled ticket or a slip does not."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kiosk.core import checkin, codes, slips
from kiosk.core.agenda import get_activity
from kiosk.core.config import signing_secret
from kiosk.core.signups import cancel_signup, create_signup
from tests.conftest import make_activity

ACTOR = "Piet (vrijwilliger)"


@pytest.fixture
def ticket(db):
    make_activity(db, capacity=2)
    signup = create_signup(
        db, "a1", name="Ans Bakker", phone="0612345678", party_size=2, kiosk_id="k1"
    )
    return signup, codes.ticket_qr(signing_secret(db), signup.code)


def scan(db, raw, **kwargs):
    """At the door on the day itself (the fixture's activity is two days ahead)."""
    kwargs.setdefault("now", get_activity(db, "a1").starts_at)
    return checkin.scan(db, signing_secret(db), raw, actor=ACTOR, **kwargs)


def test_genuine_qr_checks_in_once_then_says_al_binnen(db, ticket):
    signup, qr = ticket
    first = scan(db, qr)
    assert first.outcome == "welcome" and "2 personen" in first.message
    assert first.signup.attended_at
    second = scan(db, qr)
    assert second.outcome == "already" and second.message.startswith("Al binnen")
    kinds = [r[0] for r in db.execute("SELECT kind FROM outbox ORDER BY created_at, rowid")]
    assert kinds.count("signup.attended") == 1
    assert db.execute("SELECT action FROM audit_log").fetchall() == [("checkin",)]


@pytest.mark.parametrize(
    "tamper",
    [
        lambda qr, other: qr[:-1] + ("A" if qr[-1] != "A" else "B"),  # signature changed
        lambda qr, other: qr.replace(qr.split(".")[1], other),  # code changed, signature kept
        lambda qr, other: "BK1." + qr.split(".")[1] + ".",  # no signature
    ],
)
def test_forged_or_altered_qr_is_refused_and_logged(db, ticket, tamper):
    signup, qr = ticket
    other = create_signup(db, "a1", name="Kees", phone="0687654321", kiosk_id="k1")  # known here
    result = scan(db, tamper(qr, other.code))
    assert result.outcome == "refused" and "niet geldig" in result.message
    assert result.signup is None  # a forged code reveals no one
    assert db.execute("SELECT attended_at FROM signups").fetchone()[0] is None
    assert db.execute("SELECT action FROM audit_log").fetchall() == [("checkin.forged",)]


def test_qr_signed_with_another_secret_is_refused(db, ticket):
    signup, _ = ticket
    other = codes.ticket_qr(b"not this kiosk", signup.code)
    assert scan(db, other).outcome == "refused"


def test_ticket_from_another_kiosk_is_refused_without_calling_it_forged(db, ticket):
    elsewhere = codes.ticket_qr(b"the other kiosk's key", "7KQ4MX")
    result = scan(db, elsewhere)
    assert result.outcome == "refused" and result.signup is None
    assert "niet van deze kiosk" in result.message and "nagemaakt" not in result.message
    assert db.execute("SELECT action FROM audit_log").fetchall() == [("checkin.elsewhere",)]


def test_typed_code_asks_the_volunteer_to_confirm(db, ticket):
    signup, _ = ticket
    result = scan(db, signup.display_code.lower())
    assert result.outcome == "confirm" and result.signup.id == signup.id
    assert db.execute("SELECT attended_at FROM signups").fetchone()[0] is None
    assert checkin.mark_attended(db, signup.id, actor=ACTOR).outcome == "welcome"


def test_cancelled_and_waitlisted_tickets_are_refused(db, ticket):
    signup, qr = ticket
    waiting = create_signup(db, "a1", name="Wim", phone="0687654321", kiosk_id="k1")
    assert waiting.status == "waitlist"
    waiting_qr = codes.ticket_qr(signing_secret(db), waiting.code)
    assert "wachtlijst" in scan(db, waiting_qr).message
    cancel_signup(db, signup.id)
    refused = scan(db, qr)
    assert refused.outcome == "refused" and "geannuleerd" in refused.message
    # Cancelling moved Wim up: now his ticket counts.
    assert scan(db, waiting_qr).outcome == "welcome"


def test_ticket_for_another_activity_is_refused_when_scanning_for_one(db, ticket):
    signup, qr = ticket
    make_activity(db, "a2", title="Bingo")
    result = scan(db, qr, activity_id="a2")
    assert result.outcome == "refused" and "andere activiteit" in result.message
    assert scan(db, qr, activity_id="a1").outcome == "welcome"


def test_slips_and_rubbish_are_not_tickets(db, ticket):
    slip = slips.print_activity_slips(db, "a1", 1, ACTOR)[0]
    assert "aanmeldstrook" in scan(db, slip.qr_payload).message
    assert "geen kaartje" in scan(db, "hallo wereld").message
    assert "staat niet op deze kiosk" in scan(db, "ZZZ-ZZZ").message


def test_attendance_counts(db, ticket):
    signup, qr = ticket
    assert checkin.attendance_counts(db, "a1") == (0, 2)
    scan(db, qr)
    assert checkin.attendance_counts(db, "a1") == (2, 2)


def test_a_ticket_for_another_day_is_never_let_in_without_a_look(db, ticket):
    signup, qr = ticket
    starts = get_activity(db, "a1").starts_at
    for raw in (qr, signup.code):
        early = scan(db, raw, now=starts - timedelta(days=2))
        assert early.outcome == "other_day" and "niet voor vandaag" in early.message
        assert not early.signup.attended_at
    attended = "SELECT COUNT(*) FROM outbox WHERE kind = 'signup.attended'"
    assert db.execute(attended).fetchone()[0] == 0
    assert scan(db, qr).outcome == "welcome"  # on the day itself it just works
