"""Coordinators signing in to the hub: sessions kept in the hub's database, and a login
throttle per account and per client address that survives a restart.

The browser's cookie holds only an opaque random token; the hub keeps its SHA-256.
Signing out, a new password and 30 idle minutes delete the row, so a copied cookie stops
working. The throttle counts an attempt before the slow password check, so a burst of
parallel guesses cannot slip past it. It is kept per account and per address, never as
one lock for everyone: a stranger who types wrong passwords slows down only that account
and that address, and every other coordinator signs in as usual.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import sqlite_utils

from kiosk.core.db import write_transaction

IDLE_SECONDS = 30 * 60
TOUCH_SLACK_SECONDS = 30


@dataclass(frozen=True)
class Throttle:
    """Free tries before a pause, the first pause, and the longest (it doubles)."""

    tries: int
    first_pause: float
    longest_pause: float


# An address is one person (or one office behind a NAT); an account may be guessed at
# from many addresses, but must not be lockable for long by a stranger who knows its name.
PER_ADDRESS = Throttle(tries=5, first_pause=60, longest_pause=15 * 60)
PER_ACCOUNT = Throttle(tries=10, first_pause=30, longest_pause=5 * 60)
MAX_SUBJECT = 120
# Rows of throttles nobody has hit for a day are swept away.
FORGET_AFTER = 24 * 3600


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- Sessions ------------------------------------------------------------------------------


def start_session(db: sqlite_utils.Database, username: str, now: float) -> str:
    token = secrets.token_urlsafe(32)
    with write_transaction(db):
        db.execute("DELETE FROM coordinator_sessions WHERE seen < ?", [now - IDLE_SECONDS])
        db.execute(
            "INSERT INTO coordinator_sessions (key, username, started, seen) VALUES (?, ?, ?, ?)",
            [_key(token), username, now, now],
        )
    return token


def session_user(db: sqlite_utils.Database, token: str | None, now: float) -> str | None:
    """The coordinator this token is a live session of; an idle one ends here."""
    if not isinstance(token, str) or not token or len(token) > 100:
        return None
    key = _key(token)
    row = db.execute(
        "SELECT username, seen FROM coordinator_sessions WHERE key = ?", [key]
    ).fetchone()
    if row is None:
        return None
    if now - float(row[1]) > IDLE_SECONDS:
        end_session(db, token)
        return None
    if now - float(row[1]) > TOUCH_SLACK_SECONDS:
        with write_transaction(db):
            db.execute("UPDATE coordinator_sessions SET seen = ? WHERE key = ?", [now, key])
    return str(row[0])


def end_session(db: sqlite_utils.Database, token: str) -> None:
    with write_transaction(db):
        db.execute("DELETE FROM coordinator_sessions WHERE key = ?", [_key(token)])


def end_sessions_of(db: sqlite_utils.Database, username: str) -> None:
    """A new password: every session of this coordinator ends."""
    with write_transaction(db):
        db.execute("DELETE FROM coordinator_sessions WHERE username = ?", [username])


# --- The login throttle ----------------------------------------------------------------


def _subjects(username: str, address: str) -> list[tuple[str, Throttle]]:
    return [
        (f"account:{username.strip().lower()}"[:MAX_SUBJECT], PER_ACCOUNT),
        (f"address:{address}"[:MAX_SUBJECT], PER_ADDRESS),
    ]


def attempt(db: sqlite_utils.Database, username: str, address: str, now: float) -> float:
    """Count a login attempt before the password is checked. Returns 0 when it may go
    ahead, else the seconds to wait (the attempt is then not counted)."""
    with write_transaction(db):
        db.execute("DELETE FROM login_throttle WHERE last_at < ?", [now - FORGET_AFTER])
        waits = []
        for subject, _rule in _subjects(username, address):
            row = db.execute(
                "SELECT locked_until FROM login_throttle WHERE subject = ?", [subject]
            ).fetchone()
            if row is not None and row[0] > now:
                waits.append(row[0] - now)
        if waits:
            return max(waits)
        for subject, rule in _subjects(username, address):
            row = db.execute(
                "SELECT failures, lockouts FROM login_throttle WHERE subject = ?", [subject]
            ).fetchone()
            failures, lockouts = (row[0], row[1]) if row else (0, 0)
            failures += 1
            locked_until = 0.0
            if failures >= rule.tries:
                pause = min(rule.first_pause * 2**lockouts, rule.longest_pause)
                locked_until, failures, lockouts = now + pause, 0, lockouts + 1
            db.execute(
                "INSERT INTO login_throttle (subject, failures, lockouts, locked_until, last_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (subject) DO UPDATE SET "
                "failures = excluded.failures, lockouts = excluded.lockouts, "
                "locked_until = excluded.locked_until, last_at = excluded.last_at",
                [subject, failures, lockouts, locked_until, now],
            )
    return 0.0


def succeeded(db: sqlite_utils.Database, username: str, address: str) -> None:
    """The right password: this account's and this address's count starts again."""
    with write_transaction(db):
        for subject, _rule in _subjects(username, address):
            db.execute("DELETE FROM login_throttle WHERE subject = ?", [subject])
