"""Nothing of one resident reaches the next, without a browser: replayed signup forms,
cache headers on resident pages."""

from __future__ import annotations

import uuid

from kiosk.web import resident
from tests.conftest import make_activity


def _form(token: str, step: str, **extra: str) -> dict[str, str]:
    return {"token": token, "step": step, "name": "Henk Vermeer", "phone": "0687654321",
            "party_size": "2", **extra}


def test_a_finished_token_never_renders_its_answers_again(client, db, monkeypatch):
    make_activity(db)
    token = str(uuid.uuid4())
    done = client.post("/activiteit/a1/aanmelden", data=_form(token, "controle"))
    assert done.status_code == 303 and done.location.startswith("/aangemeld/")
    # A second tap on "Ja" a moment later still shows the ticket code.
    again = client.post("/activiteit/a1/aanmelden", data=_form(token, "controle"))
    assert again.location == done.location
    # Every other replay of that form (Back re-posting an earlier step, "wijzig", later)
    # goes to the start screen and shows nothing of it.
    for step in resident.STEPS:
        for action in ("verder", "terug", "wijzig"):
            replay = client.post(
                "/activiteit/a1/aanmelden", data=_form(token, step, action=action)
            )
            if step == "controle" and action == "verder":
                continue
            assert replay.status_code == 303 and replay.location == "/", (step, action)
    monkeypatch.setattr(resident, "REPEAT_TAP", resident.REPEAT_TAP * 0)
    late = client.post("/activiteit/a1/aanmelden", data=_form(token, "controle"))
    assert late.location == "/"
    assert db.execute("SELECT COUNT(*) FROM signups").fetchone()[0] == 1


def test_resident_pages_say_no_store(client, db):
    make_activity(db)
    for path in ("/", "/activiteit/a1", "/activiteit/a1/aanmelden"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    page = client.post("/activiteit/a1/aanmelden", data=_form(str(uuid.uuid4()), "naam"))
    assert page.headers["Cache-Control"] == "no-store"


def test_no_kiosk_page_in_another_sites_frame(client, db):
    headers = client.get("/").headers
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
