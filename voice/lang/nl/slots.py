"""Heard Dutch words -> tokens with what they can mean, for the sentence templates' slots:
numbers ("drie", "de derde"), numbers of people ("tweeën", "tweetjes"), and whatever
narrows down an activity: its name, a category word, a day ("dinsdag", "morgen",
"acht december"), a time ("tien uur", "half acht"), a part of the day ("'s avonds"),
this or next week. A few words are read together ("half acht" is one time, not the
number eight), so that a time or a date is never taken for a card number.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from kiosk.core.categories import CATEGORIES
from kiosk.core.dutch import MONTHS, WEEKDAYS
from voice.lang import Choice
from voice.lang.nl import numbers
from voice.templates import Token

_WORD = re.compile(r"[\w']+")

# Folded as heard words are: "tweeën" is "tweeen".
COLLECTIVE = {"tweeen": 2, "tweetjes": 2, "drieen": 3, "vieren": 4, "vijven": 5, "zessen": 6,
              "zevenen": 7, "achten": 8, "negenen": 9, "tienen": 10}  # fmt: skip
DAY_OFFSETS = {"vandaag": 0, "vanavond": 0, "vanmiddag": 0, "vanochtend": 0, "vanmorgen": 0,
               "morgen": 1, "overmorgen": 2}  # fmt: skip
# Parts of the day as hours [from, to).
DAY_PARTS = {"ochtend": (6, 12), "ochtends": (6, 12), "morgens": (6, 12), "middag": (12, 18),
             "middags": (12, 18), "avond": (18, 24), "avonds": (18, 24), "vanavond": (18, 24),
             "vanmiddag": (12, 18), "vanochtend": (6, 12), "vanmorgen": (6, 12)}  # fmt: skip
# Words of activity names that say nothing about which one ("Koffieochtend Oost" is not
# "the one in the evening" because of "avond").
GENERIC = {"de", "het", "een", "en", "van", "op", "in", "met", "voor", "naar", "aan", "over",
           "nu", "samen", "ochtend", "middag", "avond", "uur", "club", "groep", "oost", "west",
           "noord", "zuid", "centrum"}  # fmt: skip
PLACE_WORDS = {"oost", "west", "noord", "zuid", "centrum"}


def fold(word: str) -> str:
    return numbers.plain(word)


def words(text: str) -> list[str]:
    """Lower case, accent-free words; "[unk]" (Vosk's unknown word) left out."""
    cleaned = text.lower().replace("[unk]", " ").replace("-", " ")
    return [fold(w).strip("'") if w not in ("'s", "z'n", "m'n", "zo'n") else w
            for w in _WORD.findall(cleaned) if w.strip("'")]  # fmt: skip


@dataclass(frozen=True)
class What:
    """One piece of "which activity": each field that is set narrows the choice."""

    names: frozenset[int] = frozenset()  # card numbers whose name fits
    exact: frozenset[int] = frozenset()  # ... whose whole name this is
    categories: frozenset[str] = frozenset()
    days: frozenset[date] = frozenset()
    weekday: int | None = None
    week: str = ""  # "this" or "next"
    times: frozenset[tuple[int, int]] = frozenset()
    hours: tuple[int, int] | None = None  # part of the day


@dataclass
class _Names:
    """Which cards a word can name."""

    choices: Sequence[Choice]
    forms: dict[int, tuple[set[str], set[str]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for choice in self.choices:
            name_part = choice.title.split(":")[0]
            parts = set(words(choice.short_name)) | set(words(name_part))
            whole = {"".join(words(choice.short_name)), "".join(words(name_part))}
            self.forms[choice.number] = (parts - GENERIC | (parts & PLACE_WORDS), whole)

    def match(self, word: str) -> tuple[frozenset[int], frozenset[int]]:
        if word in GENERIC - PLACE_WORDS or len(word) < 3:
            return frozenset(), frozenset()
        found, exact = set(), set()
        for number, (parts, whole) in self.forms.items():
            if word in whole:
                found.add(number)
                exact.add(number)
            elif any(_fits(word, part) for part in parts):
                found.add(number)
        return frozenset(found), frozenset(exact)


def _fits(word: str, part: str) -> bool:
    """ "koffie" names "koffieochtend", "yoga" names "stoelyoga", "filosofieavond" names
    "filosofie": Dutch compounds, said whole or in part."""
    if word == part:
        return True
    if len(word) >= 4 and (part.startswith(word) or part.endswith(word)):
        return True
    return len(part) >= 5 and word.startswith(part)


def _categories(word: str) -> frozenset[str]:
    found = set()
    for category in CATEGORIES:
        for said in category.words:
            if " " in said:
                continue
            if word == said or (len(said) >= 5 and word.startswith(said)):
                found.add(category.key)
    return frozenset(found)


def _times(hour: int, minute: int) -> frozenset[tuple[int, int]]:
    """ "tien uur" is 10.00 or 22.00; people leave the part of the day out."""
    if not 0 <= hour <= 24:
        return frozenset()
    hour %= 24
    options = {(hour, minute)}
    if hour <= 12:
        options.add(((hour + 12) % 24, minute))
    return frozenset(options)


def _number(word: str) -> int | None:
    if word.isdigit():
        return int(word)
    return numbers.parse_number(word) if word in numbers._WORDS else None  # noqa: SLF001


def tag(heard: Sequence[str], choices: Sequence[Choice], today: date) -> list[Token]:
    """The heard words as tokens with their readings; a time, a date or "volgende week"
    becomes one token."""
    names = _Names(choices)
    tokens: list[Token] = []
    i = 0
    n = len(heard)

    def at(k: int) -> str:
        return heard[k] if 0 <= k < n else ""

    while i < n:
        word = heard[i]
        number = _number(word)
        # --- readings made of several words ---
        if word in ("half", "kwart") or (number is not None and at(i + 1) == "uur"):
            time = _clock(heard, i)
            if time is not None:
                hour, minute, used = time
                times = _times(hour, minute)
                if at(i + used) == "'s" and at(i + used + 1) in DAY_PARTS:
                    low, high = DAY_PARTS[at(i + used + 1)]
                    times = frozenset(t for t in times if low <= t[0] < high) or times
                    used += 2
                text = " ".join(heard[i : i + used])
                tokens.append(Token(text, {"what": What(times=times)}))
                i += used
                continue
        if number is not None and at(i + 1) in MONTHS:
            month = MONTHS.index(at(i + 1)) + 1
            days = frozenset(_dates(today, month, number))
            tokens.append(Token(f"{word} {at(i + 1)}", {"what": What(days=days)}))
            i += 2
            continue
        if number is not None and at(i + 1) == "en" and _number(f"{word}en{at(i + 2)}"):
            joined = _number(f"{word}en{at(i + 2)}")
            tokens.append(Token(" ".join(heard[i : i + 3]), {"number": joined, "count": joined}))
            i += 3
            continue
        if word in ("volgende", "deze", "komende", "aanstaande") and at(i + 1) == "week":
            week = "this" if word == "deze" else "next"
            tokens.append(Token(f"{word} week", {"what": What(week=week)}))
            i += 2
            continue
        if word == "'s" and at(i + 1) in DAY_PARTS:
            tokens.append(Token(f"'s {at(i + 1)}", {"what": What(hours=DAY_PARTS[at(i + 1)])}))
            i += 2
            continue
        # --- one word ---
        readings: dict[str, object] = {}
        if number is not None:
            readings["number"] = number
            if word == str(number) or word in numbers._WORDS and not word.endswith(("de", "ste")):  # noqa: SLF001
                readings["count"] = number
        if word in COLLECTIVE:
            readings["collective"] = COLLECTIVE[word]
        if len(word) == 1 and word.isalpha():
            readings["letter"] = word
        what = _what(word, names, today)
        if what is not None:
            readings["what"] = what
        tokens.append(Token(word, readings))
        i += 1
    return tokens


def _clock(heard: Sequence[str], i: int) -> tuple[int, int, int] | None:
    """ "tien uur" -> (10, 0, 2), "half acht" -> (7, 30, 2), "kwart over tien" -> (10, 15, 3)."""
    first = heard[i]
    if first == "half" and i + 1 < len(heard):
        hour = _number(heard[i + 1])
        if hour is not None and 1 <= hour <= 12:
            return hour - 1, 30, 2 + (i + 2 < len(heard) and heard[i + 2] == "uur")
    if first == "kwart" and i + 2 < len(heard) and heard[i + 1] in ("over", "voor"):
        hour = _number(heard[i + 2])
        if hour is not None and 1 <= hour <= 12:
            return (hour, 15, 3) if heard[i + 1] == "over" else (hour - 1, 45, 3)
    number = _number(first)
    if number is not None and 0 <= number <= 24:
        return number, 0, 2
    return None


def _dates(today: date, month: int, day: int) -> list[date]:
    found = []
    for year in (today.year, today.year + 1):
        with contextlib.suppress(ValueError):
            found.append(date(year, month, day))
    return found


def _what(word: str, names: _Names, today: date) -> What | None:
    found, exact = names.match(word)
    categories = _categories(word)
    days: frozenset[date] = frozenset()
    weekday = WEEKDAYS.index(word) if word in WEEKDAYS else None
    if word in DAY_OFFSETS:
        days = frozenset({today + timedelta(days=DAY_OFFSETS[word])})
    if word == "weekend":
        ahead = (today + timedelta(days=d) for d in range(14))
        return What(categories=categories, days=frozenset(d for d in ahead if d.weekday() >= 5))
    hours = DAY_PARTS.get(word) if word not in ("morgens",) else DAY_PARTS["morgens"]
    if not (found or categories or days or weekday is not None or hours):
        return None
    return What(found, exact, categories, days, weekday, "", frozenset(), hours)


def resolve(pieces: Sequence[What], choices: Sequence[Choice], today: date) -> list[Choice]:
    """The cards that fit every piece. A name narrows first ("koffie" and "oost" together:
    the Koffieochtend Oost; "lezing" and "oost" disagree: the rarer word wins); a category
    word counts only when no name was said."""
    candidates = list(choices)
    named = [p for p in pieces if p.names]
    if named:
        common = frozenset.intersection(*(p.names for p in named))
        if not common:
            weight: dict[int, float] = {}
            for piece in named:
                for number in piece.names:
                    weight[number] = weight.get(number, 0.0) + 1 / len(piece.names)
            best = max(weight.values())
            common = frozenset(k for k, v in weight.items() if v == best)
        if len(named) == 1 and named[0].exact & common:
            common = named[0].exact & common
        candidates = [c for c in candidates if c.number in common]
    else:
        categories = [p.categories for p in pieces if p.categories]
        if categories:
            wanted = frozenset.union(*categories)
            candidates = [c for c in candidates if wanted & set(c.categories)]
    monday = today - timedelta(days=today.weekday())
    for piece in pieces:
        if piece.days:
            candidates = [c for c in candidates if _day(c) in piece.days]
        if piece.weekday is not None:
            candidates = [c for c in candidates if _day(c).weekday() == piece.weekday]
        if piece.week:
            start = monday + timedelta(days=7 if piece.week == "next" else 0)
            candidates = [c for c in candidates if start <= _day(c) < start + timedelta(days=7)]
        if piece.times:
            candidates = [c for c in candidates if _hm(c) in piece.times]
        if piece.hours:
            low, high = piece.hours
            candidates = [c for c in candidates if low <= _hm(c)[0] < high]
    return candidates


def _day(choice: Choice) -> date:
    return choice.starts_at.date() if choice.starts_at else date.min


def _hm(choice: Choice) -> tuple[int, int]:
    return (choice.starts_at.hour, choice.starts_at.minute) if choice.starts_at else (-1, -1)


def spoken_values(choices: Sequence[Choice]) -> dict[str, list[str]]:
    """What each slot can be filled with, in words, for the recognizer's sentences."""
    on_screen = [c.number for c in choices if c.number > 0]
    what = [*WEEKDAYS, *DAY_OFFSETS, "weekend", "volgende week", "deze week", "'s ochtends",
            "'s middags", "'s avonds", "ochtend", "middag", "avond"]  # fmt: skip
    for choice in choices:
        what += [choice.short_name.lower(), choice.title.split(":")[0].lower()]
        if choice.starts_at:
            moment = choice.starts_at
            what.append(f"{numbers.to_words(moment.day)} {MONTHS[moment.month - 1]}")
            hour12 = moment.hour % 12 or 12
            if moment.minute == 30:
                what.append(f"half {numbers.to_words(hour12 % 12 + 1)}")
            elif moment.minute == 0:
                what.append(f"{numbers.to_words(hour12)} uur")
    for category in CATEGORIES:
        what += list(category.words)
    number_words = [f for n in on_screen for f in [*numbers.variants(n), numbers.to_ordinal(n)]]
    counts = [f for n in range(1, 21) for f in numbers.variants(n)]
    return {
        "number": list(dict.fromkeys(number_words)),
        "count": counts,
        "collective": ["tweeën", "tweetjes", "drieën", "vieren", "vijven", "zessen"],
        "what": list(dict.fromkeys(what)),
        "letter": list("abcdefghijklmnopqrstuvwxyz"),
    }
