"""Ticket QR codes any kiosk can check offline: signed with this kiosk's own Ed25519 key,
verified with the public keys of every kiosk, which travel through the hub (as pretix
does). A forged or altered QR fails; a real one from any kiosk passes at any door.

    BK2.<code>.<day><key>.<signature>

<day> is the activity's day in three characters (days since 1 January 2020, base32),
signed with the code, so any door can say "this ticket is for Thursday" from the ticket
alone, also for a resident its door list does not know; <key> is the first four
characters of the signing key's id (any known key that starts so is tried). All of it
in QR "alphanumeric" characters (A-Z, 0-9, '.'), 122 in all: exactly what a version 5
QR holds at error correction M (45 modules with its quiet zone), 8 dots a module on
58 mm paper as on 80 mm. Tickets printed before keep working: BK2 without a day
(BK2.<code>.<key id>.<signature>, six characters of key id) at every door, BK1 (an HMAC
with this kiosk's secret) at the kiosk that printed them.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlite_utils
from nacl.exceptions import BadSignatureError
from nacl.exceptions import ValueError as NaclValueError
from nacl.signing import SigningKey, VerifyKey

from kiosk.core import codes, dutch
from kiosk.core.clock import now_iso

PREFIX = "BK2"
# How a kiosk hands the hub its public key: with every agenda request, "id:base64".
KEY_HEADER = "X-Buurtkiosk-Ticket-Key"
_SETTING = "_ticket_signing_key"


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode().rstrip("=")


def _unb32(text: str) -> bytes:
    return base64.b32decode(text + "=" * (-len(text) % 8))


def key_id(public: bytes) -> str:
    """Six characters naming a public key (30 bits: no two kiosks of a Netwerk share one)."""
    return _b32(hashlib.sha256(public).digest())[:6]


def signing_key(db: sqlite_utils.Database) -> SigningKey:
    """This kiosk's key, made once and kept in its database (and so in its backups)."""
    db.execute("INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)",
               [_SETTING, secrets.token_bytes(32).hex()])
    seed = db.execute("SELECT value FROM settings WHERE key = ?", [_SETTING]).fetchone()[0]
    return SigningKey(bytes.fromhex(seed))


def public_key(db: sqlite_utils.Database) -> tuple[str, str]:
    """(key id, public key in base64) to give to the hub."""
    public = bytes(signing_key(db).verify_key)
    return key_id(public), base64.b64encode(public).decode()


DAY_ZERO = date(2020, 1, 1)
_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
KEY_PREFIX = 4  # characters of the key id on a ticket with a day


def _signed_text(code: str, day: date | None) -> bytes:
    return b"ticket:" + code.encode() + (b":" + day.isoformat().encode() if day else b"")


def _day_text(day: date) -> str:
    n = (day - DAY_ZERO).days
    if not 0 <= n < 32**3:
        raise ValueError(day)
    return "".join(_B32[(n >> shift) & 31] for shift in (10, 5, 0))


def _day_of(text: str) -> date | None:
    if len(text) != 3 or any(c not in _B32 for c in text):
        return None
    n = 0
    for c in text:
        n = n * 32 + _B32.index(c)
    return DAY_ZERO + timedelta(days=n)


def activity_day(db: sqlite_utils.Database, code: str) -> date | None:
    """The local day of the activity a signup code is for, or None if unknown."""
    row = db.execute(
        "SELECT a.starts_at FROM signups s JOIN activities a ON a.id = s.activity_id "
        "WHERE s.code = ?", [code],
    ).fetchone()
    if row is None:
        return None
    try:
        day = dutch.local(datetime.fromisoformat(row[0])).date()
        _day_text(day)
    except (TypeError, ValueError):
        return None
    return day


def ticket_qr(db: sqlite_utils.Database, code: str) -> str:
    """The signed QR of a signup's ticket, with its activity's day where known."""
    key = signing_key(db)
    kid = key_id(bytes(key.verify_key))
    day = activity_day(db, code)
    signature = _b32(key.sign(_signed_text(code, day)).signature)
    if day is None:
        return f"{PREFIX}.{code}.{kid}.{signature}"
    return f"{PREFIX}.{code}.{_day_text(day)}{kid[:KEY_PREFIX]}.{signature}"


def remember_keys(db: sqlite_utils.Database, keys: list[dict[str, str]]) -> int:
    """Store other kiosks' public keys as the hub sent them; a malformed one is skipped
    (it could only ever refuse tickets, never let a forged one in). Returns how many."""
    stored = 0
    for item in keys:
        try:
            public = base64.b64decode(str(item["public"]), validate=True)
            VerifyKey(public)
        except (KeyError, TypeError, ValueError, NaclValueError):
            continue
        if key_id(public) != str(item.get("id")):
            continue
        db.execute(
            "INSERT INTO ticket_keys (key_id, public_key, kiosk_name, updated_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (key_id) DO UPDATE SET "
            "kiosk_name = excluded.kiosk_name, updated_at = excluded.updated_at",
            [key_id(public), public.hex(), str(item.get("kiosk") or "")[:100], now_iso()],
        )
        stored += 1
    return stored


def _verify_keys(db: sqlite_utils.Database, wanted: str) -> list[tuple[VerifyKey, str, str]]:
    """(key, kiosk name, key id) of every key whose id starts with `wanted`: this kiosk's
    own (kiosk name "") and those the hub passed on."""
    own = signing_key(db).verify_key
    own_id = key_id(bytes(own))
    found: list[tuple[VerifyKey, str, str]] = []
    if own_id.startswith(wanted):
        found.append((own, "", own_id))
    rows = db.execute("SELECT key_id, public_key, kiosk_name FROM ticket_keys").fetchall()
    found += [(VerifyKey(bytes.fromhex(public)), name or "", kid) for kid, public, name in rows
              if kid.startswith(wanted) and kid != own_id]  # fmt: skip
    return found


_SIGNATURE_CHARS = 103  # 64 bytes of Ed25519 signature in base32, without padding


def _signature(text: str) -> bytes | None:
    """The signature bytes, only from the one text that encodes them: base32 leaves unused
    bits in its last character, and a QR with those changed must not read as genuine."""
    if len(text) != _SIGNATURE_CHARS:
        return None
    try:
        signature = _unb32(text)
    except ValueError:
        return None
    return signature if _b32(signature) == text else None


@dataclass(frozen=True)
class ReadTicket:
    """What a scanned ticket QR says. verdict: "valid", "unknown-key" (well-formed, but
    signed by a kiosk this one has not heard of yet) or "forged" (altered, made up or
    malformed; code None). `day` is the activity's day as signed on the ticket (None on
    tickets printed before it was), `kiosk` the name of the kiosk that signed it (""
    for this kiosk itself or when unknown), `own` whether this kiosk signed it (codes are
    unique per kiosk only) and `key` the id of the key that did ("" for BK1)."""

    verdict: str
    code: str | None
    day: date | None = None
    kiosk: str = ""
    own: bool = False
    key: str = ""


def read_signed(db: sqlite_utils.Database, secret: bytes, payload: str) -> ReadTicket:
    if not payload.isascii():  # upper() would fold "ı" into "I": an altered QR reading valid
        return ReadTicket("forged", None)
    text = payload.strip().upper()  # a scanner with Caps Lock on sends lower case
    parts = text.split(".")
    if parts[0] == codes.QR_PREFIX:
        code = codes.verify_ticket_qr(secret, text)
        if code is not None:
            return ReadTicket("valid", code, own=True)
        claimed = codes.claimed_ticket_code(text)
        # An old-style ticket of another kiosk can never be checked here.
        return ReadTicket("unknown-key", claimed) if claimed else ReadTicket("forged", None)
    if len(parts) != 4 or parts[0] != PREFIX:
        return ReadTicket("forged", None)
    code = codes.normalize_code(parts[1])
    if code is None or code != parts[1]:
        return ReadTicket("forged", None)
    if len(parts[2]) == 3 + KEY_PREFIX:  # with the day
        day, wanted = _day_of(parts[2][:3]), parts[2][3:]
        if day is None:
            return ReadTicket("forged", None)
    elif len(parts[2]) == 6:  # printed before tickets carried their day
        day, wanted = None, parts[2]
    else:
        return ReadTicket("forged", None)
    keys = _verify_keys(db, wanted)
    if not keys:
        return ReadTicket("unknown-key", code)
    signature = _signature(parts[3])
    if signature is None:
        return ReadTicket("forged", None)
    own_id = key_id(bytes(signing_key(db).verify_key))
    for key, kiosk, kid in keys:
        try:
            key.verify(_signed_text(code, day), signature)
        except (BadSignatureError, ValueError, NaclValueError):
            continue
        return ReadTicket("valid", code, day, kiosk, own=kid == own_id, key=kid)
    # Forged, also when an unknown kiosk's key might share the four characters (about one
    # in a million per pair of kiosks): both are refused alike, and "unknown kiosk" would
    # make a known kiosk's altered ticket (another day, another code) sound genuine.
    return ReadTicket("forged", None)


def read_ticket(db: sqlite_utils.Database, secret: bytes, payload: str) -> tuple[str, str | None]:
    """(verdict, code) of read_signed: ("valid", code), ("unknown-key", code) or
    ("forged", None)."""
    found = read_signed(db, secret, payload)
    return found.verdict, found.code
