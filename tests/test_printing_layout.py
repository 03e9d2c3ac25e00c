"""Layouts are pure: checked on their operations, without a printer."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.core.agenda import Activity
from kiosk.core.signups import Signup
from kiosk.core.ticket_changes import PrintedAs, changes_since
from printing import layout, linebreak
from printing.layout import QR, Cut, Rule, Text
from printing.test_page import TEST_CHARACTERS, test_page_layout
from printing.ticket import Reprint, ticket_layout

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


REPRINTED_AT = datetime(2026, 11, 30, 13, 5, tzinfo=UTC)  # 14.05 in Amsterdam


def ticket(
    signup: Signup = SIGNUP,
    activity: Activity = ACTIVITY,
    *,
    paper_mm: int = 80,
    copy: bool = False,
    **options,
) -> list:
    """The ticket layout as the worker calls it; `copy` makes it a reprint."""
    options = {
        "qr_payload": PAYLOAD,
        "kiosk_name": "Kiosk De Pijp",
        "columns": layout.paper(paper_mm).columns,
        "reprint": Reprint(REPRINTED_AT) if copy else None,
    } | options
    return ticket_layout(signup, activity, **options)


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


def test_copy_says_kopie_and_when_at_top_and_bottom():
    ops = ticket(copy=True)
    lines = texts(ops)
    assert lines[0] == "*** KOPIE ***"
    assert "Opnieuw geprint op maandag 30 november om 14.05 uur." in " ".join(lines)
    assert lines.count("*** KOPIE ***") == 2 and lines[-1] == "*** KOPIE ***"
    assert ops[0].width == 2 and ops[0].bold
    assert not any(line.startswith("Let op") for line in lines)  # nothing changed


def test_reprint_says_what_changed_since_the_first_paper():
    moved = replace(
        ACTIVITY,
        starts_at=datetime(2026, 12, 1, 12, 0, tzinfo=UTC),
        ends_at=None,
        location_name="Buurthuis Oost",
    )
    printed = PrintedAs.of(ACTIVITY)
    ops = ticket(activity=moved, reprint=Reprint(REPRINTED_AT, changes_since(printed, moved)))
    warnings = [op for op in ops if isinstance(op, Text) and op.text.startswith("Let op")]
    assert [op.text for op in warnings] == [
        "Let op: nu om 13.00 uur",
        "Let op: nu in Buurthuis Oost",
    ]
    assert all(op.height == 2 and op.bold for op in warnings)
    lines = texts(ops)
    assert "(eerst: 10.00 uur)" in lines
    assert "(eerst: Buurthuis De Pijp)" in lines


def test_day_time_and_place_are_double_height():
    ops = ticket()
    for wanted in ("Dinsdag 1 december", "van 10.00 tot 12.00 uur", "Buurthuis De Pijp"):
        line = next(op for op in ops if isinstance(op, Text) and op.text == wanted)
        assert (line.width, line.height, line.bold) == (1, 2, True), line
    address = next(op for op in ops if isinstance(op, Text) and op.text == "Ferdinand Bolstraat 12")
    assert address.height == 1


def test_waitlist_paper_cannot_be_taken_for_an_entry_ticket():
    ops = ticket(replace(SIGNUP, status="waitlist"))
    lines = texts(ops)
    assert lines[1:3] == ["WACHTLIJST", "Geen toegangskaartje"]
    assert "AANMELDING" not in lines and "Bewaar dit kaartje" not in lines
    assert not any(isinstance(op, QR) for op in ops)
    assert "Komt er een plek vrij? Dan bellen wij u." in lines
    assert lines[-1] == "Dit is geen toegangskaartje."
    code = next(op for op in ops if isinstance(op, Text) and op.text == "7KQ-4MX")
    assert code.width == 2  # to type at "Mijn kaartje", not the entry ticket's huge code


def test_provisional_signup_says_onder_voorbehoud():
    provisional = replace(SIGNUP, seat_basis="provisional", hub_status=None)
    lines = texts(ticket(provisional))
    assert "ONDER VOORBEHOUD" in lines and "AANMELDING" not in lines
    assert "Uw plaats is nog niet zeker. Is er toch geen" in lines
    assert "Bewaar dit kaartje" in lines  # the seat is likely: it is a ticket


def test_58mm_title_keeps_long_compounds_whole():
    ops = ticket(
        activity=replace(ACTIVITY, title="Computerspreekuur in de bibliotheek"), paper_mm=58
    )
    title = [op for op in ops if isinstance(op, Text) and op.height == 2][1:3]
    assert [op.text for op in title] == ["Computerspreekuur in de", "bibliotheek"]
    assert title[0].width == 1  # double width would hold 16 letters: the word would break
    assert_fits(ops, 32)


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
    assert lines[lines.index("Dinsdag 1 december") + 1] == "om 10.00 uur"
    assert not any(line.startswith("Kosten") for line in lines)


def test_activity_over_midnight_names_both_days():
    activity = replace(ACTIVITY, ends_at=datetime(2026, 12, 2, 1, 0, tzinfo=UTC))
    lines = texts(ticket(activity=activity))
    assert "Dinsdag 1 december om 10.00 uur" in lines
    assert "tot woensdag 2 december om 2.00 uur" in lines


@pytest.mark.parametrize(("paper_mm", "columns"), [(80, 48), (58, 32)])
def test_test_page_has_dutch_letters_ruler_and_qr(paper_mm, columns):
    ops = test_page_layout(
        "Kiosk De Pijp", "tcp://192.168.1.50:9100", paper_mm=paper_mm, columns=columns
    )
    lines = texts(ops)
    assert_fits(ops, columns)
    assert any(TEST_CHARACTERS in line for line in lines)
    assert any(len(line) == columns and line.startswith("1234567890") for line in lines)
    assert any("tcp://192.168.1.50:9100" in line for line in lines)
    assert [op.content for op in ops if isinstance(op, QR)] == ["BUURTKIOSK-TEST"]
    assert isinstance(ops[-1], Cut)


def test_wrap_breaks_long_words_only_at_a_syllable_and_keeps_paragraphs():
    lines = layout.wrap("Ferdinandbolstraatkoffieochtend\nTweede", 20, width=2)
    assert [line.text for line in lines] == [
        "Ferdinand-",
        "bolstraat-",
        "koffieoch-",
        "tend",
        "Tweede",
    ]
    assert layout.wrap("", 48) == []


@pytest.mark.parametrize(
    ("text", "columns", "lines"),
    [
        ("Computerspreekuur", 16, ["Computerspreek-", "uur"]),
        ("Kosten: € 2,50 voor koffie en taart", 16, ["Kosten: € 2,50", "voor koffie en", "taart"]),
        ("De koffie kost per persoon € 2,50", 24, ["De koffie kost per", "persoon € 2,50"]),
        ("Aangemeld: 12 personen van 20", 16, ["Aangemeld:", "12 personen van", "20"]),
        ("Stadsdorp Noord-Hollandse Buurt", 20, ["Stadsdorp", "Noord-Hollandse", "Buurt"]),
        ("Noord-Hollandse", 14, ["Noord-", "Hollandse"]),
        ("Jan van der Ĳsselmuiden", 16, ["Jan van der", "IJsselmuiden"]),
        ("Zoe\u0301 Mu\u0308ller", 10, ["Zoé Müller"]),
    ],
)
def test_wrap_keeps_words_and_amounts_whole(text, columns, lines):
    assert [line.text for line in layout.wrap(text, columns)] == lines


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


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyzéëĳ€0123456789-.,:", min_size=1, max_size=30),
        min_size=1,
        max_size=12,
    ),
    columns=st.integers(min_value=8, max_value=48),
)
def test_broken_lines_fit_and_give_back_every_character(words, columns):
    text = " ".join(words)
    lines = linebreak.break_lines(text, columns)
    assert all(len(line) <= columns for line in lines)
    # Only spaces and hyphens added at a break may differ from the text put in.
    squeeze = "".join(text.split()).replace("-", "")
    assert "".join("".join(lines).split()).replace("-", "") == squeeze
