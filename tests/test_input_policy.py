"""The one input policy (kiosk.core.inputs) and every parser at the kiosk's edge.

Property tests call each parser itself with whatever Hypothesis makes up: the parser
returns a clean value or raises its own Dutch error, and nothing else escapes (which the
web layer would turn into a 500).
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.core import codes, config, inputs, pins
from kiosk.core.signups import (
    MAX_NAME,
    SignupError,
    clean_name,
    clean_party_size,
    clean_phone,
    clean_signup_id,
)
from kiosk.core.slips import SlipError, parse_slip_input
from kiosk.web.coordinator import check_setting

SECRET = b"test-secret"
# Text as it may arrive: any code point, surrogates and controls included.
ANY_TEXT = st.text(st.characters(codec=None), max_size=400)
NASTY = st.one_of(
    ANY_TEXT,
    st.text(alphabet="0123456789٣³０ .-+()\t\n\x00\x1b", max_size=30),
    st.sampled_from(["", " ", "\x00", "e\u0301", "\u202eJan", "٣", "³", "7kq4mx", "BK1.."]),
)


# --- The policy itself ----------------------------------------------------------------


def test_text_is_nfc_bounded_and_refuses_control_characters():
    assert inputs.text("Rene\u0301e", limit=10) == "Renée"
    assert inputs.text("  Jan \n de   Vries ", limit=20) == "Jan de Vries"
    for bad in ("Jan\x00", "Jan\x1b[2J", "\u202eJan", "Jan\u200b"):
        with pytest.raises(inputs.InputError, match="tekens die niet kunnen"):
            inputs.text(bad, limit=20)
    with pytest.raises(inputs.InputError, match="hoogstens 5 tekens"):
        inputs.text("x" * 10_000, limit=5)


def test_pad_numbers_are_ascii_digits_only():
    assert inputs.pad_number("3", 1, 10) == 3
    assert inputs.pad_number(" 10 ", 1, 10) == 10
    for bad in ("٣", "³", "３", "0", "11", "-1", "1e1", "", "1" * 50, None, True, 2.0):
        assert inputs.pad_number(bad, 1, 10) is None, bad
    assert not inputs.is_pad_digits("١٢٣٤")


def test_a_list_of_pad_numbers_is_rising_bounded_and_ascii_only():
    assert inputs.pad_numbers("0.5.12", 0, 999, most=10) == [0, 5, 12]
    assert inputs.pad_numbers("", 0, 999, most=10) == []
    for bad in ("0.5.5", "5.0", "0..5", "0.٣", "0.³", "0.1000", "0,5", ".", "0.5.", None,
                ".".join(str(n) for n in range(11)), "1" * 5000):
        assert inputs.pad_numbers(bad, 0, 999, most=10) is None, bad


def test_ids_are_checked_for_shape():
    assert inputs.signup_id("5F0E2D5C-9A57-4C1E-9A4E-3B2F1D0C8A77") == (
        "5f0e2d5c-9a57-4c1e-9a4e-3b2f1d0c8a77"
    )
    for bad in ("", "tap-1", "x" * 10_000, None, 12):
        assert inputs.signup_id(bad) is None
    assert inputs.record_id("ical:Zuid/UID-1@x:20261201T100000") is not None
    for bad in ("", " a1", "a\x001", "x" * (inputs.MAX_ID + 1), None):
        assert inputs.record_id(bad) is None


# --- The findings -------------------------------------------------------------------


def test_a_name_in_decomposed_unicode_is_taken_and_stored_composed():
    assert clean_name("Rene\u0301e van Dijk") == "Renée van Dijk"
    assert clean_name("Nguyê\u0303n") == unicodedata.normalize("NFC", "Nguyễn")
    with pytest.raises(SignupError):
        clean_name("Jan\u202e")


def test_party_size_and_phone_take_only_digits_a_pad_can_type():
    with pytest.raises(SignupError):
        clean_party_size("٣")
    with pytest.raises(SignupError):
        clean_phone("٠٦١٢٣٤٥٦٧٨")
    with pytest.raises(SignupError):
        clean_phone("0６12345678")
    assert clean_phone("06-12 34 56 78") == "0612345678"


def test_a_pin_of_other_digits_cannot_be_set():
    for bad in ("١٢٣٤", "¹²³⁴", "１２３４", "12 34"):
        with pytest.raises(pins.PinError):
            pins.check_pin_format(bad)
    assert pins.check_pin_format(" 1234 ") == "1234"


def test_a_lowercase_copy_of_a_genuine_ticket_qr_is_genuine():
    qr = codes.ticket_qr(SECRET, "7KQ4MX")
    assert codes.verify_ticket_qr(SECRET, qr.lower()) == "7KQ4MX"
    assert codes.verify_ticket_qr(SECRET, qr.swapcase()) == "7KQ4MX"
    forged = qr[:-1] + ("A" if qr[-1] != "A" else "B")
    assert codes.verify_ticket_qr(SECRET, forged) is None
    assert codes.verify_ticket_qr(SECRET, qr[:-2] + "é") is None  # not a TypeError


def test_slip_codes_are_read_case_insensitively():
    assert parse_slip_input("bks1.7kq4mx.a1") == ("7KQ4MX", "a1")
    assert parse_slip_input("7kq-4mx") == ("7KQ4MX", None)


def test_kiosk_name_is_bounded_and_refuses_control_characters():
    assert check_setting("kiosk_name", "  Buurthuis  De Pijp ") == ("Buurthuis De Pijp", "")
    assert check_setting("kiosk_name", "x" * 10_000)[1]
    assert check_setting("kiosk_name", "Kiosk\x1b[2J")[1]
    assert check_setting("retention_days", "٣٠")[1]
    assert check_setting("retention_days", " 30 ") == ("30", "")


# --- Properties: every parser at the edge -------------------------------------------


@given(NASTY)
def test_any_name_is_clean_or_a_dutch_refusal(raw):
    try:
        name = clean_name(raw)
    except SignupError as error:
        assert error.field == "name" and error.message
        return
    assert len(name) <= MAX_NAME
    assert name == unicodedata.normalize("NFC", name)
    assert not inputs.has_control(name)


@given(NASTY)
def test_any_phone_is_ascii_digits_or_a_dutch_refusal(raw):
    try:
        phone = clean_phone(raw)
    except SignupError as error:
        assert error.field == "phone"
        return
    assert phone == "" or phone.lstrip("+").isascii() and phone.lstrip("+").isdigit()


@given(st.one_of(NASTY, st.integers(), st.none(), st.floats()))
def test_any_party_size_is_one_to_ten_or_a_dutch_refusal(raw):
    try:
        size = clean_party_size(raw)
    except SignupError:
        return
    assert 1 <= size <= 10


@given(NASTY)
def test_any_signup_token_is_a_uuid_or_refused(raw):
    try:
        token = clean_signup_id(raw)
    except SignupError as error:
        assert error.field == "token"
        return
    assert token is None or inputs.signup_id(token) == token


@given(NASTY)
def test_any_pin_is_pad_digits_or_a_dutch_refusal(raw):
    try:
        pin = pins.check_pin_format(raw)
    except pins.PinError:
        return
    assert pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 12


@given(st.one_of(NASTY, st.builds(lambda c, s: f"BK1.{c}.{s}", NASTY, NASTY)))
def test_any_ticket_qr_is_a_code_or_none(raw):
    assert codes.claimed_ticket_code(raw) in (None, *[codes.normalize_code(raw[4:10])])
    code = codes.verify_ticket_qr(SECRET, raw)
    assert code is None or codes.ticket_qr(SECRET, code) == raw.strip().upper()


@given(st.one_of(NASTY, st.builds(lambda c, a: f"BKS1.{c}.{a}", NASTY, NASTY)))
def test_any_slip_scan_is_a_code_or_a_dutch_refusal(raw):
    try:
        code, _activity = parse_slip_input(raw)
    except SlipError as error:
        assert error.message
        return
    assert codes.normalize_code(code) == code


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(config.SETTINGS)), NASTY)
def test_any_setting_is_stored_clean_or_refused_in_dutch(key, raw):
    value, error = check_setting(key, raw)
    if not error:
        assert not inputs.has_control(value)
        assert len(value) <= config.SETTING_LIMITS.get(key, config.SETTING_LIMIT)


def test_retention_days_from_the_environment_take_only_pad_digits(db, monkeypatch):
    from kiosk.core import retention

    for raw, days in (("³", retention.DEFAULT_DAYS), ("٣", retention.DEFAULT_DAYS),
                      (" 45 ", 45), ("0", retention.DEFAULT_DAYS)):
        monkeypatch.setenv("BUURTKIOSK_RETENTION_DAYS", raw)
        assert retention.retention_days(db) == days, raw
