"""The voice screens in the app (Flask test client): when the voice buttons show, the
coordinator's reason when they do not, the spoken numbers matching the start screen,
touch answers on the voice screen, and the signup through the one domain function."""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from kiosk.core import config
from kiosk.core.db import write_transaction
from kiosk.web.voice import COOKIE, dialog_store
from tests.conftest import make_activity
from tests.voice_support import ScriptedStandIn, korean_model_path
from voice import dialog
from voice.audio import to_wav


def in_dialog(app: Flask, client: Any, state: Any) -> None:
    """Put this browser in a dialog at a given state, as if it had got there."""
    with app.app_context():
        key = dialog_store().begin(state)
    client.set_cookie(COOKIE, key)


def set_model(app: Flask, path: str) -> None:
    with app.app_context():
        from kiosk.web.request_db import get_db

        db = get_db()
        with write_transaction(db):
            config.set_setting(db, "vosk_model", path)


@pytest.fixture
def agenda(db: Any) -> None:
    make_activity(db, "a1", title="Koffieochtend", days_ahead=1)
    make_activity(db, "a2", title="Wandelgroep", days_ahead=2)
    make_activity(db, "a3", title="Filmclub", days_ahead=3, capacity=2)
    make_activity(db, "a4", title="Bingo", days_ahead=4, status="cancelled")


def answer(client: Any, value: str, **fields: str) -> dict[str, Any]:
    """A tap on the voice screen; the dialog is the one this browser (cookie) is in."""
    response = client.post(
        "/stem/antwoord", data={"answer": value, **fields},
        headers={"Accept": "application/json"},
    )  # fmt: skip
    assert response.status_code == 200, response.data
    return response.get_json()


def say(client: Any, utterance: str) -> Any:
    """Half a second of sound as one utterance in one piece, as the microphone code sends
    its last piece; what it "says" is the stand-in's next scripted text."""
    return client.post(
        "/stem/luister",
        data={"utterance": utterance, "seq": "0", "last": "1",
              "audio": (io.BytesIO(to_wav(b"\x01\x00" * 8000)), "stuk.wav", "audio/wav")},
        headers={"Accept": "application/json"},
    )  # fmt: skip


# --- when voice is there ------------------------------------------------------------------


def test_without_a_model_voice_is_hidden_and_the_reason_is_plain(
    app: Flask, agenda: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BUURTKIOSK_VOSK_MODEL", raising=False)
    client = app.test_client()
    start = client.get("/").text
    assert 'data-testid="read-aloud"' in start  # reading aloud needs no model
    assert 'data-testid="voice-start"' not in start
    status = client.get("/stem/status").get_json()
    assert status == {
        "available": False,
        "reason": "Er is geen spraakmodel ingesteld (BUURTKIOSK_VOSK_MODEL). "
        "Installeer het met: buurtkiosk voice-model --download",
    }
    assert client.get("/stem").status_code == 302  # back to the start screen


def test_an_incomplete_model_hides_voice_and_says_what_is_missing(
    app: Flask, agenda: None, tmp_path: Path
) -> None:
    (tmp_path / "model" / "conf").mkdir(parents=True)
    (tmp_path / "model" / "conf" / "model.conf").write_text("--beam=10")
    set_model(app, str(tmp_path / "model"))
    client = app.test_client()
    assert 'data-testid="voice-start"' not in client.get("/").text
    reason = client.get("/stem/status").get_json()["reason"]
    assert "niet compleet" in reason and "am/final.mdl" in reason


def test_with_a_model_voice_shows_on_start_and_activity_screens_only(
    app: Flask, agenda: None
) -> None:
    set_model(app, korean_model_path())
    client = app.test_client()
    assert client.get("/stem/status").get_json()["available"] is True
    start = client.get("/").text
    assert 'href="/stem"' in start
    activity = client.get("/activiteit/a1").text
    assert 'href="/stem?activiteit=a1"' in activity
    assert 'data-testid="voice-start"' not in client.get("/activiteit/a4").text  # cancelled
    signup = client.get("/activiteit/a1/aanmelden").text
    assert 'data-testid="voice-start"' not in signup
    assert 'data-testid="read-aloud"' in signup


def test_read_aloud_is_on_every_resident_screen(app: Flask, agenda: None) -> None:
    client = app.test_client()
    for url in ("/", "/activiteit/a1", "/activiteit/a1/aanmelden"):
        page = client.get(url).text
        assert 'data-testid="read-aloud"' in page, url
        assert "tts.js" in page and 'data-speech-url="/stem/spraak"' in page
        assert re.search(r'<div id="read-aloud-text" hidden>\s*\S', page), url


# --- the voice screen by touch -------------------------------------------------------------------


@pytest.fixture
def voice_client(app: Flask, agenda: None) -> Any:
    app.config["VOICE_ENGINE"] = ScriptedStandIn()  # availability only; no audio here
    return app.test_client()


def test_spoken_numbers_are_the_start_screens_numbers(voice_client: Any) -> None:
    start = voice_client.get("/").text
    cards = dict(
        re.findall(
            r'href="/activiteit/([^"]+)"\s+data-testid="activity-card" data-number="(\d+)"', start
        )
    )
    voice = voice_client.get("/stem").text
    buttons = dict(
        re.findall(r'value="kies:([^"]+)"\s+data-testid="voice-choice" data-number="(\d+)"', voice)
    )
    assert cards and buttons == cards


def test_a_whole_signup_by_touch_on_the_voice_screen(voice_client: Any, db: Any) -> None:
    page = voice_client.get("/stem").text
    assert "Naar welke activiteit wilt u?" in page
    reply = answer(voice_client, "kies:a1")
    assert reply["step"] == "confirm_activity" and reply["listen"]
    reply = answer(voice_client, "ja")
    reply = answer(voice_client, "naam", name="Fatma Yilmaz")
    assert reply["step"] == "party_size"
    reply = answer(voice_client, "aantal:3")
    assert reply["step"] == "confirm"
    assert "Fatma Yilmaz" in reply["html"]
    done = answer(voice_client, "ja")
    assert done["redirect"].startswith("/aangemeld/") and done["redirect"].endswith("?stem=1")
    signup = db.execute("SELECT activity_id, name, party_size, channel, id FROM signups").fetchall()
    assert signup[0][:4] == ("a1", "Fatma Yilmaz", 3, "voice")
    # The same ticket job as a touch signup.
    assert db.execute("SELECT kind, signup_id FROM print_jobs").fetchall() == [
        ("ticket", signup[0][4])
    ]
    # A second "ja" (a double tap) makes no second signup: the dialog is gone.
    again = voice_client.post(
        "/stem/antwoord", data={"answer": "ja"}, headers={"Accept": "application/json"}
    )
    assert again.status_code == 409 and again.get_json()["redirect"] == "/stem"
    assert db.execute("SELECT COUNT(*) FROM signups").fetchone()[0] == 1
    ticket_page = voice_client.get(done["redirect"]).text
    assert 'data-testid="ticket-code"' in ticket_page


def test_without_javascript_the_voice_screen_still_works(voice_client: Any, db: Any) -> None:
    page = voice_client.get("/stem?activiteit=a2").text
    assert "U wilt naar de Wandelgroep" in page
    step = voice_client.post("/stem/antwoord", data={"answer": "ja"})
    assert step.status_code == 200 and "Wat is uw naam?" in step.text
    stop = voice_client.post("/stem/antwoord", data={"answer": "stop"})
    assert stop.status_code == 303 and stop.headers["Location"] == "/"


def test_a_full_activity_asks_for_a_phone_number_for_the_waitlist(
    voice_client: Any, db: Any
) -> None:
    from kiosk.core.signups import create_signup

    create_signup(db, "a3", party_size=2, kiosk_id="k", phone="0612345678")
    page = voice_client.get("/stem?activiteit=a3").text
    assert "deze activiteit is vol" in page
    reply = answer(voice_client, "ja")
    assert reply["step"] == "phone" and reply["listen"] is False
    wrong = answer(voice_client, "telefoon", phone="12")
    assert wrong["step"] == "phone" and "telefoonnummer klopt niet" in wrong["say"]
    reply = answer(voice_client, "telefoon", phone="06 12 34 56 78")
    reply = answer(voice_client, "overslaan")
    reply = answer(voice_client, "aantal:1")
    done = answer(voice_client, "ja")
    assert done["redirect"]
    row = db.execute("SELECT status, phone FROM signups WHERE channel = 'voice'").fetchone()
    assert row == ("waitlist", "0612345678")


def test_a_refusal_by_the_signup_rules_goes_back_to_that_step(
    voice_client: Any, app: Flask, db: Any
) -> None:
    in_dialog(app, voice_client, dialog.State(
        step=dialog.CONFIRM, activity_id="a3", party_size=5,
        signup_id="00000000-0000-4000-8000-000000000001",
    ))  # fmt: skip
    reply = answer(voice_client, "ja")  # 5 people, 2 seats, no phone number
    assert reply["step"] == "phone"
    assert reply["say"].startswith("Deze activiteit is vol.")
    assert db.execute("SELECT COUNT(*) FROM signups").fetchone()[0] == 0


def test_bad_names_typed_on_the_voice_screen_are_refused_kindly(voice_client: Any) -> None:
    voice_client.get("/stem?activiteit=a1")
    answer(voice_client, "ja")
    refused = answer(voice_client, "naam", name="<script>")
    assert refused["step"] == "name"
    assert "Gebruik in uw naam alleen letters" in refused["say"]


def test_pages_of_activities_on_the_voice_screen(app: Flask, db: Any, voice_client: Any) -> None:
    for n in range(5, 12):
        make_activity(db, f"x{n}", title=f"Activiteit {n}", days_ahead=n)
    page = voice_client.get("/stem").text
    per_page = dialog.CHOICES_PER_PAGE
    assert page.count('data-testid="voice-choice"') == per_page
    more = answer(voice_client, f"vanaf:{per_page}")
    assert more["quiet"] is True and more["step"] == "activity"
    assert f'data-number="{per_page + 1}"' in more["html"]
    assert f'data-number="{per_page}"' not in more["html"]


def test_the_voice_list_keeps_its_page_and_reads_what_the_screen_shows(
    db: Any, voice_client: Any
) -> None:
    """With "Grotere letters" the screen shows fewer cards (voice.js sends which: vanaf,
    ruimte): "wat is er allemaal" reads just those, and the list stays on that page while
    the resident is still choosing; a new list (after a choice) starts at its first."""
    for n in range(5, 12):
        make_activity(db, f"x{n}", title=f"Activiteit {n}", days_ahead=n)
    voice_client.get("/stem")
    on_screen = {"vanaf": "2", "ruimte": "2"}
    help_ = answer(voice_client, "opnieuw", **on_screen)
    assert 'data-start="2"' in help_["html"] and 'data-number="3"' in help_["html"]
    step_back = voice_client.post(
        "/stem/antwoord", data={"answer": "nee", **on_screen},
        headers={"Accept": "application/json"},
    ).get_json()  # fmt: skip
    assert step_back["step"] == "activity" and 'data-start="2"' in step_back["html"]
    # Odd values from a page never break it: the list starts inside it.
    odd = answer(voice_client, "vanaf:999", vanaf="-3", ruimte="99")
    assert odd["step"] == "activity" and 'data-testid="voice-choice"' in odd["html"]


def test_an_expired_dialog_starts_again(voice_client: Any) -> None:
    voice_client.set_cookie(COOKIE, "forged")
    response = voice_client.get("/stem?verder=1")
    assert response.status_code == 302 and response.headers["Location"] == "/stem"
    late = voice_client.post("/stem/antwoord", data={"answer": "ja"})
    assert late.status_code == 302


# --- privacy: the dialog lives on the server ------------------------------------------------


def test_the_dialog_is_kept_on_the_server_and_the_browser_holds_only_an_id(
    voice_client: Any, app: Flask
) -> None:
    page = voice_client.get("/stem?activiteit=a1")
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    key = voice_client.get_cookie(COOKIE).value
    answer(voice_client, "ja")
    reply = answer(voice_client, "naam", name="Fatma Yilmaz")
    assert reply["step"] == "party_size"
    assert "url" not in reply and "state" not in reply
    # Nothing in the page or the answer carries the dialog: not its id, not the name.
    for text in (page.text, reply["html"]):
        assert key not in text and 'name="state"' not in text
    assert "Fatma" not in reply["html"]  # the name shows only where it is asked or checked
    with app.app_context():
        assert dialog_store().get(key).name == "Fatma Yilmaz"


def test_the_start_screen_forgets_the_dialog(voice_client: Any, app: Flask) -> None:
    voice_client.get("/stem?activiteit=a1")
    key = voice_client.get_cookie(COOKIE).value
    answer(voice_client, "ja")
    answer(voice_client, "naam", name="Fatma Yilmaz")
    start = voice_client.get("/")  # the idle reset, or "Stoppen"
    assert f"{COOKIE}=;" in start.headers["Set-Cookie"]  # the browser drops the id
    with app.app_context():
        assert dialog_store().get(key) is None
    voice_client.set_cookie(COOKIE, key)  # a copy of the id is no use either
    again = voice_client.get("/stem?verder=1")
    assert again.status_code == 302 and "Fatma" not in again.text


def test_a_finished_signup_forgets_the_dialog(voice_client: Any, app: Flask) -> None:
    voice_client.get("/stem?activiteit=a1")
    key = voice_client.get_cookie(COOKIE).value
    answer(voice_client, "ja")
    answer(voice_client, "naam", name="Fatma Yilmaz")
    answer(voice_client, "aantal:1")
    done = answer(voice_client, "ja")
    assert done["redirect"].startswith("/aangemeld/")
    with app.app_context():
        assert dialog_store().get(key) is None
    assert voice_client.get_cookie(COOKIE) is None


def test_without_a_microphone_the_dialog_goes_on_by_touch_and_says_so_once(
    voice_client: Any,
) -> None:
    voice_client.get("/stem?activiteit=a1")
    told = answer(voice_client, "geen-microfoon")
    assert told["say"].startswith("De microfoon doet het niet.") and told["listen"] is False
    assert "Zeg ja of nee" not in told["say"]
    after = answer(voice_client, "ja")
    assert after["step"] == "name" and after["listen"] is False
    assert "microfoon" not in after["say"] and "Zeg" not in after["say"]
    again = answer(voice_client, "geen-microfoon")
    assert "microfoon" not in again["say"]  # once is enough


def test_where_free_speech_is_too_slow_the_name_is_typed(
    voice_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The recognizer measured at its start that it cannot keep up with free speech (a
    slow Pi): the name step does not listen, and says to type."""
    from kiosk.web import voice as voice_views

    monkeypatch.setattr(voice_views, "names_by_voice", lambda: False)
    voice_client.get("/stem?activiteit=a1")
    reply = answer(voice_client, "ja")
    assert reply["step"] == "name" and reply["listen"] is False
    assert reply["say"].startswith("Typ uw naam.")
    assert "Zeg uw voornaam" not in reply["say"]
    after = answer(voice_client, "naam", name="Fatma Yilmaz")
    assert after["step"] == "party_size" and after["listen"] is True  # the rest is spoken


def test_words_heard_while_a_tap_moves_the_dialog_on_do_not_undo_the_tap(
    app: Flask, agenda: None
) -> None:
    """The resident says "ja" and, before the kiosk has understood it, taps "Nee": the
    tap counts. The late words answered the question before: they change nothing, and
    the screen gets the question of now, quietly."""
    engine = ScriptedStandIn(["ja"])
    app.config["VOICE_ENGINE"] = engine
    client = app.test_client()
    asked = dialog.State(
        step=dialog.CONFIRM_ACTIVITY, activity_id="a1", signup_id=str(uuid.uuid4())
    )
    in_dialog(app, client, asked)
    key = client.get_cookie(COOKIE).value
    tapped = replace(asked, step=dialog.ACTIVITY_STEP, activity_id="")  # where "Nee" leads

    def tap() -> None:
        with app.app_context():
            dialog_store().put(key, tapped)

    engine.while_hearing = tap
    reply = say(client, "test-utterance-late")
    assert reply.status_code == 200, reply.data
    body = reply.get_json()
    assert body["step"] == dialog.ACTIVITY_STEP and body["quiet"] and body["late"]
    with app.app_context():
        assert dialog_store().get(key) == tapped  # not the name step "ja" would have led to
    assert not engine.script  # the words were heard, and let go

    # Without a tap meanwhile the same words move the dialog on, as ever.
    engine.script.append("ja")
    engine.while_hearing = None
    in_dialog(app, client, asked)
    reply = say(client, "test-utterance-on-time")
    assert reply.get_json()["step"] != dialog.CONFIRM_ACTIVITY
    assert "late" not in reply.get_json()


def test_a_tap_on_a_question_the_dialog_has_left_changes_nothing(
    app: Flask, agenda: None
) -> None:
    """Each screen's buttons carry the question they answer. "Ja" said and heard while
    the resident taps "Nee" on the same "Klopt dat?" (the spoken answer got there
    first), or "Ja" tapped twice: the tap answered the question before, so it is not
    taken as an answer to the next one; the screen gets the question of now, said aloud
    (the resident has not heard it). Said louder, or asked again, it is the same
    question: a tap then counts."""
    engine = ScriptedStandIn(["ja", "harder"])
    app.config["VOICE_ENGINE"] = engine
    client = app.test_client()
    asked = dialog.State(  # not at full volume: "harder" must change something
        step=dialog.CONFIRM_ACTIVITY, activity_id="a1", signup_id=str(uuid.uuid4()), volume=1
    )
    in_dialog(app, client, asked)
    key = client.get_cookie(COOKIE).value
    page = client.get("/stem?verder=1").get_data(as_text=True)
    shown = asked.question_key()
    assert f'name="vraag" value="{shown}"' in page
    assert f'data-turn="{asked.turn}"' in page
    heard = say(client, "test-utterance-ja").get_json()  # the words got there first
    assert heard["step"] == dialog.NAME_STEP and heard["question"] != shown
    tapped = answer(client, "nee", vraag=shown)  # "Nee" on the screen that asked
    assert tapped["step"] == dialog.NAME_STEP and tapped["late"]
    # Replies are numbered in the order the kiosk gave them (the screen shows the newest);
    # a refused tap changed nothing, so it keeps the number.
    assert asked.turn < heard["turn"] == tapped["turn"]
    assert "quiet" not in tapped and tapped["say"]
    with app.app_context():
        now = dialog_store().get(key)
    assert now is not None and now.step == dialog.NAME_STEP and now.activity_id == "a1"

    # "harder" changes the voice, not the question: a tap from the same screen counts.
    louder = say(client, "test-utterance-harder").get_json()
    assert louder["step"] == dialog.NAME_STEP and louder["question"] == heard["question"]
    assert louder["volume"] > heard["volume"] and louder["turn"] > heard["turn"]
    typed = answer(client, "naam", name="Fatma Yilmaz", vraag=heard["question"])
    assert typed["step"] == dialog.PARTY_SIZE and "late" not in typed  # typed: no check
    # An answer without the field (voice.js's own "geen-microfoon", an older page) is
    # taken as it always was.
    assert answer(client, "aantal:2")["step"] == dialog.CONFIRM
    # Stoppen means stop whatever the screen asked: a stale one still ends the dialog.
    stopped = client.post("/stem/antwoord", data={"answer": "stop", "vraag": shown},
                          headers={"Accept": "application/json"})  # fmt: skip
    assert stopped.get_json()["redirect"] == "/"
    with app.app_context():
        assert dialog_store().get(key) is None


def test_typed_beats_heard_and_a_finished_dialog_keeps_its_page(
    app: Flask, agenda: None, db: Any
) -> None:
    """A name typed while the kiosk was still answering spoken words (which had already
    taken a name) is the name. And the dialog's last page stays its answer for a minute:
    a second "Ja, meld mij aan", or a plain form sent twice, lands on the same ticket,
    not on a new dialog (the resident would sign up again)."""
    engine = ScriptedStandIn(["ik heet jan de vries"])
    app.config["VOICE_ENGINE"] = engine
    client = app.test_client()
    at_name = dialog.State(step=dialog.NAME_STEP, activity_id="a1", signup_id=str(uuid.uuid4()))
    in_dialog(app, client, at_name)
    key = client.get_cookie(COOKIE).value
    assert say(client, "test-utterance-name").get_json()["step"] == dialog.CONFIRM_NAME
    typed = answer(client, "naam", name="Fatma Yilmaz", vraag=at_name.question_key())
    assert "late" not in typed
    now = dialog_store_state(app, key)
    assert now is not None and now.name == "Fatma Yilmaz"
    answer(client, "aantal:1")
    check = dialog_store_state(app, key)
    signed = answer(client, "ja", vraag=check.question_key())
    ticket = signed["redirect"]
    assert ticket.startswith("/aangemeld/")
    # Sent before the first answer came back, so still with the dialog's cookie.
    client.set_cookie(COOKIE, key)
    again = answer(client, "ja", vraag=check.question_key())
    assert again["redirect"] == ticket
    client.set_cookie(COOKIE, key)
    plain = client.post("/stem/antwoord", data={"answer": "ja"})  # no JavaScript
    assert plain.status_code == 303 and plain.headers["Location"].endswith(ticket)
    signups = db.execute("SELECT COUNT(*) FROM signups WHERE name = 'Fatma Yilmaz'")
    assert signups.fetchone()[0] == 1


def dialog_store_state(app: Flask, key: str) -> Any:
    with app.app_context():
        return dialog_store().get(key)

