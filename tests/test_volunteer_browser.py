"""The volunteer desk in headless Chromium, driven by the keyboard as a volunteer (and a USB
barcode scanner, which types the QR content and then Enter) would: the PIN and its lockout,
idle sign-out, 20 slips in a row, a duplicate slip, the attendance list as it arrives at a
TCP printer, check-in scans, and no names on resident screens."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from kiosk.core import codes, pins, slips
from kiosk.core.agenda import get_activity
from kiosk.core.config import signing_secret
from kiosk.core.db import write_transaction
from kiosk.core.signups import create_signup
from tests.browser import (  # noqa: F401
    LiveServer,
    browser_fixture,
    new_kiosk_page,
    screenshot,
    start_live_server,
)
from tests.conftest import make_activity
from tests.desk_helpers import VOLUNTEER_PIN, set_pins
from tests.escpos_decode import decode
from tests.escpos_listener import FakePrinter

pytestmark = pytest.mark.browser

SECRET_NAME, SECRET_PHONE = "Geertruida Hoogervorst", "0655501234"


@pytest.fixture(scope="module")
def printer() -> Iterator[FakePrinter]:
    with FakePrinter() as fake:
        yield fake


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, printer: FakePrinter) -> Iterator[LiveServer]:
    """The kiosk with its print worker printing to a TCP printer on 127.0.0.1."""
    path = tmp_path_factory.mktemp("desk") / "kiosk.db"
    live = start_live_server(path, settings={"printer": printer.url}, start_workers=True)
    db = live.db()
    original = pins.HASH_METHOD
    pins.HASH_METHOD = "pbkdf2:sha256:1000"  # fast hashes; scrypt is tested in test_auth
    try:
        set_pins(db)
        make_activity(db, "a1", title="Koffieochtend", capacity=100)
        make_activity(db, "a2", title="Bingo", days_ahead=3)
    finally:
        pins.HASH_METHOD = original
        db.close()
    yield live
    live.stop()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    page = new_kiosk_page(browser)
    yield page
    page.context.close()


def unlock(server: LiveServer) -> None:
    db = server.db()
    with write_transaction(db):
        db.execute("DELETE FROM pin_lockout")
    db.close()


def type_pin(page: Any, pin: str, name: str = "Marieke") -> None:
    page.get_by_test_id("pin-name").fill(name)
    page.get_by_test_id("pin-input").fill("")
    page.get_by_test_id("pin-input").focus()
    page.keyboard.type(pin)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def sign_in(page: Any, server: LiveServer, path: str = "/vrijwilliger/") -> None:
    page.goto(server.url + path)
    type_pin(page, VOLUNTEER_PIN)
    assert "/pincode" not in page.url


def scanner(page: Any, content: str) -> None:
    """A USB scanner is a keyboard: fast keystrokes, then Enter."""
    page.keyboard.type(content, delay=2)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def focused_id(page: Any) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def wait_focus(page: Any, element_id: str) -> None:
    page.wait_for_function(f"document.activeElement?.id === '{element_id}'")


def test_the_desk_is_reached_from_the_start_screen_only_through_the_pin(page, server):
    page.goto(server.url + "/")
    link = page.get_by_test_id("desk-link")
    box = link.bounding_box()
    # For staff, out of the resident's way, yet at least 9 mm (0.17 mm a pixel here).
    assert min(box["height"], box["width"]) * 0.17 >= 9
    with page.expect_navigation():
        link.click()
    assert "/vrijwilliger/pincode" in page.url
    with page.expect_navigation():
        page.get_by_test_id("back-to-start").click()
    assert page.url == server.url + "/"


def test_wrong_pin_then_lockout(page, server):
    page.goto(server.url + "/vrijwilliger/activiteit/a1")
    assert "/vrijwilliger/pincode" in page.url
    assert "Koffieochtend" not in page.content()
    try:
        type_pin(page, "0000")
        assert "klopt niet" in page.get_by_test_id("pin-error").inner_text()
        assert "nog 4 keer" in page.get_by_test_id("pin-error").inner_text()
        for _ in range(4):
            type_pin(page, "0000")
        assert "Te vaak" in page.get_by_test_id("pin-error").inner_text()
        type_pin(page, VOLUNTEER_PIN)  # the right PIN, but during the pause
        error = page.get_by_test_id("pin-error").inner_text()
        assert "Te vaak" in error and "seconden" in error
        assert "/pincode" in page.url
        screenshot(page, "volunteer-pin-lockout")
    finally:
        unlock(server)
    type_pin(page, VOLUNTEER_PIN)
    assert page.url.endswith("/vrijwilliger/activiteit/a1")  # back where the volunteer wanted


def test_idle_sign_out_hides_the_names(page, server):
    db = server.db()
    create_signup(db, "a2", name=SECRET_NAME, phone=SECRET_PHONE, kiosk_id="k")
    db.close()
    server.app.config["VOLUNTEER_IDLE_SECONDS"] = 2
    try:
        sign_in(page, server, "/vrijwilliger/activiteit/a2")
        assert SECRET_NAME in page.content()
        # The next resident finds the agenda, not a PIN page.
        page.wait_for_url(server.url + "/", timeout=6_000)
        assert page.get_by_test_id("activity-card").first.is_visible()
        assert SECRET_NAME not in page.content()
        page.go_back()  # no-store and the server's own check: not from the cache
        assert SECRET_NAME not in page.content()
        assert "/pincode" in page.url
        assert page.get_by_test_id("idle-notice").is_visible()  # the volunteer hears why
    finally:
        server.app.config.pop("VOLUNTEER_IDLE_SECONDS")


def test_the_desk_works_with_the_touchscreen_alone(page, server):
    """No hardware keyboard: the PIN page's letters and PIN pad, then a slip code typed
    with the desk's on-screen keys into the field last touched."""
    db = server.db()
    [slip] = slips.print_activity_slips(db, "a1", 1, "test")
    db.close()
    page.goto(server.url + "/vrijwilliger/invoeren")
    for key in "MARIEKE":
        page.get_by_test_id(f"key-{key}").tap()
    assert page.get_by_test_id("pin-name").input_value() == "Marieke"
    for digit in VOLUNTEER_PIN:
        page.get_by_test_id(f"pin-digit-{digit}").tap()
    with page.expect_navigation():
        page.get_by_test_id("pin-submit").tap()
    assert page.url.endswith("/vrijwilliger/invoeren")
    screenshot(page, "volunteer-entry-with-keys")
    page.get_by_test_id("scan").tap()
    page.get_by_test_id("desk-keys").locator("summary").tap()
    for ch in slip.code.lower():
        page.get_by_test_id(f"desk-key-{ch}").tap()
    assert page.get_by_test_id("scan").input_value().upper() == slip.code
    screenshot(page, "volunteer-desk-keys")
    with page.expect_navigation():
        page.get_by_role("button", name="Zoeken").tap()
    assert page.get_by_test_id("slip-activity").inner_text().startswith("Koffieochtend")
    assert page.get_by_test_id("nav-menu").is_visible()  # the way back to the menu


def test_twenty_slips_in_a_row_by_scanner_and_keyboard(page, server):
    db = server.db()
    printed = slips.print_activity_slips(db, "a1", 20, "test")
    db.close()
    sign_in(page, server, "/vrijwilliger/invoeren")
    started = time.perf_counter()
    for number, slip in enumerate(printed, start=1):
        wait_focus(page, "scan")
        scanner(page, slip.qr_payload)
        assert page.get_by_test_id("slip-activity").inner_text().startswith("Koffieochtend")
        wait_focus(page, "name")
        page.keyboard.type(f"Bewoner {number}")
        page.keyboard.press("Tab")
        page.keyboard.type(f"06-1234{number:04d}")
        page.keyboard.press("Tab")
        page.keyboard.type("2" if number % 2 else "1")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert f"Bewoner {number}," in page.get_by_test_id("saved").inner_text()
    elapsed = time.perf_counter() - started
    assert (
        page.get_by_test_id("entered-today")
        .inner_text()
        .startswith("Vandaag door u ingevoerd: 20 stroken")
    )
    screenshot(page, "volunteer-after-20-slips")
    rows = server.query(
        "SELECT s.name, s.phone, s.party_size, s.channel, s.slip_code, p.entered_by "
        "FROM signups s JOIN slips p ON p.signup_id = s.id ORDER BY s.created_at, s.rowid"
    )
    assert len(rows) == 20
    assert [r["name"] for r in rows] == [f"Bewoner {n}" for n in range(1, 21)]
    assert rows[4]["phone"] == "0612340005" and rows[4]["party_size"] == 2
    assert {r["channel"] for r in rows} == {"paper"}
    assert {r["entered_by"] for r in rows} == {"Marieke (vrijwilliger)"}
    assert [r["slip_code"] for r in rows] == [s.code for s in printed]
    print(
        f"\n20 slips by simulated scanner + keyboard in Chromium: {elapsed:.2f} s "
        f"({elapsed / 20 * 1000:.0f} ms per slip, typing included)"
    )


def test_duplicate_slip_is_refused_with_who_and_when(page, server):
    db = server.db()
    slip = slips.print_activity_slips(db, "a1", 1, "test")[0]
    slips.enter_slip(
        db,
        slip.code,
        name="Eerste",
        phone="",
        party_size=1,
        actor="Kees (vrijwilliger)",
        kiosk_id="k",
    )
    db.close()
    sign_in(page, server, "/vrijwilliger/invoeren")
    wait_focus(page, "scan")
    scanner(page, slip.qr_payload)
    error = page.get_by_test_id("scan-error").inner_text()
    assert f"Strook {slip.display_code} is al ingevoerd op" in error
    assert "door Kees (vrijwilliger)" in error and " uur " in error
    # The refused scan is selected: the next scan replaces it without a click.
    assert page.evaluate(
        "document.activeElement.selectionEnd - document.activeElement.selectionStart"
    ) == len(slip.qr_payload)
    scanner(page, "BKS1.ZZZZZZ.a1")
    assert "nooit op deze kiosk geprint" in page.get_by_test_id("scan-error").inner_text()
    screenshot(page, "volunteer-slip-refused")


def test_phone_signup_by_keyboard(page, server):
    sign_in(page, server, "/vrijwilliger/invoeren")
    page.get_by_test_id("phone-activity").select_option("a2")
    page.get_by_test_id("phone-name").focus()
    page.keyboard.type("Bellende Bewoner")
    page.keyboard.press("Tab")
    page.keyboard.type("0201234567")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Bellende Bewoner" in page.get_by_test_id("saved").inner_text()
    assert server.query("SELECT channel FROM signups WHERE name = 'Bellende Bewoner'") == [
        {"channel": "phone"}
    ]


def test_attendance_list_printed_to_tcp_and_decoded(page, server, printer):
    db = server.db()
    make_activity(db, "a3", title="Schilderclub", capacity=2)
    create_signup(
        db,
        "a3",
        name="Zoë de Wit",
        phone="0612345678",
        party_size=2,
        kiosk_id="k",
        print_ticket=False,
    )
    create_signup(db, "a3", name="Bram Bos", phone="0687654321", kiosk_id="k", print_ticket=False)
    db.close()
    sign_in(page, server, "/vrijwilliger/activiteit/a3")
    before = len(printer.jobs)
    with page.expect_navigation():
        page.get_by_test_id("print-attendance").click()
    assert "presentielijst gaat naar de printer" in page.get_by_test_id("flash").inner_text()
    deadline = time.monotonic() + 10
    receipt = None
    while receipt is None and time.monotonic() < deadline:
        for data in printer.wait_for_jobs(before + 1, timeout=10)[before:]:
            decoded = decode(data)
            if "PRESENTIELIJST" in decoded.texts and "Schilderclub" in decoded.texts:
                receipt = decoded
        time.sleep(0.05)
    assert receipt is not None
    texts = receipt.texts
    assert any(t.startswith("[ ] Zoë de Wit") and t.endswith("2 p.") for t in texts)
    assert re.search(r"^    06-12345678 +code ", "\n".join(texts), re.M)
    assert "WACHTLIJST (1 persoon)" in texts
    assert any(t.startswith(" 1. Bram Bos") for t in texts)
    assert len(receipt.cuts) == 1


def test_check_in_scan_and_a_forged_one(page, server):
    db = server.db()
    signup = create_signup(
        db, "a2", name="Klaas Vaak", party_size=3, kiosk_id="k", print_ticket=False
    )
    qr = codes.ticket_qr(signing_secret(db), signup.code)
    starts = get_activity(db, "a2").starts_at
    db.close()
    sign_in(page, server, "/vrijwilliger/binnenkomst?activiteit=a2")
    wait_focus(page, "scan")
    scanner(page, qr)  # three days early: the desk asks for a look first
    result = page.get_by_test_id("checkin-result")
    assert result.get_attribute("data-outcome") == "other_day"
    assert "niet voor vandaag" in result.inner_text()
    screenshot(page, "volunteer-checkin-other-day")
    server.app.config["NOW"] = starts  # the day itself
    try:
        wait_focus(page, "scan")
        scanner(page, qr)
    finally:
        server.app.config.pop("NOW")
    result = page.get_by_test_id("checkin-result")
    assert result.get_attribute("data-outcome") == "welcome"
    assert "Klaas Vaak" in result.inner_text() and "3 personen" in result.inner_text()
    screenshot(page, "volunteer-checkin-welcome")

    wait_focus(page, "scan")
    scanner(page, qr)
    assert page.get_by_test_id("checkin-result").get_attribute("data-outcome") == "already"
    assert "al binnen" in page.get_by_test_id("checkin-result").inner_text().lower()

    forged = qr.rsplit(".", 1)[0] + ".AAAAAAAAAAAAAAAA"
    wait_focus(page, "scan")
    scanner(page, forged)
    result = page.get_by_test_id("checkin-result")
    assert result.get_attribute("data-outcome") == "refused"
    assert "niet geldig" in result.inner_text()
    assert "Klaas" not in result.inner_text()
    screenshot(page, "volunteer-checkin-forged")
    attended = server.query("SELECT attended_at FROM signups WHERE id = ?", [signup.id])
    assert attended[0]["attended_at"]


def test_resident_screens_in_chromium_show_no_names(page, server):
    db = server.db()
    create_signup(db, "a1", name=SECRET_NAME, phone=SECRET_PHONE, kiosk_id="k", print_ticket=False)
    touch = create_signup(
        db, "a2", name=SECRET_NAME, phone=SECRET_PHONE, kiosk_id="k", print_ticket=False
    )
    db.close()
    for path in (
        "/",
        "/activiteit/a1",
        "/activiteit/a2",
        "/activiteit/a1/aanmelden",
        f"/aangemeld/{touch.id}",
    ):
        page.goto(server.url + path)
        content = page.content()
        for secret in (SECRET_NAME, "Hoogervorst", SECRET_PHONE, "06-55501234"):
            assert secret not in content, f"{secret!r} on {path}"
