from __future__ import annotations

import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.core import config
from kiosk.core.db import write_transaction
from kiosk.core.maintenance_log import log_event
from kiosk.core.print_jobs import mark_failed, mark_printed, queue_print_job
from kiosk.core.signups import create_signup
from kiosk.ops import health, watchdog
from tests.conftest import make_activity
from tests.desk_helpers import open_session

NOW = datetime.now(UTC)


def set_settings(db, **values: str) -> None:
    with write_transaction(db):
        for key, value in values.items():
            config.set_setting(db, key, value)


def test_health_json_answers_for_every_part_and_names_nobody(client, db):
    make_activity(db)
    create_signup(db, "a1", name="Jan Geheim", phone="0698765432", kiosk_id="k1")
    response = client.get("/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["version"] == 1
    assert set(body["checks"]) == {"database", "printer", "voice", "sync", "backup",
                                   "retention", "storage", "clock"}
    assert body["checks"]["database"]["state"] == "ok"
    assert body["status"] in health.STATES
    assert "Geheim" not in response.text and "0698765432" not in response.text


def test_only_a_broken_database_makes_health_fail(client, monkeypatch):
    monkeypatch.setattr(health, "check_printer", lambda db, now: health.Check("error", "weg"))
    assert client.get("/health").status_code == 200
    monkeypatch.setattr(health, "check_database", lambda db: health.Check("error", "kapot"))
    response = client.get("/health")
    assert response.status_code == 503 and response.get_json()["status"] == "error"


def test_printer_states(db, tmp_path):
    assert health.check_printer(db, NOW).state == "warning"  # dummy: no paper comes out
    set_settings(db, printer=f"file://{tmp_path}/lp0")
    assert "niet aangesloten" in health.check_printer(db, NOW).message
    (tmp_path / "lp0").touch()
    assert health.check_printer(db, NOW).message == "In orde. Er is nog geen bon geprint."
    with write_transaction(db):
        job = queue_print_job(db, "test")
        mark_failed(db, job, "Het papier is op.")
    check = health.check_printer(db, NOW)
    assert check.state == "error" and "Het papier is op." in check.message
    with write_transaction(db):
        mark_printed(db, job)
    assert health.check_printer(db, NOW).message.startswith("In orde. Laatste bon:")
    with write_transaction(db):
        queue_print_job(db, "test")
    # Five minutes after the job was queued (now, not when this module was imported).
    assert health.check_printer(db, datetime.now(UTC) + timedelta(minutes=5)).state == "warning"


def test_voice_model_states(db, tmp_path):
    assert health.check_voice(db).state == "off"
    model = tmp_path / "vosk-model-small-nl-0.22"
    set_settings(db, vosk_model=str(model))
    assert health.check_voice(db).state == "warning"
    for part in ("am/final.mdl", "conf/model.conf", "conf/mfcc.conf", "graph/HCLG.fst"):
        (model / part).parent.mkdir(parents=True, exist_ok=True)
        (model / part).write_bytes(b"model")
    check = health.check_voice(db)
    assert check.state == "ok" and "vosk-model-small-nl-0.22" in check.message


def test_sync_waits_calmly_for_the_network(db):
    from sync.status import record_failure, record_success

    assert health.check_sync(db, NOW).state == "off"
    set_settings(db, feeds="https://agenda.example.nl/zuid.ics")
    assert health.check_sync(db, NOW).state == "ok"
    set_settings(db, hub_url="https://agenda.example.nl")
    make_activity(db)
    create_signup(db, "a1", kiosk_id="k1")
    with write_transaction(db):
        record_success(db, NOW)
        record_failure(db, NOW + timedelta(minutes=5), "Geen verbinding")
    assert health.check_sync(db, NOW + timedelta(hours=1)).state == "ok"  # a hiccup
    weeks_later = health.check_sync(db, NOW + timedelta(weeks=3))
    assert weeks_later.state == "warning"
    assert "1 aanmeldingen wachten" in weeks_later.message
    assert "Er gaat niets verloren" in weeks_later.message


def test_a_stopped_worker_is_an_error(db, db_path):
    report = health.check_health(db, db_path, NOW, {"print_worker": True, "sync_worker": False})
    assert report.checks["workers"].state == "error" and report.state == "error"
    assert "Het bijwerken van de agenda is gestopt" in report.checks["workers"].message
    assert "workers" not in health.check_health(db, db_path, NOW).checks  # command line


def test_backup_states(db, monkeypatch, tmp_path):
    assert health.check_backup(db, NOW).state == "warning"
    with write_transaction(db):
        log_event(db, "backup", path="/var/lib/buurtkiosk/backups/b.db")
    assert "USB-stick" in health.check_backup(db, NOW).message  # asks for one
    monkeypatch.setattr(health, "MEDIA_ROOT", Path("/media"))
    with write_transaction(db):
        log_event(db, "backup", path="/media/pi/STICK/buurtkiosk-backup/b.db")
    assert health.check_backup(db, NOW).state == "ok"
    assert health.check_backup(db, NOW + timedelta(days=3)).state == "warning"


def test_clock_and_storage(tmp_path, db_path):
    assert health.check_clock(NOW, tmp_path / "no-timesyncd").state == "ok"
    (tmp_path / "timesync").mkdir()
    assert health.check_clock(NOW, tmp_path / "timesync").state == "warning"
    (tmp_path / "timesync" / "synchronized").touch()
    assert health.check_clock(NOW, tmp_path / "timesync").state == "ok"


def test_storage_by_free_space(db_path, monkeypatch):
    def free(amount: int) -> str:
        usage = shutil._ntuple_diskusage(32 * 1024**3, 32 * 1024**3 - amount, amount)
        monkeypatch.setattr(health.shutil, "disk_usage", lambda _path: usage)
        return health.check_storage(db_path).state

    assert free(health.DISK_FULL - 1) == "error"
    assert free(health.DISK_LOW - 1) == "warning"
    assert free(health.DISK_LOW) == "ok"


def test_status_page_is_for_the_coordinator_only(client):
    response = client.get("/coordinator/status")
    assert response.status_code == 303 and "/pincode" in response.location
    with client.session_transaction() as session:  # a cookie made up: no session
        session["auth"] = {"role": "coordinator", "actor": "Els", "seen": time.time()}
        session["desk"] = "made-up"
    assert client.get("/coordinator/status").status_code == 303
    open_session(client, "volunteer", "Marieke")
    assert client.get("/coordinator/status").status_code == 303
    open_session(client, "coordinator", "Els")
    page = client.get("/coordinator/status")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for words in ("Status van de kiosk", "Printer", "Back-up", "Geheugenkaart", "Let op"):
        assert words in text
    assert "Status van de kiosk" in client.get("/coordinator/").get_data(as_text=True)


def test_notify_speaks_the_systemd_protocol(tmp_path, monkeypatch):
    path = str(tmp_path / "notify")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind(path)
        monkeypatch.setenv("NOTIFY_SOCKET", path)
        assert watchdog.notify("READY=1")
        assert listener.recv(64) == b"READY=1"
    monkeypatch.delenv("NOTIFY_SOCKET")
    assert watchdog.notify("READY=1") is False
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    assert watchdog.ping_interval() == 15
    monkeypatch.setenv("WATCHDOG_PID", "1")
    assert watchdog.ping_interval() is None  # meant for another process


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Answer(http.server.BaseHTTPRequestHandler):
    status = 200
    body = b"{}"

    def do_GET(self) -> None:  # noqa: N802 (the http.server name)
        self.send_response(self.status)
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize(
    ("status", "body", "alive"),
    [
        (200, b'{"checks": {"workers": {"state": "ok"}}}', True),
        (200, b'{"checks": {"workers": {"state": "error"}}}', False),  # systemd restarts
        (503, b'{"checks": {"database": {"state": "error"}}}', True),  # a restart won't mend
        (200, b"not json", True),
    ],
)
def test_watchdog_pings_only_for_a_server_with_its_workers(status, body, alive):
    handler = type("H", (Answer,), {"status": status, "body": body})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/health"
        assert watchdog.alive(url, timeout=5) is alive
    finally:
        server.shutdown()
        server.server_close()
    assert watchdog.alive(url, timeout=1) is False  # nobody answers


@pytest.mark.slow
def test_server_under_systemd_says_ready_then_pings(tmp_path, db_path, db):
    """`buurtkiosk run` as the unit starts it (Type=notify, WatchdogSec=2), workers and all."""
    path = str(tmp_path / "notify")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind(path)
        listener.settimeout(10)
        env = os.environ | {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "2000000"}
        server = subprocess.Popen(
            [sys.executable, "-m", "kiosk.cli", "--db", db_path, "run", "--port", str(free_port())],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            assert listener.recv(256).startswith(b"READY=1")
            assert listener.recv(256) == b"WATCHDOG=1"
        finally:
            server.kill()
            server.wait()
