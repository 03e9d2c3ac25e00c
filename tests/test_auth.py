"""PINs, the lockout after wrong PINs, idle sign-out and the role checks, without a browser."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.cli.main import main
from kiosk.cli.pins import print_new_pins
from kiosk.core import pins
from kiosk.web import auth
from tests.desk_helpers import COORDINATOR_PIN, VOLUNTEER_PIN, fast_pins, set_pins, sign_in

_ = fast_pins


@pytest.fixture
def pinned(db, fast_pins):
    set_pins(db)
    return db


def test_production_pins_use_scrypt(db):
    pins.set_pin(db, "volunteer", VOLUNTEER_PIN)
    assert db.execute("SELECT hash FROM pins").fetchone()[0].startswith("scrypt:")


def test_pins_are_stored_hashed_and_must_differ(pinned):
    stored = [row[0] for row in pinned.execute("SELECT hash FROM pins")]
    assert len(stored) == 2
    assert all(h.startswith("pbkdf2:") and VOLUNTEER_PIN not in h for h in stored)
    with pytest.raises(pins.PinError, match="andere rol"):
        pins.set_pin(pinned, "coordinator", VOLUNTEER_PIN)
    for bad in ("12", "abcd", "1234567890123"):
        with pytest.raises(pins.PinError, match="4 tot 12 cijfers"):
            pins.set_pin(pinned, "volunteer", bad)


def test_check_pin_finds_the_role(pinned):
    assert pins.check_pin(pinned, VOLUNTEER_PIN).role == "volunteer"
    assert pins.check_pin(pinned, COORDINATOR_PIN).role == "coordinator"
    wrong = pins.check_pin(pinned, "0000")
    assert wrong.role is None and wrong.tries_left == pins.MAX_TRIES - 1


def test_five_wrong_pins_lock_even_the_right_one_then_the_pause_doubles_to_two_minutes(pinned):
    now = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
    for _ in range(pins.MAX_TRIES):
        result = pins.check_pin(pinned, "0000", now)
        assert result.role is None
    assert result.wait_seconds == 30
    locked = pins.check_pin(pinned, VOLUNTEER_PIN, now + timedelta(seconds=15))
    assert locked.role is None and 14 <= locked.wait_seconds <= 16
    # After each pause: five new tries, and the next pause lasts twice as long, up to 2 min.
    moment = now + timedelta(seconds=31)
    for expected in (60, 120, 120, 120):
        for _ in range(pins.MAX_TRIES):
            result = pins.check_pin(pinned, "0000", moment)
        assert result.wait_seconds == expected
        moment += timedelta(seconds=expected + 1)
    # The right PIN after the pause opens, and clears the count.
    opened = pins.check_pin(pinned, VOLUNTEER_PIN, moment)
    assert opened.role == "volunteer"
    assert pinned.execute("SELECT failures, lockouts FROM pin_lockout").fetchone() == (0, 0)
    assert pinned.execute(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'pin.locked'"
    ).fetchone()[0] == 5


def test_the_lockout_figures_in_the_readme_are_the_policys_own():
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    four, six = pins.lockout_figures(4), pins.lockout_figures(6)
    assert f"about {round(four.hours_to_guess)} hours" in readme
    assert f"about {round(six.hours_to_guess / 24)} days" in readme
    minutes = int(four.longest_keep_out.total_seconds() // 60)
    assert f"at most {minutes} minutes after the last wrong PIN" in readme


def test_pins_from_environment_or_generated_once(db, fast_pins, monkeypatch, capsys):
    monkeypatch.setenv("BUURTKIOSK_VOLUNTEER_PIN", "13579")
    monkeypatch.delenv("BUURTKIOSK_COORDINATOR_PIN", raising=False)
    print_new_pins(db)
    out = capsys.readouterr().out
    assert "13579" not in out  # given by the environment: nothing to show
    generated = out.split("coördinator: ")[1].split()[0]
    assert len(generated) == 6 and generated.isdigit()
    assert pins.check_pin(db, "13579").role == "volunteer"
    assert pins.check_pin(db, generated).role == "coordinator"
    print_new_pins(db)
    assert capsys.readouterr().out == ""  # only on first start


def test_set_pin_command(db_path, db, fast_pins, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("8642\n"))
    assert main(["--db", db_path, "set-pin", "vrijwilliger"]) == 0
    assert pins.check_pin(db, "8642").role == "volunteer"
    assert main(["--db", db_path, "set-pin", "coordinator", "--random"]) == 0
    pin = capsys.readouterr().out.strip().split(": ")[-1]
    assert pins.check_pin(db, pin).role == "coordinator"


def test_pages_need_a_pin_and_never_leak_to_the_pin_page(client, pinned):
    for path in (
        "/vrijwilliger/",
        "/vrijwilliger/invoeren",
        "/vrijwilliger/activiteiten",
        "/vrijwilliger/binnenkomst",
        "/coordinator/",
        "/coordinator/logboek",
    ):
        response = client.get(path)
        assert response.status_code == 303, path
        assert response.location.startswith("/vrijwilliger/pincode")
    assert client.post("/vrijwilliger/invoeren/strook", data={"scan": "x"}).status_code == 303


def test_sign_in_needs_a_name_and_the_right_pin(client, pinned):
    assert "Vul uw naam in" in sign_in(client, name="").get_data(as_text=True)
    wrong = sign_in(client, pin="1111")
    assert wrong.status_code == 400 and "nog 4 keer" in wrong.get_data(as_text=True)
    right = sign_in(client, next="/vrijwilliger/activiteiten")
    assert right.status_code == 303 and right.location == "/vrijwilliger/activiteiten"
    page = client.get("/vrijwilliger/")
    assert page.status_code == 200 and "Marieke (vrijwilliger)" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"


def test_next_never_leaves_the_kiosk(client, pinned):
    response = sign_in(client, next="https://evil.example/")
    assert response.location == "/vrijwilliger/"
    response = sign_in(client, next="//evil.example/")
    assert response.location == "/vrijwilliger/"


def test_coordinator_passes_volunteer_checks_but_not_the_reverse(client, pinned):
    sign_in(client)
    assert client.get("/coordinator/instellingen").status_code == 303
    refused = sign_in(client, rol="coordinator")
    assert "pincode van de coördinator" in refused.get_data(as_text=True)
    sign_in(client, pin=COORDINATOR_PIN, name="Kees")
    assert client.get("/coordinator/instellingen").status_code == 200
    assert client.get("/vrijwilliger/invoeren").status_code == 200


def test_idle_session_ends_on_the_server_after_five_minutes(client, pinned, monkeypatch):
    start = time.time()
    sign_in(client)
    monkeypatch.setattr(auth, "_clock", lambda: start + 299)
    assert client.get("/vrijwilliger/").status_code == 200  # and this counts as activity
    monkeypatch.setattr(auth, "_clock", lambda: start + 299 + 301)
    response = client.get("/vrijwilliger/")
    assert response.status_code == 303
    monkeypatch.setattr(auth, "_clock", lambda: start + 299 + 302)
    assert client.get("/vrijwilliger/").status_code == 303  # stays signed out


def test_cross_site_post_is_refused(client, pinned):
    sign_in(client)
    response = client.post(
        "/vrijwilliger/invoeren/strook",
        data={"scan": "x"},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    same = client.post(
        "/vrijwilliger/invoeren/strook", data={"scan": "x"}, headers={"Origin": "http://localhost"}
    )
    assert same.status_code == 400  # reached the view: not a slip code


def test_sign_out_is_logged(client, pinned, db):
    sign_in(client)
    client.post("/vrijwilliger/afsluiten")
    assert client.get("/vrijwilliger/").status_code == 303
    actions = [r[0] for r in db.execute("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["signed_in", "signed_out"]


def test_unusable_pins_in_the_environment_do_not_stop_the_kiosk(db, fast_pins, monkeypatch):
    monkeypatch.setenv("BUURTKIOSK_VOLUNTEER_PIN", "1234")
    monkeypatch.setenv("BUURTKIOSK_COORDINATOR_PIN", "1234")  # the same: not allowed
    generated = pins.ensure_pins(db)
    assert list(generated) == ["coordinator"] and generated["coordinator"] != "1234"
    assert pins.check_pin(db, "1234").role == "volunteer"
    assert pins.check_pin(db, generated["coordinator"]).role == "coordinator"


def test_pin_page_says_when_no_pin_is_set(client):
    page = client.get("/vrijwilliger/pincode").get_data(as_text=True)
    assert "buurtkiosk set-pin" in page


def _cookie(client) -> str:
    return client.get_cookie("session").value


def test_a_copied_cookie_stops_working_at_sign_out(app, client, pinned):
    sign_in(client)
    copy = app.test_client()
    copy.environ_base["HTTP_ORIGIN"] = "http://localhost"
    copy.set_cookie("session", _cookie(client))
    assert copy.get("/vrijwilliger/").status_code == 200  # a copy works while signed in
    client.post("/vrijwilliger/afsluiten")
    assert copy.get("/vrijwilliger/").status_code == 303
    refused = copy.post("/vrijwilliger/invoeren/strook", data={"scan": "x"})
    assert refused.status_code == 303 and "/pincode" in refused.location


def test_the_cookie_holds_no_role_or_name(app, client, pinned):
    response = sign_in(client, name="Marieke")
    header = response.headers["Set-Cookie"]
    assert "SameSite=Strict" in header and "HttpOnly" in header
    decoded = app.session_interface.get_signing_serializer(app).loads(_cookie(client))
    assert set(decoded) == {"desk"}


def test_a_pin_change_ends_the_sessions_of_that_role(app, client, pinned, db):
    volunteer = app.test_client()
    volunteer.environ_base["HTTP_ORIGIN"] = "http://localhost"
    sign_in(volunteer)
    sign_in(client, pin=COORDINATOR_PIN, name="Kees")
    changed = client.post(
        "/coordinator/pincodes", data={"role": "volunteer", "pin": "86420", "pin_again": "86420"}
    )
    assert changed.status_code == 303
    assert volunteer.get("/vrijwilliger/").status_code == 303
    assert client.get("/coordinator/").status_code == 200  # who changed it stays in


def test_an_idle_session_is_gone_from_the_server(client, pinned, db, monkeypatch):
    start = time.time()
    sign_in(client)
    assert db.execute("SELECT COUNT(*) FROM desk_sessions").fetchone()[0] == 1
    monkeypatch.setattr(auth, "_clock", lambda: start + auth.IDLE_SECONDS + 1)
    assert client.get("/vrijwilliger/").status_code == 303
    assert db.execute("SELECT COUNT(*) FROM desk_sessions").fetchone()[0] == 0


def test_a_post_that_names_no_origin_is_refused(app, client, pinned):
    sign_in(client)
    bare = app.test_client()
    bare.set_cookie("session", _cookie(client))
    assert bare.post("/vrijwilliger/invoeren/strook", data={"scan": "x"}).status_code == 403
    assert bare.post(
        "/vrijwilliger/invoeren/strook", data={"scan": "x"}, headers={"Origin": "null"}
    ).status_code == 403
    from_here = bare.post(
        "/vrijwilliger/invoeren/strook",
        data={"scan": "x"},
        headers={"Referer": "http://localhost/vrijwilliger/invoeren"},
    )
    assert from_here.status_code == 400  # reached the view
    elsewhere = bare.post(
        "/vrijwilliger/invoeren/strook",
        data={"scan": "x"},
        headers={"Referer": "http://evil.example/vrijwilliger/invoeren"},
    )
    assert elsewhere.status_code == 403
