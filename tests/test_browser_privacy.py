"""Privacy on the shared screen, in headless Chromium: nothing one resident typed reaches
the next (Back, history), and a volunteer's copied cookie dies with the sign-out."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kiosk.core.agenda import Activity, save_activity
from kiosk.core.db import write_transaction
from tests.browser import (
    LiveServer,
    browser_fixture,  # noqa: F401  (fixtures, found by name)
    kiosk_page_fixture,  # noqa: F401
    start_live_server,
)

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

NAME, PHONE = "Henk Vermeer", "0687654321"


@pytest.fixture(scope="module")
def kiosk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_live_server(tmp_path_factory.mktemp("privacy") / "kiosk.db")
    db = server.db()
    try:
        with write_transaction(db):
            save_activity(db, Activity(
                id="soep", title="Soep en verhalen", stadsdorp="Stadsdorp Zuid",
                starts_at=datetime.now(UTC) + timedelta(days=1), capacity=20,
                location_name="Buurthuis De Pijp",
            ))
    finally:
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
    for ch in NAME.upper():
        page.get_by_test_id("key-space" if ch == " " else f"key-{ch}").tap()
    tap_and_load(page, "next")
    for digit in PHONE:
        page.get_by_test_id(f"digit-{digit}").tap()
    tap_and_load(page, "next")
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
