"""The spoken wish in headless Chromium with a fake microphone: the page's capture code
(static/voice.js, the signup's own) sends what Chromium "hears" from an espeak-ng WAV to
/wens/stem/luister, where it is fed to the kiosk's recognizer with the wish step's
grammar, and the answer moves the wish dialog on.

Recognition itself is ScriptedStandIn (tests/voice_support.py), as in the signup's
browser test: there is no Dutch model on these machines, and the Korean test model knows
none of the wish words. The audio still travels the whole real path, and the stand-in
keeps what arrived (the PCM and the grammar) for the test to check.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser import (
    CHROMIUM,
    chromium_available,
    launch_chromium,
    new_kiosk_page,
    screen_problems,
    screenshot,
    start_live_server,
)
from tests.parts import missing
from tests.voice_support import ScriptedStandIn, spoken_wav
from voice.audio import to_wav

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = "0612345678"


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    if not chromium_available():
        missing(f"no Chromium at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as running:
        yield running


def fake_microphone_args(wav: Path) -> list[str]:
    return [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}%noloop",  # restarts on each capture
        "--autoplay-policy=no-user-gesture-required",
    ]


def said_aloud(page: Any) -> list[str]:
    """Answer read-aloud with 0.1 s of silence (the kiosk's voice is tested in
    test_tts.py), and keep each text the page asked to have said."""
    texts: list[str] = []
    silence = to_wav(b"\0\0" * 1600)

    def fulfil(route: Any) -> None:
        texts.append(parse_qs(urlparse(route.request.url).query).get("tekst", [""])[0])
        route.fulfill(status=200, content_type="audio/wav", body=silence)

    page.route("**/stem/spraak*", fulfil)
    return texts


def wait_for_step(page: Any, step: str) -> None:
    page.wait_for_selector(f"[data-testid=wish-panel][data-step={step}]", timeout=30_000)


def test_a_spoken_offer_reaches_the_recognizer_and_moves_the_dialog(
    playwright: Any, tmp_path: Path
) -> None:
    said = spoken_wav("ja", tmp_path / "ja.wav", voice="nl", rate=44100, before=0.4, after=2.0)
    stand_in = ScriptedStandIn(["ik kan mensen naar de dokter rijden", "in de middag", "ja"])
    server = start_live_server(tmp_path / "kiosk.db", VOICE_ENGINE=stand_in)
    browser = launch_chromium(playwright, args=fake_microphone_args(said))
    try:
        page = new_kiosk_page(browser)
        said_aloud(page)
        # From the wish's first touch screen, as a resident finds it.
        page.goto(server.url + "/wens/help")
        page.get_by_test_id("voice-start").click()
        page.wait_for_url("**/wens/help/stem")
        wait_for_step(page, "day_part")
        assert "Vervoer" in page.get_by_test_id("wish-heard").inner_text()
        wait_for_step(page, "callback")
        assert "middag" in page.get_by_test_id("wish-heard").inner_text()
        wait_for_step(page, "phone")
        page.wait_for_selector("[data-testid=phone]", state="visible")
        # The number is typed; the microphone stays closed at this step.
        page.wait_for_selector("[data-testid=voice-status][data-mode=idle]")
        screenshot(page, "wish-voice-phone-after-spoken-yes")
        problems = [p for p in screen_problems(page) if "voice-level" not in p]
        assert problems == [], problems
        assert "gesprek" not in page.url
        for digit in PHONE:
            page.get_by_test_id(f"digit-{digit}").tap()
        page.get_by_test_id("phone-done").click()
        page.wait_for_selector("[data-testid=wish-next]", timeout=15_000)
        assert "belt u" in page.get_by_test_id("wish-next").inner_text()
    finally:
        browser.close()
        server.stop()

    [row] = server.query("SELECT * FROM wishes WHERE channel = 'voice'")
    assert (row["kind"], row["categories"], row["day_parts"], row["phone"]) == (
        "offer", '["vervoer"]', '["middag"]', PHONE)  # fmt: skip
    # Three utterances, each 16 kHz PCM of a plausible length, through the real path;
    # none at the phone step.
    assert len(stand_in.heard_audio) == 3
    seconds = [len(pcm) / 32000 for pcm in stand_in.heard_audio]
    assert all(0.8 < s < 10.5 for s in seconds), seconds
    # Each step's own grammar: the tiles' words, then the day parts, then yes and no.
    topics, day_parts, callback = (set(g or ()) for g in stand_in.grammars)
    assert {"vervoer", "boodschappen", "wandelen"} <= topics and "ochtend" not in topics
    assert {"ochtend", "middag", "avond", "maakt niet uit"} <= day_parts
    assert "vervoer" not in day_parts
    assert {"ja", "nee"} <= callback and "middag" not in callback
    assert "stop" in topics & day_parts  # commands at every step


def test_two_misheard_answers_go_on_by_touch(playwright: Any, tmp_path: Path) -> None:
    said = spoken_wav("hallo", tmp_path / "hallo.wav", voice="nl", rate=44100,
                      before=0.4, after=2.0)  # fmt: skip
    stand_in = ScriptedStandIn(["eh", "hmm"])
    server = start_live_server(tmp_path / "kiosk.db", VOICE_ENGINE=stand_in)
    browser = launch_chromium(playwright, args=fake_microphone_args(said))
    try:
        page = new_kiosk_page(browser)
        texts = said_aloud(page)
        page.goto(server.url + "/wens/mis/stem")
        page.wait_for_url("**/wens/mis", timeout=30_000)  # the touch tiles
        page.get_by_test_id("tiles").wait_for()
        assert any("Tik het maar op het scherm" in t for t in texts), texts
    finally:
        browser.close()
        server.stop()
    assert len(stand_in.heard_audio) == 2
    assert server.query("SELECT * FROM wishes") == []


def test_no_microphone_is_said_once_and_the_wish_goes_on_by_touch(
    playwright: Any, tmp_path: Path
) -> None:
    stand_in = ScriptedStandIn(["wandelen"])
    server = start_live_server(tmp_path / "kiosk.db", VOICE_ENGINE=stand_in)
    # No fake device: this Chromium has no microphone at all.
    browser = launch_chromium(playwright, args=["--autoplay-policy=no-user-gesture-required"])
    try:
        page = new_kiosk_page(browser)
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        texts = said_aloud(page)
        page.goto(server.url + "/wens/mis/stem")
        page.wait_for_url("**/wens/mis", timeout=30_000)
        page.get_by_test_id("tiles").wait_for()
        page.wait_for_timeout(500)
    finally:
        browser.close()
        server.stop()
    assert [t for t in texts if "microfoon" in t] == [
        "De microfoon doet het niet. U kunt verder door op het scherm te tikken."]
    assert stand_in.heard_audio == [] and errors == []
