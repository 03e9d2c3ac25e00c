"""Wishes in headless Chromium: a resident taps an offer with a call back and a wish without
one (the receipts arrive at a TCP printer and are decoded), every wish screen is held to
design section 4 and axe-core, and a volunteer prints a wishes slip, scans its QR (read
from the printed image with zxing) and is refused the second time."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from kiosk.core import pins
from tests.browser import (  # noqa: F401
    KIOSK_SCREEN,
    SCREENS,
    TEN_INCH,
    LiveServer,
    Screen,
    browser_fixture,
    new_kiosk_page,
    screen_problems,
    screenshot,
    start_live_server,
)
from tests.conftest import make_activity
from tests.desk_helpers import VOLUNTEER_PIN, set_pins
from tests.escpos_decode import Receipt, decode
from tests.escpos_listener import FakePrinter

pytestmark = pytest.mark.browser

NAME, PHONE = "Joop Zoetemelk", "0687654321"


@pytest.fixture(scope="module")
def printer() -> Iterator[FakePrinter]:
    with FakePrinter() as fake:
        yield fake


@pytest.fixture(scope="module")
def kiosk(tmp_path_factory: pytest.TempPathFactory, printer: FakePrinter) -> Iterator[LiveServer]:
    path = tmp_path_factory.mktemp("wishes") / "kiosk.db"
    live = start_live_server(path, settings={"printer": printer.url,
                                             "stadsdorpen": "Stadsdorp Zuid"},
                             start_workers=True)
    db = live.db()
    original = pins.HASH_METHOD
    pins.HASH_METHOD = "pbkdf2:sha256:1000"
    try:
        set_pins(db)
        make_activity(db, "a1", title="Koffieochtend")
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


def receipt_with(printer: FakePrinter, text: str, timeout: float = 10) -> Receipt:
    deadline = time.monotonic() + timeout
    while True:
        for data in printer.wait_for_jobs(1, timeout=max(deadline - time.monotonic(), 0.01)):
            receipt = decode(data)
            if any(text in line for line in receipt.texts):
                return receipt
        assert time.monotonic() < deadline, f"no print with {text!r}"
        time.sleep(0.1)


def checked(page: Any, name: str, screen: Screen = TEN_INCH) -> None:
    """Design section 4 on this screen, and no serious axe-core finding."""
    page.wait_for_load_state()
    problems = screen_problems(page, screen)
    screenshot(page, name)
    assert problems == [], f"{name}: {problems}"
    axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe()
    results = axe.run(page)
    serious = [v["id"] for v in results.response["violations"]
               if v.get("impact") in ("serious", "critical")]
    assert serious == [], f"{name}: {serious}"


def tap_and_load(page: Any, test_id: str) -> None:
    with page.expect_navigation():
        page.get_by_test_id(test_id).first.tap()


def test_an_offer_by_touch_with_a_call_back(page: Any, kiosk: LiveServer,
                                            printer: FakePrinter) -> None:
    page.goto(kiosk.url + "/")
    tap_and_load(page, "wish-link")
    checked(page, "wish-choice")
    tap_and_load(page, "wish-offer")
    page.get_by_test_id("tile-vervoer").tap()
    page.get_by_test_id("tile-klusjes").tap()
    page.get_by_test_id("tile-klusjes").tap()  # changed her mind
    page.get_by_test_id("tile-gezelschap").tap()
    checked(page, "wish-tiles")
    tap_and_load(page, "next")
    page.get_by_test_id("part-avond").tap()
    checked(page, "wish-day-parts")
    tap_and_load(page, "next")
    assert "alleen hierover" in page.get_by_test_id("callback-why").inner_text()
    checked(page, "wish-callback")
    tap_and_load(page, "callback-yes")
    for ch in NAME:
        page.get_by_test_id("key-space" if ch == " " else f"key-{ch.upper()}").tap()
    checked(page, "wish-name")
    tap_and_load(page, "next")
    for digit in PHONE:
        page.get_by_test_id(f"digit-{digit}").tap()
    checked(page, "wish-phone")
    tap_and_load(page, "next")
    assert "belt u" in page.get_by_test_id("wish-next").inner_text()
    body = page.inner_text("body")
    assert NAME not in body and PHONE not in body
    checked(page, "wish-thanks-callback")

    [row] = kiosk.query("SELECT * FROM wishes WHERE kind = 'offer'")
    assert (row["categories"], row["day_parts"]) == ('["vervoer", "gezelschap"]', '["avond"]')
    assert (row["callback"], row["name"], row["phone"]) == (1, NAME, PHONE)
    assert row["stadsdorp"] == "Stadsdorp Zuid"
    receipt = receipt_with(printer, "U wilt helpen met:")
    text = "\n".join(receipt.texts)
    assert "- Vervoer" in text and "- Gezelschap" in text and "belt u" in text
    assert PHONE not in text

    # The next resident: the start screen, and nothing of the previous one anywhere.
    tap_and_load(page, "finish")
    assert NAME not in page.content() and PHONE not in page.content()


def test_a_wish_by_touch_without_a_call_back(page: Any, kiosk: LiveServer,
                                             printer: FakePrinter) -> None:
    page.goto(kiosk.url + "/")
    tap_and_load(page, "wish-link")
    tap_and_load(page, "wish-miss")
    tap_and_load(page, "next")  # nothing chosen yet
    assert "Kies minstens één" in page.get_by_test_id("error").inner_text()
    checked(page, "wish-tiles-error")
    page.get_by_test_id("tile-wandelen").tap()
    tap_and_load(page, "next")
    tap_and_load(page, "next")  # the day part does not matter
    tap_and_load(page, "callback-no")
    assert "Bedankt voor uw idee" in page.get_by_test_id("wish-next").inner_text()
    checked(page, "wish-thanks-anonymous")
    [row] = kiosk.query("SELECT * FROM wishes WHERE kind = 'miss'")
    assert (row["categories"], row["day_parts"], row["callback"], row["name"], row["phone"]) \
        == ('["wandelen"]', "[]", 0, "", "")
    [outbox] = kiosk.query("SELECT payload FROM outbox WHERE signup_id = ?", [row["id"]])
    assert '"phone"' not in outbox["payload"]
    assert "Bedankt voor uw idee." in "\n".join(receipt_with(printer, "U mist in de buurt:").texts)


@pytest.mark.parametrize("screen", SCREENS, ids=[s.name for s in SCREENS])
def test_wish_screens_fit_every_screen(browser: Any, kiosk: LiveServer, screen: Screen) -> None:
    page = new_kiosk_page(browser, screen.viewport)
    try:
        page.goto(kiosk.url + "/wens/")
        checked(page, f"wish-choice-{screen.name}", screen)
        tap_and_load(page, "wish-miss")
        checked(page, f"wish-tiles-{screen.name}", screen)
        page.get_by_test_id("tile-eten").tap()
        tap_and_load(page, "next")
        checked(page, f"wish-day-parts-{screen.name}", screen)
        tap_and_load(page, "next")
        checked(page, f"wish-callback-{screen.name}", screen)
        tap_and_load(page, "callback-yes")
        checked(page, f"wish-name-{screen.name}", screen)
        tap_and_load(page, "next")
        checked(page, f"wish-phone-{screen.name}", screen)
    finally:
        page.context.close()


def test_a_wishes_slip_is_printed_scanned_and_refused_the_second_time(
    page: Any, kiosk: LiveServer, printer: FakePrinter
) -> None:
    page.goto(kiosk.url + "/vrijwilliger/wensen/")
    page.get_by_test_id("pin-name").fill("Henk")
    page.get_by_test_id("pin-input").focus()
    page.keyboard.type(VOLUNTEER_PIN)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/vrijwilliger/wensen/")
    page.get_by_test_id("wish-slip-count").fill("1")
    tap_and_load(page, "print-wish-slips")
    slip = receipt_with(printer, "WENSENSTROOK")
    [qr] = slip.qr_contents()  # read from the printed image, as a scanner would
    assert qr.startswith("BKW1.")

    def scan() -> None:
        page.get_by_test_id("wish-scan").focus()
        page.keyboard.type(qr, delay=2)
        with page.expect_navigation():
            page.keyboard.press("Enter")

    scan()
    page.get_by_test_id("miss-vervoer").check()
    page.get_by_test_id("offer-taal").check()
    page.get_by_test_id("part-ochtend").check()
    tap_and_load(page, "wish-slip-save")
    assert "ingevoerd" in page.get_by_test_id("flash").inner_text()
    rows = kiosk.query("SELECT kind, categories, channel FROM wishes WHERE slip_code = ?",
                       [qr.split(".")[1]])
    assert sorted((r["kind"], r["categories"], r["channel"]) for r in rows) == [
        ("miss", '["vervoer"]', "paper"), ("offer", '["taal"]', "paper")]
    scan()
    error = page.get_by_test_id("wish-scan-error").inner_text()
    assert "al ingevoerd" in error and "Henk" in error
    screenshot(page, "wish-slip-refused")


def test_an_answer_that_is_not_json_is_said_kindly(page: Any, kiosk: LiveServer) -> None:
    """Between the page and the kiosk's own server something answered in HTML (a proxy,
    a crashed worker): the resident reads a Dutch sentence, the script does not fail."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(kiosk.url + "/wens/help/stem")
    page.route("**/wens/stem/gehoord", lambda route: route.fulfill(
        status=502, content_type="text/html", body="<html><body>Bad Gateway</body></html>"))
    answer = page.evaluate("text => window.wishVoice.heard(text)", "klusjes")
    assert answer["fout"].startswith("Er ging iets mis.")
    assert page.get_by_test_id("wish-say").inner_text().startswith("Er ging iets mis.")
    page.unroute("**/wens/stem/gehoord")
    page.route("**/wens/stem/gehoord", lambda route: route.abort())  # no answer at all
    answer = page.evaluate("text => window.wishVoice.heard(text)", "klusjes")
    assert answer["fout"].startswith("Er ging iets mis.") and errors == []
    page.unroute("**/wens/stem/gehoord")
    # The conversation was not moved by either: it goes on at its first question.
    assert page.evaluate("text => window.wishVoice.heard(text)", "klusjes")["gehoord"] == [
        "Klusjes"]


def test_an_offer_by_voice_through_the_dialog(page: Any, kiosk: LiveServer,
                                              printer: FakePrinter) -> None:
    """What the recognizer heard is handed to the page, as the microphone's code does; the
    dialog on the server answers; the number is typed; the wish is made."""
    page.goto(kiosk.url + "/wens/help/stem")
    assert "Waar wilt u mee helpen?" in page.get_by_test_id("wish-say").inner_text()
    assert "gesprek" not in page.url

    def heard(text: str) -> dict[str, Any]:
        return page.evaluate("text => window.wishVoice.heard(text)", text)

    assert heard("ik kan mensen naar de dokter rijden")["gehoord"] == ["Vervoer"]
    assert "Vervoer" in page.get_by_test_id("wish-heard").inner_text()
    assert "Wanneer" in page.get_by_test_id("wish-say").inner_text()
    heard("in de middag")
    heard("misschien")  # doubt: asked again, never a yes
    assert "Zeg alleen: ja, of: nee" in page.get_by_test_id("wish-say").inner_text()
    assert not page.get_by_test_id("phone").is_visible()
    heard("ja hoor")
    checked(page, "wish-voice-phone")
    for digit in PHONE:
        page.get_by_test_id(f"digit-{digit}").tap()
    tap_and_load(page, "phone-done")
    assert "belt u" in page.get_by_test_id("wish-next").inner_text()
    [row] = kiosk.query("SELECT * FROM wishes WHERE channel = 'voice'")
    assert (row["kind"], row["categories"], row["day_parts"], row["phone"]) == (
        "offer", '["vervoer"]', '["middag"]', PHONE)
    assert "- Vervoer" in "\n".join(receipt_with(printer, "liefst in de middag").texts)
