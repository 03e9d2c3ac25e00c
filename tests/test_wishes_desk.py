"""The volunteers' "Wensen en aanbod": the call-back list with phones, 'gebeld' in the log,
entering a wishes slip by its QR once, the printed call-back list."""

from __future__ import annotations

from typing import Any

import pytest
import sqlite_utils
from flask.testing import FlaskClient

from kiosk.core import wish_slips, wishes
from kiosk.core.wishes import check_answers, record_wish
from printing.worker import process_due_jobs
from tests.desk_helpers import fast_pins, set_pins, sign_in
from tests.escpos_decode import decode
from tests.escpos_listener import FakePrinter

_ = fast_pins


@pytest.fixture
def desk(client: FlaskClient, db: sqlite_utils.Database, fast_pins: Any) -> FlaskClient:
    set_pins(db)
    sign_in(client, name="Henk")
    return client


def test_the_page_is_behind_the_pin(client: FlaskClient) -> None:
    response = client.get("/vrijwilliger/wensen/")
    assert response.status_code == 303 and "/vrijwilliger/pincode" in response.location


def test_call_backs_are_listed_with_the_phone_until_called(
    desk: FlaskClient, db: sqlite_utils.Database
) -> None:
    wish = record_wish(db, check_answers("offer", ["vervoer"], ["ochtend"], callback=True,
                                         name="Ans Bakker", phone="0612345678"),
                       channel="touch", kiosk_id="k1")
    record_wish(db, check_answers("miss", ["wandelen"]), channel="voice", kiosk_id="k1")
    response = desk.get("/vrijwilliger/wensen/")
    page = response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert "Ans Bakker" in page and "06-12345678" in page
    assert "Wil helpen met: Vervoer" in page and "Mist: Wandelen" in page

    done = desk.post(f"/vrijwilliger/wensen/{wish.id}/gebeld")
    assert done.status_code == 303
    page = desk.get("/vrijwilliger/wensen/").get_data(as_text=True)
    assert "Ans Bakker" not in page and "gebeld door Henk" in page
    log = db.execute("SELECT actor, action FROM audit_log WHERE action = 'wish.called'").fetchall()
    assert log == [("Henk (vrijwilliger)", "wish.called")]
    assert desk.post("/vrijwilliger/wensen/nope/gebeld").status_code == 303  # no 500


def test_a_wishes_slip_is_entered_by_its_qr_and_refused_the_second_time(
    desk: FlaskClient, db: sqlite_utils.Database
) -> None:
    [slip] = wish_slips.print_wish_slips(db, 1, "Henk")
    qr = wish_slips.wish_slip_qr(slip.code)
    form = desk.post("/vrijwilliger/wensen/strook", data={"scan": qr})
    assert form.status_code == 200 and slip.display_code in form.get_data(as_text=True)
    saved = desk.post("/vrijwilliger/wensen/strook/opslaan", data={
        "code": slip.code, "miss": ["eten", "muziek"], "offer": ["klusjes"],
        "day_parts": ["avond"], "callback": "ja", "name": "Kees", "phone": "020 123 4567"})
    assert saved.status_code == 303
    made = wishes.recent(db)
    assert sorted((w.kind, w.categories, w.channel, w.phone) for w in made) == [
        ("miss", ("eten", "muziek"), "paper", "0201234567"),
        ("offer", ("klusjes",), "paper", "0201234567")]
    again = desk.post("/vrijwilliger/wensen/strook", data={"scan": qr})
    assert again.status_code == 400
    assert "al ingevoerd" in again.get_data(as_text=True) and "Henk" in again.get_data(
        as_text=True)
    twice = desk.post("/vrijwilliger/wensen/strook/opslaan",
                      data={"code": slip.code, "miss": ["taal"]})
    assert twice.status_code == 400 and len(wishes.recent(db)) == 2


def test_a_slip_without_the_yes_keeps_no_contact(
    desk: FlaskClient, db: sqlite_utils.Database
) -> None:
    [slip] = wish_slips.print_wish_slips(db, 1, "Henk")
    nothing = desk.post("/vrijwilliger/wensen/strook/opslaan", data={"code": slip.code})
    assert nothing.status_code == 400 and "Er is niets aangekruist" in nothing.get_data(
        as_text=True)
    desk.post("/vrijwilliger/wensen/strook/opslaan", data={
        "code": slip.code, "offer": ["gezelschap"], "name": "Kees", "phone": "0612345678"})
    [wish] = wishes.recent(db)
    assert (wish.callback, wish.name, wish.phone) == (False, "", "")


@pytest.mark.parametrize("data", [{"scan": "x" * 5000}, {"scan": "BKS1.7KQ4MX.a1"}, {}])
def test_odd_scans_are_answered_kindly(desk: FlaskClient, data: dict[str, str]) -> None:
    assert desk.post("/vrijwilliger/wensen/strook", data=data).status_code == 400


def test_the_call_back_list_and_blank_slips_print(
    desk: FlaskClient, db: sqlite_utils.Database
) -> None:
    record_wish(db, check_answers("miss", ["computer"], callback=True, name="Ria",
                                  phone="0612345678"), channel="touch", kiosk_id="k1",
                print_receipt=False)
    assert desk.post("/vrijwilliger/wensen/bellijst").status_code == 303
    assert desk.post("/vrijwilliger/wensen/stroken", data={"count": "2"}).status_code == 303
    assert desk.post("/vrijwilliger/wensen/stroken", data={"count": "999"}).status_code == 303
    with FakePrinter() as printer:
        assert process_due_jobs(db, printer.url).printed == 3
        call_list, *slips = (decode(job) for job in printer.wait_for_jobs(3))
    text = "\n".join(call_list.texts)
    assert "TERUGBELLEN" in text and "Ria" in text and "06-12345678" in text
    assert "Mist: Hulp met computer en telefoon" in text
    assert all(len(s.qr_contents()) == 1 for s in slips)


@pytest.mark.parametrize("count", ["³", "٣", "", "x", "999999999999999999999"])
def test_a_slip_count_no_pad_can_type_is_refused_kindly(desk: FlaskClient, count: str) -> None:
    response = desk.post("/vrijwilliger/wensen/stroken", data={"count": count})
    assert response.status_code < 500


def test_a_contact_term_no_pad_can_type_falls_back_to_the_default(db) -> None:
    from kiosk.core import wishes
    from kiosk.core.config import set_setting

    for raw in ("³", "٣", "0", "abc"):
        set_setting(db, "wish_contact_days", raw)
        assert wishes.contact_days(db) == wishes.DEFAULT_CONTACT_DAYS
    set_setting(db, "wish_contact_days", "30")
    assert wishes.contact_days(db) == 30
