"""The one input policy: every text that enters the kiosk or the hub passes here first.

- Text is NFC-normalised, so 'é' typed as e + combining accent is the same name as 'é'.
- Control and format characters (categories Cc, Cf, Cs, Co, Cn: NUL, escape sequences for
  a printer, bidi overrides that turn a name around on screen) are refused, never dropped
  silently: a name that changes on its way in would be a different resident.
- Every text has a length bound, checked after normalising.
- Where a pad types the answer (PINs, party size, counts) only ASCII 0-9 are digits;
  str.isdigit() and int() would take '٣' or '³', which no pad can type.
- Ids are checked for shape before they reach a query.

Each function raises InputError with a plain Dutch message, or returns the clean value.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from typing import Any

# Longer than any real id (source + UID + occurrence start), far shorter than a flood.
MAX_ID = 300
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_ASCII_DIGITS = re.compile(r"[0-9]+")


class InputError(ValueError):
    """Input that the kiosk does not take, with a message in plain Dutch."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def has_control(text: str) -> bool:
    return any(unicodedata.category(ch) in _REFUSED_CATEGORIES for ch in text)


def text(
    raw: Any,
    *,
    limit: int,
    field: str = "",
    what: str = "Deze tekst",
    multiline: bool = False,
) -> str:
    """NFC, no control characters, at most `limit` characters. One line unless
    `multiline`: runs of spaces, tabs and newlines become one space."""
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise InputError(f"{what} klopt niet.", field)
    if len(raw) > limit * 4:
        # Normalising a flood costs time for nothing: it can only be too long.
        raise InputError(f"{what} is te lang. Gebruik hoogstens {limit} tekens.", field)
    value = unicodedata.normalize("NFC", raw)
    if multiline:
        lines = [" ".join(line.split()) for line in value.replace("\r\n", "\n").split("\n")]
        value = "\n".join(lines).strip("\n")
        if has_control(value.replace("\n", "")):
            raise InputError(f"{what} bevat tekens die niet kunnen.", field)
    else:
        value = " ".join(value.split())
        if has_control(value):
            raise InputError(f"{what} bevat tekens die niet kunnen.", field)
    if len(value) > limit:
        raise InputError(f"{what} is te lang. Gebruik hoogstens {limit} tekens.", field)
    return value


def is_pad_digits(value: str) -> bool:
    """Only the digits a PIN or number pad types: ASCII 0-9."""
    return bool(_ASCII_DIGITS.fullmatch(value))


def pad_number(raw: Any, low: int, high: int) -> int | None:
    """A whole number typed on a pad, within [low, high]; None when it is not one."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if low <= raw <= high else None
    if not isinstance(raw, str):
        return None
    value = raw.strip()
    if not is_pad_digits(value) or len(value) > len(str(high)) + 2:
        return None
    number = int(value)
    return number if low <= number <= high else None


def pad_numbers(
    raw: Any, low: int, high: int, *, most: int, separator: str = "."
) -> list[int] | None:
    """At most `most` pad numbers within [low, high], each larger than the one before,
    written with `separator` between them ('' is none); None when it is not that."""
    if not isinstance(raw, str) or len(raw) > most * (len(str(high)) + 3):
        return None
    if not raw:
        return []
    numbers = [pad_number(part, low, high) for part in raw.split(separator)]
    if len(numbers) > most or None in numbers:
        return None
    found = [n for n in numbers if n is not None]
    if any(a >= b for a, b in zip(found, found[1:], strict=False)):
        return None
    return found


def signup_id(raw: Any) -> str | None:
    """A signup id (a uuid) in its one written form, or None."""
    if not isinstance(raw, str) or not 32 <= len(raw) <= 36:
        return None
    try:
        parsed = uuid.UUID(raw)
    except ValueError:
        return None
    return str(parsed)


def record_id(raw: Any, limit: int = MAX_ID) -> str | None:
    """An activity or event id: printable, bounded text, kept exactly as given (ids from
    feeds are case-sensitive); None when it cannot be one."""
    if not isinstance(raw, str) or not 0 < len(raw) <= limit:
        return None
    if raw != raw.strip() or has_control(raw):
        return None
    return raw
