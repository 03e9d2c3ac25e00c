"""A Pi in use upgrades without losing a row: a database made by the first release, with
signups in it, opened by this version."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kiosk.core.db import MIGRATIONS, connect, migrate, schema_version
from kiosk.web import create_app

FIRST_RELEASE = Path(__file__).parent / "fixtures" / "first_release.sql"
KEPT = ("id", "code", "name", "phone", "party_size", "status", "channel", "created_at")


def first_release_db(path: Path) -> Path:
    with sqlite3.connect(path) as old:
        old.executescript(FIRST_RELEASE.read_text())
    return path


def rows(path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


def test_every_signup_and_activity_survives_the_upgrade(tmp_path):
    path = first_release_db(tmp_path / "kiosk.db")
    signups_before = rows(path, f"SELECT {', '.join(KEPT)} FROM signups ORDER BY id")
    titles_before = rows(path, "SELECT s.id, a.title, a.starts_at FROM signups s "
                               "JOIN activities a ON a.id = s.activity_id ORDER BY s.id")
    counts_before = {table: rows(path, f"SELECT COUNT(*) FROM {table}")[0][0]
                     for table in ("activities", "signups", "outbox", "print_jobs")}
    assert counts_before["signups"] == 15

    db = connect(path)
    assert schema_version(db) == 1
    assert migrate(db) == len(MIGRATIONS) == schema_version(db)
    db.close()

    assert rows(path, f"SELECT {', '.join(KEPT)} FROM signups ORDER BY id") == signups_before
    # Each signup still belongs to the same activity, whatever its id is called now.
    assert rows(path, "SELECT s.id, a.title, a.starts_at FROM signups s "
                      "JOIN activities a ON a.id = s.activity_id ORDER BY s.id") == titles_before
    for table, count in counts_before.items():
        assert rows(path, f"SELECT COUNT(*) FROM {table}")[0][0] >= count, table


def test_the_upgraded_kiosk_serves_its_screens(tmp_path):
    path = first_release_db(tmp_path / "kiosk.db")
    app = create_app({"TESTING": True, "DATABASE": str(path)})
    client = app.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/health").get_json()["checks"]["database"]["state"] == "ok"
