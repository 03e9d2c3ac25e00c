"""The agenda as the spoken dialog sees it, and `voice-test`: what the kiosk understands
from a text at a step, on the demo agenda or on the kiosk's own.

Numbers are the card numbers of the start screen, counted over the whole two weeks.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime, time

import sqlite_utils

from kiosk.core import agenda, config
from kiosk.core.categories import category_for
from kiosk.core.dutch import AMSTERDAM, local
from kiosk.ops.demo import demo_activities
from voice import grammar
from voice.grammar import Vocabulary
from voice.lang import Choice, Language, get_language
from voice.understand import Understanding, understand

# The demo agenda of `--today` is read as seen at eight in the morning of that day.
TEST_HOUR = time(8)


def choice_for(number: int, activity: agenda.Activity) -> Choice:
    categories = {category_for(activity.category, activity.title), category_for("", activity.title)}
    return Choice(
        number=number,
        activity_id=activity.id,
        title=activity.title,
        short_name=activity.short_name or activity.title,
        when=activity.when,
        place=activity.location_name,
        cancelled=activity.status == "cancelled",
        full=activity.is_full,
        starts_at=local(activity.starts_at),
        categories=tuple(sorted(c.key for c in categories if c is not None)),
    )


def numbered_choices(activities: Sequence[agenda.Activity], now: datetime) -> list[Choice]:
    """Numbered exactly as the start screen numbers them, so "nummer drie" is card 3."""
    return [
        choice_for(n, a) for day in agenda.group_by_day(list(activities), now) for n, a in day.items
    ]


def demo_choices(today: date) -> tuple[list[Choice], datetime]:
    now = datetime.combine(today, TEST_HOUR, AMSTERDAM)
    upcoming = [a for a in demo_activities(today) if a.starts_at >= now]
    return numbered_choices(upcoming, now), now


def kiosk_choices(db: sqlite_utils.Database, now: datetime) -> list[Choice]:
    activities = agenda.upcoming(db, now, stadsdorpen=config.shown_stadsdorpen(db))
    return numbered_choices(activities, now)


def model_vocabulary(
    step: str, choices: Sequence[Choice], model: Vocabulary, language: Language
) -> frozenset[str] | None:
    """The words the recognizer can give at this step with this model (the step's
    sentences fitted to it); None at the free name step, where any word it knows may come."""
    fitted = grammar.for_step(language, step, choices, model)
    return fitted.vocabulary if fitted is not None else None


def voice_test(
    step: str,
    texts: Sequence[str],
    choices: Sequence[Choice],
    today: date,
    *,
    model: Vocabulary | None = None,
    language: Language | None = None,
) -> Iterator[Understanding]:
    """What the kiosk understands from each text at `step`: one `Understanding` each.
    With a model, `missing_words` are the words the step's grammar cannot produce with its
    vocabulary; without one, the words no template of the step has."""
    language = language or get_language("nl")
    vocabulary = model_vocabulary(step, choices, model, language) if model else None
    for text in texts:
        understood = understand(step, text, choices, language, today=today, vocabulary=vocabulary)
        if step == "name" and model is not None:
            missing = tuple(w for w in language.words(text) if not model.knows(w))
            understood = replace(understood, missing_words=missing)
        yield understood


def json_line(understanding: Understanding) -> str:
    return json.dumps(understanding.as_json(), ensure_ascii=False)
