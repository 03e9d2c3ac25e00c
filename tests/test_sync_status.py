"""The coordinator's sync screen (/coordinator/sync) and `buurtkiosk sync`."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from kiosk.cli.main import main as cli_main
from kiosk.core.config import set_setting
from kiosk.core.db import write_transaction
from kiosk.core.signups import create_signup
from tests.conftest import make_activity
from tests.desk_helpers import open_session
from tests.sync_support import FeedServer, HubServer, hub_activity, setup_hub


def sign_in(client, role: str = "coordinator") -> None:
    open_session(client, role)


@pytest.fixture
def feed_server():
    server = FeedServer().start()
    yield server
    server.stop()


def test_sync_screen_is_for_coordinators_only(client):
    assert client.get("/coordinator/sync/").status_code == 303
    sign_in(client, "volunteer")
    assert client.get("/coordinator/sync/").status_code == 303
    sign_in(client)
    page = client.get("/coordinator/sync/")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert "Synchronisatie" in client.get("/coordinator/").get_data(as_text=True)


def test_sync_screen_shows_waiting_rows_errors_and_syncs_now(client, db, feed_server):
    make_activity(db)
    create_signup(db, "a1", kiosk_id="k")
    feed_server.routes["/kapot.ics"] = b"<html>Inloggen</html>"
    with write_transaction(db):
        set_setting(db, "hub_url", "http://127.0.0.1:9")
        set_setting(db, "feeds", feed_server.url("/kapot.ics"))
    sign_in(client)
    page = client.get("/coordinator/sync/").get_data(as_text=True)
    assert "nog nooit" in page
    assert 'data-testid="sync-waiting">1<' in page
    answer = client.post("/coordinator/sync/nu", follow_redirects=True)
    page = answer.get_data(as_text=True)
    assert "lukte niet helemaal" in page
    assert "niet bereikbaar" in page  # the hub's error, in plain Dutch
    assert "gewone webpagina" in page  # the feed's error
    assert "blijft de vorige agenda staan" in page
    assert 'data-testid="sync-waiting">1<' in page  # still waiting, not lost
    assert db.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'sync.now'").fetchone()[0]


def test_sync_now_wakes_a_running_worker(app, client):
    class FakeWorker:
        running = True
        woken: list[bool] = []

        def wake(self, force: bool = False) -> None:
            self.woken.append(force)

    app.extensions["sync_worker"] = FakeWorker()
    sign_in(client)
    page = client.post("/coordinator/sync/nu", follow_redirects=True).get_data(as_text=True)
    assert FakeWorker.woken == [True]
    assert "synchroniseert nu" in page


def test_buurtkiosk_sync_command(tmp_path: Path, db_path, db):
    hub_path = tmp_path / "hub.db"
    tokens = setup_hub(hub_path, ["kiosk-a"])
    hub_activity(hub_path, capacity=None)
    hub = HubServer(hub_path).start()
    try:
        with write_transaction(db):
            set_setting(db, "hub_url", hub.url)
            set_setting(db, "hub_token", tokens["kiosk-a"])
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            assert cli_main(["--db", db_path, "sync"]) == 0
        assert "1 activiteit(en) bijgewerkt" in out.getvalue()
        hub.stop()
        with redirect_stdout(out), redirect_stderr(err):
            assert cli_main(["--db", db_path, "sync"]) == 1
        assert "niet bereikbaar" in err.getvalue()
    finally:
        hub.stop()
