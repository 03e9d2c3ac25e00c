"""Every resident screen at every screen size a buurthuis may have (design section 4),
every step of the spoken signup among them:
nothing scrolls, no text is cut off (an ellipsis, a line clamp, hidden overflow), every
target meets its size in mm at that screen's pixel size, text is big enough and dark
enough (7:1), and the browser logs no error; axe-core finds no critical or serious problem
on any screen (with its 7:1 enhanced contrast rule on). One person with no name signs up
in four taps; the PIN page fits every screen too, and it and the done screen lead back to
the start.

Screenshots of every screen at every size land in tests/artifacts/screens-*.png, for
people to look at; the checks are the assertions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kiosk.core.agenda import Activity, save_activity
from kiosk.core.db import write_transaction
from kiosk.core.signups import MAX_PARTY, create_signup
from kiosk.ops.demo import load_demo
from kiosk.web import voice as voice_web
from kiosk.web.resident import START_WINDOW
from tests.browser import (
    SCREENS,
    STAFF_TARGET_MM,
    LiveServer,
    Screen,
    browser_fixture,  # noqa: F401  (a fixture, found by name)
    clipped_text,
    new_kiosk_page,
    screen_problems,
    screenshot,
    start_live_server,
)
from tests.conftest import longest_day
from tests.voice_support import ScriptedStandIn
from voice import dialog
from voice.audio import to_wav

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect
axe_playwright = pytest.importorskip("axe_playwright_python.sync_playwright")

TITLE = "Soep en verhalen"
FULL = "Breicafé vol"
LONG_PLACE = "Wijkcentrum Ferdinand Bolstraat, grote zaal"
# axe's rules (names, roles, colours) do not change with the screen's size: every screen
# is checked at the largest and the smallest layout, which keeps this module quick.
AXE_SCREENS = (SCREENS[0], SCREENS[4])
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "rules": {"color-contrast-enhanced": {"enabled": True}},  # 7:1, as the design asks
}


@pytest.fixture(scope="module")
def kiosk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_live_server(
        tmp_path_factory.mktemp("screens") / "kiosk.db",
        settings={"printer": "dummy://", "idle_seconds": "90"},
    )
    db = server.db()
    try:
        load_demo(db, "demo-kiosk")
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        starts = now + timedelta(minutes=30 - now.minute % 15)
        with write_transaction(db):
            save_activity(db, Activity(
                id="soep", title=TITLE, starts_at=starts, ends_at=starts + timedelta(hours=2),
                stadsdorp="Stadsdorp Zuid", location_name="Buurthuis De Pijp",
                address="Ferdinand Bolstraat 12", capacity=40, price="gratis",
                contact="020 123 45 67", category="eten",
                description="Samen soep eten en verhalen vertellen.",
            ))
            # The longest line "Klopt dit?" can have, whatever day the tests run on (at
            # night "vandaag" became a date, and the summary ran off the screen).
            save_activity(db, Activity(
                id="vol", title=FULL, starts_at=longest_day(),
                stadsdorp="Stadsdorp Zuid", location_name=LONG_PLACE, capacity=1,
            ))
        create_signup(db, "vol", phone="0612345678", kiosk_id="k")
    finally:
        db.close()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def voice_kiosk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A kiosk with voice, for the spoken signup's screens (its recognizer is a stand-in
    that hears nothing: these are the screens a resident answers by touch)."""
    server = start_live_server(
        tmp_path_factory.mktemp("voice-screens") / "kiosk.db",
        settings={"printer": "dummy://", "idle_seconds": "90"},
        VOICE_ENGINE=ScriptedStandIn(),
    )
    db = server.db()
    try:
        load_demo(db, "voice-screens")  # more activities than one page shows
        starts = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=1)
        with write_transaction(db):
            save_activity(db, Activity(
                id="soep", title=TITLE, starts_at=starts, ends_at=starts + timedelta(hours=2),
                # Room for every voice test here: each signs up two.
                stadsdorp="Stadsdorp Zuid", location_name="Buurthuis De Pijp", capacity=400,
            ))
            save_activity(db, Activity(
                id="vol", title=FULL, starts_at=starts + timedelta(minutes=5),
                stadsdorp="Stadsdorp Zuid", location_name="Buurthuis De Pijp", capacity=1,
            ))
        create_signup(db, "vol", phone="0612345678", kiosk_id="k")
    finally:
        db.close()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def axe() -> Any:
    return axe_playwright.Axe()


def spilling(page: Any) -> list[str]:
    """Buttons whose words or signs stick out of them (a squeezed button: the words stay
    readable, so clipped_text does not see it, but they lie over the button's border)."""
    return page.eval_on_selector_all(
        ".button, .key",
        "els => els.filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)"
        ".map(e => `${(e.dataset.testid || e.textContent.trim()).slice(0, 30)} spills:"
        " ${e.scrollWidth} > ${e.clientWidth}`)",
    )


# Whether the voice list could show one card more than voice.js left on the screen (None:
# it shows all it got).
ONE_MORE_CARD_FITS = """list => {
  const next = Array.from(list.children).find(card => card.hidden);
  if (!next) return null;
  next.hidden = false;
  const content = list.closest(".screen-content") || list;
  const page = document.scrollingElement || document.documentElement;
  const fits = page.scrollHeight <= innerHeight + 1
    && content.scrollHeight <= content.clientHeight + 1;
  next.hidden = true;
  return fits;
}"""


def shown_numbers(page: Any) -> list[int]:
    """The numbers of the cards on the page as shown (agenda.js leaves out what does not fit)."""
    return [int(n) for n in page.get_by_test_id("activity-card").evaluate_all(
        "els => els.map(e => e.dataset.number)")]


class Visit:
    """A resident at one screen: taps, counts them, and checks each screen on the way."""

    def __init__(self, page: Any, screen: Screen, axe: Any) -> None:
        self.page, self.screen, self.axe = page, screen, axe
        self.taps = 0
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _console(self, message: Any) -> None:
        # A page answered with its intended 400 or 404 (a wrong answer, a removed
        # activity) is logged as a failed load of the page itself: not an error in it.
        if message.type == "error" and message.location.get("url") != self.page.url:
            self.errors.append(f"{message.text} ({message.location.get('url')})")

    def tap(self, test_id: str, navigates: bool = True) -> None:
        self.taps += 1
        target = self.page.get_by_test_id(test_id).first
        if navigates:
            with self.page.expect_navigation():
                target.tap()
            self.page.wait_for_load_state()
        else:
            target.tap()

    def check(self, name: str, *, axe_here: bool = False) -> None:
        page = self.page
        page.evaluate("document.fonts.ready")
        problems = screen_problems(page, self.screen) + clipped_text(page) + spilling(page)
        screenshot(page, f"screens-{self.screen.name}-{name}")
        serious = [
            f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in self.axe.run(page, options=AXE_OPTIONS).response["violations"]
            if v["impact"] in ("critical", "serious")
        ] if axe_here or self.screen in AXE_SCREENS else []
        assert problems == [], f"{self.screen.name} {name}: {problems}"
        assert serious == [], f"{self.screen.name} {name}: axe {serious}"
        assert self.errors == [], f"{self.screen.name} {name}: console {self.errors}"


@pytest.fixture(params=SCREENS, ids=[s.name for s in SCREENS])
def visit(request: pytest.FixtureRequest, browser: Any, axe: Any) -> Iterator[Visit]:
    screen: Screen = request.param
    page = new_kiosk_page(browser, screen.viewport)
    yield Visit(page, screen, axe)
    page.context.close()


def test_every_resident_screen_fits_and_one_person_needs_four_taps(kiosk, visit):
    page = visit.page
    page.goto(kiosk.url + "/")
    expect(page.get_by_role("heading", name="Wat is er te doen?")).to_be_visible()
    visit.check("01-start")
    cards = page.get_by_test_id("activity-card")
    assert cards.count() >= 2  # as many as fit: more than one on every screen
    first_page = shown_numbers(page)
    # The server sends a window of START_WINDOW cards: more than any screen shows, so
    # none is left with room to spare while more cards wait on the server.
    assert len(first_page) < START_WINDOW, f"{visit.screen.name}: {len(first_page)} fit"
    assert page.get_by_test_id("next-page").is_visible()  # the demo has two weeks of them
    visit.tap("next-page")
    expect(page.get_by_test_id("page-count")).to_contain_text("Bladzijde 2")
    # Every page begins with a day, repeated when its cards run on; numbers go on from
    # the first card the page before could not show.
    first = page.locator("[data-agenda] > *").first
    assert first.evaluate("el => el.tagName") == "H2"
    numbers = shown_numbers(page)
    assert numbers == list(range(first_page[-1] + 1, first_page[-1] + 1 + len(numbers)))
    visit.check("02-start-page-2")
    visit.tap("previous-page")
    assert shown_numbers(page) == first_page
    expect(page.get_by_test_id("previous-page")).to_be_hidden()

    # One person, no name: a card, "Ik doe mee", "Ik kom alleen", "Ja, meld mij aan".
    visit.taps = 0
    with page.expect_navigation():
        visit.taps += 1
        page.get_by_test_id("activity-card").filter(has_text=TITLE).tap()
    visit.check("03-activity")
    visit.tap("join")
    visit.check("04-aantal")
    visit.tap("alone")
    visit.check("05-controle")
    visit.tap("confirm")
    assert visit.taps == 4
    expect(page.get_by_role("heading", name="U bent aangemeld!")).to_be_visible()
    no_printer = "Er is hier geen printer. Schrijf deze code op."
    expect(page.get_by_test_id("paper")).to_have_text(no_printer)
    visit.check("06-done")


def test_name_phone_and_more_people_screens_fit(kiosk, visit):
    page = visit.page
    page.goto(kiosk.url + "/activiteit/soep/aanmelden")
    visit.tap("more")
    page.get_by_test_id("plus").tap()
    expect(page.get_by_test_id("party-size")).to_have_text("4")
    visit.check("07-meer")
    for _ in range(MAX_PARTY - 4):  # at the most: the + says why it stops, and still fits
        page.get_by_test_id("plus").tap()
    expect(page.get_by_test_id("plus")).to_have_attribute("aria-disabled", "true")
    why = f"Meer kan niet: maximaal {MAX_PARTY}"
    expect(page.get_by_test_id("party-size-why")).to_have_text(why)
    visit.check("07-meer-maximaal")
    for _ in range(MAX_PARTY - 4):
        page.get_by_test_id("minus").tap()
    visit.tap("next")
    visit.tap("change-name")
    for key in ("A", "N", "S"):
        page.get_by_test_id(f"key-{key}").tap()
    expect(page.get_by_test_id("name")).to_have_value("Ans")
    visit.check("08-naam")
    visit.tap("next")
    expect(page.get_by_test_id("summary-name")).to_have_text("Ans")  # straight back
    visit.tap("change-phone")
    for digit in "06":
        page.get_by_test_id(f"digit-{digit}").tap()
    visit.check("09-telefoon")
    visit.tap("next")  # not a whole number: the error stays on its own step, and fits
    expect(page.get_by_test_id("error")).to_be_visible()
    visit.check("10-telefoon-fout")
    visit.tap("back")
    expect(page.get_by_role("heading", name="Klopt dit?")).to_be_visible()


def test_grotere_letters_and_hulp_fit_and_are_forgotten_at_the_start(kiosk, visit):
    page = visit.page
    page.goto(kiosk.url + "/activiteit/soep/aanmelden")
    visit.tap("alone")
    for _ in range(2):  # two steps up
        visit.tap("letters", navigates=False)
    assert page.evaluate("document.documentElement.dataset.letters") == "2"
    visit.check("11-controle-grotere-letters")
    visit.tap("back")  # remembered from screen to screen
    assert page.evaluate("document.documentElement.dataset.letters") == "2"
    visit.tap("help-open", navigates=False)
    expect(page.get_by_test_id("help-text")).to_contain_text("vrijwilliger")
    visit.check("12-hulp")
    visit.tap("help-close", navigates=False)
    expect(page.get_by_test_id("help")).to_be_hidden()
    page.goto(kiosk.url + "/")
    visit.check("13-start-grotere-letters")
    visit.tap("letters", navigates=False)  # round again: normal letters
    assert page.evaluate("document.documentElement.dataset.letters") is None


def test_waitlist_summary_and_error_page_fit(kiosk, visit):
    page = visit.page
    page.goto(kiosk.url + "/activiteit/vol/aanmelden")
    visit.tap("alone")
    expect(page.get_by_test_id("waitlist")).to_contain_text("telefoonnummer nodig")
    visit.check("14-controle-wachtlijst")
    visit.tap("confirm")
    expect(page.get_by_test_id("phone")).to_be_visible()  # the pad, no bounce with an error
    page.goto(kiosk.url + "/activiteit/bestaat-niet")
    visit.check("15-niet-gevonden")
    page.goto(kiosk.url + "/")
    visit.tap("own-ticket-link")
    visit.check("18-mijn-kaartje")


def test_done_screen_warning_never_covers_the_code(kiosk, visit):
    kiosk.set_setting("idle_seconds", "4")  # the done screen warns after 2 s
    try:
        page = visit.page
        page.goto(kiosk.url + "/activiteit/soep/aanmelden")
        visit.tap("alone")
        visit.tap("confirm")
        warning = page.get_by_test_id("still-there")
        expect(warning).to_be_visible(timeout=6_000)
        code = page.get_by_test_id("ticket-code").bounding_box()
        box = page.locator("#still-there .dialog").bounding_box()
        assert box["y"] + box["height"] <= code["y"], "the warning covers the code"
        screenshot(page, f"screens-{visit.screen.name}-16-done-bent-u-er-nog")
        assert page.evaluate(
            "(() => { const r = document.querySelector('[data-testid=ticket-code]')"
            ".getBoundingClientRect(); const el = document.elementFromPoint("
            "r.left + r.width / 2, r.top + r.height / 2);"
            " return el && el.closest('[data-testid=ticket-code]') !== null; })()"
        ), "something lies on top of the code"
    finally:
        kiosk.set_setting("idle_seconds", "90")


def pin_page_problems(page: Any, screen: Screen) -> list[str]:
    """The PIN page is the desk's (its own smaller text and keys), yet a resident may land
    on it: it must not scroll or cut text off, and every key is at least the desk's 9 mm
    on this screen."""
    fits = [p for p in screen_problems(page, screen) if "scrolls" in p or "outside" in p]
    small = [
        f"{target['id']} {target['w']:.0f}x{target['h']:.0f}"
        for target in page.eval_on_selector_all(
            ".pin-form button",
            "els => els.map(e => ({id: e.dataset.testid, w: e.getBoundingClientRect().width,"
            " h: e.getBoundingClientRect().height}))",
        )
        if min(target["w"], target["h"]) * screen.mm_per_px < STAFF_TARGET_MM - 0.05
    ]
    return fits + clipped_text(page) + small


def test_pin_page_fits_and_leads_back_to_the_start(kiosk, visit):
    page = visit.page
    page.goto(kiosk.url + "/")
    link = page.get_by_test_id("desk-link")
    box = link.bounding_box()
    assert min(box["width"], box["height"]) * visit.screen.mm_per_px >= 9
    # Not where Terug or Begin sit on the other screens.
    size = page.viewport_size
    assert box["y"] > size["height"] / 2 and box["x"] < size["width"] / 2
    visit.tap("desk-link")
    assert "/vrijwilliger/pincode" in page.url
    back = page.get_by_test_id("back-to-start")
    assert min(back.bounding_box()["height"], back.bounding_box()["width"]) * \
        visit.screen.mm_per_px >= 12
    assert pin_page_problems(page, visit.screen) == []
    screenshot(page, f"screens-{visit.screen.name}-17-pincode")
    # With the notice a wrong name or PIN brings, the page still fits.
    page.get_by_test_id("key-A").tap()
    page.get_by_test_id("pin-digit-1").tap()
    visit.tap("pin-submit")
    expect(page.get_by_test_id("pin-error")).to_be_visible()
    assert pin_page_problems(page, visit.screen) == []
    screenshot(page, f"screens-{visit.screen.name}-17-pincode-fout")
    visit.tap("back-to-start")
    assert page.url == kiosk.url + "/"


def test_pin_page_returns_to_the_start_by_itself(kiosk, browser):
    kiosk.set_setting("idle_seconds", "2")
    try:
        page = new_kiosk_page(browser, SCREENS[0].viewport)
        page.goto(kiosk.url + "/vrijwilliger/")
        assert "/vrijwilliger/pincode" in page.url
        page.wait_for_url(kiosk.url + "/", timeout=6_000)
        expect(page.get_by_role("heading", name="Wat is er te doen?")).to_be_visible()
        page.context.close()
    finally:
        kiosk.set_setting("idle_seconds", "90")


def test_voice_name_keyboard_fits_with_the_shared_keys(voice_kiosk, visit):
    """The spoken signup's name step by touch: the residents' own keyboard (_keys.html),
    alphabetical, fitting every screen with keys of at least the resident's size."""
    page = visit.page
    page.goto(voice_kiosk.url + "/stem?activiteit=soep")
    panel = page.get_by_test_id("voice-panel")
    expect(panel).to_have_attribute("data-step", "confirm_activity")
    visit.tap("voice-yes", navigates=False)
    expect(panel).to_have_attribute("data-step", "name")
    for key in ("A", "N", "S", "space", "B"):
        page.get_by_test_id(f"key-{key}").tap()
    expect(page.get_by_test_id("voice-name")).to_have_value("Ans B")
    # Alphabetical, the same rows as the name step: A to Z in order.
    keys = page.locator("[data-for=voice-name] [data-key]")
    letters = keys.evaluate_all("els => els.map(e => e.dataset.key)")
    assert letters[:26] == [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    visit.check("19-stem-naam")


def wait_for_voice_step(page: Any, step: str) -> None:
    """The step is on screen and the kiosk is no longer thinking about the answer."""
    expect(page.get_by_test_id("voice-panel")).to_have_attribute("data-step", step)
    expect(page.get_by_test_id("voice-status")).not_to_have_attribute("data-mode", "thinking")


@pytest.mark.parametrize(
    ("microphone", "letters"),
    # The largest letters only: if they fit, the step between fits too (it did, each time
    # it was run; leaving it out keeps the suite within its time).
    [(False, ""), (True, ""), (False, "2"), (True, "2")],
    ids=["zonder-microfoon", "met-microfoon", "zonder-microfoon-grootste-letters",
         "met-microfoon-grootste-letters"],
)  # fmt: skip
def test_every_voice_step_fits_every_screen(voice_kiosk, visit, microphone, letters, monkeypatch):
    """The spoken signup answered by touch, each step as it looks when the kiosk listens
    (with the hints of what to say; the microphone here never hears anything, and a
    Raspberry Pi too slow for names asks to type the name, in the notice line) and as it
    looks with no microphone at all (the kiosk says so in the notice line first): the list
    of activities with and without a notice, its next page, "Klopt dat?", the name with
    the keys, the number of people, "Klopt dit?", "Wat wilt u veranderen?", the ticket;
    and the phone number of a full activity. Each fits with no scrolling, targets and text
    big enough, axe at every size; with "Grotere letters" on too (the list then keeps as
    many cards as fit, at least one)."""
    if letters and visit.screen.width >= 1920:
        pytest.skip("larger letters have the most room on the 15-inch screen")
    page = visit.page
    # The kiosk's voice is tested in test_tts.py; here it would only make the test slow.
    silence = to_wav(b"\0\0" * 1600)
    page.route("**/stem/spraak*", lambda route: route.fulfill(
        status=200, content_type="audio/wav", body=silence))  # fmt: skip
    kind = ("met-microfoon" if microphone else "zonder-microfoon") + (
        f"-letters{letters}" if letters else "")
    if letters:  # tapped on the start screen before: kiosk.js keeps it for this resident
        page.add_init_script(f"sessionStorage.setItem('letters', '{letters}')")
    if microphone:
        # A microphone that is being opened, never done: the kiosk keeps waiting to listen.
        page.add_init_script("navigator.mediaDevices.getUserMedia = () => new Promise(() => {})")
        monkeypatch.setattr(voice_web, "names_by_voice", lambda: False)
    page.goto(voice_kiosk.url + "/stem")
    notice = page.get_by_test_id("voice-notice")
    hint = page.get_by_test_id("voice-hint")
    if microphone:
        wait_for_voice_step(page, "activity")
        expect(notice).to_have_count(0)
    else:
        no_microphone = "De microfoon doet het niet. U kunt alles op het scherm tikken."
        expect(notice).to_have_text(no_microphone)
        wait_for_voice_step(page, "activity")
        expect(hint).to_have_count(0)  # the hints say what to say: not without a microphone
    choices = page.get_by_test_id("voice-choice")
    shown = page.locator("[data-testid=voice-choice]:visible")
    # Four cards, or with larger letters as many as fit (the page tells the kiosk which,
    # so "wat is er allemaal" reads those).
    if letters:
        expect(shown.first).to_be_visible()
        assert 1 <= shown.count() <= dialog.CHOICES_PER_PAGE
        # As many as fit: one card more would not.
        assert page.locator(".voice-choices").evaluate(ONE_MORE_CARD_FITS) is not True
    else:
        expect(shown).to_have_count(dialog.CHOICES_PER_PAGE)
    last = shown.last.get_attribute("data-number")
    visit.check(f"20-stem-{kind}-activiteit", axe_here=True)
    visit.tap("voice-more", navigates=False)
    expect(page.get_by_test_id("voice-previous")).to_be_visible()
    expect(notice).to_have_count(0)
    expect(choices.first).to_have_attribute("data-number", str(int(last) + 1))
    visit.check(f"21-stem-{kind}-activiteit-meer", axe_here=True)
    visit.tap("voice-previous", navigates=False)
    expect(page.get_by_test_id("voice-previous")).to_be_hidden()
    expect(choices.first).to_have_attribute("data-number", "1")
    page.locator("[data-testid=voice-choice]", has_text=TITLE).first.tap()
    wait_for_voice_step(page, "confirm_activity")
    visit.check(f"23-stem-{kind}-klopt-dat", axe_here=True)
    visit.tap("voice-yes", navigates=False)
    wait_for_voice_step(page, "name")
    if microphone:
        expect(notice).to_contain_text("Typ uw naam")
    for key in ("A", "N", "S"):
        page.get_by_test_id(f"key-{key}").tap()
    visit.check(f"24-stem-{kind}-naam-toetsen", axe_here=True)
    visit.tap("voice-next", navigates=False)
    wait_for_voice_step(page, "party_size")
    visit.check(f"25-stem-{kind}-aantal", axe_here=True)
    visit.tap("voice-count-2", navigates=False)
    wait_for_voice_step(page, "confirm")
    expect(page.get_by_test_id("voice-summary")).to_contain_text("Ans")
    visit.check(f"26-stem-{kind}-klopt-dit", axe_here=True)
    visit.tap("voice-no", navigates=False)
    wait_for_voice_step(page, "change")
    visit.check(f"27-stem-{kind}-veranderen", axe_here=True)
    visit.tap("voice-back", navigates=False)
    wait_for_voice_step(page, "confirm")
    visit.tap("voice-yes")
    expect(page.get_by_test_id("ticket-code")).to_be_visible()
    visit.check(f"28-stem-{kind}-aangemeld", axe_here=True)

    page.goto(voice_kiosk.url + "/stem?activiteit=vol")
    wait_for_voice_step(page, "confirm_activity")
    expect(page.get_by_test_id("voice-question")).to_contain_text("vol")
    visit.check(f"29-stem-{kind}-klopt-dat-vol", axe_here=True)
    visit.tap("voice-yes", navigates=False)
    wait_for_voice_step(page, "phone")
    for digit in "0612":
        page.get_by_test_id(f"digit-{digit}").tap()
    visit.check(f"30-stem-{kind}-telefoon", axe_here=True)


@pytest.mark.parametrize("screen", [SCREENS[0], SCREENS[1]], ids=[SCREENS[0].name, SCREENS[1].name])
def test_larger_letters_turned_on_at_the_voice_list_refit_it(voice_kiosk, browser, axe, screen):
    """"Grotere letters" tapped while the list is on screen: it keeps the cards that still
    fit, at once and with no scrolling; back to normal letters, all four are back."""
    visit = Visit(new_kiosk_page(browser, screen.viewport), screen, axe)
    page = visit.page
    try:
        silence = to_wav(b"\0\0" * 1600)
        page.route("**/stem/spraak*", lambda route: route.fulfill(
            status=200, content_type="audio/wav", body=silence))  # fmt: skip
        page.goto(voice_kiosk.url + "/stem")
        wait_for_voice_step(page, "activity")
        shown = page.locator("[data-testid=voice-choice]:visible")
        expect(shown).to_have_count(dialog.CHOICES_PER_PAGE)
        visit.tap("letters", navigates=False)
        visit.tap("letters", navigates=False)
        assert page.evaluate("document.documentElement.dataset.letters") == "2"
        assert shown.count() < dialog.CHOICES_PER_PAGE
        visit.check(f"22-stem-letters-aangezet-{screen.name}")
        visit.tap("letters", navigates=False)  # round again: normal letters
        expect(shown).to_have_count(dialog.CHOICES_PER_PAGE)
        visit.check(f"22-stem-letters-uit-{screen.name}")
    finally:
        page.context.close()


@pytest.mark.parametrize("screen", [SCREENS[0], SCREENS[5]], ids=[SCREENS[0].name, SCREENS[5].name])
def test_meer_shows_every_card_once_and_vorige_leads_back_page_by_page(kiosk, browser, screen):
    """Each page comes from the server from the first card the one before could not show;
    leafing back gives exactly the pages seen, down to the first."""
    page = new_kiosk_page(browser, screen.viewport)
    page.goto(kiosk.url + "/")
    pages = [shown_numbers(page)]
    while page.get_by_test_id("next-page").is_visible():
        with page.expect_navigation():
            page.get_by_test_id("next-page").tap()
        pages.append(shown_numbers(page))
        expect(page.get_by_test_id("page-count")).to_contain_text(f"Bladzijde {len(pages)}")
        # A page that begins in the middle of a day begins with that day's heading.
        assert page.locator("[data-agenda] > *").first.evaluate("el => el.tagName") == "H2"
    total = int(page.get_by_test_id("agenda").get_attribute("data-total"))
    assert [n for numbers in pages for n in numbers] == list(range(1, total + 1))
    assert len(pages) > 2
    for expected in reversed(pages[:-1]):
        with page.expect_navigation():
            page.get_by_test_id("previous-page").tap()
        assert shown_numbers(page) == expected
    expect(page.get_by_test_id("previous-page")).to_be_hidden()
    page.context.close()


@pytest.fixture(scope="module")
def busy_day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Forty short cards on one day: the most cards any screen can show at once."""
    server = start_live_server(tmp_path_factory.mktemp("busy") / "kiosk.db",
                               settings={"printer": "dummy://"})
    db = server.db()
    try:
        starts = (datetime.now(UTC) + timedelta(days=1)).replace(hour=8, minute=0, second=0,
                                                                 microsecond=0)
        with write_transaction(db):
            for n in range(40):
                save_activity(db, Activity(
                    id=f"bingo-{n}", title="Bingo", starts_at=starts + timedelta(minutes=10 * n),
                    stadsdorp="Stadsdorp Zuid", location_name="Buurthuis",
                ))
    finally:
        db.close()
    yield server
    server.stop()


def test_no_screen_has_room_left_while_cards_wait_on_the_server(busy_day, visit):
    page = visit.page
    page.goto(busy_day.url + "/")
    page.evaluate("document.fonts.ready")
    assert 2 <= len(shown_numbers(page)) < START_WINDOW
    assert page.get_by_test_id("agenda").get_attribute("data-sent") == str(START_WINDOW)
    assert screen_problems(page, visit.screen) + clipped_text(page) == []
    # The next page begins in the middle of that day: with the day's own heading (a page
    # of the browser-paged agenda once took a heading by the card's place in its day, and
    # past the 14th card of a day found none and showed no cards at all).
    first = shown_numbers(page)
    day = page.locator(".day-label").first.inner_text()
    with page.expect_navigation():
        page.get_by_test_id("next-page").tap()
    assert shown_numbers(page)[0] == first[-1] + 1
    assert page.locator("[data-agenda] > *").first.inner_text() == day
    assert visit.errors == []


def shown_ids(page: Any) -> list[str]:
    return page.get_by_test_id("activity-card").evaluate_all(
        "els => els.map(e => e.getAttribute('href').split('/').pop())")


def test_a_sync_between_two_pages_skips_and_repeats_no_card(tmp_path, browser):
    """Activities a sync adds to page 1 and removes from it while a resident looks at it
    (a count offset would show page 1's last card again):
    Meer still begins with the first card page 1 did not show (its number now counts the
    agenda as it is, as the voice dialog does), and Vorige returns to page 1's first card."""
    server = start_live_server(tmp_path / "kiosk.db", settings={"printer": "dummy://"})
    try:
        starts = (datetime.now(UTC) + timedelta(days=1)).replace(hour=8, minute=0, second=0,
                                                                 microsecond=0)
        def bingo(n: int, minutes: int) -> Activity:
            return Activity(id=f"bingo-{n:02d}", title="Bingo", stadsdorp="Stadsdorp Zuid",
                            starts_at=starts + timedelta(minutes=minutes),
                            location_name="Buurthuis")
        db = server.db()
        try:
            with write_transaction(db):
                for n in range(30):
                    save_activity(db, bingo(n, 10 * n))
        finally:
            db.close()
        page = new_kiosk_page(browser, SCREENS[0].viewport)
        page.goto(server.url + "/")
        first = shown_ids(page)
        assert len(first) >= 2
        db = server.db()
        try:
            with write_transaction(db):
                save_activity(db, bingo(98, 5))  # between page 1's first two cards
                save_activity(db, bingo(99, 6))
                db.execute("UPDATE activities SET status = 'removed' WHERE id = ?", [first[-1]])
        finally:
            db.close()
        with page.expect_navigation():
            page.get_by_test_id("next-page").tap()
        after = int(first[-1].split("-")[1]) + 1
        assert shown_ids(page)[0] == f"bingo-{after:02d}"
        assert shown_numbers(page)[0] == after + 2  # two more before it, one fewer
        with page.expect_navigation():
            page.get_by_test_id("previous-page").tap()
        assert shown_ids(page)[0] == first[0] and shown_numbers(page)[0] == 1
        page.context.close()
    finally:
        server.stop()


def test_a_later_agenda_page_returns_to_the_first_by_itself(kiosk, browser):
    """The next resident begins at the first page, not where the last one left off."""
    kiosk.set_setting("idle_seconds", "2")
    try:
        page = new_kiosk_page(browser, SCREENS[0].viewport)
        page.goto(kiosk.url + "/")
        with page.expect_navigation():
            page.get_by_test_id("next-page").tap()
        assert "vanaf=" in page.url
        page.wait_for_url(kiosk.url + "/", timeout=6_000)
        assert shown_numbers(page)[0] == 1
        page.context.close()
    finally:
        kiosk.set_setting("idle_seconds", "90")


def test_terug_on_an_activity_leads_back_to_the_agenda_page_it_was_opened_from(kiosk, browser):
    page = new_kiosk_page(browser, SCREENS[0].viewport)
    page.goto(kiosk.url + "/")
    for _ in range(2):
        with page.expect_navigation():
            page.get_by_test_id("next-page").tap()
    third = shown_numbers(page)
    with page.expect_navigation():
        page.get_by_test_id("activity-card").last.tap()
    with page.expect_navigation():
        page.get_by_test_id("back").tap()
    assert shown_numbers(page) == third
    expect(page.get_by_test_id("page-count")).to_contain_text("Bladzijde 3")
    # Begin (and every reset) lands on the first page, which Terug then leads back to.
    with page.expect_navigation():
        page.get_by_test_id("activity-card").first.tap()
    with page.expect_navigation():
        page.get_by_test_id("home").tap()
    with page.expect_navigation():
        page.get_by_test_id("activity-card").first.tap()
    with page.expect_navigation():
        page.get_by_test_id("back").tap()
    assert shown_numbers(page)[0] == 1 and page.url == kiosk.url + "/"
    page.context.close()
