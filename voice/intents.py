"""What the resident meant: recognized (or typed, or tapped) text -> one Intent.

Parsing works on the same phrase table the recognizer was given (grammar.py), so a phrase
that was fitted to the vocabulary ("koffie ochtend") is understood as what it stood for.
"""

from __future__ import annotations

from dataclasses import dataclass

from voice.grammar import Grammar, Meaning, fold, words_of
from voice.lang import Language

# Intent kinds. Touch answers use the same kinds, so the dialog cannot tell them apart
# except by `typed`, which matters for names only.
YES, NO, REPEAT, STOP, SKIP = "yes", "no", "repeat", "stop", "skip"
ACTIVITY, AMONG, COUNT, CHANGE = "activity", "among", "count", "change"
NAME, PHONE, UNCLEAR = "name", "phone", "unclear"
# Commands that work at every step.
BACK, HELP, LOUDER, SOFTER = "back", "help", "louder", "softer"


@dataclass(frozen=True)
class Intent:
    kind: str
    value: str | int = ""
    options: tuple[str, ...] = ()  # activity ids, when a name fits several activities
    heard: str = ""
    typed: bool = False  # came from the keyboard or a button, not from the microphone


def _matches(words: list[str], grammar: Grammar) -> list[tuple[Meaning, ...]]:
    """Longest phrases first, left to right; words in between are passed over."""
    found: list[tuple[Meaning, ...]] = []
    i = 0
    while i < len(words):
        for length in range(min(grammar.longest, len(words) - i), 0, -1):
            meanings = grammar.lookup.get(" ".join(words[i : i + length]))
            if meanings:
                found.append(meanings)
                i += length
                break
        else:
            i += 1
    return found


def _from_meanings(meanings: tuple[Meaning, ...], heard: str) -> Intent:
    kinds = {m.kind for m in meanings}
    if kinds == {ACTIVITY}:
        ids = tuple(str(m.value) for m in meanings)
        if len(ids) == 1:
            return Intent(ACTIVITY, ids[0], heard=heard)
        return Intent(AMONG, options=ids, heard=heard)
    if len(meanings) == 1:
        return Intent(meanings[0].kind, meanings[0].value, heard=heard)
    return Intent(UNCLEAR, heard=heard)


def parse(text: str, grammar: Grammar, language: Language) -> Intent:
    """What a recognized utterance means at a step with this grammar."""
    words = [fold(w) for w in words_of(text) if w != language.unknown_word]
    heard = " ".join(w for w in text.split() if w != language.unknown_word)
    if not words:
        return Intent(UNCLEAR, heard=heard)

    if grammar.free:
        # A name, unless the whole utterance is one of the step's own phrases
        # ("overslaan", "stop"): a surname is never "Stop".
        meanings = grammar.lookup.get(" ".join(words))
        if meanings and len(meanings) == 1:
            return Intent(meanings[0].kind, meanings[0].value, heard=heard)
        name = language.tidy_name(" ".join(w for w in text.split() if w != language.unknown_word))
        return Intent(NAME, name, heard=heard) if name else Intent(UNCLEAR, heard=heard)

    found = _matches(words, grammar)
    intents = [_from_meanings(m, heard) for m in found]
    kinds = {i.kind for i in intents}
    if STOP in kinds:
        return Intent(STOP, heard=heard)
    decisive = [i for i in intents if i.kind not in (REPEAT, UNCLEAR)]
    if not decisive:
        return Intent(REPEAT if REPEAT in kinds else UNCLEAR, heard=heard)
    first = decisive[0]
    # "ja ... nee", or two different numbers: better to ask again than to guess.
    if any(
        (i.kind, i.value, i.options) != (first.kind, first.value, first.options) for i in decisive
    ):
        return Intent(UNCLEAR, heard=heard)
    return first
