"""Privacy on the shared screen, in headless Chromium: nothing one resident typed reaches
the next (Back, history), and a volunteer's copied cookie dies with the sign-out."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kiosk.core import pins
from kiosk.core.agenda import Activity, save_activity
from kiosk.core.db import write_transaction
from tests.browser import (
    LiveServer,
    browser_fixture,  # noqa: F401  (fixtures, found by name)
    kiosk_page_fixture,  # noqa: F401
    new_kiosk_page,
    start_live_server,
)
from tests.desk_helpers import VOLUNTEER_PIN, set_pins

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

NAME, PHONE = "Henk Vermeer", "0687654321"


@pytest.fixture(scope="module")
def kiosk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_live_server(tmp_path_factory.mktemp("privacy") / "kiosk.db")
    db = server.db()
    original = pins.HASH_METHOD
    pins.HASH_METHOD = "pbkdf2:sha256:1000"  # fast hashes; scrypt is tested in test_auth
    try:
        set_pins(db)
        with write_transaction(db):
            save_activity(db, Activity(
                id="soep", title="Soep en verhalen", stadsdorp="Stadsdorp Zuid",
                starts_at=datetime.now(UTC) + timedelta(days=1), capacity=20,
                location_name="Buurthuis De Pijp",
            ))
    finally:
        pins.HASH_METHOD = original
        db.close()
    yield server
    server.stop()


def tap_and_load(page: Any, test_id: str) -> None:
    with page.expect_navigation():
        page.get_by_test_id(test_id).first.tap()


def shown(page: Any) -> str:
    """Everything the screen holds once it has settled (a page restored from history may
    send itself to the start): its text and the values of its fields."""
    for _ in range(20):
        page.wait_for_timeout(150)
        page.wait_for_load_state()
        try:
            return page.evaluate(
                "() => document.body.innerText + ' ' + "
                "[...document.querySelectorAll('input')].map(i => i.value).join(' ')"
            )
        except Exception:  # noqa: BLE001 - navigating away just now; look again
            continue
    raise AssertionError("the screen never settled")


def test_back_after_a_touch_signup_never_shows_the_name(kiosk, kiosk_page):
    page = kiosk_page
    page.goto(kiosk.url + "/")
    page.goto(kiosk.url + "/activiteit/soep/aanmelden")
    tap_and_load(page, "alone")  # "Ik kom alleen": straight to "Klopt dit?"
    tap_and_load(page, "change-name")
    for ch in NAME.upper():
        page.get_by_test_id("key-space" if ch == " " else f"key-{ch}").tap()
    tap_and_load(page, "next")
    tap_and_load(page, "change-phone")
    for digit in PHONE:
        page.get_by_test_id(f"digit-{digit}").tap()
    tap_and_load(page, "next")
    assert NAME in shown(page)  # "Klopt dit?": the resident's own summary
    tap_and_load(page, "confirm")
    expect(page.get_by_test_id("ticket-code")).to_be_visible()
    assert NAME not in shown(page)

    # The next resident presses Back (a mouse button, Alt+Left) as far as it goes.
    for _ in range(6):
        # Playwright may report a "resubmit the form?" page as an error: no name there either.
        with contextlib.suppress(Exception):
            page.go_back(wait_until="load")
        text = shown(page)
        assert "Vermeer" not in text and PHONE not in text, page.url
    # Forward again through the same history: still nothing.
    for _ in range(6):
        with contextlib.suppress(Exception):
            page.go_forward(wait_until="load")
        text = shown(page)
        assert "Vermeer" not in text and PHONE not in text, page.url
    [row] = kiosk.query("SELECT name FROM signups")
    assert row["name"] == NAME  # one signup, the replays made none


def test_resident_pages_are_not_stored_by_the_browser(kiosk, kiosk_page):
    response = kiosk_page.goto(kiosk.url + "/activiteit/soep/aanmelden")
    assert response.headers["cache-control"] == "no-store"


def test_a_copied_cookie_fails_after_sign_out(kiosk, browser):
    desk = new_kiosk_page(browser)
    thief = new_kiosk_page(browser)
    try:
        desk.goto(kiosk.url + "/vrijwilliger/pincode")
        desk.get_by_test_id("pin-name").fill("Marieke")
        desk.get_by_test_id("pin-input").fill(VOLUNTEER_PIN)
        with desk.expect_navigation():
            desk.get_by_test_id("pin-input").press("Enter")
        assert desk.url.endswith("/vrijwilliger/")

        thief.context.add_cookies(desk.context.cookies())
        thief.goto(kiosk.url + "/vrijwilliger/")
        assert thief.url.endswith("/vrijwilliger/")  # a copy works while the desk is open

        desk.goto(kiosk.url + "/vrijwilliger/afsluiten")  # "Stoppen"
        thief.goto(kiosk.url + "/vrijwilliger/activiteiten")
        assert "/vrijwilliger/pincode" in thief.url
        # A state-changing request with the copy, from the kiosk's own origin, is refused too.
        status = thief.evaluate(
            """async () => (await fetch('/vrijwilliger/invoeren/strook', {method: 'POST',
                 body: new URLSearchParams({scan: '7KQ4MX'}), redirect: 'manual'})).type"""
        )
        assert status == "opaqueredirect"  # to the PIN page, not the desk
        assert kiosk.query("SELECT COUNT(*) AS n FROM desk_sessions")[0]["n"] == 0
    finally:
        desk.context.close()
        thief.context.close()
