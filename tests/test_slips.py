"""Paper slips: printing records them, entering uses each once, and what comes out of the
printer (over TCP, decoded byte by byte) has the fill-in lines, the QR and the code."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from kiosk.core import codes, slips
from kiosk.core.agenda import upcoming
from kiosk.core.signups import SignupError, get_signup
from printing.worker import process_due_jobs
from tests.conftest import make_activity
from tests.escpos_decode import decode
from tests.escpos_listener import FakePrinter

ACTOR = "Marieke (vrijwilliger)"


@pytest.fixture
def printer():
    with FakePrinter() as fake:
        yield fake


def enter(db, code: str, **values):
    defaults = {
        "name": "Jan de Vries",
        "phone": "0612345678",
        "party_size": "2",
        "actor": ACTOR,
        "kiosk_id": "k1",
    }
    return slips.enter_slip(db, code, **(defaults | values))


def test_printing_records_each_slip_with_its_own_job(db):
    make_activity(db)
    printed = slips.print_activity_slips(db, "a1", 3, ACTOR)
    assert len({s.code for s in printed}) == 3
    rows = list(db.query("SELECT * FROM slips ORDER BY printed_at"))
    assert {r["code"] for r in rows} == {s.code for s in printed}
    jobs = list(db.query("SELECT kind, payload FROM print_jobs"))
    assert [j["kind"] for j in jobs] == ["slip"] * 3
    assert {json.loads(j["payload"])["code"] for j in jobs} == {s.code for s in printed}
    assert db.execute("SELECT action FROM audit_log").fetchall() == [("slips.printed",)]


@pytest.mark.parametrize("count", [0, 51, -1])
def test_slip_count_is_bounded(db, count):
    make_activity(db)
    with pytest.raises(slips.SlipError, match="1 tot en met 50"):
        slips.print_activity_slips(db, "a1", count, ACTOR)


def test_no_slips_for_a_cancelled_activity(db):
    make_activity(db, status="cancelled")
    with pytest.raises(slips.SlipError, match="gaat niet door"):
        slips.print_activity_slips(db, "a1", 1, ACTOR)


def test_look_up_takes_the_scanned_qr_or_a_typed_code(db):
    make_activity(db)
    slip = slips.print_activity_slips(db, "a1", 1, ACTOR)[0]
    assert slips.look_up(db, slip.qr_payload + "\n") == slip
    typed = slip.display_code.lower().replace("0", "o")  # how people type it
    assert slips.look_up(db, typed) == slip


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("BKS1.ZZZZZZ.a1", "nooit op deze kiosk geprint"),
        ("ZZZ-ZZZ", "nooit op deze kiosk geprint"),
        ("BK1.7KQ4MX.SIGNATURE", "kaartje, geen strook"),
        ("hallo", "geen strookcode"),
        ("BKS1.7K", "beschadigd"),
    ],
)
def test_look_up_refuses(db, raw, message):
    with pytest.raises(slips.SlipError, match=message):
        slips.look_up(db, raw)


def test_qr_of_another_activity_is_refused(db):
    make_activity(db)
    make_activity(db, "a2")
    slip = slips.print_activity_slips(db, "a1", 1, ACTOR)[0]
    with pytest.raises(slips.SlipError, match="hoort niet bij deze strook"):
        slips.look_up(db, slips.slip_qr(slip.code, "a2"))


def test_entering_makes_a_paper_signup_once(db):
    make_activity(db)
    slip = slips.print_activity_slips(db, "a1", 1, ACTOR)[0]
    signup = enter(db, slip.code)
    assert (signup.channel, signup.slip_code, signup.name, signup.party_size) == (
        "paper",
        slip.code,
        "Jan de Vries",
        2,
    )
    stored = slips.get_slip(db, slip.code)
    assert stored.signup_id == signup.id and stored.entered_by == ACTOR
    # No ticket by default: the resident went home; the volunteer can tick "Kaartje printen".
    assert db.execute("SELECT COUNT(*) FROM print_jobs WHERE kind = 'ticket'").fetchone()[0] == 0

    with pytest.raises(slips.SlipError) as again:
        slips.look_up(db, slip.qr_payload)
    assert "al ingevoerd op" in again.value.message and ACTOR in again.value.message
    with pytest.raises(slips.SlipError, match="al ingevoerd"):
        enter(db, slip.code, name="Iemand Anders")
    assert db.execute("SELECT COUNT(*) FROM signups").fetchone()[0] == 1


def test_bad_writing_on_a_slip_is_corrected_not_lost(db):
    make_activity(db)
    slip = slips.print_activity_slips(db, "a1", 1, ACTOR)[0]
    with pytest.raises(SignupError, match="telefoonnummer klopt niet"):
        enter(db, slip.code, phone="12")
    assert slips.get_slip(db, slip.code).entered_at is None  # nothing half-saved
    with pytest.raises(SignupError, match="strookcode"):
        enter(db, slip.code, name=slip.qr_payload)  # scanned into the name field
    assert enter(db, slip.code).phone == "0612345678"


def test_full_activity_puts_a_slip_on_the_waitlist(db):
    make_activity(db, capacity=1)
    first, second = slips.print_activity_slips(db, "a1", 2, ACTOR)
    assert enter(db, first.code, party_size="1").status == "confirmed"
    with pytest.raises(SignupError, match="telefoonnummer"):
        enter(db, second.code, phone="")
    assert enter(db, second.code).status == "waitlist"


def test_week_sheet_numbers_map_to_the_printed_choices(db):
    for index in range(3):
        make_activity(db, f"a{index}", days_ahead=1 + index, title=f"Activiteit {index}")
    week = upcoming(db, datetime.now(UTC), days=7)
    sheet = slips.print_week_sheets(db, week, 1, ACTOR, "deze week")[0]
    assert sheet.is_week_sheet and sheet.qr_payload == f"BKS1.{sheet.code}"
    assert slips.look_up(db, sheet.qr_payload) == sheet
    with pytest.raises(SignupError, match="1 tot en met 3"):
        enter(db, sheet.code, choice="7")
    signup = enter(db, sheet.code, choice="2")
    assert signup.activity_id == sheet.choices[1] == "a1"


def test_slip_prints_with_fill_in_lines_qr_and_code(db, printer):
    make_activity(db, title="Reünie in het Café", ends_at=None)
    slip = slips.print_activity_slips(db, "a1", 1, ACTOR)[0]
    assert process_due_jobs(db, printer.url).printed == 1
    receipt = decode(printer.wait_for_jobs(1)[0])
    text = "\n".join(receipt.texts)
    for expected in (
        "AANMELDSTROOK",
        "Reünie in het Café",
        "Naam: ____",
        "Telefoon: ____",
        "Aantal personen: ____",
        f"Strook {slip.display_code}",
    ):
        assert expected in text
    assert receipt.qr_contents() == [f"BKS1.{slip.code}.a1"]
    assert len(receipt.cuts) == 1
    assert all(line.columns <= 48 for line in receipt.lines)


def test_week_sheet_prints_a_tick_list(db, printer):
    for index in range(4):
        make_activity(db, f"a{index}", days_ahead=1 + index, title=f"Wandeling {index}")
    sheet = slips.print_week_sheets(
        db, upcoming(db, datetime.now(UTC), days=7), 1, ACTOR, "maandag 1 t/m zondag 7 december"
    )[0]
    assert process_due_jobs(db, printer.url).printed == 1
    receipt = decode(printer.wait_for_jobs(1)[0])
    ticks = [t for t in receipt.texts if t.startswith("[ ]")]
    assert [t.split(".")[0] for t in ticks] == ["[ ]  1", "[ ]  2", "[ ]  3", "[ ]  4"]
    assert "Wandeling 2" in ticks[2]
    assert receipt.qr_contents() == [f"BKS1.{sheet.code}"]
    assert any(codes.display_code(sheet.code) in t for t in receipt.texts)


@pytest.mark.parametrize("paper_mm", [80, 58])
def test_slips_fit_both_papers(db, printer, paper_mm):
    from kiosk.core.config import set_setting

    set_setting(db, "paper_mm", str(paper_mm))
    make_activity(db, title="Een heel erg lange titel voor een activiteit in de buurt")
    slips.print_activity_slips(db, "a1", 1, ACTOR)
    assert process_due_jobs(db, printer.url).printed == 1
    receipt = decode(printer.wait_for_jobs(1)[0])
    columns = 48 if paper_mm == 80 else 32
    assert all(line.columns <= columns for line in receipt.lines), receipt.texts
    assert len(receipt.qr_contents()) == 1


def test_signup_from_a_slip_keeps_its_link(db):
    make_activity(db)
    slip = slips.print_activity_slips(db, "a1", 1, ACTOR)[0]
    signup = enter(db, slip.code)
    assert get_signup(db, signup.id).slip_code == slip.code


def test_no_slips_for_an_activity_that_has_begun(db):
    make_activity(db, days_ahead=-0.01)
    with pytest.raises(slips.SlipError, match="al begonnen"):
        slips.print_activity_slips(db, "a1", 1, ACTOR)
