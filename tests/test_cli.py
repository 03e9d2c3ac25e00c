"""The `buurtkiosk` command group, through click's CliRunner."""

from __future__ import annotations

from click.testing import CliRunner

from kiosk.cli.main import cli
from kiosk.core import pins
from kiosk.core.db import connect


def invoke(db_path: str, *args: str, input: str | None = None):
    return CliRunner().invoke(cli, ["--db", db_path, *args], input=input)


def test_help_lists_each_command_with_its_dutch_name():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for line in ("purge, opruimen", "restore, herstel", "ready-ticket, klaar-bon",
                 "health, status", "export-person, inzage", "forget-person, vergeet"):
        assert line in result.output


def test_a_dutch_alias_runs_the_command(db_path):
    by_alias = invoke(db_path, "opruimen", "--dagen", "7")
    assert by_alias.exit_code == 0, by_alias.output
    assert "bewaartermijn 7 dagen" in by_alias.output
    assert invoke(db_path, "opruimen", "--dagen", "0").exit_code == 1


def test_init_db_prints_each_new_pin_once(db_path, monkeypatch):
    monkeypatch.setattr(pins, "HASH_METHOD", "pbkdf2:sha256:1000")
    first = invoke(db_path, "init-db")
    assert first.exit_code == 0
    assert first.output.count("Nieuwe pincode") == 2
    again = invoke(db_path, "init-db")
    assert "Nieuwe pincode" not in again.output


def test_set_pin_reads_the_pin_and_lifts_a_lockout(db_path, monkeypatch):
    monkeypatch.setattr(pins, "HASH_METHOD", "pbkdf2:sha256:1000")
    result = invoke(db_path, "set-pin", "vrijwilliger", input="8642\n")
    assert result.exit_code == 0, result.output
    assert pins.check_pin(connect(db_path), "8642").role == "volunteer"
    refused = invoke(db_path, "set-pin", "coordinator", input="12\n")
    assert refused.exit_code == 1 and "4 tot 12 cijfers" in refused.output


def test_unknown_command_and_bad_role_are_usage_errors(db_path):
    assert invoke(db_path, "bestaat-niet").exit_code == 2
    assert invoke(db_path, "set-pin", "beheerder").exit_code == 2


def test_voice_model_takes_one_source_at_a_time(db_path):
    result = invoke(db_path, "voice-model", "--download", "--check")
    assert result.exit_code == 2
    assert "Kies één van" in result.output


def test_hub_commands_share_the_hub_database(tmp_path):
    hub_db = str(tmp_path / "hub.db")
    runner = CliRunner()
    added = runner.invoke(cli, ["hub", "--hub-db", hub_db, "add-stadsdorp", "Stadsdorp Zuid",
                                "--slug", "zuid"])
    assert added.exit_code == 0, added.output
    kiosk = runner.invoke(cli, ["hub", "--hub-db", hub_db, "add-kiosk", "De Pijp",
                                "--stadsdorpen", "zuid"])
    assert kiosk.exit_code == 0, kiosk.output
    token = kiosk.output.splitlines()[1]
    assert len(token) >= 32
    unknown = runner.invoke(cli, ["hub", "--hub-db", hub_db, "new-token", "Onbekend"])
    assert unknown.exit_code == 1
