"""The step's sentences (from voice/understand.py) fitted to what the speech model knows.

A recognizer restricted to a step's sentences is far more accurate than free recognition,
and it is fast. But Vosk silently drops a grammar word its model lacks, and a small model
lacks many compounds ("koffieochtend"), so each sentence is first fitted to the vocabulary:
unknown compounds are split into known parts ("koffie ochtend"), other unknown words are
left out (and listed). The matcher reads split compounds back as the name they stand for.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from voice import understand
from voice.lang import Choice, Language

# Parts shorter than this are too easily a piece of another word ("ko" + "ffie").
MIN_PART = 3
MAX_PARTS = 3


class Vocabulary(Protocol):
    def knows(self, word: str) -> bool: ...


_WORD = re.compile(r"[\w'\[\]]+")


def fold(text: str) -> str:
    """Lower case without accents, so "één" from one vocabulary matches "een" from another."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    # NFC again: Hangul (the test model) decomposes into letters that are no accents.
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def words_of(text: str) -> list[str]:
    """Lower case words as a recognizer writes them: "Filosofie-avond!" -> filosofie, avond."""
    return _WORD.findall(text.lower().replace("-", " "))


def split_compound(word: str, knows: Callable[[str], bool]) -> list[str] | None:
    """ "koffieochtend" -> ["koffie", "ochtend"] when the model knows both and not the whole.

    Fewest parts win, then the longest first part ("computer spreekuur" over
    "computer spreek uur"). None when no split into known parts exists.
    """

    @cache
    def best(rest: str, parts_left: int) -> tuple[str, ...] | None:
        if knows(rest):
            return (rest,)
        if parts_left <= 1:
            return None
        for cut in range(len(rest) - MIN_PART, MIN_PART - 1, -1):
            head = rest[:cut]
            if knows(head):
                tail = best(rest[cut:], parts_left - 1)
                if tail is not None:
                    return (head, *tail)
        return None

    for parts in range(2, MAX_PARTS + 1):
        found = best(word, parts)
        if found is not None and len(found) > 1:
            return list(found)
    return None


def fit_phrase(phrase: str, knows: Callable[[str], bool]) -> str | None:
    """The phrase in words the model knows, or None when nothing of it is left."""
    fitted: list[str] = []
    for word in words_of(phrase):
        if knows(word):
            fitted.append(word)
            continue
        parts = split_compound(word, knows)
        if parts:
            fitted.extend(parts)
        # Otherwise the word is left out: "nummer drie" still works as "drie".
    return " ".join(fitted) or None


@dataclass(frozen=True)
class Fitted:
    """A step's sentences as the recognizer gets them, and the words that had to go."""

    phrases: tuple[str, ...]
    dropped_words: tuple[str, ...] = ()  # for the coordinator and `voice-test`
    vocabulary: frozenset[str] = frozenset()  # every word the phrases can produce


def fit_sentences(
    sentences: Iterable[str],
    vocabulary: Vocabulary,
    unknown_word: str = "[unk]",
    keep: Iterable[str] = (),
) -> Fitted:
    """Each sentence in words the model knows; sentences nothing is left of are dropped,
    and so is a fitted sentence that only repeats another. A sentence with a `keep` word
    the model lacks is dropped whole: without "niet", "dat klopt niet" would become
    "dat klopt", and the recognizer would hear a no as a yes."""
    phrases: dict[str, None] = {}
    dropped: dict[str, None] = {}
    must_keep = set(keep)
    for sentence in sentences:
        lost = [
            word
            for word in words_of(sentence)
            if not vocabulary.knows(word) and not split_compound(word, vocabulary.knows)
        ]
        dropped.update(dict.fromkeys(lost))
        if must_keep.intersection(lost):
            continue
        fitted = fit_phrase(sentence, vocabulary.knows)
        if fitted:
            phrases[fitted] = None
    if phrases and vocabulary.knows(unknown_word):
        # Lets the recognizer answer "something else" instead of forcing a phrase.
        phrases[unknown_word] = None
    known = frozenset(w for phrase in phrases for w in phrase.split())
    return Fitted(tuple(phrases), tuple(dropped), known)


def for_step(
    language: Language, step: str, choices: Sequence[Choice], vocabulary: Vocabulary
) -> Fitted | None:
    """The recognizer's phrases at a step; None for free recognition (the name)."""
    if step == "name":
        return None
    sentences = understand.recognizer_sentences(language, step, choices)
    return fit_sentences(
        sentences, vocabulary, language.unknown_word, keep=understand.critical_words(language)
    )
