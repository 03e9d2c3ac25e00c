"""Ticket codes a resident can read out, and QR payloads a check-in scan can trust.

Codes use Crockford's base32 (no I, L, O, U); when read back, O counts as 0 and I/L
as 1, so the letters people confuse never make a wrong code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

import sqlite_utils

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
CODE_LENGTH = 6
QR_PREFIX = "BK1"


def new_code() -> str:
    """Six random characters, stored without the dash."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


# The tables whose rows carry a code of their own; the name goes into SQL, so only these.
CODED_TABLES = frozenset({"signups", "slips", "wishes", "wish_slips"})


def unused_code(db: sqlite_utils.Database, table: str) -> str:
    """A new code no row of `table` has yet (one in a billion collides; then draw again)."""
    if table not in CODED_TABLES:
        raise ValueError(f"no codes in {table!r}")
    while True:
        code = new_code()
        if not db.execute(f"SELECT 1 FROM {table} WHERE code = ?", [code]).fetchone():
            return code


def display_code(code: str) -> str:
    """'7KQ4MX' -> '7KQ-4MX'"""
    return f"{code[:3]}-{code[3:]}"


def normalize_code(typed: str) -> str | None:
    """Whatever a volunteer types or a scanner sends -> the stored code, or None."""
    cleaned = "".join(ch for ch in typed.upper() if ch.isalnum()).translate(_READ_AS)
    if len(cleaned) != CODE_LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def _signature(secret: bytes, message: str) -> str:
    digest = hmac.new(secret, message.encode(), hashlib.sha256).digest()[:10]
    return base64.b32encode(digest).decode().rstrip("=")


def ticket_qr(secret: bytes, code: str) -> str:
    """'BK1.7KQ4MX.<signature>': short enough for a small, robust QR."""
    return f"{QR_PREFIX}.{code}.{_signature(secret, 'ticket:' + code)}"


# Longer than any ticket QR; a scanner that runs on gives no ticket.
MAX_QR = 120


def _qr_parts(payload: str) -> list[str]:
    """A ticket QR read case-insensitively: a scanner with Caps Lock on sends it in
    lower case, and the code and its base32 signature are upper case by design."""
    if len(payload) > MAX_QR:
        return []
    return payload.strip().upper().split(".")


def claimed_ticket_code(payload: str) -> str | None:
    """The code a well-formed ticket QR names, signature not yet checked."""
    parts = _qr_parts(payload)
    if len(parts) != 3 or parts[0] != QR_PREFIX or not parts[2]:
        return None
    code = normalize_code(parts[1])
    return code if code == parts[1] else None


def verify_ticket_qr(secret: bytes, payload: str) -> str | None:
    """The code of a genuine ticket QR, or None for anything forged or altered."""
    code = claimed_ticket_code(payload)
    if code is None:
        return None
    # As bytes: compare_digest refuses (TypeError) a str with a non-ASCII character.
    given = _qr_parts(payload)[2].encode()
    if not hmac.compare_digest(given, _signature(secret, "ticket:" + code).encode()):
        return None
    return code
