"""`buurtkiosk voice-test`: what the kiosk understands, as JSON lines, on the demo agenda
of a fixed day (numbers as on the start screen over the whole two weeks)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from kiosk.cli.main import cli
from kiosk.core import config
from kiosk.core.db import connect, migrate, write_transaction
from tests.voice_support import korean_model_path


def voice_test(db_path: str, step: str, *texts: str) -> list[dict]:
    result = CliRunner().invoke(
        cli, ["--db", db_path, "voice-test", "--step", step, "--today", "2026-12-01", *texts]
    )
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def test_one_json_line_per_text_with_step_text_outcome_and_missing_words(db_path: str) -> None:
    lines = voice_test(db_path, "confirm", "ja hoor", "dat klopt toch niet", "klopt dat wel")
    assert [line["outcome"] for line in lines] == ["yes", "no", "ask_again"]
    assert [line["text"] for line in lines] == ["ja hoor", "dat klopt toch niet", "klopt dat wel"]
    assert all(line["step"] == "confirm" and line["missing_words"] == [] for line in lines)


def test_activities_by_number_name_day_and_time_on_the_demo_agenda(db_path: str) -> None:
    lines = voice_test(db_path, "activity", "nummer drie", "die van tien uur", "koffie oost",
                       "nummer twintig", "ik wil graag een kopje koffie")  # fmt: skip
    assert [line["outcome"] for line in lines] == [
        "activity:3", "among:1,8,11", "among:4,12", "ask_again", "among:1,4,8,12",
    ]  # fmt: skip


def test_a_value_to_confirm_and_missing_words(db_path: str) -> None:
    about, joh = voice_test(db_path, "party_size", "een stuk of drie", "twee joh")
    assert (about["outcome"], about.get("confirm")) == ("party_size:3", True)
    assert joh["missing_words"] == ["joh"]


def test_every_step_and_outcome_kind(db_path: str) -> None:
    cases = {
        "confirm_activity": ("terug", "back"), "name": ("eh ik heet jan de vries",
        "name:Jan de Vries"), "confirm_name": ("harder", "louder"),
        "change": ("het aantal", "change:party_size"),
    }  # fmt: skip
    for step, (text, outcome) in cases.items():
        assert voice_test(db_path, step, text)[0]["outcome"] == outcome


def test_with_a_model_missing_words_are_what_its_vocabulary_cannot_give(db_path: str) -> None:
    """The Korean test model knows no Dutch: every Dutch word is missing, "네" is not."""
    db = connect(db_path)
    migrate(db)
    with write_transaction(db):
        config.set_setting(db, "vosk_model", korean_model_path())
    (line,) = voice_test(db_path, "name", "jan 네")
    assert line["missing_words"] == ["jan"]
    (line,) = voice_test(db_path, "confirm", "ja")
    assert line["missing_words"] == ["ja"]  # the Dutch yes-sentences lose every word


def test_an_unknown_step_is_a_usage_error(db_path: str) -> None:
    result = CliRunner().invoke(cli, ["--db", db_path, "voice-test", "--step", "dance", "ja"])
    assert result.exit_code == 2
