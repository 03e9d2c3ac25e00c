"""Signed tickets: any kiosk's ticket checks in at any kiosk that knows its public key,
offline; a forged or altered one never does; old HMAC tickets keep working; the QR
fits 58 mm paper with whole-dot modules and reads back."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image as PILImage

from kiosk.core import checkin, codes, door_list, dutch, retention, tickets
from kiosk.core.agenda import get_activity
from kiosk.core.config import signing_secret
from kiosk.core.db import connect, migrate, write_transaction
from kiosk.core.signups import create_signup
from printing.render import qr_image, qr_module_dots
from tests.conftest import make_activity

ACTOR = "Piet (vrijwilliger)"


def kiosk(tmp_path: Path, name: str):
    db = connect(tmp_path / f"{name}.db")
    migrate(db)
    return db


def scan(db, raw, now=None):
    return checkin.scan(db, signing_secret(db), raw, actor=ACTOR, now=now)


def swap(text: str, index: int) -> str:
    ch = text[index]
    return text[:index] + ("A" if ch != "A" else "B") + text[index + 1:]


@pytest.fixture
def two_kiosks(tmp_path):
    a, b = kiosk(tmp_path, "a"), kiosk(tmp_path, "b")
    make_activity(b, "hub-koffie", capacity=20)
    made = create_signup(b, "hub-koffie", name="Ans Bakker", party_size=2, kiosk_id="b")
    qr = tickets.ticket_qr(b, made.code)
    yield a, b, made, qr
    a.close()
    b.close()


def share_key(src, dst, kiosk_name="Kiosk B"):
    key_id, public = tickets.public_key(src)
    with write_transaction(dst):
        assert tickets.remember_keys(dst, [{"id": key_id, "public": public,
                                            "kiosk": kiosk_name}]) == 1


def test_a_ticket_of_kiosk_b_checks_in_at_kiosk_a_offline(two_kiosks):
    a, b, made, qr = two_kiosks
    assert tickets.read_ticket(a, signing_secret(a), qr) == ("unknown-key", made.code)
    unknown = scan(a, qr)
    assert unknown.outcome == "refused" and "nog niet kent" in unknown.message
    share_key(b, a)
    with write_transaction(a):
        door_list.store(a, [{"id": made.id, "code": made.code, "activity_id": "hub-koffie",
                             "activity_title": "Koffieochtend", "name": "Ans Bakker",
                             "party_size": 2, "kiosk": "Kiosk B",
                             "starts_at": "2031-06-03T10:00:00+02:00"}])
    on_the_day = datetime.fromisoformat("2031-06-03T09:30:00+02:00")
    first = scan(a, qr, on_the_day)
    assert first.outcome == "welcome" and "2 personen" in first.message, first.message
    assert scan(a, qr, on_the_day).outcome == "already"
    [(kind, payload)] = a.execute("SELECT kind, payload FROM outbox").fetchall()
    assert kind == "signup.attended" and json.loads(payload)["id"] == made.id
    # The door list never holds a phone number: there is no column for one.
    assert "phone" not in {c.name for c in a["door_list"].columns}


@pytest.mark.parametrize("alter", [
    lambda qr: qr.replace(qr.split(".")[1], "7KQ4MX"),  # another code, same signature
    lambda qr: swap(qr, len(qr) - 5),  # a changed signature
    lambda qr: swap(qr, qr.rindex(".") - 3),  # another key id
    lambda qr: swap(qr, 13),  # another day (its last character), same signature
    lambda qr: qr[:13] + "1" + qr[14:],  # a day that is no day (1 is not base32)
    lambda qr: qr[:11] + qr[14:],  # the day left out
    lambda qr: qr.rsplit(".", 1)[0] + ".",  # no signature
    lambda qr: qr + "AA",
    lambda qr: "BK2.." + qr,
], ids=["code", "signature", "key-id", "day", "bad-day", "no-day", "no-signature", "longer",
        "garbled"])
def test_forged_or_altered_tickets_are_refused(two_kiosks, alter):
    a, b, _made, qr = two_kiosks
    share_key(b, a)
    verdict, _code = tickets.read_ticket(a, signing_secret(a), alter(qr))
    assert verdict in ("forged", "unknown-key")
    assert tickets.read_ticket(b, signing_secret(b), alter(qr))[0] != "valid"
    assert scan(a, alter(qr)).outcome == "refused"
    # A key from the hub that does not match its id is never stored.
    key_id, public = tickets.public_key(b)
    with write_transaction(a):
        assert tickets.remember_keys(a, [{"id": "AAAAAA", "public": public}]) == 0
        assert tickets.remember_keys(a, [{"id": key_id, "public": "not base64!"}]) == 0


def test_a_qr_altered_where_reading_would_not_see_it_is_refused(two_kiosks):
    """The unused low bits of the signature's last base32 character, and a non-ASCII
    letter that upper() folds into an ASCII one ("ı" -> "I"), must not read as genuine."""
    a, b, _made, qr = two_kiosks
    share_key(b, a)
    secret = signing_secret(a)
    head, signature = qr.rsplit(".", 1)
    altered = [f"{head}.{signature[:-1]}{c}" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
               if c != signature[-1]]
    assert all(tickets.read_ticket(a, secret, alt)[0] == "forged" for alt in altered)
    folded = "I" if "I" in qr else "S"  # "ı".upper() == "I", "ſ".upper() == "S"
    assert tickets.read_ticket(a, secret, qr.replace(folded, {"I": "ı", "S": "ſ"}[folded], 1))[
        0] == "forged"
    assert tickets.read_ticket(a, secret, qr.replace(".", "\u3002"))[0] == "forged"
    assert tickets.read_ticket(a, secret, qr.lower())[0] == "valid"  # Caps Lock still reads


def listed(a, made, starts_at: str) -> None:
    """Kiosk A's door list as the hub sends it: Ans, signed up at kiosk B."""
    with write_transaction(a):
        door_list.store(a, [{"id": made.id, "code": made.code, "activity_id": "hub-koffie",
                             "activity_title": "Koffieochtend", "name": "Ans Bakker",
                             "party_size": 2, "kiosk": "Kiosk B", "starts_at": starts_at}])


def attended_events(db) -> int:
    return db.execute("SELECT COUNT(*) FROM outbox WHERE kind = 'signup.attended'").fetchone()[0]


def test_kiosk_bs_ticket_for_another_day_is_held_up_on_the_door_list_path(two_kiosks):
    """As kiosk A's own tickets are: "niet voor vandaag, maar voor donderdag ...", with
    the day written out; the volunteer may still let the person in."""
    a, b, made, qr = two_kiosks
    share_key(b, a)
    start = get_activity(b, "hub-koffie").starts_at
    listed(a, made, start.isoformat())
    early = scan(a, qr, start - timedelta(days=2))
    assert early.outcome == "other_day" and early.door is not None
    weekday = dutch.WEEKDAYS[dutch.local(start).weekday()]
    assert (f"niet voor vandaag, maar voor {dutch.written_moment(start)} (Koffieochtend)"
            in early.message and weekday in early.message)
    assert door_list.find(a, made.code, "").attended_at is None and attended_events(a) == 0
    let_in = checkin.door_arrived(a, early.door.signup_id, actor=ACTOR)  # the button
    assert let_in.outcome == "welcome" and "Ans Bakker" in let_in.message
    assert attended_events(a) == 1
    assert scan(a, qr, start).outcome == "already"
    # On the day itself a listed ticket just works; a day later it is held up again.
    made2 = create_signup(b, "hub-koffie", name="Kees", kiosk_id="b")
    listed(a, made2, start.isoformat())
    assert scan(a, tickets.ticket_qr(b, made2.code), start).outcome == "welcome"
    # The agenda's time wins over the list's where kiosk A has the activity (moved).
    make_activity(a, "hub-koffie", days_ahead=9)
    made3 = create_signup(b, "hub-koffie", name="Wim", kiosk_id="b")
    listed(a, made3, start.isoformat())
    moved = scan(a, tickets.ticket_qr(b, made3.code), start)
    assert moved.outcome == "other_day"
    assert dutch.written_moment(get_activity(a, "hub-koffie").starts_at) in moved.message


def test_kiosk_bs_ticket_for_another_day_is_held_up_on_the_ticket_only_path(two_kiosks):
    """No list here knows the resident (the activity is not on kiosk A's door list): the
    day signed on the ticket still says "niet voor vandaag"; the volunteer may let in."""
    a, b, made, qr = two_kiosks
    share_key(b, a)
    start = get_activity(b, "hub-koffie").starts_at
    assert tickets.read_signed(a, signing_secret(a), qr).day == dutch.local(start).date()
    early = scan(a, qr, start - timedelta(days=2))
    assert early.outcome == "other_day" and early.ticket == qr
    written = dutch.written_date(dutch.local(start).date())
    assert f"niet voor vandaag, maar voor {written}" in early.message
    assert "Kiosk B" in early.message and made.display_code in early.message
    assert attended_events(a) == 0
    assert a.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0] == 0
    let_in = checkin.ticket_arrived(a, signing_secret(a), qr, actor=ACTOR)  # the button
    assert let_in.outcome == "welcome" and made.display_code in let_in.message
    [(action, detail)] = a.execute("SELECT action, detail FROM audit_log").fetchall()
    assert action == "checkin.ticket" and made.display_code in detail and written in detail
    assert checkin.ticket_arrived(a, signing_secret(a), qr, actor=ACTOR).outcome == "already"
    retention.purge_expired(a, now=start)  # kept as long as the signups are
    assert a.execute("SELECT COUNT(*) FROM ticket_check_ins").fetchone()[0] == 1
    # Scanned again: already in, also after the hub renamed kiosk B.
    share_key(b, a, "Buurthuis Oost")
    again = scan(a, qr, start)
    assert again.outcome == "already" and again.message.startswith("Al binnen (sinds ")
    assert checkin.ticket_arrived(a, signing_secret(a), qr, actor=ACTOR).outcome == "already"
    # On its day: genuine, but not on a list here, so the volunteer asks the name first.
    other = create_signup(b, "hub-koffie", name="Wim", kiosk_id="b")
    on_the_day = scan(a, tickets.ticket_qr(b, other.code), start)
    assert on_the_day.outcome == "confirm" and "niet voor vandaag" not in on_the_day.message
    assert "Buurthuis Oost" in on_the_day.message and "kiosk Buurthuis" not in on_the_day.message
    assert "Zegt de bewoner een naam die past? Meld dan binnen" in on_the_day.message
    retention.purge_expired(a, now=start + timedelta(days=400))
    assert a.execute("SELECT COUNT(*) FROM ticket_check_ins").fetchone()[0] == 0
    # The button never lets in an altered ticket.
    altered = qr[:13] + ("A" if qr[13] != "A" else "B") + qr[14:]
    assert checkin.ticket_arrived(a, signing_secret(a), altered, actor=ACTOR).outcome == "refused"
    assert checkin.ticket_arrived(a, signing_secret(a), "", actor=ACTOR).outcome == "refused"
    # The door list came in between the warning and the button: checked in from it, so
    # the hub hears of it.
    later = create_signup(b, "hub-koffie", name="Kees", kiosk_id="b")
    later_qr = tickets.ticket_qr(b, later.code)
    assert scan(a, later_qr, start - timedelta(days=2)).ticket == later_qr
    listed(a, later, start.isoformat())
    assert checkin.ticket_arrived(a, signing_secret(a), later_qr, actor=ACTOR).outcome == "welcome"
    assert door_list.find(a, later.code, "").attended_at and attended_events(a) == 1


def test_a_kiosk_bs_ticket_printed_before_tickets_had_their_day_still_reads(two_kiosks):
    a, b, made, _qr = two_kiosks
    share_key(b, a)
    key = tickets.signing_key(b)
    old = (f"BK2.{made.code}.{tickets.key_id(bytes(key.verify_key))}."
           + tickets._b32(key.sign(b"ticket:" + made.code.encode()).signature))  # noqa: SLF001
    assert len(old) == 121
    assert tickets.read_signed(a, signing_secret(a), old) == tickets.ReadTicket(
        "valid", made.code, None, "Kiosk B", key=tickets.key_id(bytes(key.verify_key)))
    start = get_activity(b, "hub-koffie").starts_at
    listed(a, made, start.isoformat())
    assert scan(a, old, start - timedelta(days=2)).outcome == "other_day"  # the list knows
    assert scan(a, old, start).outcome == "welcome"


def test_old_hmac_tickets_keep_working_where_they_were_printed(db):
    activity = make_activity(db, capacity=2)
    made = create_signup(db, "a1", name="Ans", kiosk_id="k1")
    old = codes.ticket_qr(signing_secret(db), made.code)
    at_the_door = checkin.scan(db, signing_secret(db), old, actor=ACTOR, now=activity.starts_at)
    assert at_the_door.outcome == "welcome"


@pytest.mark.parametrize(("paper_dots", "module"), [(576, 8), (384, 8), (300, 6)])
def test_the_signed_qr_fits_the_paper_and_reads_back(tmp_path, paper_dots, module):
    db = kiosk(tmp_path, "k")
    make_activity(db, "a1")
    made = create_signup(db, "a1", name="Ans", kiosk_id="k")
    qr = tickets.ticket_qr(db, made.code)  # with the activity's day: the longest there is
    assert len(qr) == 122 and len(qr.split(".")[2]) == 7  # with the day
    assert all(c.isdigit() or c.isupper() or c == "." for c in qr)
    dots = qr_module_dots(qr, 8, paper_dots)
    assert dots == module
    image = qr_image(qr, dots)
    assert image.width <= paper_dots
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    [found] = zxingcpp.read_barcodes(PILImage.open(buffer))
    assert found.text == qr  # read back, whole
    assert image.width == (37 + 8) * dots  # version 5: 37 modules and the quiet zone
    db.close()


def test_a_genuine_ticket_a_current_door_list_leaves_out_is_refused(two_kiosks):
    """The hub's door list holds every confirmed signup at this kiosk's places for the
    days it covers: a ticket for such a day that is not on it was cancelled (or is for
    elsewhere), so no button. A list too old, or from a hub that sends no window, covers
    nothing: the volunteer may still let in."""
    a, b, made, qr = two_kiosks
    share_key(b, a)
    now = datetime.now(UTC)
    day = dutch.local(get_activity(b, "hub-koffie").starts_at).date()
    assert scan(a, qr, now).outcome == "other_day"  # no list yet
    with write_transaction(a):
        door_list.store(a, [], {"from": (now - timedelta(hours=12)).isoformat(),
                                "to": (now + timedelta(days=14)).isoformat()})
    assert door_list.covers(a, day, now)
    # "received" is kept to the second and the clock may step back when NTP comes up
    assert door_list.covers(a, day, now - timedelta(seconds=30))
    assert not door_list.covers(a, day, now - timedelta(minutes=5))  # a list from later on
    refused = scan(a, qr, now)
    assert refused.outcome == "refused" and refused.message == checkin.NOT_LISTED
    assert checkin.ticket_arrived(a, signing_secret(a), qr, actor=ACTOR).outcome == "refused"
    assert a.execute("SELECT COUNT(*) FROM ticket_check_ins").fetchone()[0] == 0
    assert scan(a, qr, now + door_list.CURRENT + timedelta(minutes=1)).outcome == "other_day"
    with write_transaction(a):
        door_list.store(a, [], {"from": (now - timedelta(hours=12)).isoformat(),
                                "to": (now + timedelta(days=1)).isoformat()})
    assert scan(a, qr, now).outcome == "other_day"  # the ticket's day is after the list's
    with write_transaction(a):
        door_list.store(a, [])  # an older hub: no window
    assert scan(a, qr, now).outcome == "other_day"


def test_a_ticket_of_this_kiosk_is_only_ever_this_kiosks_signup(two_kiosks):
    """Codes are unique per kiosk only: kiosk B's genuine ticket with the code of one of
    kiosk A's signups never checks in A's resident. And A's own ticket for a signup A no
    longer has (retention, removal request) is not "from another kiosk"."""
    a, b, made, qr = two_kiosks
    share_key(b, a)
    at = make_activity(a, "a-koffie", days_ahead=1).starts_at
    mine = create_signup(a, "a-koffie", name="Els", kiosk_id="a")
    b.execute("UPDATE signups SET code = ? WHERE id = ?", [mine.code, made.id])
    b.conn.commit()
    theirs = scan(a, tickets.ticket_qr(b, mine.code), at)
    assert theirs.outcome != "welcome" and theirs.signup is None
    assert checkin.ticket_arrived(a, signing_secret(a), tickets.ticket_qr(b, mine.code),
                                  actor=ACTOR).signup is None
    own_qr = tickets.ticket_qr(a, mine.code)
    assert scan(a, own_qr, at).outcome == "welcome"
    with write_transaction(a):
        retention.delete_signups(a, [mine.id])
    for gone in (scan(a, own_qr, at), checkin.ticket_arrived(a, signing_secret(a), own_qr,
                                                         actor=ACTOR)):
        assert gone.outcome == "refused" and "bestaat niet meer" in gone.message


def test_a_ticket_for_a_day_in_another_year_says_the_year(two_kiosks):
    a, b, made, qr = two_kiosks
    share_key(b, a, "Buurthuis Oost")
    day = dutch.local(get_activity(b, "hub-koffie").starts_at).date()
    year_later = datetime.combine(day.replace(year=day.year + 1), datetime.min.time(), UTC)
    late = scan(a, qr, year_later)
    assert late.outcome == "other_day"
    assert f"dit kaartje was voor {dutch.written_date(day)} {day.year}, niet voor vandaag" \
        in late.message
    assert "van Buurthuis Oost" in late.message


def test_a_door_list_entry_is_found_by_code_and_the_key_that_signs_its_ticket(two_kiosks):
    """Codes are unique per kiosk only: kiosk B's ticket never lets in kiosk C's resident
    with the same code. An entry from a hub that sends no key is found by code alone."""
    a, b, made, qr = two_kiosks
    share_key(b, a)
    start = get_activity(b, "hub-koffie").starts_at
    entry = {"id": "c-signup", "code": made.code, "activity_id": "hub-koffie",
             "activity_title": "Koffieochtend", "name": "Cor", "party_size": 1,
             "kiosk": "Kiosk C", "starts_at": start.isoformat(), "key_id": "CCCCCC"}
    with write_transaction(a):
        door_list.store(a, [entry])
    other = scan(a, qr, start)
    assert other.door is None and "Cor" not in other.message and other.outcome == "confirm"
    own_key = tickets.key_id(bytes(tickets.signing_key(b).verify_key))
    for key in (own_key, ""):
        with write_transaction(a):
            door_list.store(a, [entry | {"key_id": key}])
        assert door_list.find(a, made.code, own_key) is not None
