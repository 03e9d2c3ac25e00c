"""The resident screens in headless Chromium, tapped as on the kiosk's touchscreen, with
the print worker sending the ticket over TCP to a fake network printer on 127.0.0.1.

Screenshots of every resident screen land in tests/artifacts/ (resident-*.png)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.core import codes, tickets
from kiosk.core.agenda import Activity, save_activity
from kiosk.core.db import write_transaction
from kiosk.core.print_jobs import retry_now
from kiosk.ops.demo import load_demo
from tests.browser import (
    LiveServer,
    browser_fixture,  # noqa: F401  (fixtures, found by name)
    kiosk_page_fixture,  # noqa: F401
    live_server_fixture,  # noqa: F401
    screen_problems,
    screenshot,
    start_live_server,
)
from tests.escpos_decode import Receipt, decode
from tests.escpos_listener import FakePrinter, free_port

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

TITLE = "Soep en verhalen"


@pytest.fixture(scope="module")
def kiosk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The kiosk as it runs in a buurthuis: print worker on, a demo agenda, and one
    activity of our own that is sure to come first."""
    db_path = tmp_path_factory.mktemp("kiosk") / "kiosk.db"
    server = start_live_server(
        db_path, settings={"printer": "dummy://", "idle_seconds": "90"}, start_workers=True
    )
    db = server.db()
    try:
        load_demo(db, "demo-kiosk")
        with write_transaction(db):
            # Within the next half hour, on a quarter: first on the start screen.
            now = datetime.now(UTC).replace(second=0, microsecond=0)
            starts = now + timedelta(minutes=30 - now.minute % 15)
            save_activity(db, Activity(
                id="soep", title=TITLE, starts_at=starts, ends_at=starts + timedelta(hours=2),
                stadsdorp="Stadsdorp Zuid", location_name="Buurthuis De Pijp",
                address="Ferdinand Bolstraat 12", capacity=20, price="gratis",
                contact="020 123 45 67", description="Samen soep eten en verhalen vertellen.",
            ))
    finally:
        db.close()
    yield server
    server.stop()


@pytest.fixture
def printer(kiosk: LiveServer) -> Iterator[FakePrinter]:
    with FakePrinter() as fake:
        kiosk.set_setting("printer", fake.url)
        yield fake
    kiosk.set_setting("printer", "dummy://")


def ticket_with(printer: FakePrinter, code: str, timeout: float = 10) -> Receipt:
    """The printed ticket that carries this code (an earlier test's job may print too)."""
    deadline = time.monotonic() + timeout
    seen = 0
    while True:
        jobs = printer.wait_for_jobs(seen + 1, timeout=max(deadline - time.monotonic(), 0.01))
        for data in jobs[seen:]:
            receipt = decode(data)
            if any(codes.display_code(code) in line for line in receipt.texts):
                return receipt
        seen = len(jobs)


def wait_until(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "waited in vain"
        time.sleep(0.05)


def shot(page: Any, name: str) -> Path:
    """Screenshot a resident screen and hold it to design section 4 on the way."""
    page.wait_for_load_state()
    problems = screen_problems(page)
    path = screenshot(page, name)
    assert problems == [], f"{name}: {problems}"
    return path


def tap_and_load(page: Any, test_id: str) -> None:
    """Tap a button that opens the next screen, and wait for that screen's load event:
    only then are its keys live (a tap before kiosk.js has run would be lost)."""
    with page.expect_navigation():
        page.get_by_test_id(test_id).first.tap()


def tap_text(page: Any, text: str) -> None:
    """Type on the in-page keyboard, one tap per key."""
    for ch in text:
        page.get_by_test_id("key-space" if ch == " " else f"key-{ch.upper()}").tap()


def tap_digits(page: Any, digits: str) -> None:
    for ch in digits:
        page.get_by_test_id(f"digit-{ch}").tap()


def signup_code(kiosk: LiveServer, page: Any) -> str:
    signup_id = page.url.rsplit("/", 1)[-1]
    [row] = kiosk.query("SELECT code FROM signups WHERE id = ?", [signup_id])
    return row["code"]


def test_full_touch_flow_ends_with_a_printed_ticket(kiosk, printer, kiosk_page):
    page = kiosk_page
    page.goto(kiosk.url + "/")
    expect(page.get_by_role("heading", name="Wat is er te doen?")).to_be_visible()
    expect(page.get_by_text("Vandaag").or_(page.get_by_text("Morgen")).first).to_be_visible()
    shot(page, "resident-01-start")

    # Leaf through the agenda and back: buttons, no swiping; pages made to fit the screen,
    # each asked from the server from the first card the page before could not show.
    tap_and_load(page, "next-page")
    expect(page.get_by_test_id("page-count")).to_contain_text("Bladzijde 2")
    shot(page, "resident-01b-start-page-2")
    tap_and_load(page, "previous-page")
    expect(page.get_by_test_id("page-count")).to_contain_text("Bladzijde 1")

    with page.expect_navigation():
        page.get_by_test_id("activity-card").filter(has_text=TITLE).tap()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(page.get_by_test_id("seats")).to_have_text("Nog 20 plaatsen vrij")
    shot(page, "resident-02-activity")

    tap_and_load(page, "join")
    shot(page, "resident-03-aantal")
    tap_and_load(page, "more")
    count = page.get_by_test_id("party-size")
    expect(count).to_have_text("3")
    for _ in range(2):
        page.get_by_test_id("minus").tap()
    expect(count).to_have_text("1")
    # At 1 the − shows its limit, and a tap on it anyway changes nothing.
    expect(page.get_by_test_id("minus")).to_have_attribute("aria-disabled", "true")
    page.get_by_test_id("minus").tap(force=True)
    expect(count).to_have_text("1")
    expect(page.get_by_test_id("plus")).to_have_attribute("aria-disabled", "false")
    expect(page.get_by_test_id("party-word")).to_have_text("persoon")
    for _ in range(3):
        page.get_by_test_id("plus").tap()
    page.get_by_test_id("minus").tap()
    expect(count).to_have_text("3")
    expect(page.get_by_test_id("party-word")).to_have_text("personen")
    shot(page, "resident-04-meer")
    tap_and_load(page, "next")

    # Name and phone are offered on "Klopt dit?"; each comes back there.
    tap_and_load(page, "change-name")
    name = page.get_by_test_id("name")
    expect(name).to_have_value("")
    tap_text(page, "JAN SMITX")
    page.get_by_test_id("key-backspace").tap()
    tap_text(page, "H")
    expect(name).to_have_value("Jan Smith")
    shot(page, "resident-05-naam")
    tap_and_load(page, "next")
    expect(page.get_by_test_id("summary-name")).to_have_text("Jan Smith")
    tap_and_load(page, "change-phone")
    tap_digits(page, "0612345678")
    expect(page.get_by_test_id("phone")).to_have_value("0612345678")
    shot(page, "resident-06-telefoon")
    # Terug keeps what was typed, Verander opens it again.
    tap_and_load(page, "back")
    tap_and_load(page, "change-phone")
    expect(page.get_by_test_id("phone")).to_have_value("0612345678")
    tap_and_load(page, "next")

    summary = page.get_by_test_id("summary")
    expect(page.get_by_role("heading", name="Klopt dit?")).to_be_visible()
    expect(page.get_by_test_id("step-count")).to_have_text("Stap 2 van 2")
    expect(page.get_by_test_id("summary-what")).to_contain_text(TITLE)
    for expected in ("Jan Smith", "06-12345678", "3"):
        expect(summary).to_contain_text(expected)
    shot(page, "resident-07-controle")

    tap_and_load(page, "confirm")
    expect(page.get_by_role("heading", name="U bent aangemeld!")).to_be_visible()
    code = signup_code(kiosk, page)
    expect(page.get_by_test_id("ticket-code")).to_have_text(codes.display_code(code))
    expect(page.get_by_test_id("done")).not_to_contain_text("Jan Smith")
    shot(page, "resident-08-done")

    receipt = ticket_with(printer, code)
    for text in ("AANMELDING", TITLE, "Naam: Jan Smith", "3 personen"):
        receipt.find(text)
    assert receipt.find(codes.display_code(code)).style.width >= 4  # very large
    db = kiosk.db()
    assert receipt.qr_contents() == [tickets.ticket_qr(db, code)]
    db.close()

    tap_and_load(page, "finish")
    expect(page.get_by_role("heading", name="Wat is er te doen?")).to_be_visible()


def test_name_keyboard_writes_family_name_particles_small(kiosk, kiosk_page):
    page = kiosk_page
    page.goto(kiosk.url + "/")
    with page.expect_navigation():
        page.get_by_test_id("activity-card").filter(has_text=TITLE).tap()
    tap_and_load(page, "join")
    tap_and_load(page, "alone")
    tap_and_load(page, "change-name")
    name = page.get_by_test_id("name")
    tap_text(page, "JAN VAN 'T HOF")
    expect(name).to_have_value("Jan van 't Hof")
    for _ in range(len("Jan van 't Hof")):
        page.get_by_test_id("key-backspace").tap()
    tap_text(page, "VAN DER BERG-DE WIT")  # a first word stays capital: the surname alone
    expect(name).to_have_value("Van der Berg-De Wit")


def test_bent_u_er_nog_warns_extends_and_resets(kiosk, kiosk_page):
    page = kiosk_page
    page.goto(kiosk.url + "/activiteit/soep")
    # The real timing: 90 s in all, the warning 30 s before the reset.
    timing = page.evaluate("[buurtkioskIdle.idleSeconds, buurtkioskIdle.warnSeconds]")
    assert timing == [90, 30]

    kiosk.set_setting("idle_seconds", "4")  # warning after 2 s, reset 2 s later
    try:
        page.goto(kiosk.url + "/activiteit/soep/aanmelden")
        tap_and_load(page, "alone")
        tap_and_load(page, "change-name")
        tap_text(page, "ANS")
        warning = page.get_by_test_id("still-there")
        expect(warning).to_be_visible(timeout=4_000)
        expect(warning).to_contain_text("Bent u er nog?")
        shot(page, "resident-08-bent-u-er-nog")

        page.get_by_test_id("still-there-yes").tap()  # one tap is enough ...
        expect(warning).to_be_hidden()
        expect(page.get_by_test_id("name")).to_have_value("Ans")  # ... and types nothing
        expect(warning).to_be_visible(timeout=4_000)  # and it can come again
        warned = time.monotonic()
        page.wait_for_url(kiosk.url + "/", timeout=8_000)
        assert time.monotonic() - warned > 1.5  # the warning stayed up before the reset
        expect(page.get_by_role("heading", name="Wat is er te doen?")).to_be_visible()
    finally:
        kiosk.set_setting("idle_seconds", "90")


def test_unplugged_printer_keeps_the_signup_and_prints_later(kiosk, kiosk_page):
    port = free_port()
    kiosk.set_setting("printer", f"tcp://127.0.0.1:{port}")  # nothing listens: unplugged
    try:
        page = kiosk_page
        page.goto(kiosk.url + "/activiteit/soep/aanmelden")
        tap_and_load(page, "alone")
        tap_and_load(page, "confirm")
        expect(page.get_by_role("heading", name="U bent aangemeld!")).to_be_visible()
        code = signup_code(kiosk, page)
        expect(page.get_by_test_id("ticket-code")).to_have_text(codes.display_code(code))

        signup_id = page.url.rsplit("/", 1)[-1]
        def job() -> dict[str, Any]:
            return kiosk.query("SELECT * FROM print_jobs WHERE signup_id = ?", [signup_id])[0]

        wait_until(lambda: job()["attempts"] >= 1)  # the worker tried, and failed
        assert job()["status"] == "pending" and job()["last_error"]

        with FakePrinter(port) as printer:  # plugged back in
            db = kiosk.db()
            try:
                with write_transaction(db):
                    retry_now(db)
            finally:
                db.close()
            kiosk.app.extensions["print_worker"].wake()
            receipt = ticket_with(printer, code)
        receipt.find("AANMELDING")
        wait_until(lambda: job()["status"] == "printed")  # marked after the last byte went
    finally:
        kiosk.set_setting("printer", "dummy://")


def test_double_tap_on_ja_makes_one_signup(kiosk, kiosk_page):
    page = kiosk_page
    before = kiosk.query("SELECT COUNT(*) AS n FROM signups")[0]["n"]
    page.goto(kiosk.url + "/activiteit/soep/aanmelden")
    tap_and_load(page, "alone")
    # Two taps faster than the page can change, as a shaky finger does.
    page.get_by_test_id("confirm").evaluate("button => { button.click(); button.click(); }")
    expect(page.get_by_test_id("ticket-code")).to_be_visible()
    assert kiosk.query("SELECT COUNT(*) AS n FROM signups")[0]["n"] == before + 1


def test_full_activity_goes_to_the_waitlist(kiosk, kiosk_page):
    page = kiosk_page
    page.goto(kiosk.url + "/")
    full = page.get_by_test_id("activity-card").filter(has_text="Vol — wel wachtlijst").first
    shown = 1
    while not full.is_visible():
        shown += 1
        tap_and_load(page, "next-page")
        expect(page.get_by_test_id("page-count")).to_contain_text(f"Bladzijde {shown}")
    with page.expect_navigation():
        full.tap()
    expect(page.get_by_test_id("seats")).to_contain_text("Vol.")
    tap_and_load(page, "join")
    tap_and_load(page, "alone")
    # "Klopt dit?" says why the number is needed, and its button opens the pad.
    expect(page.get_by_test_id("waitlist")).to_contain_text("telefoonnummer nodig")
    shot(page, "resident-07b-controle-nummer-nodig")
    tap_and_load(page, "confirm")
    tap_digits(page, "0201234567")
    tap_and_load(page, "next")
    expect(page.get_by_test_id("waitlist")).to_contain_text("U komt op de wachtlijst")
    expect(page.get_by_test_id("confirm")).to_contain_text("wachtlijst")
    expect(page.get_by_test_id("summary-phone")).to_have_text("020-1234567")
    shot(page, "resident-07c-controle-wachtlijst")
    tap_and_load(page, "confirm")
    expect(page.get_by_role("heading", name="U staat op de wachtlijst")).to_be_visible()


def test_error_screens_fit_too(kiosk, kiosk_page):
    page = kiosk_page
    page.goto(kiosk.url + "/activiteit/bestaat-niet")
    expect(page.get_by_role("heading", name="Deze pagina is er niet (meer)")).to_be_visible()
    shot(page, "resident-09-niet-gevonden")
    page.goto(kiosk.url + "/activiteit/soep/aanmelden")
    tap_and_load(page, "alone")
    tap_and_load(page, "change-name")
    page.get_by_test_id("name").evaluate("input => { input.value = '<b>Jan</b>'; }")
    tap_and_load(page, "next")
    expect(page.get_by_test_id("error")).to_contain_text("alleen letters")
    shot(page, "resident-10-naam-fout")


def test_empty_agenda_screen(live_server, kiosk_page):
    """The shared live_server fixture: an empty database of its own."""
    kiosk_page.goto(live_server.url + "/")
    expect(kiosk_page.get_by_test_id("empty")).to_contain_text("geen activiteiten")
    expect(kiosk_page.get_by_test_id("next-page")).to_be_hidden()
    shot(kiosk_page, "resident-00-lege-agenda")
