"""PINs, the lockout after wrong PINs, idle sign-out and the role checks, without a browser."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

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


def test_five_wrong_pins_lock_even_the_right_one_then_the_pause_doubles(pinned):
    now = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
    for _ in range(pins.MAX_TRIES):
        result = pins.check_pin(pinned, "0000", now)
        assert result.role is None
    assert result.wait_seconds == 60
    locked = pins.check_pin(pinned, VOLUNTEER_PIN, now + timedelta(seconds=30))
    assert locked.role is None and 25 <= locked.wait_seconds <= 31
    # After the pause: five new tries, and the next lockout lasts twice as long.
    later = now + timedelta(seconds=61)
    for _ in range(pins.MAX_TRIES):
        result = pins.check_pin(pinned, "0000", later)
    assert result.wait_seconds == 120
    # The right PIN after the pause opens, and clears the count.
    opened = pins.check_pin(pinned, VOLUNTEER_PIN, later + timedelta(seconds=121))
    assert opened.role == "volunteer"
    assert pinned.execute("SELECT failures, lockouts FROM pin_lockout").fetchone() == (0, 0)


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
