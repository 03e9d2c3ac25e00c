from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from kiosk.core import codes, dutch
from kiosk.core.agenda import group_by_day, upcoming
from kiosk.core.db import MIGRATIONS, schema_version
from kiosk.core.signups import SignupError, cancel_signup, create_signup, get_signup
from tests.conftest import make_activity


def count(db, table: str) -> int:
    return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_schema_is_current_and_pragmas_are_safe(db):
    assert schema_version(db) == len(MIGRATIONS)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_signup_commits_signup_ticket_job_and_outbox_row(db):
    make_activity(db)
    signup = create_signup(db, "a1", name=" Jan  de Vries ", phone="06-12 34 56 78",
                           party_size="2", kiosk_id="k1")
    assert signup.name == "Jan de Vries"
    assert signup.phone == "0612345678"
    assert signup.status == "confirmed"
    assert count(db, "print_jobs") == 1
    assert count(db, "outbox") == 1


def test_same_token_twice_makes_one_signup(db):
    make_activity(db)
    token = "5f0e2d5c-9a57-4c1e-9a4e-3b2f1d0c8a77"
    first = create_signup(db, "a1", kiosk_id="k1", signup_id=token)
    second = create_signup(db, "a1", kiosk_id="k1", signup_id=token.upper())
    assert first == second
    assert count(db, "signups") == 1


def test_a_signup_id_must_be_a_uuid(db):
    make_activity(db)
    for bad in ("tap-1", "x" * 10_000, "5f0e2d5c-9a57-4c1e-9a4e-3b2f1d0c8a7"):
        with pytest.raises(SignupError) as refused:
            create_signup(db, "a1", kiosk_id="k1", signup_id=bad)
        assert refused.value.field == "token"
    assert count(db, "signups") == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"party_size": 0}, "Kies 1 tot en met 10"),
        ({"party_size": 99}, "Kies 1 tot en met 10"),
        ({"party_size": "veel"}, "Kies 1 tot en met 10"),
        ({"name": "x" * 10_000}, "te lang"),
        ({"name": "<script>alert(1)</script>"}, "alleen letters"),
        ({"phone": "12"}, "telefoonnummer klopt niet"),
    ],
)
def test_bad_input_is_refused_in_dutch_and_writes_nothing(db, kwargs, message):
    make_activity(db)
    with pytest.raises(SignupError) as refused:
        create_signup(db, "a1", kiosk_id="k1", **kwargs)
    assert message in refused.value.message
    assert count(db, "signups") == count(db, "print_jobs") == count(db, "outbox") == 0


def test_unknown_cancelled_and_past_activities_are_refused(db):
    make_activity(db, "cancelled", status="cancelled")
    make_activity(db, "past", days_ahead=-1)
    for activity_id, message in [("nope", r"niet \(meer\)"), ("cancelled", "gaat niet door"),
                                 ("past", "al begonnen")]:
        with pytest.raises(SignupError, match=message):
            create_signup(db, activity_id, kiosk_id="k1")
    assert count(db, "signups") == 0


def test_full_activity_needs_a_phone_for_the_waitlist(db):
    make_activity(db, capacity=3)
    create_signup(db, "a1", party_size=3, kiosk_id="k1")
    with pytest.raises(SignupError, match="vol"):
        create_signup(db, "a1", party_size=1, kiosk_id="k1")
    waiting = create_signup(db, "a1", party_size=1, phone="0201234567", kiosk_id="k1")
    assert waiting.status == "waitlist"


def test_cancel_moves_the_waitlist_up_in_order_while_it_fits(db):
    make_activity(db, capacity=4)
    first = create_signup(db, "a1", party_size=4, kiosk_id="k1")
    big = create_signup(db, "a1", party_size=3, phone="0612345678", kiosk_id="k1")
    small = create_signup(db, "a1", party_size=1, phone="0612345679", kiosk_id="k1")
    moved = cancel_signup(db, first.id)
    assert [s.id for s in moved] == [big.id, small.id]
    assert get_signup(db, first.id).status == "cancelled"
    assert cancel_signup(db, first.id) == []


def test_codes_are_unambiguous_and_qr_signatures_catch_forgery():
    code = codes.new_code()
    assert len(code) == 6 and not set(code) & set("ILOU")
    assert codes.normalize_code(codes.display_code(code).lower()) == code
    assert codes.normalize_code("7KQ-4MO") == "7KQ4M0"
    payload = codes.ticket_qr(b"secret", code)
    assert codes.verify_ticket_qr(b"secret", payload) == code
    assert codes.verify_ticket_qr(b"other", payload) is None
    tampered = payload.replace(code, "ABCDEF" if code != "ABCDEF" else "ABCDEG")
    assert codes.verify_ticket_qr(b"secret", tampered) is None


def test_agenda_groups_by_day_with_dutch_labels(db):
    assert dutch.day_label(date(2026, 11, 29), date(2026, 11, 29)) == "Vandaag"
    assert dutch.day_label(date(2026, 11, 30), date(2026, 11, 29)) == "Morgen"
    assert dutch.day_label(date(2026, 12, 1), date(2026, 11, 29)) == "Dinsdag 1 december"
    assert dutch.written_moment(datetime(2026, 12, 1, 9, 0, tzinfo=UTC)) == (
        "dinsdag 1 december om 10.00 uur"
    )
    make_activity(db, "later", days_ahead=20)
    make_activity(db, "soon", days_ahead=0.1)
    make_activity(db, "a1")
    make_activity(db, "gone", status="removed")
    items = upcoming(db, datetime.now(UTC))
    assert [a.id for a in items] == ["soon", "a1"]
    days = group_by_day(items, datetime.now(UTC))
    assert [number for day in days for number, _ in day.items] == [1, 2]
