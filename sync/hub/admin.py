"""Setting up the hub: stadsdorpen, kiosks with their bearer tokens, coordinators.

A kiosk's token is shown once when it is made; the hub keeps only its SHA-256 (a
token is 256 random bits, so a plain hash is enough, unlike a password).
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
import unicodedata
from typing import Any

import sqlite_utils
from werkzeug.security import check_password_hash, generate_password_hash

from kiosk.core.clock import now_iso
from kiosk.core.db import write_transaction


class AdminError(ValueError):
    """A setup step that cannot be done, in plain Dutch."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def slugify(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")
    return slug.removeprefix("stadsdorp-") or slug


def add_stadsdorp(db: sqlite_utils.Database, name: str, slug: str = "") -> str:
    name = " ".join(name.split())
    slug = slug or slugify(name)
    if not name or not re.fullmatch(r"[a-z0-9-]{1,40}", slug):
        raise AdminError("Geef een naam, en eventueel een korte naam met a-z, 0-9 en -.")
    with write_transaction(db):
        if db.execute("SELECT 1 FROM stadsdorpen WHERE slug = ? OR name = ?",
                      [slug, name]).fetchone():
            raise AdminError(f"Stadsdorp {name!r} of {slug!r} bestaat al.")
        db.execute("INSERT INTO stadsdorpen (slug, name, created_at) VALUES (?, ?, ?)",
                   [slug, name, now_iso()])
    return slug


def add_kiosk(db: sqlite_utils.Database, name: str, stadsdorpen: list[str] | None = None) -> str:
    """Register a kiosk; returns its token, which is not stored and cannot be shown again."""
    name = " ".join(name.split())
    if not name:
        raise AdminError("Geef de kiosk een naam.")
    scope = [s.strip() for s in (stadsdorpen or []) if s.strip()]
    token = secrets.token_urlsafe(32)
    with write_transaction(db):
        known = {row[0] for row in db.execute("SELECT slug FROM stadsdorpen")}
        unknown = [s for s in scope if s not in known]
        if unknown:
            raise AdminError(f"Onbekende stadsdorpen: {', '.join(unknown)}.")
        if db.execute("SELECT 1 FROM kiosks WHERE name = ?", [name]).fetchone():
            raise AdminError(f"Er is al een kiosk met de naam {name!r}.")
        db.execute(
            "INSERT INTO kiosks (name, token_hash, stadsdorpen, created_at) VALUES (?, ?, ?, ?)",
            [name, token_hash(token), ",".join(scope), now_iso()],
        )
    return token


def new_token(db: sqlite_utils.Database, name: str) -> str:
    """A lost or leaked token: the old one stops working at once."""
    token = secrets.token_urlsafe(32)
    with write_transaction(db):
        cursor = db.execute("UPDATE kiosks SET token_hash = ? WHERE name = ?",
                            [token_hash(token), name])
        if cursor.rowcount != 1:
            raise AdminError(f"Er is geen kiosk met de naam {name!r}.")
    return token


def kiosk_for_token(db: sqlite_utils.Database, token: str) -> dict[str, Any] | None:
    if not token:
        return None
    rows = list(db.query("SELECT * FROM kiosks WHERE token_hash = ? AND active = 1",
                         [token_hash(token)]))
    return rows[0] if rows else None


def add_coordinator(
    db: sqlite_utils.Database, username: str, password: str, stadsdorpen: list[str] | None = None
) -> None:
    """A coordinator of the whole Netwerk, or (with `stadsdorpen`, slugs) of just those:
    they see only their own stadsdorpen's wishes and figures."""
    username = username.strip()
    if not username or len(password) < 10:
        raise AdminError("Geef een gebruikersnaam en een wachtwoord van minstens 10 tekens.")
    scope = [s.strip() for s in (stadsdorpen or []) if s.strip()]
    with write_transaction(db):
        known = {row[0] for row in db.execute("SELECT slug FROM stadsdorpen")}
        unknown = [s for s in scope if s not in known]
        if unknown:
            raise AdminError(f"Onbekende stadsdorpen: {', '.join(unknown)}.")
        db.execute(
            "INSERT INTO coordinators (username, password_hash, created_at, stadsdorpen) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (username) DO UPDATE SET "
            "password_hash = excluded.password_hash, stadsdorpen = excluded.stadsdorpen",
            [username, generate_password_hash(password), now_iso(), ",".join(scope)],
        )
        # A new password ends every session the old one opened.
        db.execute("DELETE FROM coordinator_sessions WHERE username = ?", [username])


def coordinator_scope(db: sqlite_utils.Database, username: str) -> list[str] | None:
    """The stadsdorpen (slugs) a coordinator may see: [] for the whole Netwerk, None for
    a name that is not (or no longer) a coordinator."""
    row = db.execute("SELECT stadsdorpen FROM coordinators WHERE username = ?",
                     [username]).fetchone()
    if row is None:
        return None
    return [s for s in row[0].split(",") if s]


@functools.cache
def _stand_in_hash() -> str:
    return generate_password_hash(secrets.token_hex(16))


def check_coordinator(db: sqlite_utils.Database, username: str, password: str) -> bool:
    row = db.execute("SELECT password_hash FROM coordinators WHERE username = ?",
                     [username.strip()]).fetchone()
    # Check a hash even for an unknown name, so the answer takes as long either way.
    matches = check_password_hash(row[0] if row else _stand_in_hash(), password)
    return matches and row is not None
