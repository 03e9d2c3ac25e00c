"""Signed tickets: any kiosk's ticket checks in at any kiosk that knows its public key,
offline; a forged or altered one never does; old HMAC tickets keep working; the QR
fits 58 mm paper with whole-dot modules and reads back."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image as PILImage

from kiosk.core import checkin, codes, door_list, tickets
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


def scan(db, raw):
    return checkin.scan(db, signing_secret(db), raw, actor=ACTOR)


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
    first = scan(a, qr)
    assert first.outcome == "welcome" and "2 personen" in first.message, first.message
    assert scan(a, qr).outcome == "already"
    [(kind, payload)] = a.execute("SELECT kind, payload FROM outbox").fetchall()
    assert kind == "signup.attended" and json.loads(payload)["id"] == made.id
    # The door list never holds a phone number: there is no column for one.
    assert "phone" not in {c.name for c in a["door_list"].columns}


@pytest.mark.parametrize("alter", [
    lambda qr: qr.replace(qr.split(".")[1], "7KQ4MX"),  # another code, same signature
    lambda qr: swap(qr, len(qr) - 5),  # a changed signature
    lambda qr: swap(qr, 12),  # another key id
    lambda qr: qr.rsplit(".", 1)[0] + ".",  # no signature
    lambda qr: qr + "AA",
    lambda qr: "BK2.." + qr,
], ids=["code", "signature", "key-id", "no-signature", "longer", "garbled"])
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


def test_old_hmac_tickets_keep_working_where_they_were_printed(db):
    activity = make_activity(db, capacity=2)
    made = create_signup(db, "a1", name="Ans", kiosk_id="k1")
    old = codes.ticket_qr(signing_secret(db), made.code)
    at_the_door = checkin.scan(db, signing_secret(db), old, actor=ACTOR, now=activity.starts_at)
    assert at_the_door.outcome == "welcome"


@pytest.mark.parametrize(("paper_dots", "module"), [(576, 8), (384, 8), (300, 6)])
def test_the_signed_qr_fits_the_paper_and_reads_back(tmp_path, paper_dots, module):
    db = kiosk(tmp_path, "k")
    qr = tickets.ticket_qr(db, "7KQ4MX")
    assert len(qr) <= 122 and all(c.isdigit() or c.isupper() or c == "." for c in qr)
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
