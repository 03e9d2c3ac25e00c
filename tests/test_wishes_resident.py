"""The resident's wishes path through the Flask client: each step, the explicit yes before
name and phone, what the thank-you page shows, and that a replayed form shows nothing."""

from __future__ import annotations

import io
import re

import pytest
import sqlite_utils
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.exceptions import TooManyRequests

from kiosk.core import wishes
from tests.voice_support import ScriptedStandIn
from voice.audio import to_wav


def _token(page: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def test_the_start_screen_has_the_second_path(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert 'href="/wens/"' in page and "Wat mist u?" in page
    choice = client.get("/wens/").get_data(as_text=True)
    assert "Wat mist u in de buurt?" in choice and "Wilt u iets doen voor de buurt?" in choice


def test_an_anonymous_wish_in_three_steps(client: FlaskClient, db: sqlite_utils.Database) -> None:
    token = _token(client.get("/wens/mis").get_data(as_text=True))
    base = {"token": token}
    none = client.post("/wens/mis", data=base | {"step": "onderwerp"})
    assert none.status_code == 400 and "Kies minstens één" in none.get_data(as_text=True)
    parts = client.post("/wens/mis", data=base | {"step": "onderwerp",
                                                  "categories": ["wandelen", "eten"]})
    assert "Wanneer kan het het best?" in parts.get_data(as_text=True)
    ask = client.post("/wens/mis", data=base | {"step": "dagdeel", "categories": ["wandelen",
                      "eten"], "day_parts": ["middag"]})
    assert "Mag iemand van het stadsdorp u bellen?" in ask.get_data(as_text=True)
    assert "90 dagen" in ask.get_data(as_text=True)
    done = client.post("/wens/mis", data=base | {
        "step": "bellen", "action": "nee", "categories": ["wandelen", "eten"],
        "day_parts": ["middag"], "name": "Sneaky", "phone": "0612345678"})
    assert done.status_code == 303
    [wish] = wishes.recent(db)
    assert (wish.kind, wish.categories, wish.day_parts) == ("miss", ("wandelen", "eten"),
                                                            ("middag",))
    assert (wish.callback, wish.name, wish.phone, wish.channel) == (False, "", "", "touch")
    thanks = client.get(done.location)
    assert "Bedankt voor uw idee." in thanks.get_data(as_text=True)
    assert thanks.headers["Cache-Control"] == "no-store"


def test_an_offer_with_a_call_back(client: FlaskClient, db: sqlite_utils.Database) -> None:
    token = _token(client.get("/wens/help").get_data(as_text=True))
    chosen = {"token": token, "categories": ["vervoer"], "day_parts": []}
    name_step = client.post("/wens/help", data=chosen | {"step": "bellen", "action": "ja"})
    assert "Wat is uw naam?" in name_step.get_data(as_text=True)
    phone_step = client.post("/wens/help", data=chosen | {"step": "naam", "name": "Piet Jansen"})
    assert "Wat is uw telefoon" in phone_step.get_data(as_text=True)
    empty = client.post("/wens/help", data=chosen | {"step": "telefoon", "name": "Piet Jansen"})
    assert empty.status_code == 400 and "telefoonnummer" in empty.get_data(as_text=True)
    done = client.post("/wens/help", data=chosen | {"step": "telefoon", "name": "Piet Jansen",
                                                    "phone": "06 1234 5678"})
    assert done.status_code == 303
    [wish] = wishes.recent(db)
    assert (wish.kind, wish.callback, wish.name, wish.phone) == (
        "offer", True, "Piet Jansen", "0612345678")
    thanks = client.get(done.location).get_data(as_text=True)
    assert "belt u" in thanks and "Piet" not in thanks and "0612345678" not in thanks
    # Back, or a replayed form, after the wish was made: the start screen, nothing shown.
    replay = client.post("/wens/help", data=chosen | {"step": "naam", "name": "Piet Jansen"})
    assert replay.status_code == 303 and replay.location.endswith("/")
    assert len(wishes.recent(db)) == 1


def test_odd_forms_never_give_a_500(client: FlaskClient) -> None:
    for data in ({}, {"step": "onbekend"}, {"token": "x" * 999, "step": "bellen"},
                 {"token": "8c7b2c1e-1111-4111-8111-111111111111", "step": "onderwerp",
                  "categories": ["<script>"] * 50}):
        assert client.post("/wens/help", data=data).status_code == 400
    assert client.get("/wens/iets").status_code == 404
    assert client.get("/wens/bedankt/nope").status_code == 302


# --- By voice: recognized text through the dialog, state on the server ------------------


def _conversation(page: str) -> str:
    match = re.search(r'data-conversation="([^"]+)"', page)
    assert match, page
    return match.group(1)


def test_an_offer_by_voice_with_a_call_back(client: FlaskClient, db: sqlite_utils.Database
                                            ) -> None:
    page = client.get("/wens/help/stem")
    key = _conversation(page.get_data(as_text=True))
    assert key not in page.headers.get("Location", "") and "Waar wilt u mee helpen?" in \
        page.get_data(as_text=True)

    def say(text: str) -> dict[str, object]:
        answer = client.post("/wens/stem/gehoord", json={"gesprek": key, "tekst": text})
        assert answer.status_code == 200, answer.json
        return answer.json  # type: ignore[no-any-return]

    assert say("ik kan wel klusjes doen")["gehoord"] == ["Klusjes"]
    assert say("maakt niet uit")["stap"] == "callback"
    assert say("misschien")["stap"] == "callback"  # never a yes
    answer = say("ja dat mag")
    assert (answer["stap"], answer["tikken"]) == ("phone", True)
    done = client.post("/wens/stem/telefoon", data={"gesprek": key, "phone": "0612345678"})
    assert done.status_code == 303
    [wish] = wishes.recent(db)
    assert (wish.kind, wish.categories, wish.channel, wish.callback, wish.phone) == (
        "offer", ("klusjes",), "voice", True, "0612345678")
    # The conversation is gone: nothing of it can be fetched or replayed.
    assert client.post("/wens/stem/gehoord", json={"gesprek": key, "tekst": "ja"}
                       ).status_code == 410
    assert client.post("/wens/stem/telefoon", data={"gesprek": key, "phone": "0611111111"}
                       ).status_code == 303
    assert len(wishes.recent(db)) == 1


def test_a_wish_by_voice_without_a_call_back_is_saved_at_the_no(
    client: FlaskClient, db: sqlite_utils.Database
) -> None:
    key = _conversation(client.get("/wens/mis/stem").get_data(as_text=True))
    for text in ("samen eten", "'s avonds"):
        client.post("/wens/stem/gehoord", json={"gesprek": key, "tekst": text})
    answer = client.post("/wens/stem/gehoord", json={"gesprek": key, "tekst": "nee hoor"}).json
    assert answer is not None and str(answer["klaar"]).startswith("/wens/bedankt/")
    [wish] = wishes.recent(db)
    assert (wish.categories, wish.day_parts, wish.callback, wish.channel) == (
        ("eten",), ("avond",), False, "voice")


def test_odd_voice_requests_are_answered_kindly(client: FlaskClient) -> None:
    assert client.post("/wens/stem/gehoord", data="x").status_code == 400
    assert client.post("/wens/stem/gehoord", json={"gesprek": "nope", "tekst": "ja"}
                       ).status_code == 410
    assert client.post("/wens/stem/gehoord", json=[1, 2]).status_code == 400
    assert client.get("/wens/iets/stem").status_code == 302


def _piece(client: FlaskClient, key: str, utterance: str, seq: int = 0, last: bool = True,
           seconds: float = 1.0) -> tuple[int, dict[str, object]]:
    """One WAV piece as static/voice.js posts it to the spoken wish."""
    audio = to_wav(b"\0\0" * int(16000 * seconds))
    answer = client.post("/wens/stem/luister", data={
        "gesprek": key, "utterance": utterance, "seq": str(seq), "last": "1" if last else "0",
        "audio": (io.BytesIO(audio), "stuk.wav")}, content_type="multipart/form-data")
    return answer.status_code, answer.json or {}


def test_spoken_wish_audio_reaches_the_recognizer_with_the_step_grammar(
    app: Flask, client: FlaskClient, db: sqlite_utils.Database
) -> None:
    stand_in = ScriptedStandIn(["wandelen", "maakt niet uit", "ja"])
    app.config["VOICE_ENGINE"] = stand_in
    page = client.get("/wens/mis/stem").get_data(as_text=True)
    assert 'data-listen="true"' in page and "/static/voice.js" in page
    assert "/wens/mis/stem" in client.get("/wens/mis").get_data(as_text=True)  # linked
    key = _conversation(page)
    assert _piece(client, key, "utt-00000001", last=False) == (200, {"partial": ""})
    status, answer = _piece(client, key, "utt-00000001", seq=1, seconds=0.5)
    assert status == 200 and (answer["step"], answer["gehoord"]) == ("day_part", ["Wandelen"])
    assert answer["listen"] is True and 'data-step="day_part"' in str(answer["html"])
    assert answer["recognized"] == "wandelen"
    assert len(stand_in.heard_audio[0]) == 3 * 16000  # both pieces, 1.5 s of 16-bit
    assert _piece(client, key, "utt-00000002")[1]["step"] == "callback"
    status, answer = _piece(client, key, "utt-00000003")
    assert (answer["step"], answer["tikken"], answer["listen"]) == ("phone", True, False)
    # The number is typed: nothing to listen for at the phone step.
    assert _piece(client, key, "utt-00000004")[0] == 409
    assert len(stand_in.grammars) == 3
    topics, day_parts, callback = (set(g or ()) for g in stand_in.grammars)
    assert "wandelen" in topics and "ochtend" not in topics
    assert "ochtend" in day_parts and "ja" in callback and "wandelen" not in callback
    assert wishes.recent(db) == []  # not until the number


def test_spoken_wish_odd_audio_requests(app: Flask, client: FlaskClient) -> None:
    app.config["VOICE_ENGINE"] = ScriptedStandIn()
    key = _conversation(client.get("/wens/help/stem").get_data(as_text=True))
    assert _piece(client, key, "no")[0] == 400  # not an utterance id
    status, answer = _piece(client, "verlopen", "utt-00000001")
    assert status == 410 and answer["redirect"] == "/"
    told = client.post("/wens/stem/antwoord", data={"gesprek": key, "answer": "geen-microfoon"})
    assert told.json is not None and told.json["redirect"] == "/wens/help"
    assert "microfoon" in told.json["say"]
    assert _piece(client, key, "utt-00000002")[0] == 410  # the spoken wish ended there
    assert client.post("/wens/stem/antwoord", data={"answer": "ja"}).status_code == 400


JSON = {"Accept": "application/json"}


def _dutch_json(answer: object, code: int) -> str:
    """The answer the page's script reads: JSON with a Dutch sentence, never an HTML page."""
    status, mimetype, body = (getattr(answer, name) for name in ("status_code", "mimetype", "json"))
    assert (status, mimetype) == (code, "application/json"), (status, mimetype)
    message = str(body.get("error") or body.get("fout"))
    assert re.search(r"\b(Probeer|Zeg|opnieuw)\b", message), message
    return message


def test_every_refusal_of_the_spoken_wish_is_dutch_json(app: Flask, client: FlaskClient
                                                        ) -> None:
    """static/wish_voice.js and static/voice.js read JSON: an error page in HTML would be a
    script error on the screen. Refusals of the views and of Flask itself alike."""
    app.config["VOICE_ENGINE"] = ScriptedStandIn()
    key = _conversation(client.get("/wens/help/stem").get_data(as_text=True))
    _dutch_json(client.post("/wens/stem/gehoord", data="{kapot", content_type="application/json"),
                400)
    _dutch_json(client.post("/wens/stem/luister", data={"gesprek": key, "utterance": "x"},
                            headers=JSON), 400)
    _dutch_json(client.post("/wens/stem/bestaat-niet", headers=JSON), 404)
    _dutch_json(client.post("/wens/stem/bestaat-niet", json={"tekst": "ja"}), 404)
    _dutch_json(client.get("/wens/stem/gehoord", headers=JSON), 405)
    too_long = client.post("/wens/stem/luister", headers=JSON, content_type="multipart/form-data",
                           data={"gesprek": key, "utterance": "utt-00000001", "seq": "0",
                                 "audio": (io.BytesIO(b"\0" * 3 * 1024 * 1024), "stuk.wav")})
    assert "te lang" in _dutch_json(too_long, 413)
    too_long = client.post("/wens/stem/gehoord", data="x" * 3 * 1024 * 1024,
                           content_type="application/json")
    assert too_long.status_code in (400, 413) and _dutch_json(too_long, too_long.status_code)
    # Nothing of the kiosk answers 429 on these routes today; the app's handler for it would.
    with app.test_request_context("/wens/stem/luister", method="POST", headers=JSON):
        busy = app.make_response(app.handle_user_exception(TooManyRequests()))
    assert "te druk" in _dutch_json(busy, 429)
    # The spoken signup's routes answer alike (one handler for both).
    _dutch_json(client.post("/stem/bestaat-niet", headers=JSON), 404)


@pytest.mark.parametrize("path", ["/wens/stem/bestaat-niet", "/stem/bestaat-niet"])
def test_a_page_that_asks_for_html_still_gets_the_dutch_error_page(client: FlaskClient,
                                                                   path: str) -> None:
    page = client.post(path, headers={"Accept": "text/html"})
    assert (page.status_code, page.mimetype) == (404, "text/html")
    assert "<html" in page.get_data(as_text=True)


def test_without_voice_the_spoken_wish_is_neither_linked_nor_listening(
    client: FlaskClient,
) -> None:
    assert "/wens/mis/stem" not in client.get("/wens/mis").get_data(as_text=True)
    page = client.get("/wens/mis/stem").get_data(as_text=True)
    assert 'data-listen="false"' in page and "/static/voice.js" not in page
