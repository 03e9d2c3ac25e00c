"""Dutch audio through the product's Dutch model — only where one is present:

    BUURTKIOSK_VOSK_MODEL=/pad/naar/vosk-model-small-nl-0.22 pytest tests/test_voice_dutch_audio.py

The build machines cannot download it, so there these tests skip (cleanly, with the reason).
The audio is espeak-ng's Dutch voice: clearer than a resident at a kiosk, so a pass here
means the grammars and parsing work with the model, not that every resident is understood.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.voice_support import dutch_model_path, pcm_of, spoken_wav
from voice import grammar
from voice.engine import VoskEngine
from voice.lang import Choice, get_language
from voice.model import shared_model
from voice.understand import understand

NL = get_language("nl")
CHOICES = [
    Choice(1, "k1", "Koffieochtend", "koffieochtend", "dinsdag 1 december om 10.00 uur"),
    Choice(2, "w1", "Wandelgroep Amstelpark", "wandelgroep", "donderdag 3 december om 14.00 uur"),
    Choice(3, "y1", "Stoelyoga", "yoga", "maandag 7 december om 11.00 uur"),
    Choice(4, "f1", "Filmclub: Alles is familie", "filmclub", "vrijdag 4 december om 19.30 uur"),
]


@pytest.fixture(scope="module")
def engine() -> VoskEngine:
    path = dutch_model_path()
    if path is None:
        pytest.skip("no Dutch model: set BUURTKIOSK_VOSK_MODEL to vosk-model-small-nl-0.22")
    return VoskEngine(shared_model(path))


def hear(engine: VoskEngine, step: str, text: str, tmp_path: Path) -> str:
    """What the kiosk understands at `step` from espeak-ng saying `text`: its outcome."""
    wav = spoken_wav(text, tmp_path / "zin.wav", voice="nl")
    fitted = grammar.for_step(NL, step, CHOICES, engine)
    utterance = engine.open(fitted.phrases if fitted else None)
    pcm = pcm_of(wav)
    for start in range(0, len(pcm), 8000):
        utterance.feed(pcm[start : start + 8000])
    heard = utterance.finish().text
    return understand(step, heard, CHOICES, NL, today=date(2026, 12, 1)).outcome


def test_the_dutch_model_knows_the_words_the_dialog_needs(engine: VoskEngine) -> None:
    for word in ("ja", "nee", "klopt", "twee", "drie", "nummer", "personen", "koffie"):
        assert engine.knows(word), word


@pytest.mark.parametrize(("said", "kind"), [("ja", "yes"), ("nee", "no"), ("dat klopt", "yes")])
def test_yes_and_no_in_dutch(engine: VoskEngine, tmp_path: Path, said: str, kind: str) -> None:
    assert hear(engine, "confirm", said, tmp_path) == kind


@pytest.mark.parametrize(
    ("said", "activity"),
    [("nummer drie", "activity:3"), ("twee", "activity:2"), ("de eerste", "activity:1"),
     ("koffieochtend", "activity:1"), ("filmclub", "activity:4")],
)  # fmt: skip
def test_choosing_an_activity_in_dutch(
    engine: VoskEngine, tmp_path: Path, said: str, activity: str
) -> None:
    assert hear(engine, "activity", said, tmp_path) == activity


@pytest.mark.parametrize(("said", "count"), [("twee personen", 2), ("drie", 3), ("alleen", 1)])
def test_number_of_people_in_dutch(
    engine: VoskEngine, tmp_path: Path, said: str, count: int
) -> None:
    assert hear(engine, "party_size", said, tmp_path) == f"party_size:{count}"

