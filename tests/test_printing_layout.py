"""Layouts are pure: checked on their operations, without a printer."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from kiosk.core.agenda import Activity
from kiosk.core.signups import Signup
from printing import layout
from printing.layout import QR, Cut, Rule, Text

ACTIVITY = Activity(
    id="a1",
    title="Reünie in het Café: koffie en appeltaart voor iedereen",
    starts_at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),  # 10.00 in Amsterdam
    ends_at=datetime(2026, 12, 1, 11, 0, tzinfo=UTC),
    stadsdorp="Stadsdorp Zuid",
    location_name="Buurthuis De Pijp",
    address="Ferdinand Bolstraat 12",
    price="€ 2,50",
    contact="020 123 45 67",
)
SIGNUP = Signup(
    id="s1",
    code="7KQ4MX",
    activity_id="a1",
    name="José Müller",
    phone="0612345678",
    party_size=2,
    channel="touch",
    status="confirmed",
    created_at="2026-11-23T10:36:23Z",
    kiosk_id="kiosk-1",
)
PAYLOAD = "BK1.7KQ4MX.ABCDEFGHIJKLMNOP"


def ticket(signup: Signup = SIGNUP, activity: Activity = ACTIVITY, **options) -> list:
    options = {"qr_payload": PAYLOAD, "kiosk_name": "Kiosk De Pijp"} | options
    return layout.ticket_layout(signup, activity, **options)


def texts(ops: list) -> list[str]:
    return [op.text for op in ops if isinstance(op, Text)]


def assert_fits(ops: list, columns: int) -> None:
    for op in ops:
        if isinstance(op, Text):
            assert len(op.text) * op.width <= columns, op


def test_ticket_has_everything_a_resident_needs_in_order():
    ops = ticket()
    lines = texts(ops)
    expected = [
        "Stadsdorp Zuid",
        "AANMELDING",
        "Reünie in het Café:",
        "Dinsdag 1 december",
        "van 10.00 tot 12.00 uur",
        "Buurthuis De Pijp",
        "Ferdinand Bolstraat 12",
        "Kosten: € 2,50",
        "Naam: José Müller",
        "2 personen",
        "7KQ-4MX",
        "Bewaar dit kaartje",
        "Kunt u niet komen?",
        "Bel 020 123 45 67.",
        "Kiosk De Pijp",
    ]
    positions = [lines.index(line) for line in expected]
    assert positions == sorted(positions)
    assert "KOPIE" not in " ".join(lines)
    assert "WACHTLIJST" not in lines
    assert isinstance(ops[-1], Cut)


def test_code_is_very_large_and_qr_holds_the_payload():
    ops = ticket()
    code = next(op for op in ops if isinstance(op, Text) and op.text == "7KQ-4MX")
    assert code.width == code.height == 5 and code.bold and code.align == "center"
    title = next(op for op in ops if isinstance(op, Text) and op.text.startswith("Reünie"))
    assert title.width == title.height == 2
    assert [op.content for op in ops if isinstance(op, QR)] == [PAYLOAD]


@pytest.mark.parametrize(("paper_mm", "columns", "code_size"), [(80, 48, 5), (58, 32, 4)])
def test_every_line_fits_the_paper(paper_mm, columns, code_size):
    ops = ticket(paper_mm=paper_mm)
    assert_fits(ops, columns)
    assert any(isinstance(op, Rule) for op in ops)
    code = next(op for op in ops if isinstance(op, Text) and op.text == "7KQ-4MX")
    assert code.width == code_size


def test_58mm_wraps_double_width_title_at_16_characters():
    title_lines = [op.text for op in ticket(paper_mm=58) if isinstance(op, Text) and op.width == 2]
    assert "Reünie in het" in title_lines
    assert all(len(line) <= 16 for line in title_lines)


def test_columns_from_the_profile_override_the_paper():
    ops = ticket(columns=42)
    assert_fits(ops, 42)
    assert max(len(op.text) for op in ops if isinstance(op, Text) and op.width == 1) <= 42


def test_copy_says_kopie_at_top_and_bottom():
    ops = ticket(copy=True)
    lines = texts(ops)
    assert lines[0] == "*** KOPIE ***"
    assert lines.count("*** KOPIE ***") == 2
    assert ops[0].width == 2 and ops[0].bold


def test_waitlist_ticket_says_so_plainly():
    lines = texts(ticket(replace(SIGNUP, status="waitlist")))
    assert "WACHTLIJST" in lines and "AANMELDING" not in lines
    assert "Wachtlijst: wij bellen u als er plek is." in lines


def test_cancelled_activity_is_marked():
    lines = texts(ticket(activity=replace(ACTIVITY, status="cancelled")))
    assert "Let op: deze activiteit gaat niet door." in lines


def test_anonymous_single_person_without_organizer_phone():
    signup = replace(SIGNUP, name="", party_size=1)
    activity = replace(ACTIVITY, contact="", stadsdorp="", price="", ends_at=None)
    lines = texts(ticket(signup, activity))
    assert not any(line.startswith("Naam") for line in lines)
    assert "1 persoon" in lines
    assert "Vraag het bij de balie." in lines
    assert lines[0] == "Kiosk De Pijp"  # no stadsdorp: the kiosk's name heads the ticket
    assert "Dinsdag 1 december om 10.00 uur" in lines
    assert not any(line.startswith("Kosten") for line in lines)


def test_activity_over_midnight_names_both_days():
    activity = replace(ACTIVITY, ends_at=datetime(2026, 12, 2, 1, 0, tzinfo=UTC))
    lines = texts(ticket(activity=activity))
    assert "Dinsdag 1 december om 10.00 uur" in lines
    assert "tot woensdag 2 december om 2.00 uur" in lines


@pytest.mark.parametrize(("paper_mm", "columns"), [(80, 48), (58, 32)])
def test_test_page_has_dutch_letters_ruler_and_qr(paper_mm, columns):
    ops = layout.test_layout("Kiosk De Pijp", "tcp://192.168.1.50:9100", paper_mm=paper_mm)
    lines = texts(ops)
    assert_fits(ops, columns)
    assert any(layout.TEST_CHARACTERS in line for line in lines)
    assert any(len(line) == columns and line.startswith("1234567890") for line in lines)
    assert any("tcp://192.168.1.50:9100" in line for line in lines)
    assert [op.content for op in ops if isinstance(op, QR)] == ["BUURTKIOSK-TEST"]
    assert isinstance(ops[-1], Cut)


def test_wrap_breaks_long_words_and_keeps_paragraphs():
    lines = layout.wrap("Ferdinandbolstraatkoffieochtend\nTweede", 20, width=2)
    assert [line.text for line in lines] == [
        "Ferdinandb",
        "olstraatko",
        "ffieochten",
        "d",
        "Tweede",
    ]
    assert layout.wrap("", 48) == []


def test_text_checks_its_values():
    with pytest.raises(ValueError):
        Text("x", width=9)
    with pytest.raises(ValueError):
        Text("x", align="justify")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Text("two\nlines")
    with pytest.raises(ValueError):
        layout.paper(70)


def test_plain_text_shows_the_ticket_as_printed():
    picture = layout.plain_text(ticket(), 48)
    assert "AANMELDING" in picture and "[QR BK1.7KQ4MX" in picture
    code_line = next(line for line in picture.splitlines() if "7KQ-4MX" in line)
    assert code_line == " " * 6 + "7KQ-4MX"  # 7 characters at 5x width, centred on 48
    assert "-" * 48 in picture
