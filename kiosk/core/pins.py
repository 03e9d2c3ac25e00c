"""The PIN rules: the two roles' PINs and the lockout after wrong PINs.

A kiosk has one volunteer PIN and one coordinator PIN (hashed with werkzeug). The
volunteer also types their own name when signing in, so the audit log can say who did
what on a shared PIN. The lockout is kept in the database, not in the session: a
resident fiddling at the screen cannot dodge it by clearing cookies.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlite_utils
from werkzeug.security import check_password_hash, generate_password_hash

from kiosk.core import audit, inputs
from kiosk.core.clock import utc_iso
from kiosk.core.db import write_transaction

ROLES = ("volunteer", "coordinator")
ROLE_LABELS = {"volunteer": "vrijwilliger", "coordinator": "coördinator"}
PIN_ENV = {"volunteer": "BUURTKIOSK_VOLUNTEER_PIN", "coordinator": "BUURTKIOSK_COORDINATOR_PIN"}
PIN_MIN, PIN_MAX = 4, 12
# The lockout, as a balance of two figures (lockout_figures below, both in the README):
# a stranger guessing at the screen needs a day or more of tapping for a 4-digit PIN, and
# a passer-by tapping wrong PINs keeps the volunteers out for at most LONGEST_PAUSE after
# the last tap. Only someone standing at the screen can try at all.
MAX_TRIES = 5
FIRST_PAUSE = timedelta(seconds=30)
LONGEST_PAUSE = timedelta(minutes=2)
# Typing a name and a PIN on the pad takes at least this long per try.
SECONDS_PER_TRY = 5
# werkzeug's default. Tests swap in a cheap method: each scrypt check costs ~0.1 s here.
HASH_METHOD = "scrypt"

log = logging.getLogger(__name__)


class PinError(ValueError):
    """A PIN that may not be used, with a message in plain Dutch."""


def _now() -> datetime:
    return datetime.now(UTC)



# --- PINs ------------------------------------------------------------------------------


def check_pin_format(pin: str) -> str:
    """Only what the PIN pad can type: ASCII 0-9 ('٣' and '³' pass str.isdigit)."""
    pin = pin.strip()
    if not inputs.is_pad_digits(pin) or not PIN_MIN <= len(pin) <= PIN_MAX:
        raise PinError(f"Een pincode heeft {PIN_MIN} tot {PIN_MAX} cijfers.")
    return pin


def _stored_hash(db: sqlite_utils.Database, role: str) -> str | None:
    row = db.execute("SELECT hash FROM pins WHERE role = ?", [role]).fetchone()
    return row[0] if row else None


def has_pins(db: sqlite_utils.Database) -> bool:
    return db.execute("SELECT COUNT(*) FROM pins").fetchone()[0] > 0


def set_pin(db: sqlite_utils.Database, role: str, pin: str) -> None:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    pin = check_pin_format(pin)
    # One PIN field serves both roles, so the two PINs must differ.
    other = _stored_hash(db, ROLES[1 - ROLES.index(role)])
    if other and check_password_hash(other, pin):
        raise PinError("Deze pincode is al in gebruik voor de andere rol. Kies een andere.")
    with write_transaction(db):
        db.execute(
            "INSERT INTO pins (role, hash, set_at) VALUES (?, ?, ?) "
            "ON CONFLICT (role) DO UPDATE SET hash = excluded.hash, set_at = excluded.set_at",
            [role, generate_password_hash(pin, method=HASH_METHOD), utc_iso(_now())],
        )


def new_pin() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def ensure_pins(db: sqlite_utils.Database) -> dict[str, str]:
    """Give each role a PIN on first start: from the environment, else a random one.

    Returns only the PINs generated just now, so the caller can show them once — the
    database keeps nothing but the hash.
    """
    generated: dict[str, str] = {}
    for role in ROLES:
        if _stored_hash(db, role):
            continue
        pin = os.environ.get(PIN_ENV[role], "").strip()
        if pin:
            try:
                set_pin(db, role, pin)
                continue
            except PinError as problem:
                # A kiosk must still start; it makes up a PIN and says why.
                log.warning("%s is niet te gebruiken: %s", PIN_ENV[role], problem)
        while True:
            pin = new_pin()
            try:
                set_pin(db, role, pin)
                break
            except PinError:  # the same as the other role's PIN: draw again
                continue
        generated[role] = pin
    return generated


# --- Wrong PINs: five tries, then a pause that doubles each time ----------------------


@dataclass(frozen=True)
class PinCheck:
    role: str | None
    wait_seconds: int = 0
    tries_left: int = MAX_TRIES


@dataclass(frozen=True)
class LockoutFigures:
    hours_to_guess: float  # expected, for a stranger guessing a PIN of `digits` digits
    longest_keep_out: timedelta  # after a passer-by's last wrong PIN


def lockout_figures(digits: int) -> LockoutFigures:
    """What the lockout promises, from its own numbers.

    Two PINs open the desk (volunteer and coordinator), so among 10**digits PINs tried in
    turn the first hit comes after about (10**digits + 1) / 3 guesses. A patient stranger
    gets MAX_TRIES guesses per longest pause (plus typing)."""
    guesses = (10**digits + 1) / 3
    cycle = LONGEST_PAUSE.total_seconds() + MAX_TRIES * SECONDS_PER_TRY
    return LockoutFigures(guesses / MAX_TRIES * cycle / 3600, LONGEST_PAUSE)


def _lockout(db: sqlite_utils.Database) -> tuple[int, str | None, int]:
    row = db.execute("SELECT failures, locked_until, lockouts FROM pin_lockout").fetchone()
    return (row[0], row[1], row[2]) if row else (0, None, 0)


def check_pin(db: sqlite_utils.Database, pin: str, now: datetime | None = None) -> PinCheck:
    """Which role this PIN opens, or how long to wait.

    The attempt is counted *before* the slow hash check, so a burst of parallel
    guesses cannot slip more than five tries past the counter.
    """
    now = now or _now()
    with write_transaction(db):
        failures, locked_until, lockouts = _lockout(db)
        if locked_until and locked_until > utc_iso(now):
            until = datetime.fromisoformat(locked_until.replace("Z", "+00:00"))
            return PinCheck(None, max(int((until - now).total_seconds()) + 1, 1), 0)
        failures += 1
        locked, pause = None, timedelta(0)
        if failures >= MAX_TRIES:
            pause = min(FIRST_PAUSE * 2**lockouts, LONGEST_PAUSE)
            locked, failures, lockouts = utc_iso(now + pause), 0, lockouts + 1
            # The coordinator's log shows when someone was guessing.
            audit.record(
                db, "kiosk", "pin.locked",
                f"{MAX_TRIES} keer een verkeerde pincode: "
                f"{int(pause.total_seconds())} seconden pauze",
            )  # fmt: skip
        db.execute(
            "INSERT INTO pin_lockout (id, failures, locked_until, lockouts) VALUES (1, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET failures = excluded.failures, "
            "locked_until = excluded.locked_until, lockouts = excluded.lockouts",
            [failures, locked, lockouts],
        )

    role = _matching_role(db, pin.strip())
    if role is not None:
        with write_transaction(db):
            db.execute("UPDATE pin_lockout SET failures = 0, locked_until = NULL, lockouts = 0")
        return PinCheck(role)
    if locked:
        return PinCheck(None, int(pause.total_seconds()), 0)
    return PinCheck(None, 0, MAX_TRIES - failures)


def _matching_role(db: sqlite_utils.Database, pin: str) -> str | None:
    if not inputs.is_pad_digits(pin) or len(pin) > PIN_MAX:
        return None
    for role in ("coordinator", "volunteer"):
        stored = _stored_hash(db, role)
        if stored and check_password_hash(stored, pin):
            return role
    return None
