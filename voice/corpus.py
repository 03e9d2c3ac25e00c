"""A corpus of answers with the outcomes a careful kiosk may give (tests/voice_corpus/),
run through `understand`: shared by the corpus test and the bench."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from voice.lang import Choice, Language
from voice.understand import Understanding, understand


@dataclass(frozen=True)
class Line:
    source: str  # file:line, for the list of misses
    step: str
    text: str
    accepted: frozenset[str]


@dataclass(frozen=True)
class Result:
    line: Line
    understood: Understanding

    @property
    def correct(self) -> bool:
        return self.understood.outcome in self.line.accepted

    @property
    def asked_again(self) -> bool:
        return not self.correct and self.understood.outcome == "ask_again"

    @property
    def false_yes(self) -> bool:
        return self.understood.outcome == "yes" and "yes" not in self.line.accepted


def read(paths: Iterable[Path]) -> list[Line]:
    lines = []
    for path in paths:
        for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not raw.strip() or raw.lstrip().startswith("#"):
                continue
            step, text, accepted = (part.strip() for part in raw.split("|"))
            # A name is written with _ for its spaces: name:Jan_de_Vries.
            outcomes = frozenset(
                o.replace("_", " ") if o.startswith("name:") else o for o in accepted.split()
            )
            lines.append(Line(f"{path.name}:{number}", step, text, outcomes))
    return lines


@dataclass
class StepFigures:
    total: int = 0
    correct: int = 0
    asked_again: int = 0
    wrong: int = 0
    false_yes: int = 0
    misses: list[Result] = field(default_factory=list)


def run(
    lines: Sequence[Line], choices: Sequence[Choice], language: Language, today: date
) -> tuple[list[Result], dict[str, StepFigures]]:
    results = [
        Result(line, understand(line.step, line.text, choices, language, today=today))
        for line in lines
    ]
    figures: dict[str, StepFigures] = {}
    for result in results:
        step = figures.setdefault(result.line.step, StepFigures())
        step.total += 1
        if result.correct:
            step.correct += 1
            continue
        step.misses.append(result)
        if result.asked_again:
            step.asked_again += 1
        else:
            step.wrong += 1
        if result.false_yes:
            step.false_yes += 1
    return results, figures
