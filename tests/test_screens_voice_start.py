""""Aanmelden met uw stem" stands among the start and activity screens' own buttons (in the
top bar, beside Mijn kaartje, Wat mist u?, Hulp, Grotere letters and Lees voor, it did not
fit the 7" screens). With a microphone and a speech model, as on a kiosk, and with the
longest texts an agenda brings (a title of three lines, a long place, the longest date),
both screens fit every screen size, with and without the largest letters."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from kiosk.core.agenda import Activity, save_activity
from kiosk.core.db import write_transaction
from tests.browser import LiveServer, start_live_server
from tests.conftest import longest_day
from tests.test_screens import (  # noqa: F401  (fixtures, found by name)
    Visit,
    axe,
    browser_fixture,
    visit,
)
from tests.voice_support import ScriptedStandIn

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

LONG_TITLE = "Koffieochtend met de wijkagent en de buurtregisseur van Zuid"
LONG_PLACE = "Wijkcentrum Ferdinand Bolstraat, grote zaal achter"
# No microphone in a test machine: the page is told there is one, as on a kiosk (tts.js
# hides the button where there is none).
A_MICROPHONE = """navigator.mediaDevices.enumerateDevices = async () =>
    [{kind: "audioinput", deviceId: "usb", groupId: "usb", label: "USB-microfoon"}];"""


# Whether the activity would fit with one step less given way (activity.js): False where
# a step was needed, None where none was taken.
FITS_ONE_STEP_LESS = """a => {
  const step = parseInt(a.dataset.fit || "0", 10);
  if (!step) return null;
  if (step > 1) a.dataset.fit = String(step - 1); else delete a.dataset.fit;
  const fits = a.scrollHeight <= a.clientHeight + 1;
  a.dataset.fit = String(step);
  return fits;
}"""


@pytest.fixture(scope="module")
def kiosk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_live_server(
        tmp_path_factory.mktemp("voice-start") / "kiosk.db",
        settings={"printer": "dummy://", "idle_seconds": "90"},
        VOICE_ENGINE=ScriptedStandIn(),
    )
    db = server.db()
    try:
        with write_transaction(db):
            for number in range(4):
                starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=number + 1)
                save_activity(db, Activity(
                    id=f"lang{number}", title=LONG_TITLE, starts_at=starts,
                    ends_at=starts + timedelta(hours=2), stadsdorp="Stadsdorp Zuid",
                    location_name=LONG_PLACE, address="Ferdinand Bolstraat 123-125",
                    capacity=40, price="€ 2,50 (koffie en thee inbegrepen)",
                    contact="020 123 45 67", category="eten",
                    description="Samen koffie drinken en praten over de buurt. " * 4,
                ))
            save_activity(db, Activity(
                id="verweg", title=LONG_TITLE, starts_at=longest_day(),
                stadsdorp="Stadsdorp Zuid", location_name=LONG_PLACE, capacity=40,
                price="€ 2,50 (koffie en thee inbegrepen)",
            ))
    finally:
        db.close()
    yield server
    server.stop()


@pytest.mark.parametrize("letters", ["", "2"], ids=["gewone-letters", "grootste-letters"])
def test_voice_start_fits_the_start_and_activity_screens(
    kiosk: LiveServer, visit: Visit, letters: str  # noqa: F811  (the fixture)
) -> None:
    page = visit.page
    page.add_init_script(A_MICROPHONE)
    if letters:  # tapped on the start screen before: kiosk.js keeps it for this resident
        page.add_init_script(f"sessionStorage.setItem('letters', '{letters}')")
    kind = f"letters{letters}" if letters else "gewoon"
    page.goto(kiosk.url + "/")
    start = page.get_by_test_id("voice-start")
    expect(start).to_be_visible()
    assert start.get_attribute("href") == "/stem"
    expect(page.get_by_test_id("activity-card").first).to_be_visible()
    visit.check(f"40-start-met-stem-{kind}")
    visit.tap("next-page")  # page 2 has Vorige too, beside the agenda on the short screens
    expect(page.get_by_test_id("previous-page")).to_be_visible()
    expect(start).to_be_visible()
    visit.check(f"40-start-met-stem-bladzijde-2-{kind}")
    # The longest activity (a title of three lines, a place and an address, a price and a
    # description; activity.js lets the description give way where that is too much) and
    # the long title with the longest date.
    for activity_id in ("lang0", "verweg"):
        page.goto(kiosk.url + f"/activiteit/{activity_id}")
        button = page.get_by_test_id("voice-start")
        expect(button).to_be_visible()
        assert button.get_attribute("href") == f"/stem?activiteit={activity_id}"
        visit.check(f"41-activiteit-met-stem-{activity_id}-{kind}")
        # Only as much gives way as must: one step less would not fit.
        assert page.locator("[data-fit-activity]").evaluate(FITS_ONE_STEP_LESS) is not True
    page.goto(kiosk.url + "/activiteit/lang0")
    if visit.screen.name.startswith("10inch") and not letters:  # the screen it is made for
        assert page.locator("[data-fit-activity]").get_attribute("data-fit") is None
        expect(page.locator(".description")).to_be_visible()
