"""Ticket QR codes any kiosk can check offline: signed with this kiosk's own Ed25519 key,
verified with the public keys of every kiosk, which travel through the hub (as pretix
does). A forged or altered QR fails; a real one from any kiosk passes at any door.

    BK2.<code>.<key id>.<signature>

All of it in QR "alphanumeric" characters (A-Z, 0-9, '.'), 121 in all: a version 5 QR
at error correction M (45 modules with its quiet zone), 8 dots a module on 58 mm paper
as on 80 mm. Tickets printed before (BK1, an
HMAC with this kiosk's secret) keep working at the kiosk that printed them.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

import sqlite_utils
from nacl.exceptions import BadSignatureError
from nacl.exceptions import ValueError as NaclValueError
from nacl.signing import SigningKey, VerifyKey

from kiosk.core import codes
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


def ticket_qr(db: sqlite_utils.Database, code: str) -> str:
    key = signing_key(db)
    signature = key.sign(b"ticket:" + code.encode()).signature
    return f"{PREFIX}.{code}.{key_id(bytes(key.verify_key))}.{_b32(signature)}"


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


def _verify_key(db: sqlite_utils.Database, wanted: str) -> VerifyKey | None:
    own = signing_key(db).verify_key
    if key_id(bytes(own)) == wanted:
        return own
    row = db.execute("SELECT public_key FROM ticket_keys WHERE key_id = ?", [wanted]).fetchone()
    return VerifyKey(bytes.fromhex(row[0])) if row else None


def read_ticket(db: sqlite_utils.Database, secret: bytes, payload: str) -> tuple[str, str | None]:
    """What a scanned ticket QR says: ("valid", code), ("unknown-key", code) for a
    well-formed ticket signed by a kiosk this one has not heard of yet, or ("forged",
    None) for anything altered, made up or malformed."""
    text = payload.strip().upper()  # a scanner with Caps Lock on sends lower case
    parts = text.split(".")
    if parts[0].upper() == codes.QR_PREFIX:
        code = codes.verify_ticket_qr(secret, text)
        if code is not None:
            return "valid", code
        claimed = codes.claimed_ticket_code(text)
        # An old-style ticket of another kiosk can never be checked here.
        return ("unknown-key", claimed) if claimed else ("forged", None)
    if len(parts) != 4 or parts[0].upper() != PREFIX:
        return "forged", None
    code = codes.normalize_code(parts[1])
    if code is None or code != parts[1]:
        return "forged", None
    key = _verify_key(db, parts[2])
    if key is None:
        return "unknown-key", code
    try:
        key.verify(b"ticket:" + code.encode(), _unb32(parts[3]))
    except (BadSignatureError, ValueError, NaclValueError):
        return "forged", None
    return "valid", code
