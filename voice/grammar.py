"""Per-step grammars: the phrases a resident may say at one step of the dialog, in words
the speech model knows, each with what it means.

A recognizer restricted to a dozen phrases is far more accurate than free recognition, and
it is fast. But Vosk silently drops a grammar word its model lacks, and a small model lacks
many compounds ("koffieochtend"), so each phrase is first fitted to the vocabulary:
unknown compounds are split into known parts ("koffie ochtend"), other unknown words are
left out. The recognizer then returns the fitted phrase, and `Grammar.meanings` maps it back.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Protocol

from voice.lang import Choice, Language


@dataclass(frozen=True)
class Meaning:
    """What a phrase means: Meaning("yes"), Meaning("activity", id), Meaning("count", 3)."""

    kind: str
    value: str | int = ""


# Parts shorter than this are too easily a piece of another word ("ko" + "ffie").
MIN_PART = 3
MAX_PARTS = 3


class Vocabulary(Protocol):
    def knows(self, word: str) -> bool: ...


_WORD = re.compile(r"[\w'\[\]]+")


def fold(text: str) -> str:
    """Lower case without accents, so "één" from one vocabulary matches "een" from another."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


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
class Grammar:
    """Fitted phrases and their meanings. `phrases` is what the recognizer gets;
    None for free recognition (the name step)."""

    phrases: tuple[str, ...] | None
    meanings: dict[str, tuple[Meaning, ...]] = field(default_factory=dict)
    dropped: tuple[str, ...] = ()  # phrases nothing was left of, for the coordinator

    @property
    def free(self) -> bool:
        return self.phrases is None

    @cached_property
    def lookup(self) -> dict[str, tuple[Meaning, ...]]:
        """Meanings by accent-free phrase, for matching what was heard or typed."""
        index: dict[str, tuple[Meaning, ...]] = {}
        for phrase, meanings in self.meanings.items():
            key = fold(phrase)
            index[key] = tuple(dict.fromkeys(index.get(key, ()) + meanings))
        return index

    @cached_property
    def longest(self) -> int:
        return max((len(p.split()) for p in self.lookup), default=1)


FREE = Grammar(phrases=None)


def build(
    entries: Iterable[tuple[str, Meaning]], vocabulary: Vocabulary, language: Language
) -> Grammar:
    """Fit each (phrase, meaning) to the vocabulary and keep the meanings per phrase.

    When fitting makes two phrases equal ("klopt niet" -> "klopt" in a model without
    "niet"), the meaning of the phrase that needed no change wins; the other is lost
    rather than heard the wrong way round.
    """
    exact: dict[str, list[Meaning]] = {}
    changed: dict[str, list[Meaning]] = {}
    dropped: list[str] = []
    for phrase, meaning in entries:
        original = " ".join(words_of(phrase))
        fitted = fit_phrase(phrase, vocabulary.knows)
        if fitted is None:
            dropped.append(phrase)
            continue
        bucket = exact if fitted == original else changed
        if meaning not in bucket.setdefault(fitted, []):
            bucket[fitted].append(meaning)
    meanings: dict[str, tuple[Meaning, ...]] = {}
    for fitted in [*exact, *changed]:
        meanings[fitted] = tuple(exact.get(fitted) or changed[fitted])
    phrases = list(meanings)
    if vocabulary.knows(language.unknown_word):
        # Lets the recognizer answer "something else" instead of forcing a phrase.
        phrases.append(language.unknown_word)
    return Grammar(tuple(phrases), meanings, tuple(dropped))


def _common(language: Language) -> list[tuple[str, Meaning]]:
    return [(p, Meaning("repeat")) for p in language.repeat] + [
        (p, Meaning("stop")) for p in language.stop
    ]


def _yes_no(language: Language) -> list[tuple[str, Meaning]]:
    return [(p, Meaning("yes")) for p in language.yes] + [(p, Meaning("no")) for p in language.no]


def for_activity(choices: Sequence[Choice], vocabulary: Vocabulary, language: Language) -> Grammar:
    entries: list[tuple[str, Meaning]] = []
    for choice in choices:
        entries += [
            (p, Meaning("activity", choice.activity_id))
            for p in language.number_phrases(choice.number)
        ]
        entries += [
            (p, Meaning("activity", choice.activity_id)) for p in language.name_phrases(choice)
        ]
    return build(entries + _common(language), vocabulary, language)


def for_yes_no(vocabulary: Vocabulary, language: Language) -> Grammar:
    return build(_yes_no(language) + _common(language), vocabulary, language)


def for_party_size(maximum: int, vocabulary: Vocabulary, language: Language) -> Grammar:
    # Numbers past the maximum are in the grammar so "twintig" is heard as twenty and
    # answered with "1 tot en met 10", not forced onto a number that is allowed.
    entries = [
        (p, Meaning("count", n))
        for n in range(1, 2 * maximum + 1)
        for p in language.count_phrases(n)
    ]
    return build(entries + _common(language), vocabulary, language)


def for_change(vocabulary: Vocabulary, language: Language) -> Grammar:
    entries = [(p, Meaning("change", field_)) for field_, ps in language.change.items() for p in ps]
    return build(entries + _yes_no(language) + _common(language), vocabulary, language)


def for_name(vocabulary: Vocabulary, language: Language) -> Grammar:
    """Free recognition; the meanings still let "overslaan" or "stop" be understood."""
    entries = [(p, Meaning("skip")) for p in language.skip] + _common(language)
    built = build(entries, vocabulary, language)
    return Grammar(None, built.meanings, built.dropped)
