"""The resident screens through Flask's test client: the agenda, the signup steps and
what happens on bad input. The same screens in a real browser: test_browser_resident.py."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.core.agenda import Activity, save_activity
from kiosk.core.db import write_transaction
from kiosk.core.dutch import AMSTERDAM
from kiosk.core.signups import create_signup
from kiosk.web import resident
from tests.conftest import make_activity

# A fixed "now" in the future, so day headings and create_signup's "already begun"
# check agree whatever the time the suite runs.
NOW = datetime(2031, 6, 3, 9, 0, tzinfo=AMSTERDAM)  # a Tuesday
TOKEN = "0b7e0c62-58a4-4a43-9d0c-2f1f6f1c1a11"


@pytest.fixture
def app(app: Flask) -> Flask:
    app.config["NOW"] = NOW
    return app


def add(db, activity_id: str, *, days: int = 0, hour: int = 14, **extra: object) -> Activity:
    starts = NOW.replace(hour=hour) + timedelta(days=days)
    activity = Activity(
        id=activity_id,
        title=str(extra.pop("title", f"Activiteit {activity_id}")),
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        stadsdorp="Stadsdorp Zuid",
        location_name="Buurthuis De Pijp",
        address="Ferdinand Bolstraat 12",
        contact="020 123 45 67",
        **extra,  # type: ignore[arg-type]
    )
    save_activity(db, activity)
    return activity


def count(db, table: str) -> int:
    return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def nothing_written(db) -> bool:
    return count(db, "signups") == count(db, "print_jobs") == count(db, "outbox") == 0


def text(response) -> str:
    return response.get_data(as_text=True)


def step_of(response) -> str:
    """Which signup step a page shows, from its hidden 'step' field."""
    found = re.search(r'name="step" value="(\w+)"', text(response))
    return found.group(1) if found else ""


def value_of(response, field: str) -> str | None:
    """The value a form field carries on a page (hidden or shown), unescaped."""
    for tag in re.findall(r"<input[^>]*>", text(response)):
        if f'name="{field}"' in tag:
            found = re.search(r'value="([^"]*)"', tag)
            return html.unescape(found.group(1)) if found else ""
    return None


def answer(client: FlaskClient, activity_id: str = "a1", **fields: str):
    form = {"token": TOKEN, "name": "", "phone": "", "party_size": "1", "action": "verder"}
    form.update(fields)
    return client.post(f"/activiteit/{activity_id}/aanmelden", data=form)


# ---- The agenda ----


def test_start_groups_by_day_in_plain_dutch(client, db):
    add(db, "today", days=0, title="Koffieochtend")
    add(db, "tomorrow", days=1, title="Wandelgroep")
    add(db, "later", days=7, title="Filmclub", hour=19)
    add(db, "too-late", days=15, title="Te ver weg")
    page = text(client.get("/"))
    assert "Wat is er te doen?" in page
    assert page.index("Vandaag") < page.index("Koffieochtend") < page.index("Morgen")
    assert page.index("Morgen") < page.index("Wandelgroep") < page.index("Dinsdag 10 juni")
    assert "19.00 uur" in page
    assert "Te ver weg" not in page


def test_full_and_cancelled_activities_say_so_on_their_card(client, db):
    add(db, "full", days=1, title="Filosofie", capacity=2)
    add(db, "off", days=1, title="Bingo", status="cancelled")
    create_signup(db, "full", party_size=2, kiosk_id="k1", now=NOW)
    page = text(client.get("/"))
    assert "Vol — wel wachtlijst" in page
    assert "Gaat niet door" in page


def numbers_on(response) -> list[int]:
    return [int(n) for n in re.findall(r'data-number="(\d+)"', text(response))]


def headings_on(response) -> list[str]:
    return re.findall(r'<h2 class="day-label"[^>]*>([^<]*)</h2>', text(response))


def agenda_data(response, name: str) -> str:
    found = re.search(rf"""data-{name}=(["'])(.*?)\1""", text(response))
    assert found, name
    return found.group(2)


def thirty_activities(db) -> None:
    """Three a day for ten days, from Tuesday 3 June."""
    for n in range(30):
        add(db, f"a{n:02d}", days=n // 3, hour=10 + n % 3)


def test_start_page_holds_a_window_of_cards_numbered_as_the_whole_agenda(client, db):
    """Not all two weeks (a Pi lays out ~250 cards slowly): the first START_WINDOW cards,
    numbered as in the whole agenda, so the numbers a resident may say ("nummer twaalf")
    are the same on every page and every screen (agenda.js shows as many as fit)."""
    thirty_activities(db)
    first = client.get("/")
    assert numbers_on(first) == list(range(1, resident.START_WINDOW + 1))
    assert len(headings_on(first)) == 4  # days of cards 1-3, 4-6, 7-9, 10
    assert agenda_data(first, "total") == "30" and agenda_data(first, "offset") == "0"
    assert "Dinsdag 10 juni" not in text(first)  # a later day: not in this page at all


def key_of(db, activity_id: str) -> str:
    """The agenda key a card carries (data-key): Meer asks for the window from it."""
    starts = db.execute("SELECT starts_utc FROM activities WHERE id = ?", [activity_id])
    moment = datetime.fromisoformat(starts.fetchone()[0].replace("Z", "+00:00"))
    return f"{int(moment.timestamp())}.{activity_id}"


def ids_on(response) -> list[str]:
    return re.findall(r'href="/activiteit/([^"]+)"', text(response))


def test_a_window_that_begins_mid_day_begins_with_its_days_heading(client, db):
    thirty_activities(db)
    page = client.get("/", query_string={"vanaf": key_of(db, "a10")})  # Friday's second
    assert numbers_on(page) == list(range(11, 21))
    headings = headings_on(page)
    assert headings[0] == "Vrijdag 6 juni"
    body = text(page)
    assert body.index("Vrijdag 6 juni") < body.index('data-number="11"')
    assert len(headings) == 4  # Friday (cards 11-12) to Monday (19-21)
    last = client.get("/", query_string={"vanaf": key_of(db, "a25")})
    assert numbers_on(last) == list(range(26, 31))  # the last window
    assert agenda_data(last, "after") == ""
    # Each card carries its key, and a window the key of the card after it, for Meer.
    assert f'data-key="{key_of(db, "a10")}"' in body
    assert agenda_data(page, "after") == key_of(db, "a20")


@pytest.mark.parametrize("bad", ["-1", "x", "٣", "³", "１０", "1e1", "10.5", " ", "30", "99999",
                                 "9" * 40, "\x00", "10", "1.", ".a10", "1.a10\x00", "1. a10",
                                 "٣.a10", "99999999999999.a10", "1." + "x" * 400])
def test_a_bad_or_past_the_end_window_is_the_first(client, db, bad):
    thirty_activities(db)
    page = client.get("/", query_string={"vanaf": bad, "eerder": bad})
    assert page.status_code == 200
    assert numbers_on(page) == list(range(1, resident.START_WINDOW + 1))
    assert agenda_data(page, "offset") == "0" and agenda_data(page, "earlier") == "[]"


def test_the_pages_before_are_kept_only_when_they_can_be_a_way_back(client, db):
    thirty_activities(db)
    here = key_of(db, "a12")
    def earlier(*before: str) -> str:
        page = client.get("/", query_string={"vanaf": here, "eerder": list(before)})
        assert page.status_code == 200
        return html.unescape(agenda_data(page, "earlier"))
    assert earlier("0", key_of(db, "a05")) == f'["0", "{key_of(db, "a05")}"]'
    # Not from the first page, not rising, not before this page, not keys: back to the
    # first page instead.
    for bad in (
        [key_of(db, "a05")], ["0", key_of(db, "a08"), key_of(db, "a05")],
        ["0", key_of(db, "a20")], ["0", here], ["0", "5"], ["0", "٥.a05"], ["0", ""],
        ["0", "0"], ["1"], ["0"] * (resident.MOST_PAGES_BACK + 1),
    ):
        assert earlier(*bad) == '["0"]', bad
    assert earlier() == '["0"]'


def test_leafing_on_shows_the_agenda_as_the_first_page_showed_it(app, client, db):
    """An activity that begins while a resident leafs must not shift the cards under Meer
    nor their numbers: the first page's moment holds the agenda as it was."""
    for n in range(6):
        add(db, f"b{n}", hour=10 + n)
    first = NOW.replace(hour=9, minute=58)
    app.config["NOW"] = first
    moment = agenda_data(client.get("/"), "moment")
    assert moment == str(int(first.timestamp()))
    app.config["NOW"] = NOW.replace(hour=10, minute=5)  # b0 has begun
    b3 = key_of(db, "b3")
    def get(query: dict[str, str]):
        return client.get("/", query_string={"vanaf": b3, "eerder": "0", **query})
    assert ids_on(get({"stand": moment})) == ["b3", "b4", "b5"]
    assert numbers_on(get({"stand": moment})) == [4, 5, 6]
    assert numbers_on(get({})) == [3, 4, 5]  # the agenda of now: b3 is card 3
    # A moment from the future, or older than AGENDA_KEPT, is not taken: the agenda of now.
    later = NOW.replace(hour=10, minute=5) + resident.AGENDA_KEPT + timedelta(seconds=1)
    app.config["NOW"] = later
    assert numbers_on(get({"stand": moment})) == [3, 4, 5]  # taken, it would be 4 to 6
    assert numbers_on(get({"stand": str(int(later.timestamp()) + 3600)})) == [3, 4, 5]
    assert numbers_on(get({"stand": "٣"})) == [3, 4, 5]


def test_a_later_window_counts_the_seats_of_its_own_cards(client, db):
    thirty_activities(db)
    add(db, "full", days=5, hour=16, title="Filosofie", capacity=2)  # card 19
    create_signup(db, "full", party_size=2, kiosk_id="k1", now=NOW)
    page = text(client.get("/", query_string={"vanaf": key_of(db, "a15")}))
    assert 'data-number="19"' in page and "Filosofie" in page
    assert page.count("Vol — wel wachtlijst") == 1


def test_activities_at_the_same_time_with_the_same_title_keep_their_numbers(client, db):
    for n in range(15):
        add(db, f"same-{n:02d}", days=1, title="Koffieochtend")
    first = client.get("/")
    ids = ids_on(first)
    ids += ids_on(client.get("/", query_string={"vanaf": agenda_data(first, "after")}))
    assert ids == [f"same-{n:02d}" for n in range(15)]


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(vanaf=st.one_of(st.text(max_size=40), st.from_regex(r"\A[0-9]{1,14}\.\S{0,20}\Z")),
       eerder=st.lists(st.one_of(st.just("0"), st.text(max_size=20),
                                 st.from_regex(r"\A[0-9]{1,12}\.a[0-9]{2}\Z")), max_size=5),
       stand=st.text(max_size=12))
def test_no_agenda_key_gives_anything_but_a_page(client, db, vanaf, eerder, stand):
    if not db.execute("SELECT 1 FROM activities").fetchone():
        thirty_activities(db)
    page = client.get("/", query_string={"vanaf": vanaf, "eerder": eerder, "stand": stand})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert numbers_on(page)


def leaf_to_second_page(client, db, first_not_shown: str):
    """Page 1, then Meer from `first_not_shown` on, as agenda.js asks for it."""
    first = client.get("/")
    moment = agenda_data(first, "moment")
    def meer():
        return client.get("/", query_string={
            "vanaf": key_of(db, first_not_shown), "eerder": "0", "stand": moment})
    return first, moment, meer


def test_a_sync_between_two_pages_skips_or_repeats_no_card(client, db):
    """Meer and Vorige go by the place of a card in the agenda's order, not by a count a
    sync shifts: an activity added, removed or cancelled before the next page still lets
    page 2 begin with the first card page 1 did not show, numbered as the voice dialog
    numbers it (its place in the whole agenda now)."""
    thirty_activities(db)
    first, moment, meer = leaf_to_second_page(client, db, "a07")  # page 1 showed a00-a06
    assert ids_on(first)[:7] == [f"a{n:02d}" for n in range(7)]
    add(db, "new", days=0, hour=9, title="Nieuw")  # before every card
    assert ids_on(meer())[:2] == ["a07", "a08"] and numbers_on(meer())[0] == 9
    db.execute("UPDATE activities SET status = 'removed' WHERE id IN ('a02', 'new')")
    assert ids_on(meer())[:2] == ["a07", "a08"] and numbers_on(meer())[0] == 7
    db.execute("UPDATE activities SET status = 'cancelled' WHERE id = 'a03'")
    page = meer()
    assert ids_on(page)[:2] == ["a07", "a08"] and numbers_on(page)[0] == 7
    # Vorige returns to page 1's first card.
    previous = client.get("/", query_string={"stand": moment})
    assert ids_on(previous)[0] == "a00" and numbers_on(previous)[0] == 1


def test_a_card_that_went_or_moved_still_begins_the_next_page_in_its_place(client, db):
    """The first card page 1 did not show is removed, deleted or moved before Meer: page 2
    begins where it was, skipping nothing."""
    thirty_activities(db)
    _, _, meer = leaf_to_second_page(client, db, "a07")
    key = key_of(db, "a07")
    def page2():
        return client.get("/", query_string={"vanaf": key, "eerder": "0"})
    db.execute("UPDATE activities SET status = 'removed' WHERE id = 'a07'")
    assert ids_on(page2())[:2] == ["a08", "a09"] and numbers_on(page2())[0] == 8
    db.execute("UPDATE activities SET starts_utc = '2031-06-12T08:00:00Z' WHERE id = 'a07'")
    db.execute("UPDATE activities SET status = 'scheduled' WHERE id = 'a07'")
    assert ids_on(page2())[:2] == ["a08", "a09"]  # moved a week on: not a week skipped
    db.execute("DELETE FROM activities WHERE id = 'a07'")
    assert ids_on(page2())[:2] == ["a08", "a09"] and numbers_on(page2())[0] == 8


def test_vorige_goes_back_to_the_first_cards_of_the_pages_before(client, db):
    """Three pages: from page 3 Vorige asks for page 2 by its first card's key, whatever
    a sync added before it meanwhile."""
    thirty_activities(db)
    page2_key = key_of(db, "a05")
    add(db, "new", days=0, hour=9, title="Nieuw")
    page = client.get("/", query_string={"vanaf": key_of(db, "a11"),
                                        "eerder": ["0", page2_key]})
    assert html.unescape(agenda_data(page, "earlier")) == f'["0", "{page2_key}"]'
    back = client.get("/", query_string={"vanaf": page2_key, "eerder": "0"})
    assert ids_on(back)[0] == "a05" and numbers_on(back)[0] == 7


def test_empty_agenda_says_so(client):
    assert "geen activiteiten" in text(client.get("/"))


# ---- One activity ----


def test_activity_page_has_everything_and_ik_doe_mee(client, db):
    add(db, "a1", days=1, title="Koffieochtend", price="gratis", capacity=10)
    page = text(client.get("/activiteit/a1"))
    for expected in ["Koffieochtend", "Woensdag 4 juni", "14.00 tot 16.00 uur",
                     "Buurthuis De Pijp", "gratis", "Nog 10 plaatsen vrij", "Ik doe mee"]:
        assert expected in page


def test_cancelled_activity_has_no_ik_doe_mee(client, db):
    add(db, "a1", days=1, status="cancelled")
    page = text(client.get("/activiteit/a1"))
    assert "Deze activiteit gaat niet door." in page
    assert 'data-testid="join"' not in page
    # The signup steps of a cancelled activity lead back to its page...
    response = client.get("/activiteit/a1/aanmelden")
    assert response.status_code == 302 and response.location.endswith("/activiteit/a1")
    # ...and a form sent anyway is refused in Dutch, with nothing written.
    refused = answer(client, step="controle")
    assert refused.status_code == 400
    assert "gaat niet door" in text(refused)
    assert nothing_written(db)


def test_full_activity_offers_the_waitlist(client, db):
    add(db, "a1", days=1, capacity=2)
    create_signup(db, "a1", party_size=2, kiosk_id="k1", now=NOW)
    assert "U kunt wel op de wachtlijst" in text(client.get("/activiteit/a1"))


# ---- The signup steps ----


def test_one_person_without_a_name_needs_two_answers_after_ik_doe_mee(client, db):
    """A card, "Ik doe mee", "Ik kom alleen", "Ja, meld mij aan": four taps in all."""
    add(db, "a1", days=1, title="Koffieochtend")
    first = client.get("/activiteit/a1/aanmelden")
    assert step_of(first) == "aantal" and "Ik kom alleen" in text(first)
    token = re.search(r'name="token" value="([\w-]+)"', text(first)).group(1)
    controle = answer(client, step="aantal", action="alleen", token=token)
    assert step_of(controle) == "controle" and value_of(controle, "party_size") == "1"
    summary = text(controle)
    assert "Klopt dit?" in summary and "Geen naam (mag)" in summary
    assert "Ja, meld mij aan" in summary and "wachtlijst" not in summary
    done = answer(client, step="controle", token=token)
    assert done.status_code == 303 and done.location.endswith(f"/aangemeld/{token}")
    assert count(db, "signups") == count(db, "print_jobs") == count(db, "outbox") == 1


def test_name_and_phone_are_offered_on_the_summary_and_lead_back_to_it(client, db):
    add(db, "a1", days=1, title="Koffieochtend")
    token = TOKEN
    controle = answer(client, step="aantal", action="twee", token=token)
    assert value_of(controle, "party_size") == "2"
    naam = answer(client, step="controle", action="wijzig-naam", party_size="2")
    assert step_of(naam) == "naam" and "Wat is uw naam?" in text(naam)
    controle = answer(client, step="naam", name="  Jan   de Vries ", party_size="2")
    assert step_of(controle) == "controle" and value_of(controle, "name") == "Jan de Vries"
    telefoon = answer(client, step="controle", action="wijzig-telefoon", name="Jan de Vries",
                      party_size="2")
    assert step_of(telefoon) == "telefoon"
    controle = answer(client, step="telefoon", name="Jan de Vries", phone="06-12 34 56 78",
                      party_size="2")
    summary = text(controle)
    assert step_of(controle) == "controle" and value_of(controle, "phone") == "0612345678"
    assert "Jan de Vries" in summary and "06-12345678" in summary

    done = answer(client, step="controle", name="Jan de Vries", phone="0612345678",
                  party_size="2", token=token)
    assert done.status_code == 303
    page = text(client.get(done.location))
    code = db.execute("SELECT code FROM signups").fetchone()[0]
    assert "U bent aangemeld!" in page and f"{code[:3]}-{code[3:]}" in page
    assert "Koffieochtend" in page
    # Privacy: the next resident at the kiosk must not read who signed up.
    assert "Jan" not in page and "0612345678" not in page and "06-12345678" not in page


def test_met_meer_opens_the_counter_from_three(client, db):
    add(db, "a1", days=1)
    meer = answer(client, step="aantal", action="meer")
    assert step_of(meer) == "meer" and value_of(meer, "party_size") == "3"
    assert "Meer dan 10? Vraag een vrijwilliger." in text(meer)
    controle = answer(client, step="meer", party_size="5")
    assert step_of(controle) == "controle" and value_of(controle, "party_size") == "5"
    # Changing the number again starts from what was chosen.
    again = answer(client, step="aantal", action="meer", party_size="5")
    assert value_of(again, "party_size") == "5"


def test_back_and_change_keep_every_answer(client, db):
    add(db, "a1", days=1)
    kept = {"name": "Fatma Yılmaz", "phone": "0201234567", "party_size": "3"}
    back_to_aantal = answer(client, step="controle", action="terug", **kept)
    back_from_meer = answer(client, step="meer", action="terug", **kept)
    back_from_naam = answer(client, step="naam", action="terug", **kept)
    back_from_telefoon = answer(client, step="telefoon", action="terug", **kept)
    # "Verander" on a line of "Klopt dit?" opens that very step, everything still filled in.
    change_name = answer(client, step="controle", action="wijzig-naam", **kept)
    change_phone = answer(client, step="controle", action="wijzig-telefoon", **kept)
    change_party = answer(client, step="controle", action="wijzig-aantal", **kept)
    for response, step in [(back_to_aantal, "aantal"), (back_from_meer, "aantal"),
                           (back_from_naam, "controle"), (back_from_telefoon, "controle"),
                           (change_name, "naam"), (change_phone, "telefoon"),
                           (change_party, "aantal")]:
        assert step_of(response) == step
        assert {key: value_of(response, key) for key in kept} == kept
    # Terug on the first step is the activity again.
    leave = answer(client, step="aantal", action="terug", **kept)
    assert leave.status_code == 303 and leave.location.endswith("/activiteit/a1")
    # An action this kiosk never shows changes nothing and shows no step it should not.
    for odd_action in ("wijzig-token", "wijzig-controle", "ja"):
        odd = answer(client, step="controle", action=odd_action, **kept)
        assert odd.status_code == 200 and step_of(odd) == "controle"
    assert nothing_written(db)


def test_going_back_keeps_an_answer_that_is_not_right_yet(client, db):
    add(db, "a1", days=1)
    back = answer(client, step="telefoon", action="terug", phone="12")
    assert back.status_code == 200 and value_of(back, "phone") == "12"


@pytest.mark.parametrize(
    ("step", "fields", "message"),
    [
        ("naam", {"name": "<b>Jan</b>"}, "alleen letters"),
        ("telefoon", {"phone": "12345"}, "Dit telefoonnummer klopt niet"),
        ("meer", {"party_size": "0"}, "Kies 1 tot en met 10"),
        ("meer", {"party_size": ""}, "Kies 1 tot en met 10"),
    ],
)
def test_a_wrong_answer_shows_on_its_own_step(client, db, step, fields, message):
    add(db, "a1", days=1)
    response = answer(client, step=step, **fields)
    assert response.status_code == 400
    assert step_of(response) == step
    assert message in text(response) and 'role="alert"' in text(response)
    assert nothing_written(db)


def test_double_tap_on_ja_makes_one_signup(client, db):
    add(db, "a1", days=1)
    first = answer(client, step="controle", name="Jan")
    second = answer(client, step="controle", name="Jan")
    assert first.status_code == second.status_code == 303
    assert first.location == second.location
    assert count(db, "signups") == count(db, "print_jobs") == count(db, "outbox") == 1


def test_full_activity_summary_says_waitlist_and_the_signup_waits(client, db):
    add(db, "a1", days=1, capacity=2)
    create_signup(db, "a1", party_size=2, kiosk_id="k1", now=NOW)
    summary = text(answer(client, step="aantal", action="alleen", phone="0612345678"))
    assert "U komt op de wachtlijst" in summary and "Ja, zet mij op de wacht" in summary
    done = answer(client, step="controle", phone="0612345678")
    status = db.execute("SELECT status FROM signups WHERE id = ?", [TOKEN]).fetchone()[0]
    assert status == "waitlist"
    assert "U staat op de wachtlijst" in text(client.get(done.location))


def test_full_activity_says_on_the_summary_that_the_number_is_needed(client, db):
    """No bounce back with an error: "Klopt dit?" says why, and its button opens the pad."""
    add(db, "a1", days=1, capacity=2)
    create_signup(db, "a1", party_size=2, kiosk_id="k1", now=NOW)
    summary = answer(client, step="aantal", action="alleen")
    assert summary.status_code == 200 and step_of(summary) == "controle"
    assert "Voor de wachtlijst hebben wij uw telefoonnummer nodig" in text(summary)
    assert "Nummer invullen" in text(summary)
    pad = answer(client, step="controle")
    assert pad.status_code == 200 and step_of(pad) == "telefoon"
    assert count(db, "signups") == 1  # only the one that filled the activity


def test_done_page_is_gone_after_a_while(client, db):
    add(db, "a1", days=1)
    done = answer(client, step="controle")
    with write_transaction(db):
        db.execute("UPDATE signups SET created_at = '2020-01-01T00:00:00Z'")
    assert client.get(done.location).status_code == 302
    assert client.get("/aangemeld/nobody").status_code == 302


# ---- Bad input: a clear Dutch message, and nothing half-written ----


def test_empty_form_asks_to_begin_again(client, db):
    add(db, "a1", days=1)
    response = client.post("/activiteit/a1/aanmelden", data={})
    assert response.status_code == 400
    assert "Begin alstublieft opnieuw" in text(response) and step_of(response) == "aantal"
    assert nothing_written(db)


def test_a_made_up_token_is_not_taken_as_a_signup_id(client, db):
    add(db, "a1", days=1)
    response = answer(client, step="controle", token="' OR 1=1 --")
    assert response.status_code == 400 and "Begin alstublieft opnieuw" in text(response)
    assert nothing_written(db)


@pytest.mark.parametrize(
    ("fields", "step", "message"),
    [
        ({"party_size": "0"}, "meer", "Kies 1 tot en met 10"),
        ({"party_size": "99"}, "meer", "Kies 1 tot en met 10"),
        ({"party_size": "-1"}, "meer", "Kies 1 tot en met 10"),
        ({"name": "x" * 10_000}, "naam", "Uw naam is te lang"),
        ({"name": "<script>alert(1)</script>"}, "naam", "alleen letters"),
        ({"phone": "abc"}, "telefoon", "Dit telefoonnummer klopt niet"),
    ],
)
def test_bad_answers_sent_with_ja_are_refused_on_their_step(client, db, fields, step, message):
    """A form that skipped the checks (tampered, or an old page) is checked again."""
    add(db, "a1", days=1)
    response = answer(client, step="controle", **fields)
    assert response.status_code == 400
    assert step_of(response) == step and message in text(response)
    assert nothing_written(db)


def test_html_in_a_name_is_never_rendered_as_html(client, db):
    add(db, "a1", days=1)
    evil = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    for step in ("naam", "telefoon", "meer", "controle"):
        page = text(answer(client, step=step, action="terug" if step != "naam" else "verder",
                           name=evil))
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;" in page
    assert nothing_written(db)


def test_ten_thousand_characters_are_not_echoed_back(client, db):
    add(db, "a1", days=1)
    page = text(answer(client, step="naam", name="x" * 10_000))
    assert "x" * 200 not in page


def test_unknown_activity_is_a_friendly_dutch_404(client, db):
    for response in (client.get("/activiteit/bestaat-niet"),
                     client.get("/activiteit/bestaat-niet/aanmelden"),
                     answer(client, "bestaat-niet", step="controle"),
                     client.get("/geen/pagina")):
        assert response.status_code == 404
        assert "Deze pagina is er niet (meer)" in text(response)
        assert "Naar het begin" in text(response)
    assert nothing_written(db)


def test_removed_activity_is_a_404_too(client, db):
    add(db, "a1", days=1, status="removed")
    assert client.get("/activiteit/a1").status_code == 404


def test_full_activity_without_phone_goes_to_the_phone_step(client, db):
    add(db, "a1", days=1, capacity=2)
    create_signup(db, "a1", party_size=2, kiosk_id="k1", phone="0611111111", now=NOW)
    before = (count(db, "signups"), count(db, "print_jobs"), count(db, "outbox"))
    response = answer(client, step="controle", party_size="1")
    assert response.status_code == 200 and step_of(response) == "telefoon"
    assert "wachtlijst" in text(response)
    assert (count(db, "signups"), count(db, "print_jobs"), count(db, "outbox")) == before


def test_begun_activity_is_refused(client, db, app):
    add(db, "a1", days=0, hour=8)  # began an hour before NOW
    page = text(client.get("/activiteit/a1"))
    assert "al begonnen" in page and 'data-testid="join"' not in page
    assert answer(client, step="controle").status_code == 400
    assert nothing_written(db)


def test_unexpected_error_shows_a_calm_dutch_page(app, client, monkeypatch):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(resident.agenda, "upcoming_window", broken)
    response = client.get("/")
    assert response.status_code == 500
    assert "Er ging iets mis" in text(response) and "disk full" not in text(response)


# ---- Words, time-outs ----


def test_no_jargon_on_any_resident_screen(client, db):
    add(db, "a1", days=1)
    pages = [client.get("/"), client.get("/activiteit/a1"), client.get("/activiteit/a1/aanmelden")]
    pages += [answer(client, step=s, action="terug") for s in ("telefoon", "aantal", "controle")]
    pages += [answer(client, step="aantal"), client.get("/nergens")]
    done = answer(client, step="controle")
    pages.append(client.get(done.location))
    for response in pages:
        words = re.sub(r"<[^>]+>", " ", text(response)).lower()
        for jargon in ("account", "inloggen", "submit", "login", "error", "cookie"):
            assert jargon not in words, (jargon, response.request.path)


def test_idle_seconds_come_from_the_environment_or_the_settings(client, db, monkeypatch):
    add(db, "a1", days=1)
    assert 'data-idle-seconds="90"' in text(client.get("/activiteit/a1"))
    monkeypatch.setenv("BUURTKIOSK_IDLE_SECONDS", "40")
    assert 'data-idle-seconds="40"' in text(client.get("/activiteit/a1"))
    with write_transaction(db):
        db.execute("INSERT INTO settings (key, value) VALUES ('idle_seconds', '12')")
    assert 'data-idle-seconds="12"' in text(client.get("/activiteit/a1"))


def test_done_page_goes_back_sooner(client, db):
    add(db, "a1", days=1)
    done = answer(client, step="controle")
    page = text(client.get(done.location))
    assert f'data-idle-seconds="{resident.DONE_IDLE_SECONDS}"' in page
    assert resident.DONE_IDLE_SECONDS <= 60


def test_make_activity_helper_still_works_with_a_real_clock(client, db, app):
    """conftest's activities start from the real clock; without NOW the screens agree."""
    app.config.pop("NOW")
    make_activity(db, "real", days_ahead=2)
    assert "Koffieochtend" in text(client.get("/"))
