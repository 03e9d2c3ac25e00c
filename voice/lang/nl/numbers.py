"""Dutch number words, both ways: 21 -> "eenentwintig", and "een en twintig",
"éénentwintig", "de eenentwintigste" or "21" -> 21. Zero to a hundred is all a kiosk needs:
activity numbers, numbers of people, days of the month, hours and minutes."""

from __future__ import annotations

import re
import unicodedata

UNITS = [
    "nul", "één", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen",
    "tien", "elf", "twaalf", "dertien", "veertien", "vijftien", "zestien", "zeventien",
    "achttien", "negentien",
]  # fmt: skip
TENS = {
    20: "twintig", 30: "dertig", 40: "veertig", 50: "vijftig",
    60: "zestig", 70: "zeventig", 80: "tachtig", 90: "negentig",
}  # fmt: skip
MAX = 100


def plain(text: str) -> str:
    """Lower case without accents: "Éénentwintig" and "eenentwintig" compare equal,
    and so do "tweeëntwintig" and "tweeentwintig"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    # NFC again: Hangul (the test model) decomposes into letters that are no accents.
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def to_words(n: int) -> str:
    """The written-out number: 1 -> "één" (stressed, so a speech engine does not read the
    article "een"), 22 -> "tweeëntwintig", 100 -> "honderd"."""
    if not 0 <= n <= MAX:
        raise ValueError(f"{n} is outside 0..{MAX}")
    if n < 20:
        return UNITS[n]
    if n == MAX:
        return "honderd"
    tens, unit = divmod(n, 10)
    if unit == 0:
        return TENS[n]
    unit_word = "een" if unit == 1 else UNITS[unit]
    # A vowel clash gets a diaeresis: twee + en -> tweeën, drie + en -> drieën.
    joint = "ën" if unit_word.endswith("e") else "en"
    return f"{unit_word}{joint}{TENS[tens * 10]}"


def to_ordinal(n: int) -> str:
    """1 -> "eerste", 3 -> "derde", 8 -> "achtste", 20 -> "twintigste"."""
    special = {1: "eerste", 3: "derde", 8: "achtste"}
    if n in special:
        return special[n]
    word = to_words(n)
    return word + ("de" if n < 20 else "ste")


def variants(n: int) -> list[str]:
    """Every spelling a recognizer's vocabulary might hold for n, most common first:
    "een", "één"; "tweeëntwintig", "tweeentwintig", "twee en twintig"."""
    word = to_words(n)
    forms = [word]
    if n == 1:
        forms = ["een", "één"]
    elif n > 20 and n % 10:
        unit, tens = divmod(n, 10)[1], n - n % 10
        unit_word = "een" if unit == 1 else UNITS[unit]
        forms += [plain(word), f"{unit_word} en {TENS[tens]}"]
    return list(dict.fromkeys(forms))


def _table() -> dict[str, int]:
    table: dict[str, int] = {}
    for n in range(MAX + 1):
        for form in [*variants(n), to_ordinal(n)]:
            table[plain(form).replace(" ", "")] = n
    table["honderdste"] = MAX
    table["eenhonderd"] = MAX
    return table


_WORDS = _table()
_TOKEN = re.compile(r"[\w']+")


def parse_number(text: str) -> int | None:
    """The first number in the text, in words or digits, or None.

    "nummer drie" -> 3, "de derde" -> 3, "een en twintig" -> 21, "21" -> 21.
    """
    tokens = _TOKEN.findall(plain(text))
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.isdigit():
            return int(token)
        # Some vocabularies split "eenentwintig" into "een en twintig": join it back.
        if i + 2 < len(tokens) and tokens[i + 1] == "en":
            joined = token + "en" + tokens[i + 2]
            if joined in _WORDS:
                return _WORDS[joined]
        if token in _WORDS:
            return _WORDS[token]
        i += 1
    return None
