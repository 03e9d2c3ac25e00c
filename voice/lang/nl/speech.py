"""Written Dutch -> Dutch a speech synthesizer reads the way a person would say it.

The screens write "dinsdag 1 december om 10.00 uur" and "€ 2,50"; espeak-ng would read
"een december" (the article), "tien punt nul nul uur" and "euro twee komma vijftig".
A resident should hear "dinsdag één december, om tien uur" and "twee euro vijftig".
"""

from __future__ import annotations

import re

from voice.lang.nl.numbers import MAX, to_words

MONTHS = (
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
)  # fmt: skip
_MONTH = "|".join(MONTHS)


def _hour_word(hour: int) -> str:
    return to_words(hour % 12 or 12)


def day_part(hour: int, minute: int = 0) -> str:
    """Mornings need no word (the example the kiosk follows is "om tien uur"), nor does
    noon; later in the day "twee uur" could be two at night, so it says which part."""
    if hour == 12 and minute == 0:
        return ""
    if hour < 6:
        return "'s nachts"
    if hour < 12:
        return ""
    if hour < 18:
        return "'s middags"
    return "'s avonds"


def clock(hour: int, minute: int) -> str:
    """(10, 0) -> "tien uur", (10, 30) -> "half elf", (14, 15) -> "kwart over twee"."""
    this, next_ = _hour_word(hour), _hour_word(hour + 1)
    if minute == 0:
        return f"{this} uur"
    if minute == 15:
        return f"kwart over {this}"
    if minute == 30:
        return f"half {next_}"
    if minute == 45:
        return f"kwart voor {next_}"
    if minute < 15:
        return f"{to_words(minute)} over {this}"
    if minute < 30:
        return f"{to_words(30 - minute)} voor half {next_}"
    if minute < 45:
        return f"{to_words(minute - 30)} over half {next_}"
    return f"{to_words(60 - minute)} voor {next_}"


def spoken_time(hour: int, minute: int) -> str:
    return " ".join(filter(None, [clock(hour, minute), day_part(hour, minute)]))


def _range(match: re.Match[str]) -> str:
    h1, m1, h2, m2 = (int(g) for g in match.group("h1", "m1", "h2", "m2"))
    start = clock(h1, m1)
    if m1 == 0:
        start = start.removesuffix(" uur")  # "van tien tot twaalf uur"
    return " ".join(filter(None, ["van", start, "tot", clock(h2, m2), day_part(h2, m2)]))


def _money(match: re.Match[str]) -> str:
    euros = int(match.group("euros"))
    cents = match.group("cents")
    cents_value = int(cents) if cents and cents.isdigit() else 0
    words = [to_words(euros) if euros <= MAX else str(euros), "euro"]
    if cents_value:
        words.append(to_words(cents_value))
    return " ".join(words)


def _digits(match: re.Match[str]) -> str:
    """A phone number is read digit by digit, its groups apart: "nul twee nul, één ..."."""
    groups = re.split(r"[\s-]+", match.group(0))
    return ", ".join(
        " ".join("plus" if c == "+" else to_words(int(c)) for c in group) for group in groups
    )


def _number(match: re.Match[str]) -> str:
    value = int(match.group(0))
    return to_words(value) if value <= MAX else match.group(0)


_RULES: list[tuple[re.Pattern[str], object]] = [
    # Pictures on buttons are for the eye only.
    (re.compile(r"[◀▶⌂✓✔⌫•…]"), ""),
    (re.compile(r"\s[—–-]\s"), ", "),
    (
        re.compile(
            r"(?:\bvan\s+)?\b(?P<h1>\d{1,2})[.:](?P<m1>\d{2})\s*(?:uur\s+)?(?:tot|-|–)\s*"
            r"(?P<h2>\d{1,2})[.:](?P<m2>\d{2})(?:\s*uur)?"
        ),
        _range,
    ),
    (
        re.compile(r"\b(?P<h>\d{1,2})[.:](?P<m>\d{2})(?:\s*uur)?"),
        lambda m: spoken_time(int(m.group("h")), int(m.group("m"))),
    ),
    (re.compile(r"€\s*(?P<euros>\d+)(?:,(?P<cents>\d{2}|-))?"), _money),
    (
        re.compile(r"(?<![\d,.])(?:\+31[\s-]?|0)\d{1,3}(?:[\s-]?\d{2,4}){1,4}(?!\d|[.,]\d)"),
        _digits,
    ),
    # "1 december, om" — a breath between the date and the time, as people say it.
    (re.compile(rf"\b({_MONTH}) om\b"), r"\1, om"),
    (re.compile(r"(?<!\d)(?<!\d[.,])\d{1,3}(?!\d|[.,]\d|\s*%)"), _number),
    (re.compile(r"[ \t]{2,}"), " "),
]


def speakable(text: str) -> str:
    """'Dinsdag 1 december om 10.00 uur. Kosten: € 2,50.' ->
    'Dinsdag één december, om tien uur. Kosten: twee euro vijftig.'"""
    result = " ".join(text.split())
    for pattern, replacement in _RULES:
        result = pattern.sub(replacement, result)  # type: ignore[call-overload]
    return result.strip()
