"""'Mijn kaartje' in headless Chromium, with the print worker printing to a TCP printer whose
bytes are decoded independently (tests/escpos_decode.py)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kiosk.core import codes, config, dutch
from kiosk.core.agenda import Activity, get_activity, save_activity
from kiosk.core.db import write_transaction
from kiosk.core.signups import Signup, create_signup
from kiosk.core.ticket_changes import printed_as
from tests.browser import (  # noqa: F401
    SCREENS,
    TEN_INCH,
    LiveServer,
    Screen,
    browser_fixture,
    kiosk_page_fixture,
    new_kiosk_page,
    screen_problems,
    screenshot,
    start_live_server,
)
from tests.conftest import moved_the_same_day
from tests.escpos_decode import Receipt, decode
from tests.escpos_listener import FakePrinter

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

TITLE = "Soep en verhalen"


@pytest.fixture(scope="module")
def printer() -> Iterator[FakePrinter]:
    with FakePrinter() as fake:
        yield fake


@pytest.fixture(scope="module")
def kiosk(tmp_path_factory: pytest.TempPathFactory, printer: FakePrinter) -> Iterator[LiveServer]:
    db_path = tmp_path_factory.mktemp("kiosk") / "kiosk.db"
    server = start_live_server(
        db_path, settings={"printer": printer.url, "idle_seconds": "90"}, start_workers=True
    )
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _no_pause(kiosk: LiveServer) -> None:
    """Three wrong tries pause typing; each test starts with a clean count."""
    db = kiosk.db()
    try:
        with write_transaction(db):
            db.execute("UPDATE own_ticket_lockout SET locked_until = NULL")
            db.execute("DELETE FROM own_ticket_wrong_tries")
    finally:
        db.close()


def wait_until(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "waited in vain"
        time.sleep(0.05)


def activity(kiosk: LiveServer, activity_id: str, capacity: int = 10) -> Activity:
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    made = Activity(
        id=activity_id, title=TITLE, starts_at=starts, ends_at=starts + timedelta(hours=2),
        stadsdorp="Stadsdorp Zuid", location_name="Buurthuis De Pijp",
        address="Ferdinand Bolstraat 12", capacity=capacity, contact="020 123 45 67",
    )  # fmt: skip
    db = kiosk.db()
    try:
        with write_transaction(db):
            save_activity(db, made)
    finally:
        db.close()
    return made


def signup(kiosk: LiveServer, activity_id: str, **options: Any) -> Signup:
    db = kiosk.db()
    try:
        return create_signup(db, activity_id, kiosk_id="k1", **({"name": "Ans"} | options))
    finally:
        db.close()


def printed(kiosk: LiveServer, made: Signup) -> None:
    """Wait until the worker has printed the first paper (and kept what it said)."""

    def done() -> bool:
        db = kiosk.db()
        try:
            return printed_as(db, made.id) is not None
        finally:
            db.close()

    wait_until(done)


def qr_of(kiosk: LiveServer, made: Signup) -> str:
    db = kiosk.db()
    try:
        return codes.ticket_qr(config.signing_secret(db), made.code)
    finally:
        db.close()


def scan(page: Any, text: str) -> None:
    """A USB scanner: a burst of keys and Enter, a few milliseconds apart."""
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def scan_to_open(page: Any, text: str) -> None:
    """Scan, and wait for the opened ticket; a refusal fails with what the screen said."""
    with page.expect_navigation():
        scan(page, text)
    page.wait_for_load_state()
    if "/mijn-kaartje/bekijk/" not in page.url:
        said = page.get_by_test_id("error").all_inner_texts()
        raise AssertionError(f"not opened: {page.url} {said} after scanning {text!r}")


def jobs_for(kiosk: LiveServer, made: Signup) -> int:
    return len(kiosk.query("SELECT id FROM print_jobs WHERE signup_id = ?", [made.id]))


def receipts_with(printer: FakePrinter, text: str, count: int) -> list[Receipt]:
    deadline = time.monotonic() + 10
    while True:
        found = [
            receipt
            for receipt in (decode(data) for data in printer.jobs)
            if any(text in line for line in receipt.texts)
        ]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def shot(page: Any, name: str, screen: Screen = TEN_INCH) -> None:
    """Screenshot, and hold the screen to design section 4; also nothing cut off inside the
    screen's content box (it clips rather than scrolls)."""
    page.wait_for_load_state()
    problems = screen_problems(page, screen)
    problems += page.evaluate(
        """() => [...document.querySelectorAll('.screen-content')]
            .filter(e => e.scrollHeight > e.clientHeight + 1)
            .map(e => `content cut off: ${e.scrollHeight} in ${e.clientHeight}`)"""
    )
    screenshot(page, name)
    assert problems == [], f"{name}: {problems}"


def test_a_ticket_scanned_on_the_start_screen_shows_the_moved_time_large(kiosk, kiosk_page):
    made_activity = activity(kiosk, "moved")
    made = signup(kiosk, "moved")
    printed(kiosk, made)
    later = moved_the_same_day(made_activity.starts_at)
    db = kiosk.db()
    try:
        with write_transaction(db):
            db.execute(
                "UPDATE activities SET starts_at = ? WHERE id = 'moved'", [later.isoformat()]
            )
        new_time = get_activity(db, "moved").starts_at
    finally:
        db.close()

    page = kiosk_page
    page.goto(kiosk.url + "/")
    scan_to_open(page, qr_of(kiosk, made))
    view = page.get_by_test_id("own-ticket")
    expect(view).to_have_attribute("data-status", "aangemeld")
    expect(page.get_by_test_id("own-title")).to_have_text(TITLE)
    change = page.get_by_test_id("change")
    expect(change.locator(".change-now")).to_have_text(f"Let op: nu om {dutch.clock(new_time)}")
    was = dutch.clock(made_activity.starts_at)
    expect(change).to_contain_text(f"Op uw kaartje staat: {was}")
    big = change.locator(".change-now").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    facts = page.locator(".facts dd").first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    assert big >= 1.3 * facts, (big, facts)
    assert "Ans" not in page.content()
    assert made.id not in page.url and made.code not in page.url
    shot(page, "own-ticket-moved")


def test_cancel_asks_frees_the_seat_and_prints_nothing(kiosk, kiosk_page, printer):
    activity(kiosk, "full", capacity=1)
    made = signup(kiosk, "full")
    waiting = signup(kiosk, "full", name="Bep", phone="0612345678")
    assert waiting.status == "waitlist"
    printed(kiosk, made)
    jobs_before = jobs_for(kiosk, made)

    page = kiosk_page
    page.goto(kiosk.url + "/")
    with page.expect_navigation():
        page.get_by_test_id("own-ticket-link").tap()
    shot(page, "own-ticket-keys")
    for ch in made.code:
        page.get_by_test_id(f"key-{ch}").tap()
    with page.expect_navigation():
        page.get_by_test_id("open").tap()
    with page.expect_navigation():
        page.get_by_test_id("cancel").tap()
    expect(page.get_by_role("heading", name="Weet u het zeker?")).to_be_visible()
    shot(page, "own-ticket-cancel-confirm")
    with page.expect_navigation():
        page.get_by_test_id("confirm-cancel").tap()
    expect(page.get_by_test_id("own-ticket")).to_have_attribute("data-status", "afgemeld")
    expect(page.get_by_test_id("done-message")).to_contain_text("Uw plaats is nu vrij")
    [row] = kiosk.query("SELECT status FROM signups WHERE id = ?", [made.id])
    assert row["status"] == "cancelled"
    [moved] = kiosk.query("SELECT status, call_reason FROM signups WHERE id = ?", [waiting.id])
    assert moved["status"] == "confirmed" and moved["call_reason"]
    assert jobs_for(kiosk, made) == jobs_before
    assert "Bep" not in page.content() and "0612345678" not in page.content()


def test_reprint_prints_kopie_with_its_time(kiosk, kiosk_page, printer):
    activity(kiosk, "again")
    made = signup(kiosk, "again")
    printed(kiosk, made)
    page = kiosk_page
    page.goto(kiosk.url + "/mijn-kaartje/")
    scan(page, made.display_code.lower())  # a scanner with Caps Lock, or typed by hand
    page.wait_for_url("**/mijn-kaartje/bekijk/**")
    with page.expect_navigation():
        page.get_by_test_id("reprint").tap()
    expect(page.get_by_test_id("done-message")).to_contain_text("Uw kaartje komt uit de printer")
    copies = [
        receipt
        for receipt in receipts_with(printer, made.display_code, 2)
        if "*** KOPIE ***" in receipt.texts
    ]
    assert len(copies) == 1, [r.texts for r in receipts_with(printer, made.display_code, 2)]
    copy = copies[0]
    when = copy.find("Opnieuw geprint op")
    assert "vandaag" not in when.text and " om " in " ".join(copy.texts)
    assert copy.texts[-1] == "*** KOPIE ***" and len(copy.qr_contents()) == 1


def test_a_waitlist_ticket_shows_the_waitlist(kiosk, kiosk_page):
    activity(kiosk, "small", capacity=1)
    signup(kiosk, "small")
    waiting = signup(kiosk, "small", name="", phone="0612345678", party_size=2)
    page = kiosk_page
    page.goto(kiosk.url + "/mijn-kaartje/")
    for ch in waiting.display_code.replace("-", ""):
        page.get_by_test_id(f"key-{ch}").tap()
    with page.expect_navigation():
        page.get_by_test_id("open").tap()
    expect(page.get_by_test_id("own-ticket")).to_have_attribute("data-status", "wachtlijst")
    expect(page.get_by_test_id("own-status")).to_contain_text(
        "U staat met 2 personen op de wachtlijst"
    )
    shot(page, "own-ticket-waitlist")


@pytest.mark.parametrize("kind", ["forged", "altered", "unknown"])
def test_forged_altered_or_unknown_get_a_kind_message_and_nothing_else(kiosk, kiosk_page, kind):
    activity(kiosk, "secret")
    made = signup(kiosk, "secret", name="Geheim")
    genuine = qr_of(kiosk, made)
    other = "ZZZZZZ" if made.code != "ZZZZZZ" else "YYYYYY"
    raw = {
        "forged": f"BK1.{other}.{genuine.rsplit('.', 1)[1]}",
        "altered": genuine[:-1] + ("A" if genuine[-1] != "A" else "B"),
        "unknown": other,
    }[kind]
    page = kiosk_page
    page.goto(kiosk.url + "/")
    with page.expect_navigation():
        scan(page, raw)
    error = page.get_by_test_id("error")
    expect(error).to_be_visible()
    text = error.inner_text()
    assert "vrijwilliger" in text and ("kiosk" in text or "code" in text)
    content = page.content()
    assert TITLE not in content and "Geheim" not in content and made.code not in content
    shot(page, f"own-ticket-refused-{kind}")


def test_the_screen_goes_back_to_the_start_and_back_opens_nothing(kiosk, kiosk_page):
    activity(kiosk, "idle")
    made = signup(kiosk, "idle")
    kiosk.set_setting("idle_seconds", "4")  # warning after 2 s, reset 2 s later
    try:
        page = kiosk_page
        page.goto(kiosk.url + "/")
        scan_to_open(page, qr_of(kiosk, made))
        view_url = page.url
        expect(page.get_by_test_id("still-there")).to_be_visible(timeout=5000)
        page.wait_for_url(kiosk.url + "/", timeout=8000)
        page.go_back()
        page.wait_for_load_state()
        assert "/bekijk/" not in page.url and page.get_by_test_id("own-ticket").count() == 0
        # Even the view's own address, from history or typed, opens nothing any more.
        page.goto(view_url)
        assert page.url == kiosk.url + "/" and page.get_by_test_id("own-ticket").count() == 0
    finally:
        kiosk.set_setting("idle_seconds", "90")


@pytest.mark.parametrize("screen", SCREENS, ids=[screen.name for screen in SCREENS])
def test_every_mijn_kaartje_screen_fits_each_screen(kiosk, browser, screen):
    """Keys, an error, the ticket with two changes, and the question, on every screen size:
    nothing cut off, nothing scrolls, targets and text as large as that screen asks."""
    key = f"screen-{screen.width}x{screen.height}"
    made_activity = activity(kiosk, key)
    made = signup(kiosk, key)
    printed(kiosk, made)
    moved = made_activity.starts_at + timedelta(days=1)
    db = kiosk.db()
    try:
        with write_transaction(db):
            db.execute(
                "UPDATE activities SET starts_at = ?, location_name = 'Buurthuis Oost' "
                "WHERE id = ?",
                [moved.isoformat(), key],
            )
    finally:
        db.close()
    page = new_kiosk_page(browser, screen.viewport)
    try:
        page.goto(kiosk.url + "/mijn-kaartje/")
        shot(page, f"own-ticket-{screen.name}-keys", screen)
        with page.expect_navigation():
            page.get_by_test_id("open").tap()  # nothing typed: a kind message
        shot(page, f"own-ticket-{screen.name}-error", screen)
        scan_to_open(page, made.display_code)
        expect(page.get_by_test_id("change")).to_have_count(2)
        shot(page, f"own-ticket-{screen.name}-ticket", screen)
        with page.expect_navigation():
            page.get_by_test_id("cancel").tap()
        shot(page, f"own-ticket-{screen.name}-cancel", screen)
    finally:
        page.context.close()


def test_a_scan_after_tapping_keys_still_opens_the_ticket(kiosk, kiosk_page):
    activity(kiosk, "tapped")
    made = signup(kiosk, "tapped")
    page = kiosk_page
    page.goto(kiosk.url + "/mijn-kaartje/")
    page.get_by_test_id("key-7").tap()
    page.get_by_test_id("key-backspace").tap()
    page.get_by_test_id("key-backspace").focus()  # where a tap leaves the focus
    scan_to_open(page, qr_of(kiosk, made))
    expect(page.get_by_test_id("own-ticket")).to_have_attribute("data-status", "aangemeld")
