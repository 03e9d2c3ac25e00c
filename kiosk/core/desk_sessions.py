"""Volunteers' and coordinators' sessions, kept in the database so they can be ended.

The browser holds only an opaque random token (in the signed Flask cookie); the kiosk
keeps its SHA-256 with the role, the name typed at sign-in and when it was last used.
Signing out, a PIN change and the idle limit delete the row, and from then on a copy of
the cookie opens nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import sqlite_utils

from kiosk.core.db import write_transaction

# Touching a session is a write; within this many seconds it is not worth one.
TOUCH_SLACK_SECONDS = 5


@dataclass(frozen=True)
class DeskSession:
    role: str
    actor: str
    seen: float


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(db: sqlite_utils.Database, role: str, actor: str, now: float) -> str:
    """A new session; returns the token for the cookie (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    with write_transaction(db):
        db.execute(
            "INSERT INTO desk_sessions (key, role, actor, started, seen) VALUES (?, ?, ?, ?, ?)",
            [_key(token), role, actor, now, now],
        )
    return token


def current(
    db: sqlite_utils.Database, token: str, now: float, idle_seconds: float, touch: bool = False
) -> DeskSession | None:
    """The live session this token names, or None (unknown, ended, or idle too long;
    an idle one is deleted here). `touch` counts this request as activity."""
    if not token or len(token) > 100:
        return None
    key = _key(token)
    row = db.execute("SELECT role, actor, seen FROM desk_sessions WHERE key = ?", [key]).fetchone()
    if row is None:
        return None
    role, actor, seen = row[0], row[1], float(row[2])
    if now - seen > idle_seconds:
        end(db, token)
        return None
    if touch and now - seen > TOUCH_SLACK_SECONDS:
        with write_transaction(db):
            db.execute("UPDATE desk_sessions SET seen = ? WHERE key = ?", [now, key])
        seen = now
    return DeskSession(role, actor, seen)


def end(db: sqlite_utils.Database, token: str) -> None:
    with write_transaction(db):
        db.execute("DELETE FROM desk_sessions WHERE key = ?", [_key(token)])


def end_role(db: sqlite_utils.Database, role: str, keep: str | None = None) -> int:
    """End every session of `role` (its PIN changed), except the one with token `keep`."""
    with write_transaction(db):
        cursor = db.execute(
            "DELETE FROM desk_sessions WHERE role = ? AND key != ?",
            [role, _key(keep) if keep else ""],
        )
    return cursor.rowcount


def end_idle(db: sqlite_utils.Database, now: float, idle_seconds: float) -> int:
    """Sweep sessions nobody came back to, so the table does not keep dead rows."""
    with write_transaction(db):
        cursor = db.execute("DELETE FROM desk_sessions WHERE seen < ?", [now - idle_seconds])
    return cursor.rowcount
