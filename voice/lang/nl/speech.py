"""Written Dutch -> Dutch a speech synthesizer reads the way a person would say it.

The screens write "dinsdag 1 december om 10.00 uur" and "€ 2,50"; espeak-ng would read
"een december" (the article), "tien punt nul nul uur" and "euro twee komma vijftig".
A resident should hear "dinsdag één december, om tien uur" and "twee euro vijftig".
"""

from __future__ import annotations

import re

from voice.lang.nl.numbers import MAX, to_ordinal, to_words

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


def cardinal(n: int) -> str:
    """Any whole number the way it is said: 1200 -> "twaalfhonderd", 2026 ->
    "tweeduizend zesentwintig", 15000 -> "vijftienduizend"."""
    if n < 0:
        return "min " + cardinal(-n)
    if n <= MAX:
        return to_words(n)
    if n < 1000 or 1100 <= n < 2000:
        # 1200 is "twaalfhonderd", as people say amounts and years below 2000.
        hundreds, rest = divmod(n, 100)
        head = "honderd" if hundreds == 1 else f"{to_words(hundreds)}honderd"
        return head + (_in_compound(rest) if rest else "")
    if n < 1_000_000:
        thousands, rest = divmod(n, 1000)
        head = "duizend" if thousands == 1 else f"{cardinal(thousands)}duizend"
        return head + (f" {cardinal(rest)}" if rest else "")
    return " ".join(to_words(int(d)) for d in str(n))  # beyond: digit by digit


def _in_compound(n: int) -> str:
    """Inside a longer number one is "een", not the stressed "één": "honderdeen"."""
    return "een" if n == 1 else to_words(n)


def ordinal(n: int) -> str:
    """1 -> "eerste", 2 -> "tweede", 20 -> "twintigste", 100 -> "honderdste"."""
    if n <= MAX:
        return to_ordinal(n)
    return cardinal(n) + "ste"


def _money(match: re.Match[str]) -> str:
    euros = int(match.group("euros").replace(".", ""))
    cents = match.group("cents")
    cents_value = int(cents) if cents and cents.isdigit() else 0
    words = [cardinal(euros), "euro"]
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
    return cardinal(int(match.group(0).replace(".", "")))


def _date(match: re.Match[str]) -> str:
    day, month, year = (int(g) for g in match.group("d", "m", "y"))
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return match.group(0)
    return f"{to_words(day)} {MONTHS[month - 1]} {cardinal(year)}"


# Written short, said in full.
ABBREVIATIONS = {
    "o.a.": "onder andere", "bijv.": "bijvoorbeeld", "bv.": "bijvoorbeeld",
    "ca.": "ongeveer", "i.p.v.": "in plaats van", "m.u.v.": "met uitzondering van",
    "t/m": "tot en met", "z.s.m.": "zo snel mogelijk", "incl.": "inclusief",
    "excl.": "exclusief", "tel.": "telefoon", "nr.": "nummer", "min.": "minuten",
    "max.": "maximaal", "ong.": "ongeveer", "o.l.v.": "onder leiding van", "m.b.v.": "met hulp van",
    "evt.": "eventueel", "enz.": "enzovoort", "etc.": "enzovoort", "d.w.z.": "dat wil zeggen",
    "a.u.b.": "alstublieft", "s.v.p.": "alstublieft", "i.v.m.": "in verband met",
    "m.i.v.": "met ingang van", "p.p.": "per persoon", "vs.": "tegen",
}  # fmt: skip
_ABBREVIATION = re.compile(
    r"(?<![\w.])("
    + "|".join(re.escape(a) for a in sorted(ABBREVIATIONS, key=len, reverse=True))
    + r")(?=\s|$|[,;:!?)])",
    re.IGNORECASE,
)


def _abbreviation(match: re.Match[str]) -> str:
    return ABBREVIATIONS[match.group(1).lower()]


_TIME = r"(?P<{h}>\d{{1,2}})[.:](?P<{m}>\d{{2}})(?!\d)"
_RULES: list[tuple[re.Pattern[str], object]] = [
    # Pictures on buttons are for the eye only.
    (re.compile(r"[◀▶⌂✓✔⌫•…]"), ""),
    (_ABBREVIATION, _abbreviation),
    # Before the times: "€ 2.50" is money, not ten to three.
    (
        re.compile(r"€\s*(?P<euros>\d{1,3}(?:\.\d{3})+|\d+)(?:[,.](?P<cents>\d{2}|-))?(?!\d)"),
        _money,
    ),
    # 01-12-2026 and 1/12/2026: a date, not a sum or a phone number.
    (re.compile(r"\b(?P<d>\d{1,2})[-/](?P<m>\d{1,2})[-/](?P<y>\d{4})\b"), _date),
    # Before the dash below: "10.00 - 12.00 uur" is one range, not two times.
    (
        re.compile(
            r"(?:\bvan\s+)?\b"
            + _TIME.format(h="h1", m="m1")
            + r"\s*(?:uur\s+|u\s+)?(?:tot|-|–)\s*"
            + _TIME.format(h="h2", m="m2")
            + r"(?:\s*uur|u\b)?"
        ),
        _range,
    ),
    (re.compile(r"\s[—–-]\s"), ", "),
    (
        re.compile(r"\b" + _TIME.format(h="h", m="m") + r"(?:\s*uur|u\b)?"),
        lambda m: spoken_time(int(m.group("h")), int(m.group("m"))),
    ),
    (
        re.compile(r"(?<![\d,.])(?:\+31[\s-]?|0)\d{1,3}(?:[\s-]?\d{2,4}){1,4}(?!\d|[.,]\d)"),
        _digits,
    ),
    # "1e", "2de", "20ste": ordinals.
    (
        re.compile(r"\b(?P<n>\d{1,3})(?:e|de|ste)\b"),
        lambda m: ordinal(int(m.group("n"))),
    ),
    # "1 december, om" — a breath between the date and the time, as people say it.
    (re.compile(rf"\b({_MONTH}) om\b"), r"\1, om"),
    # 1.200 (thousands with a dot) and plain numbers.
    (re.compile(r"(?<![\d,.])\d{1,3}(?:\.\d{3})+(?![\d,]|\.\d)"), _number),
    (re.compile(r"(?<!\d)(?<!\d[.,])\d{1,6}(?!\d|[.,]\d|\s*%)"), _number),
    (re.compile(r"[ \t]{2,}"), " "),
]


def speakable(text: str) -> str:
    """'Dinsdag 1 december om 10.00 uur. Kosten: € 2,50.' ->
    'Dinsdag één december, om tien uur. Kosten: twee euro vijftig.'"""
    result = " ".join(text.split())
    for pattern, replacement in _RULES:
        result = pattern.sub(replacement, result)  # type: ignore[call-overload]
    return result.strip()
