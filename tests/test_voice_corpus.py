"""The Dutch corpus (tests/voice_corpus/): no false yes, at least 95 % correct, and every
miss listed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from kiosk.ops.voice_agenda import demo_choices
from voice import corpus
from voice.lang import get_language

CORPUS = Path(__file__).with_name("voice_corpus")
TODAY = date(2026, 12, 1)


def test_the_corpus_is_big_enough_and_well_formed() -> None:
    lines = corpus.read(sorted(CORPUS.glob("*.txt")))
    assert len(lines) >= 600
    steps = {"activity", "confirm_activity", "name", "confirm_name", "party_size", "confirm",
             "change", "callback"}  # fmt: skip
    assert {line.step for line in lines} == steps
    assert all(line.accepted for line in lines)


def test_no_false_yes_and_at_least_95_percent_correct() -> None:
    lines = corpus.read(sorted(CORPUS.glob("*.txt")))
    choices, _ = demo_choices(TODAY)
    results, _ = corpus.run(lines, choices, get_language("nl"), TODAY)
    misses = [r for r in results if not r.correct]
    report = "\n".join(
        f"{r.line.source} {r.line.step}: {r.line.text!r} -> {r.understood.outcome}"
        f" ({r.understood.reason}); accepted: {' '.join(sorted(r.line.accepted))}"
        for r in misses
    )
    false_yes = [r for r in results if r.false_yes]
    assert not false_yes, "false yes:\n" + report
    correct = sum(r.correct for r in results) / len(results)
    assert correct >= 0.95, f"{correct:.1%} correct; misses:\n{report}"


def test_the_rules_a_review_brought_hold_on_every_line() -> None:
    """The files written from a review's wrong readings: every line, not 95 %."""
    files = ("review_traps.txt", "nee_then.txt", "corrections.txt")
    lines = corpus.read([CORPUS / name for name in files])
    choices, _ = demo_choices(TODAY)
    results, _ = corpus.run(lines, choices, get_language("nl"), TODAY)
    wrong = [(r.line.step, r.line.text, r.understood.outcome) for r in results if not r.correct]
    assert wrong == []
