"""Breaking Dutch text into printed lines without ever breaking a word wrongly.

A line breaks at a space; a word too long for a line breaks only at a syllable boundary,
with a hyphen (pyphen's Dutch dictionary: "Computerspreek-" / "uur"), or after a hyphen it
already has ("Noord-" / "Holland"). An amount stays with its word: "Kosten: € 2,50" and
"2 personen" are never split, because a line that starts "€ 2,50" or ends "2" misleads.
Only a string with no syllables at all (a web address, a long number) is cut where it must.
"""

from __future__ import annotations

import re
from functools import cache

import pyphen

# Glued with a no-break space before breaking: around the euro sign, and a number to the word
# after it ("10.00 uur", "1 persoon", "code 7KQ-4MX" stays whole by the rule for codes below).
NBSP = "\u00a0"
_GLUE = (
    re.compile(r"(\S) (?=€)"),  # "Kosten: €"
    re.compile(r"(€) (?=\d)"),  # "€ 2,50"
    re.compile(r"(?<!€\u00a0)(?<![\d.,:])(\d[\d.,:]*) (?=[^\W\d])"),  # "2 personen", "10.00 uur"
    re.compile(r"\b(code) (?=\w)", re.IGNORECASE),  # "code 7KQ-4MX"
)


_SPACES = re.compile(r"[ \t\r\n\f\v]+")


@cache
def _dictionary() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="nl_NL")


def glue(text: str) -> str:
    """The text with no-break spaces where a break would separate an amount from its word."""
    for pattern in _GLUE:
        text = pattern.sub(lambda m: m.group(1) + NBSP, text)
    return text


def break_lines(text: str, columns: int) -> list[str]:
    """One paragraph as lines of at most `columns` characters. A word that fits on a line of
    its own goes to the next line whole; only a word longer than a line is broken."""
    columns = max(columns, 1)
    lines: list[str] = []
    line = ""
    # Split on plain white space only: str.split() would also split at our no-break spaces.
    for word in glue(" ".join(_SPACES.split(text.strip()))).split(" "):
        candidate = f"{line} {word}" if line else word
        if len(candidate) <= columns:
            line = candidate
            continue
        if len(word) <= columns:
            lines.append(line)
            line = word
            continue
        head, rest = _split(word, columns - len(line) - 1) if line else (None, word)
        lines.append(f"{line} {head}" if head is not None else line)
        while len(rest) > columns:
            head, rest = _split(rest, columns)
            if head is None:  # nothing to break at: cut, the one case where a word must give
                head, rest = rest[:columns], rest[columns:]
            lines.append(head)
        line = rest
    lines.append(line)
    return [kept.replace(NBSP, " ") for kept in lines if kept] or [""]


def _split(word: str, room: int) -> tuple[str | None, str]:
    """The best first part of `word` that fits in `room` (hyphen included), and the rest;
    (None, word) when no part fits. A hyphen the word has beats a syllable ("Noord-" /
    "Hollandse", not "Noord-Holland-" / "se"); a no-break space is the last resort."""
    if room < 2:
        return None, word
    for points in (_own_hyphens(word), _syllables(word), _spaces(word)):
        fitting = [point for point in points if len(point[0]) <= room]
        if fitting:
            return max(fitting, key=lambda point: len(point[0]))
    return None, word


def _own_hyphens(word: str) -> list[tuple[str, str]]:
    return [(word[: i + 1], word[i + 1 :]) for i, c in enumerate(word[:-1]) if c == "-" and i > 0]


def _syllables(word: str) -> list[tuple[str, str]]:
    """Syllable breaks with a hyphen, within each part between hyphens and no-break spaces."""
    points: list[tuple[str, str]] = []
    start = 0
    for part in re.split(r"([-\u00a0])", word):
        if len(part) > 3:
            for left, right in _dictionary().iterate(part):
                points.append((word[:start] + left + "-", right + word[start + len(part) :]))
        start += len(part)
    return points


def _spaces(word: str) -> list[tuple[str, str]]:
    return [(word[:i], word[i + 1 :]) for i, c in enumerate(word) if c == NBSP]
