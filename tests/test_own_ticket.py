"""'Mijn kaartje' through the Flask test client: opening by QR or code, the pause after three
wrong codes, cancel and reprint, and that nothing of another resident shows."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from kiosk.core import codes, own_ticket
from kiosk.core.config import set_setting, signing_secret
from kiosk.core.signups import create_signup, get_signup
from kiosk.core.ticket_changes import PrintedAs, record_first_print
from tests.conftest import make_activity, moved_the_same_day


def html(response) -> str:
    return response.get_data(as_text=True)


def open_with(client, code: str):
    return client.post("/mijn-kaartje/", data={"code": code})


def view_url(response) -> str:
    assert response.status_code == 303, html(response)
    location = response.headers["Location"]
    assert re.fullmatch(r"/mijn-kaartje/bekijk/[\w-]{20,}", location), location
    return location


@pytest.fixture
def ticket(db):
    activity = make_activity(db, capacity=2)
    signup = create_signup(db, "a1", name="Geheime Naam", phone="0612345678", kiosk_id="k1")
    return signup, activity


def test_a_scanned_qr_opens_the_ticket_without_name_or_phone(client, db, ticket):
    signup, _ = ticket
    qr = codes.ticket_qr(signing_secret(db), signup.code)
    page = client.get(view_url(open_with(client, qr)))
    text = html(page)
    assert 'data-status="aangemeld"' in text and "Koffieochtend" in text
    assert "Buurthuis De Pijp" in text and signup.display_code in text
    assert "Geheime Naam" not in text and "0612345678" not in text
    assert signup.id not in text and signup.id not in page.request.url
    assert page.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("typed", ["{code}", "{dashed}", "{lower}"])
def test_the_typed_code_opens_it_in_any_case(client, ticket, typed):
    signup, _ = ticket
    code = typed.format(
        code=signup.code, dashed=signup.display_code, lower=signup.display_code.lower()
    )
    assert 'data-status="aangemeld"' in html(client.get(view_url(open_with(client, code))))


def test_forged_qr_and_unknown_code_are_refused_kindly(client, db, ticket):
    signup, _ = ticket
    genuine = codes.ticket_qr(signing_secret(db), signup.code)
    forged = genuine[:-2] + ("AA" if not genuine.endswith("AA") else "BB")
    refused = open_with(client, forged)
    assert refused.status_code == 400
    assert own_ticket.NOT_A_TICKET in html(refused) and "Koffieochtend" not in html(refused)
    unknown = open_with(client, "ZZZ-ZZZ" if signup.code != "ZZZZZZ" else "YYY-YYY")
    assert unknown.status_code == 400 and "Deze code kennen wij niet" in html(unknown)
    assert "Koffieochtend" not in html(unknown)


def test_three_wrong_codes_pause_typing_for_a_minute(client, app, db, ticket):
    signup, _ = ticket
    start = datetime.now(UTC)
    app.config["NOW"] = start
    for _ in range(2):
        assert open_with(client, "ZZZZZZ").status_code == 400
    paused = open_with(client, "ZZZZZZ")
    assert paused.status_code == 429 and own_ticket.PAUSED in html(paused)
    # Even the right code waits: the pause is for typing, whoever types.
    assert open_with(client, signup.code).status_code == 429
    keys = html(client.get("/mijn-kaartje/"))
    assert "disabled" in keys and own_ticket.PAUSED in keys
    app.config["NOW"] = start + timedelta(seconds=59)
    assert open_with(client, signup.code).status_code == 429
    app.config["NOW"] = start + timedelta(seconds=61)
    view_url(open_with(client, signup.code))
    # The tries before the pause do not count again: two new wrong ones do not pause yet.
    for _ in range(2):
        assert open_with(client, "ZZZZZZ").status_code == 400
    assert open_with(client, "ZZZZZZ").status_code == 429


def test_a_right_code_between_guesses_does_not_undo_the_count(client, app, db, ticket):
    """A stranger with their own ticket cannot type it between guesses to keep guessing."""
    signup, _ = ticket
    start = datetime.now(UTC)
    app.config["NOW"] = start
    refused = []
    for guess in range(6):
        app.config["NOW"] = start + timedelta(seconds=guess)
        refused.append(open_with(client, f"ZZZZZ{guess + 2}").status_code)
        if refused[-1] == 400:
            view_url(open_with(client, signup.code))
    assert refused == [400, 400, 429, 429, 429, 429]
    assert own_ticket.paused_until(db, start + timedelta(seconds=5)) == (
        start.replace(microsecond=0) + timedelta(seconds=2) + own_ticket.PAUSE
    )


def test_wrong_codes_far_apart_are_typos_not_guessing(client, app, db, ticket):
    start = datetime.now(UTC)
    for minutes in (0, 6, 12, 18, 24):
        app.config["NOW"] = start + timedelta(minutes=minutes)
        assert open_with(client, "ZZZZZZ").status_code == 400
    # Only the tries inside the window are kept.
    assert db.execute("SELECT COUNT(*) FROM own_ticket_wrong_tries").fetchone()[0] == 2
    app.config["NOW"] = start + timedelta(minutes=25)
    assert open_with(client, "ZZZZZZ").status_code == 429


def test_a_clock_put_back_does_not_pause_for_hours(app, db, ticket):
    signup, _ = ticket
    start = datetime.now(UTC)
    for _ in range(3):
        with pytest.raises(own_ticket.NotOpened):
            own_ticket.open_ticket(db, signing_secret(db), "ZZZZZZ", start)
    assert own_ticket.paused_until(db, start) is not None
    earlier = start - timedelta(hours=2)
    assert own_ticket.paused_until(db, earlier) is None
    opened = own_ticket.open_ticket(db, signing_secret(db), signup.code, earlier)
    assert opened.signup.id == signup.id


def wrong_try(db, at: datetime) -> str:
    try:
        own_ticket.open_ticket(db, signing_secret(db), "ZZZZZZ", at)
    except own_ticket.NotOpened as refused:
        return "paused" if str(refused) == own_ticket.PAUSED else "wrong"
    return "opened"


def test_after_the_clock_is_put_back_one_typo_does_not_pause(db, ticket):
    start = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)
    assert [wrong_try(db, start + timedelta(seconds=s)) for s in (0, 5)] == ["wrong", "wrong"]
    back = start - timedelta(hours=1)
    # One typo every few minutes is never guessing, whatever the clock said before.
    tries = [wrong_try(db, back + timedelta(minutes=m)) for m in (0, 12, 24, 36, 48, 60)]
    assert tries == ["wrong"] * 6
    # Three within the window still pause.
    soon = back + timedelta(minutes=61)
    assert [wrong_try(db, soon + timedelta(seconds=s)) for s in (0, 1)] == ["wrong", "paused"]


def test_a_pause_from_before_the_clock_went_back_does_not_come_back(db, ticket):
    signup, _ = ticket
    start = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)
    assert [wrong_try(db, start) for _ in range(3)] == ["wrong", "wrong", "paused"]
    back = start - timedelta(hours=1)
    own_ticket.open_ticket(db, signing_secret(db), signup.code, back)
    # An hour later by the new clock, the old pause is not there again.
    assert own_ticket.paused_until(db, start + timedelta(seconds=30)) is None


def test_guesses_in_the_second_the_pause_ends_are_counted(db, ticket):
    start = datetime(2026, 12, 1, 10, 0, 0, tzinfo=UTC)
    assert [wrong_try(db, start) for _ in range(3)] == ["wrong", "wrong", "paused"]
    end = start + own_ticket.PAUSE
    tries = [wrong_try(db, end + timedelta(milliseconds=10 * i)) for i in range(5)]
    assert tries == ["wrong", "wrong", "paused", "paused", "paused"]


def test_the_pause_does_not_blame_the_one_who_reads_it():
    assert "U heeft" not in own_ticket.PAUSED and "drie keer" not in own_ticket.PAUSED


def test_cancel_asks_first_frees_the_seat_and_prints_nothing(client, db, ticket):
    signup, _ = ticket
    waiting = create_signup(db, "a1", party_size=2, phone="0687654321", kiosk_id="k1")
    assert waiting.status == "waitlist"
    jobs_before = db.execute("SELECT COUNT(*) FROM print_jobs").fetchone()[0]
    url = view_url(open_with(client, signup.code))
    confirm = client.get(url + "/afmelden")
    assert "Weet u het zeker?" in html(confirm) and "Ja, afmelden" in html(confirm)
    assert get_signup(db, signup.id).status == "confirmed"  # asking changes nothing
    done = client.post(url + "/afmelden")
    assert done.headers["Location"] == url + "?gedaan=afgemeld"
    page = html(client.get(done.headers["Location"]))
    assert 'data-status="afgemeld"' in page and "U bent afgemeld." in page
    assert 'data-testid="cancel"' not in page and 'data-testid="reprint"' not in page
    assert get_signup(db, signup.id).status == "cancelled"
    moved = get_signup(db, waiting.id)
    assert moved.status == "confirmed"
    assert db.execute("SELECT call_reason FROM signups WHERE id = ?", [waiting.id]).fetchone() == (
        own_ticket.SEAT_FREED,
    )
    assert db.execute("SELECT COUNT(*) FROM print_jobs").fetchone()[0] == jobs_before


def test_reprint_queues_a_copy(client, db, ticket):
    signup, _ = ticket
    set_setting(db, "printer", "tcp://127.0.0.1:9")
    url = view_url(open_with(client, signup.code))
    done = client.post(url + "/printen")
    assert "Uw kaartje komt uit de printer" in html(client.get(done.headers["Location"]))
    jobs = list(db.query("SELECT kind, payload FROM print_jobs WHERE signup_id = ?", [signup.id]))
    assert jobs[-1] == {"kind": "ticket", "payload": '{"copy": true}'}


def test_reprint_without_a_printer_says_so(client, db, ticket):
    signup, _ = ticket
    url = view_url(open_with(client, signup.code))
    done = client.post(url + "/printen")
    assert "geen printer" in html(client.get(done.headers["Location"]))


def test_a_moved_time_shows_what_the_paper_says(client, db, ticket):
    signup, activity = ticket
    record_first_print(db, signup.id, PrintedAs.of(activity))
    db.execute(
        "UPDATE activities SET starts_at = ?, location_name = 'Buurthuis Oost' WHERE id = 'a1'",
        [moved_the_same_day(activity.starts_at).isoformat()],
    )
    page = html(client.get(view_url(open_with(client, signup.code))))
    assert page.count('data-testid="change"') == 2
    assert "Let op: nu om " in page and "Let op: nu in Buurthuis Oost" in page
    assert "Op uw kaartje staat: Buurthuis De Pijp<" in page


def test_waitlist_and_cancelled_activity_show_their_status(client, db, ticket):
    waiting = create_signup(db, "a1", party_size=2, phone="0687654321", kiosk_id="k1")
    page = html(client.get(view_url(open_with(client, waiting.code))))
    assert 'data-status="wachtlijst"' in page and "Komt er een plek vrij?" in page
    db.execute("UPDATE activities SET status = 'cancelled' WHERE id = 'a1'")
    page = html(client.get(view_url(open_with(client, waiting.code))))
    assert 'data-status="gaat niet door"' in page and 'data-testid="cancel"' not in page


def test_a_view_ends_with_klaar_and_after_the_idle_time(client, app, db, ticket):
    signup, _ = ticket
    url = view_url(open_with(client, signup.code))
    assert client.post(url + "/klaar").headers["Location"] == "/"
    assert client.get(url).headers["Location"] == "/"
    assert client.post(url + "/afmelden").headers["Location"] == "/"
    later = view_url(open_with(client, signup.code))
    app.config["NOW"] = datetime.now(UTC) + timedelta(seconds=91)
    assert client.get(later).headers["Location"] == "/"
    assert get_signup(db, signup.id).status == "confirmed"


@pytest.mark.parametrize("raw", ["", " ", "x" * 5000, "BK1.", "BK1.ABC.DEF.GHI", "\x00\x1b", "é"])
def test_odd_input_gets_a_dutch_message_never_a_500(client, ticket, raw):
    response = open_with(client, raw)
    assert response.status_code in (400, 429)
    assert "<html" in html(response)
