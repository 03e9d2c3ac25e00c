"""Voice signup in headless Chromium with a fake microphone: Chromium plays a WAV made by
espeak-ng as if someone spoke into the kiosk (--use-file-for-fake-audio-capture).

- The capture path, for real: the page's own code downsamples the device audio to 16 kHz,
  sends it in pieces, and the real Vosk engine (the Korean test model) recognizes it
  through a grammar and moves the real dialog on.
- A whole voice signup, ending with the ticket's bytes at a TCP printer: with the Dutch
  model when BUURTKIOSK_VOSK_MODEL has one; otherwise with ScriptedStandIn — the only
  stand-in, which replaces recognition only (audio still flows through the real path).
"""

from __future__ import annotations

import json
import time
import wave
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.core import codes
from kiosk.core.agenda import Activity, save_activity
from kiosk.core.db import write_transaction
from kiosk.ops.demo import load_demo
from tests.browser import (
    CHROMIUM,
    SCREENS,
    LiveServer,
    Screen,
    chromium_available,
    clipped_text,
    launch_chromium,
    new_kiosk_page,
    screen_problems,
    screenshot,
    start_live_server,
)
from tests.escpos_decode import decode
from tests.escpos_listener import FakePrinter
from tests.parts import missing
from tests.voice_support import (
    KoreanTestLanguage,
    ScriptedStandIn,
    dutch_model_path,
    korean_model_path,
    spoken_wav,
)
from voice import dialog
from voice.audio import to_wav
from voice.recognizer import shared_recognizer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FIRST = "soep"
FIRST_TITLE = "Soep en verhalen"


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    """Playwright itself: each test starts its own Chromium, with its own microphone file."""
    if not chromium_available():
        missing(f"no Chromium at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as running:
        yield running


def fake_microphone_args(wav: Path) -> list[str]:
    return [
        "--use-fake-ui-for-media-stream",  # no permission prompt
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}%noloop",  # restarts on each capture
        "--autoplay-policy=no-user-gesture-required",  # as the kiosk's Chromium runs
    ]


def add_agenda(server: LiveServer) -> None:
    """The demo agenda plus one activity that is sure to be number 1."""
    db = server.db()
    try:
        load_demo(db, "voice-kiosk")
        with write_transaction(db):
            now = datetime.now(UTC).replace(second=0, microsecond=0)
            starts = now + timedelta(minutes=30 - now.minute % 15)
            save_activity(db, Activity(
                id=FIRST, title=FIRST_TITLE, short_name="soep", starts_at=starts,
                ends_at=starts + timedelta(hours=2), stadsdorp="Stadsdorp Zuid",
                location_name="Buurthuis De Pijp", capacity=20, contact="020 123 45 67",
            ))  # fmt: skip
    finally:
        db.close()


def silent_speech(page: Any) -> None:
    """Answer "Lees voor" audio with 0.1 s of silence: the kiosk's voice is tested for real
    in the capture test and in test_tts.py; here it would only make the test slow."""
    silence = to_wav(b"\0\0" * 1600)
    page.route("**/stem/spraak*", lambda route: route.fulfill(
        status=200, content_type="audio/wav", body=silence))  # fmt: skip


def step_of(page: Any) -> str:
    return page.locator("[data-testid=voice-panel]").get_attribute("data-step")


def wait_for_step(page: Any, step: str, timeout: float = 30) -> None:
    page.wait_for_selector(f"[data-testid=voice-panel][data-step={step}]", timeout=timeout * 1000)


# --- the capture path with the real engine ---------------------------------------------------


@pytest.fixture(scope="module")
def korean_kiosk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    model = korean_model_path()
    # The recognizer's worker loaded and proved the model before the page asks, as the
    # kiosk does at start.
    assert shared_recognizer(model).wait_ready().ready
    root = tmp_path_factory.mktemp("voice-ko")
    server = start_live_server(
        root / "kiosk.db", settings={"vosk_model": model},
        VOICE_LANGUAGE=KoreanTestLanguage(), VOICE_RECORD_DIR=str(root / "opnames"),
    )  # fmt: skip
    add_agenda(server)
    yield server
    server.stop()


def test_browser_capture_reaches_the_real_engine_as_16khz_mono(
    playwright: Any, korean_kiosk: LiveServer, tmp_path: Path
) -> None:
    # 48 kHz stereo at the "microphone": the page has to bring it down itself.
    yes = spoken_wav("네", tmp_path / "ne.wav", rate=48000, channels=2, before=0.6, after=2.5)
    browser = launch_chromium(playwright, args=fake_microphone_args(yes))
    try:
        page = new_kiosk_page(browser)
        answers: list[dict[str, Any]] = []

        def keep(response: Any) -> None:
            if response.url.endswith("/stem/luister"):
                answers.append(response.json())

        page.on("response", keep)
        # The level meter: remember how far it moved while listening.
        page.add_init_script("""
            window.__levels = [];
            new MutationObserver(() => {
              const bar = document.getElementById('voice-level-bar');
              if (bar) window.__levels.push(parseFloat(bar.style.width) || 0);
            }).observe(document, {subtree: true, attributes: true, attributeFilter: ['style']});
        """)
        page.goto(f"{korean_kiosk.url}/activiteit/{FIRST}")
        page.get_by_test_id("voice-start").click()
        wait_for_step(page, "confirm_activity", timeout=10)
        page.wait_for_selector("[data-testid=voice-status][data-mode=listening]", timeout=30_000)
        screenshot(page, "voice-listening")
        wait_for_step(page, "name", timeout=30)
        screenshot(page, "voice-heard-yes")
        assert page.get_by_test_id("voice-name").input_value() == ""  # yes is not a name
        levels = page.evaluate("window.__levels")
    finally:
        browser.close()

    final = answers[-1]
    assert final["recognized"] == final["heard"] == "네", final
    assert final["step"] == "name"
    assert all("partial" in a for a in answers[:-1]) and len(answers) >= 3  # streamed in pieces
    assert max(levels) > 20  # the meter moved with the voice

    recordings = sorted((Path(korean_kiosk.app.config["VOICE_RECORD_DIR"])).glob("*.wav"))
    assert len(recordings) == 1
    with wave.open(str(recordings[0])) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (16000, 1, 2)
        seconds = wav.getnframes() / wav.getframerate()
    # Speech (~0.4 s) after 0.6 s, then the first 0.3 s of the silence; a second of silence
    # ends it, and the rest of that second is never sent (with it, this would be over 1.9 s).
    assert 1.0 < seconds < 1.7, seconds
    timing = final["timing"]  # reported for the log; bench/bench_voice.py measures speed
    assert timing["audio_seconds"] == pytest.approx(seconds, abs=0.01), timing


# --- a whole signup by voice, to the printed ticket ----------------------------------------


DUTCH_SCRIPT = [
    ("activity", "nummer één"),
    ("confirm_activity", "ja"),
    ("name", "jan de vries"),
    ("confirm_name", "ja"),
    ("party_size", "twee personen"),
    ("confirm", "ja"),
]


@pytest.fixture(scope="module")
def printer() -> Iterator[FakePrinter]:
    with FakePrinter() as fake:
        yield fake


def _signup_kiosk(root: Path, printer: FakePrinter, **config: Any) -> LiveServer:
    server = start_live_server(
        root / "kiosk.db", settings={"printer": printer.url}, start_workers=True, **config
    )
    add_agenda(server)
    return server


def _ticket_with(printer: FakePrinter, code: str) -> Any:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for data in printer.jobs:
            receipt = decode(data)
            if any(codes.display_code(code) in line for line in receipt.texts):
                return receipt
        time.sleep(0.1)
    raise AssertionError(f"no ticket with {code} among {len(printer.jobs)} jobs")


def test_whole_voice_signup_prints_the_ticket(
    playwright: Any, printer: FakePrinter, tmp_path: Path
) -> None:
    dutch = dutch_model_path()
    if dutch:
        pytest.skip("a Dutch model is present: test_whole_voice_signup_in_dutch runs instead")
    # Any speech will do for the microphone: the stand-in decides what was "said".
    said = spoken_wav("ja", tmp_path / "ja.wav", voice="nl", rate=44100, before=0.4, after=2.0)
    stand_in = ScriptedStandIn([text for _, text in DUTCH_SCRIPT])
    server = _signup_kiosk(tmp_path, printer, VOICE_ENGINE=stand_in)
    browser = launch_chromium(playwright, args=fake_microphone_args(said))
    try:
        page = new_kiosk_page(browser)
        silent_speech(page)
        page.goto(server.url + "/")
        page.get_by_test_id("voice-start").click()
        for step, _ in DUTCH_SCRIPT:
            wait_for_step(page, step) if step != "done" else None
            shot = screenshot(page, f"voice-step-{step}")
            assert shot.exists()
            problems = [p for p in screen_problems(page) if "voice-level" not in p]
            assert problems == [], f"{step}: {problems}"
        page.wait_for_selector("[data-testid=ticket-code]", timeout=30_000)
        code = page.get_by_test_id("ticket-code").inner_text().replace("-", "").strip()
        screenshot(page, "voice-done")
        # Back, as the next resident might: no name in the page, none in any address.
        history = page.evaluate("() => history.length")
        page.go_back()
        page.wait_for_load_state()
        page.wait_for_timeout(500)
        assert "Jan de Vries" not in page.content() and "Vries" not in page.url
        assert "staat" not in page.url and history >= 2
    finally:
        browser.close()
        server.stop()

    rows = server.query("SELECT * FROM signups WHERE channel = 'voice'")
    assert len(rows) == 1
    signup = rows[0]
    assert (signup["activity_id"], signup["name"], signup["party_size"]) == (
        FIRST,
        "Jan de Vries",
        2,
    )
    assert signup["code"] == code
    ticket = _ticket_with(printer, signup["code"])
    assert ticket.find("Jan de Vries")
    # Every utterance arrived as 16 kHz PCM of plausible length, through the real path.
    assert len(stand_in.heard_audio) == len(DUTCH_SCRIPT)
    lengths = [len(pcm) / 32000 for pcm in stand_in.heard_audio]
    # (The first may begin late on a busy machine: the microphone opens while it speaks.)
    assert all(0.5 < s < 10.5 for s in lengths), lengths
    # Grammar steps got phrase lists, the name step free recognition.
    assert stand_in.grammars[2] is None
    assert any("nummer een" in p or "nummer één" in p for p in stand_in.grammars[0] or ())


def test_whole_voice_signup_in_dutch(playwright: Any, printer: FakePrinter, tmp_path: Path) -> None:
    """With the product's Dutch model: every answer is espeak-ng Dutch audio, recognized by
    Vosk. Chromium restarts the fake microphone file on each capture, so each step gets its
    own browser, going on with the dialog through its id (the cookie, carried over)."""
    dutch = dutch_model_path()
    if not dutch:
        pytest.skip("no Dutch model (set BUURTKIOSK_VOSK_MODEL to vosk-model-small-nl-0.22)")
    server = _signup_kiosk(tmp_path, printer)
    server.set_setting("vosk_model", dutch)
    url = server.url + "/stem"
    cookies: list[Any] = []
    try:
        for step, text in DUTCH_SCRIPT:
            wav = spoken_wav(text, tmp_path / f"{step}.wav", voice="nl", rate=44100,
                             before=0.4, after=2.0)  # fmt: skip
            browser = launch_chromium(playwright, args=fake_microphone_args(wav))
            try:
                page = new_kiosk_page(browser)
                page.context.add_cookies(cookies)
                silent_speech(page)
                page.goto(url)
                wait_for_step(page, step, timeout=10)
                page.wait_for_function(
                    "() => location.pathname.startsWith('/aangemeld') || document"
                    f".querySelector('[data-testid=voice-panel]').dataset.step !== '{step}'",
                    timeout=30_000,
                )
                url = page.url
                cookies = page.context.cookies()
            finally:
                browser.close()
        assert "/aangemeld/" in url, url
    finally:
        server.stop()
    signup = server.query("SELECT * FROM signups WHERE channel = 'voice'")[0]
    assert signup["party_size"] == 2
    _ticket_with(printer, signup["code"])


def test_two_misunderstood_answers_fall_back_to_touch(
    playwright: Any, printer: FakePrinter, tmp_path: Path
) -> None:
    said = spoken_wav(
        "hallo", tmp_path / "hallo.wav", voice="nl", rate=44100, before=0.4, after=2.0
    )
    stand_in = ScriptedStandIn(["eh", "hmm"])  # nothing in the grammar
    server = _signup_kiosk(tmp_path, printer, VOICE_ENGINE=stand_in)
    browser = launch_chromium(playwright, args=fake_microphone_args(said))
    try:
        page = new_kiosk_page(browser)
        silent_speech(page)
        page.goto(server.url + "/stem")
        page.wait_for_selector("[data-testid=voice-notice]:has-text('Tik maar op het scherm')",
                               timeout=30_000)  # fmt: skip
        assert step_of(page) == "activity"
        assert len(stand_in.heard_audio) == 2
        # The microphone stays closed; "Praat" offers it again.
        page.wait_for_selector("[data-testid=voice-status][data-mode=idle]")
        assert page.get_by_test_id("voice-talk").is_visible()
        screenshot(page, "voice-fallback-to-touch")
        page.locator("[data-testid=voice-choice][data-number='1']").click()
        wait_for_step(page, "confirm_activity")
        assert FIRST_TITLE in page.get_by_test_id("voice-question").inner_text()
    finally:
        browser.close()
        server.stop()


AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "rules": {"color-contrast-enhanced": {"enabled": True}},  # 7:1, as the design asks
}


@pytest.fixture(scope="module")
def axe() -> Any:
    return pytest.importorskip("axe_playwright_python.sync_playwright").Axe()


def check_screen(page: Any, screen: Screen, name: str, axe: Any) -> None:
    """The voice screen as it is now fits this screen (design section 4: no scrolling,
    nothing cut off, targets in mm, text in px, 7:1) and axe finds nothing serious; the
    screenshot lands in tests/artifacts/voice-<screen>-<name>.png."""
    page.evaluate("document.fonts.ready")
    problems = screen_problems(page, screen) + clipped_text(page)
    screenshot(page, f"voice-{screen.name}-{name}")
    serious = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in axe.run(page, options=AXE_OPTIONS).response["violations"]
        if v["impact"] in ("critical", "serious")
    ]
    assert problems == [], f"{screen.name} {name}: {problems}"
    assert serious == [], f"{screen.name} {name}: axe {serious}"


@pytest.fixture(scope="module")
def heard_kiosk(
    playwright: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, Any]]:
    """A kiosk whose recognizer hears what a test scripts, and a Chromium whose
    microphone says something (anything: the script decides what is heard)."""
    root = tmp_path_factory.mktemp("voice-heard")
    said = spoken_wav("hallo", root / "hallo.wav", voice="nl", rate=44100, before=0.4, after=2.0)
    server = start_live_server(root / "kiosk.db", VOICE_ENGINE=ScriptedStandIn())
    add_agenda(server)
    browser = launch_chromium(playwright, args=fake_microphone_args(said))
    yield server, browser
    browser.close()
    server.stop()


def open_voice_page(
    heard_kiosk: tuple[LiveServer, Any], screen: Screen, *script: str, letters: str = ""
) -> Any:
    server, browser = heard_kiosk
    # A recognizer of its own: a closed page's last words cannot take this page's script.
    server.app.config["VOICE_ENGINE"] = ScriptedStandIn(script)
    page = new_kiosk_page(browser, screen.viewport)
    silent_speech(page)
    if letters:  # "Grotere letters" tapped before, as kiosk.js keeps it for this resident
        page.add_init_script(f"sessionStorage.setItem('letters', '{letters}')")
    page.goto(server.url + "/stem")
    return page


def close_voice_page(page: Any) -> None:
    page.evaluate("window.buurtkioskVoice && window.buurtkioskVoice.stop()")
    page.context.close()


@pytest.mark.parametrize("screen", SCREENS, ids=[s.name for s in SCREENS])
def test_reading_out_what_there_is_fits_every_screen(
    heard_kiosk: tuple[LiveServer, Any], screen: Screen, axe: Any
) -> None:
    """"Wat is er allemaal?" reads the activities of the page out; the screen shows a
    short notice in its own line, not the whole list (about 500 characters, which
    scrolled), and the list keeps its place."""
    page = open_voice_page(heard_kiosk, screen, "wat is er allemaal")
    try:
        notice = page.get_by_test_id("voice-notice")
        list_top = page.get_by_test_id("voice-choices").bounding_box()["y"]
        notice.wait_for(timeout=30_000)
        assert step_of(page) == "activity"
        assert notice.inner_text() == "Ik lees voor wat er is."
        assert page.get_by_test_id("voice-choices").bounding_box()["y"] == list_top
        said = page.get_by_test_id("voice-panel").get_attribute("data-say")
        shown = page.get_by_test_id("voice-choice")
        assert shown.count() == dialog.CHOICES_PER_PAGE
        # What is read is what is shown: the last card's number, and none after it.
        last = int(shown.last.get_attribute("data-number"))
        assert f"Nummer {last}:" in said and f"Nummer {last + 1}:" not in said
        check_screen(page, screen, "help", axe)
    finally:
        close_voice_page(page)


@pytest.mark.parametrize("screen", [SCREENS[0], SCREENS[1]], ids=[SCREENS[0].name, SCREENS[1].name])
def test_reading_out_with_larger_letters_reads_what_fits(
    heard_kiosk: tuple[LiveServer, Any], screen: Screen, axe: Any
) -> None:
    """With the largest letters fewer cards fit: the screen shows those, and "wat is er
    allemaal" reads exactly those (the page tells the kiosk which it shows), then Meer."""
    page = open_voice_page(heard_kiosk, screen, "wat is er allemaal", letters="2")
    try:
        page.get_by_test_id("voice-notice").wait_for(timeout=30_000)
        cards = page.locator("[data-testid=voice-choice]:visible")
        numbers = [int(n) for n in cards.evaluate_all("els => els.map(e => e.dataset.number)")]
        assert 1 <= len(numbers) < dialog.CHOICES_PER_PAGE, numbers
        said = page.get_by_test_id("voice-panel").get_attribute("data-say")
        assert [n for n in range(1, 20) if f"Nummer {n}:" in said] == numbers, said
        assert "Tik op Meer voor de rest." in said
        check_screen(page, screen, "help-grotere-letters", axe)
        page.get_by_test_id("voice-more").tap()  # on from the first card not shown
        page.locator(f"[data-testid=voice-choice][data-number='{numbers[-1] + 1}']").wait_for()
        assert page.get_by_test_id("voice-choice").first.get_attribute("data-number") == str(
            numbers[-1] + 1
        )
    finally:
        close_voice_page(page)


@pytest.mark.parametrize("screen", SCREENS, ids=[s.name for s in SCREENS])
def test_not_understood_and_touch_instead_fit_every_screen(
    heard_kiosk: tuple[LiveServer, Any], screen: Screen, axe: Any
) -> None:
    """The list as it is first shown (listening), then with "Dat heb ik niet goed
    verstaan." and what was heard, then the move to touch after a second miss: each
    fits, and a notice never pushes the list down."""
    page = open_voice_page(heard_kiosk, screen, "blauwe fiets", "hmm")
    try:
        page.wait_for_selector("[data-testid=voice-status][data-mode=listening]",
                               timeout=30_000)  # fmt: skip
        notice = page.get_by_test_id("voice-notice")
        assert notice.count() == 0
        list_top = page.get_by_test_id("voice-choices").bounding_box()["y"]
        check_screen(page, screen, "activiteit", axe)
        expect = page.locator("[data-testid=voice-notice]:has-text('niet goed verstaan')")
        expect.wait_for(timeout=30_000)
        assert page.get_by_test_id("voice-heard").inner_text() == "Ik hoorde: blauwe fiets"
        assert page.get_by_test_id("voice-choices").bounding_box()["y"] == list_top
        check_screen(page, screen, "niet-verstaan", axe)
        page.locator("[data-testid=voice-notice]:has-text('Tik maar op het scherm')").wait_for(
            timeout=30_000
        )
        page.wait_for_selector("[data-testid=voice-status][data-mode=idle]")
        assert page.get_by_test_id("voice-talk").is_visible()
        check_screen(page, screen, "tik-maar", axe)
        if screen.height >= 800 and screen.width >= 1280:  # room for the words beside Praat
            assert page.locator("#voice-status-text").is_visible()
    finally:
        close_voice_page(page)


@pytest.mark.parametrize(("screen", "letters"), [(SCREENS[4], "1"), (SCREENS[5], "2")],
                         ids=["10inch-letters1", "15inch-letters2"])  # fmt: skip
def test_with_larger_letters_the_status_keeps_its_words_where_they_fit(
    heard_kiosk: tuple[LiveServer, Any], screen: Screen, letters: str, axe: Any
) -> None:
    """"Praat" offered again beside the words of the status: where they still fit with
    larger letters (the 10" screen one step up, the 15" the largest) they stay; where
    they do not (shorter screens, the 10" with the largest letters) they give Praat the
    room, and check_screen sees that nothing is cut."""
    page = open_voice_page(heard_kiosk, screen, "blauwe fiets", "hmm", letters=letters)
    try:
        page.locator("[data-testid=voice-notice]:has-text('Tik maar op het scherm')").wait_for(
            timeout=30_000
        )
        page.wait_for_selector("[data-testid=voice-status][data-mode=idle]")
        assert page.get_by_test_id("voice-talk").is_visible()
        assert page.locator("#voice-status-text").inner_text() == "Tik op het scherm."
        check_screen(page, screen, f"tik-maar-letters{letters}", axe)
        assert page.locator("#voice-status-text").is_visible()
    finally:
        close_voice_page(page)


@pytest.mark.parametrize("screen", SCREENS, ids=[s.name for s in SCREENS])
def test_help_at_every_step_fits_every_screen(
    heard_kiosk: tuple[LiveServer, Any], screen: Screen, axe: Any
) -> None:
    """"Help" said at "Klopt dat?", at the number of people and at "Klopt dit?": the
    longest notices the dialog shows (what can be said there, and the commands), each
    with the step's own question, hint and answers, fit the screen."""
    page = open_voice_page(heard_kiosk, screen)
    server = heard_kiosk[0]
    page.goto(server.url + "/stem?activiteit=" + FIRST)
    try:
        script = server.app.config["VOICE_ENGINE"].script
        for step, answer in [("confirm_activity", "ja"), ("name", None),
                             ("party_size", "twee"), ("confirm", None)]:  # fmt: skip
            wait_for_step(page, step)
            if answer is None:  # the next step by touch; the microphone is still open
                page.get_by_test_id("voice-skip" if step == "name" else "voice-no").tap()
                continue
            script.extend(["help", answer])
            page.locator("[data-testid=voice-notice]:has-text('U kunt ook zeggen')").wait_for(
                timeout=30_000
            )
            check_screen(page, screen, f"help-{step}", axe)
        wait_for_step(page, "change")
    finally:
        close_voice_page(page)


# The microphone answers late (a Pi's USB microphone may take a second): every stream it
# gives is kept, to see which were let go again.
SLOW_MICROPHONE = """(() => {
  const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  window.__streams = [];
  navigator.mediaDevices.getUserMedia = (c) => new Promise((resolve, reject) => {
    window.__asked = (window.__asked || 0) + 1;
    setTimeout(() => real(c).then((s) => { window.__streams.push(s); resolve(s); }, reject), 2000);
  });
})()"""


def test_a_tap_while_the_microphone_starts_lets_it_go_and_voice_goes_on(
    heard_kiosk: tuple[LiveServer, Any],
) -> None:
    """A resident taps an activity while the microphone is still starting: that microphone
    is let go (not left open, listening to the room), the dialog does not decide there is
    no microphone, and the next question is listened to as ever."""
    server, browser = heard_kiosk
    engine = ScriptedStandIn()
    server.app.config["VOICE_ENGINE"] = engine
    page = new_kiosk_page(browser, SCREENS[0].viewport)
    silent_speech(page)
    page.add_init_script(SLOW_MICROPHONE)
    try:
        page.goto(server.url + "/stem")
        wait_for_step(page, "activity")
        page.wait_for_function("window.__asked === 1")  # the microphone is starting
        page.locator(f"[data-testid=voice-choice][value='kies:{FIRST}']").tap()
        wait_for_step(page, "confirm_activity")
        page.wait_for_function("window.__streams.length >= 1")
        # The first microphone, asked for before the tap, was let go as soon as it came.
        page.wait_for_function(
            "window.__streams[0].getTracks().every(t => t.readyState === 'ended')",
            timeout=5_000,
        )
        engine.script.append("ja")
        wait_for_step(page, "name")  # heard: the second microphone listened
    finally:
        close_voice_page(page)


def test_voice_page_keeps_a_dialog_over_a_reload(playwright: Any, tmp_path: Path) -> None:
    """A reload (or a crash of the page) goes on where it was instead of starting again:
    the address says "go on", the dialog itself stays on the server."""
    said = spoken_wav("ja", tmp_path / "ja.wav", voice="nl", rate=44100, before=0.4, after=2.0)
    stand_in = ScriptedStandIn(["nummer één"])
    server = start_live_server(tmp_path / "kiosk.db", VOICE_ENGINE=stand_in)
    add_agenda(server)
    browser = launch_chromium(playwright, args=fake_microphone_args(said))
    try:
        page = new_kiosk_page(browser)
        silent_speech(page)
        page.goto(server.url + "/stem")
        wait_for_step(page, "confirm_activity")
        assert page.url.endswith("/stem?verder=1")
        page.reload()
        wait_for_step(page, "confirm_activity", timeout=10)
        assert FIRST_TITLE in page.get_by_test_id("voice-question").inner_text()
        # The page's own downsampler: one second of a 1234 Hz tone at 44.1 kHz, fed in
        # uneven blocks, becomes one second at 16 kHz that is still that tone — also
        # across the block edges.
        samples, worst = page.evaluate("""() => {
            const tone = (t) => 0.5 * Math.sin(2 * Math.PI * 1234 * t);
            const down = window.buurtkioskVoice.makeDownsampler(44100);
            const out = [];
            for (let start = 0; start < 44100; start += 1000) {
                const block = new Float32Array(Math.min(1000, 44100 - start));
                for (let i = 0; i < block.length; i++) block[i] = tone((start + i) / 44100);
                out.push(...down(block));
            }
            let worst = 0;  // output k is input sample k * 44100 / 16000 - 1 (one behind)
            for (let k = 1; k < out.length; k++) {
                const expected = tone((k * 44100 / 16000 - 1) / 44100) * 32767;
                worst = Math.max(worst, Math.abs(out[k] - expected));
            }
            return [out.length, worst];
        }""")
        assert abs(samples - 16000) <= 1
        assert worst < 0.01 * 32767, worst
    finally:
        browser.close()
        server.stop()
    assert json.dumps(stand_in.grammars[0], ensure_ascii=False)


def touch_only_voice_page(heard_kiosk: tuple[LiveServer, Any]) -> Any:
    """A 10" page whose microphone does not work: the whole dialog goes by touch."""
    server, browser = heard_kiosk
    server.app.config["VOICE_ENGINE"] = ScriptedStandIn()
    page = new_kiosk_page(browser, SCREENS[4].viewport)
    silent_speech(page)
    page.add_init_script(
        "navigator.mediaDevices.getUserMedia = () => Promise.reject(new Error('geen'))"
    )
    return page


def test_a_double_tap_on_yes_signs_up_once_and_stays_on_the_ticket(
    heard_kiosk: tuple[LiveServer, Any],
) -> None:
    """A shaky double tap on "Ja, meld mij aan": the second tap is not sent while the
    kiosk answers the first, so the resident lands on the ticket, once, and not on a new
    voice dialog (the second would find the dialog finished)."""
    server = heard_kiosk[0]
    page = touch_only_voice_page(heard_kiosk)
    before = len(server.query("SELECT id FROM signups"))
    try:
        page.goto(server.url + f"/stem?activiteit={FIRST}")
        wait_for_step(page, "confirm_activity")
        # At once: the tap may reach the kiosk after the page's own "geen microfoon" and
        # be answered first (the older reply must not put "Klopt dat?" back).
        page.get_by_test_id("voice-yes").tap()
        wait_for_step(page, "name")
        page.get_by_test_id("voice-skip").tap()
        wait_for_step(page, "party_size")
        page.locator("[data-testid=voice-panel] button[value='aantal:1']").tap()
        wait_for_step(page, "confirm")
        page.get_by_test_id("voice-yes").dblclick()
        page.wait_for_url("**/aangemeld/**", timeout=15_000)
        page.get_by_test_id("ticket-code").wait_for()
        page.wait_for_timeout(1500)  # a second answer would have moved the page on by now
        assert "/aangemeld/" in page.url
    finally:
        close_voice_page(page)
    assert len(server.query("SELECT id FROM signups")) == before + 1


def test_an_older_reply_arriving_late_does_not_put_its_screen_back(
    heard_kiosk: tuple[LiveServer, Any],
) -> None:
    """The page's own "geen microfoon" is answered by the kiosk first, but its reply is
    held up on the way; the resident's tap on "Ja" is answered after it and arrives
    first. The older reply (an earlier turn) must not put "Klopt dat?" back."""
    server = heard_kiosk[0]
    page = touch_only_voice_page(heard_kiosk)
    held: list[tuple[Any, Any]] = []

    def hold_no_microphone(route: Any) -> None:
        if "geen-microfoon" in (route.request.post_data or ""):
            held.append((route, route.fetch()))  # answered by the kiosk, not yet delivered
        else:
            route.continue_()

    page.route("**/stem/antwoord", hold_no_microphone)
    try:
        page.goto(server.url + f"/stem?activiteit={FIRST}")
        wait_for_step(page, "confirm_activity")
        page.wait_for_function("document.body.dataset.voice === 'thinking'")
        deadline = time.monotonic() + 10
        while not held and time.monotonic() < deadline:
            page.wait_for_timeout(50)
        assert held, "the page sent no 'geen microfoon'"
        page.get_by_test_id("voice-yes").tap()
        wait_for_step(page, "name")
        route, response = held[0]
        route.fulfill(response=response)  # the older reply, at last
        page.wait_for_timeout(500)
        assert step_of(page) == "name"
    finally:
        close_voice_page(page)
