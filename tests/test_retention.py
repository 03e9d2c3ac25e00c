from __future__ import annotations

import json
from datetime import timedelta

import pytest

from kiosk.cli.main import main
from kiosk.core import config
from kiosk.core.db import write_transaction
from kiosk.core.maintenance_log import last_event
from kiosk.core.person_data import PersonQuery, export_person, find_signups, forget_person
from kiosk.core.retention import purge_expired, retention_days
from kiosk.core.signups import create_signup
from tests.conftest import make_activity


def count(db, table: str, where: str = "1 = 1", params=()) -> int:
    return db.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}", list(params)).fetchone()[0]


@pytest.fixture
def two_activities(db):
    """'old' ends first; 'later' ends eight days after it."""
    old = make_activity(db, "old", days_ahead=2, title="Koffieochtend")
    later = make_activity(db, "later", days_ahead=10, title="Wandeling")
    create_signup(db, "old", name="Anna Oud", phone="0611111111", kiosk_id="k1")
    create_signup(db, "old", name="Bram Oud", kiosk_id="k1")
    create_signup(db, "later", name="Cor Later", phone="0622222222", kiosk_id="k1")
    return old, later


def test_purge_with_a_fake_clock_takes_only_what_is_past_its_term(db, two_activities):
    old, later = two_activities
    with write_transaction(db):
        db.execute("UPDATE outbox SET sent_at = created_at WHERE signup_id IN "
                   "(SELECT id FROM signups WHERE name = 'Anna Oud')")
    day_31 = old.starts_at + timedelta(days=31)  # later ended only 23 days ago then

    result = purge_expired(db, now=day_31)

    assert (result.signups, result.days, result.never_sent) == (2, 30, 1)  # Bram never went out
    assert [r[0] for r in db.execute("SELECT name FROM signups")] == ["Cor Later"]
    later_signup = db.execute("SELECT id FROM signups").fetchone()[0]
    assert count(db, "print_jobs") == count(db, "print_jobs", "signup_id = ?", [later_signup]) == 1
    assert count(db, "outbox") == count(db, "outbox", "signup_id = ?", [later_signup]) == 1
    assert count(db, "activities") == 2  # the agenda itself holds no personal data

    logged = last_event(db, "purge")
    assert logged.detail["signups"] == 2 and logged.detail["days"] == 30
    assert "Oud" not in json.dumps(logged.detail) and "0611" not in json.dumps(logged.detail)

    assert purge_expired(db, now=day_31).signups == 0  # the nightly run is idempotent


def test_the_term_counts_from_the_end_of_the_activity(db):
    activity = make_activity(db, "a1", days_ahead=3)
    end = activity.starts_at + timedelta(hours=2)
    with write_transaction(db):
        db.execute("UPDATE activities SET ends_at = ? WHERE id = 'a1'", [end.isoformat()])
    create_signup(db, "a1", name="Anna", kiosk_id="k1")
    assert purge_expired(db, now=end + timedelta(days=30, minutes=-1)).signups == 0
    assert purge_expired(db, now=end + timedelta(days=30, minutes=1)).signups == 1


def test_coordinator_setting_sets_the_term(db, two_activities):
    old, _ = two_activities
    with write_transaction(db):
        config.set_setting(db, "retention_days", "7")
    assert retention_days(db) == 7
    assert purge_expired(db, now=old.starts_at + timedelta(days=8)).signups == 2
    with write_transaction(db):
        config.set_setting(db, "retention_days", "een maand")
    assert retention_days(db) == 30  # a typo must not stop the nightly purge


def test_rows_that_carry_a_signup_go_with_it_and_records_without_names_stay(db, two_activities):
    old, _ = two_activities
    anna = db.execute("SELECT id FROM signups WHERE name = 'Anna Oud'").fetchone()[0]
    with write_transaction(db):
        # Another area's table with a foreign key: found without being listed anywhere.
        db.execute("CREATE TABLE reminders (id INTEGER PRIMARY KEY, "
                   "signup REFERENCES signups (id), text TEXT)")
        db.execute("INSERT INTO reminders (signup, text) VALUES (?, 'bel Anna')", [anna])
        db.execute("INSERT INTO audit_log (at, actor, action, signup_id) "
                   "VALUES ('2025-01-01T00:00:00Z', 'Marieke (vrijwilliger)', 'checkin', ?)",
                   [anna])
    purge_expired(db, now=old.starts_at + timedelta(days=31))
    assert count(db, "reminders") == 0
    assert count(db, "audit_log") == 1


def test_forget_person_by_phone_deletes_everywhere_and_tells_the_hub(db, two_activities):
    rows = find_signups(db, PersonQuery(phone="06-11 11 11 11"))
    assert [r["name"] for r in rows] == ["Anna Oud"]
    exported = export_person(db, rows)
    assert exported["aanmeldingen"][0]["activiteit"] == "Koffieochtend"
    assert exported["aanmeldingen"][0]["telefoon"] == "0611111111"

    assert forget_person(db, rows) == 1
    anna = rows[0]["id"]
    assert count(db, "signups", "id = ?", [anna]) == 0
    assert count(db, "print_jobs", "signup_id = ?", [anna]) == 0
    told = list(db.query("SELECT kind, payload FROM outbox WHERE signup_id = ?", [anna]))
    assert told == [{"kind": "signup.forgotten", "payload": json.dumps({"id": anna})}]
    assert count(db, "signups") == 2
    assert last_event(db, "forget").detail == {"signups": 1}


def test_person_is_found_by_every_criterion_given(db):
    make_activity(db)
    create_signup(db, "a1", name="Özlem Yılmaz", phone="0633333333", kiosk_id="k1")
    create_signup(db, "a1", name="Özlem Yılmaz", kiosk_id="k1")
    create_signup(db, "a1", name="Jan", phone="0633333333", kiosk_id="k1")  # same phone
    assert len(find_signups(db, PersonQuery(name="özlem  yılmaz"))) == 2
    both = find_signups(db, PersonQuery(name="ÖZLEM YILMAZ", phone="0633333333"))
    assert [r["phone"] for r in both] == ["0633333333"]
    code = both[0]["code"]
    assert find_signups(db, PersonQuery(code=f"{code[:3]}-{code[3:]}".lower()))[0]["id"] == (
        both[0]["id"]
    )
    with pytest.raises(ValueError, match="telefoonnummer, een naam of een code"):
        PersonQuery()


def test_commands_purge_export_and_forget(db, db_path, two_activities, tmp_path, capsys,
                                         monkeypatch):
    assert main(["--db", db_path, "opruimen", "--dagen", "30"]) == 0
    assert "Opgeruimd: 0 aanmeldingen" in capsys.readouterr().out
    assert main(["--db", db_path, "opruimen", "--dagen", "-5"]) == 1  # not the future's
    assert count(db, "signups") == 3

    target = tmp_path / "inzage.json"
    assert main(["--db", db_path, "inzage", "--telefoon", "0622222222", "--naar", str(target)]) == 0
    assert json.loads(target.read_text())["aanmeldingen"][0]["naam"] == "Cor Later"

    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert main(["--db", db_path, "forget-person", "--naam", "cor later"]) == 1
    assert count(db, "signups", "name = 'Cor Later'") == 1  # nobody confirmed
    assert main(["--db", db_path, "vergeet", "--naam", "cor later", "--ja"]) == 0
    assert "Verwijderd: 1 aanmeldingen" in capsys.readouterr().out
    assert count(db, "signups", "name = 'Cor Later'") == 0
    assert main(["--db", db_path, "vergeet", "--telefoon", "12"]) == 1
    assert "telefoonnummer klopt niet" in capsys.readouterr().err
