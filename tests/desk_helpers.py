"""Shared by the volunteer-desk tests: PINs that hash fast, signing in, scanner input."""

from __future__ import annotations

import time
from typing import Any

import pytest

from kiosk.core import pins

VOLUNTEER_PIN = "2468"
COORDINATOR_PIN = "97531"


@pytest.fixture
def fast_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap hashes in tests; scrypt's cost is production's business, not the suite's."""
    monkeypatch.setattr(pins, "HASH_METHOD", "pbkdf2:sha256:1000")


def set_pins(db: Any) -> None:
    pins.set_pin(db, "volunteer", VOLUNTEER_PIN)
    pins.set_pin(db, "coordinator", COORDINATOR_PIN)


def sign_in(client: Any, pin: str = VOLUNTEER_PIN, name: str = "Marieke", **extra: str) -> Any:
    return client.post("/vrijwilliger/pincode", data={"name": name, "pin": pin, **extra})


def open_session(client: Any, role: str = "coordinator", actor: str = "Test") -> None:
    """Signed in without typing a PIN: a session on the kiosk's server, its token in the
    browser's cookie (a cookie made up on its own opens nothing)."""
    from kiosk.core import desk_sessions
    from kiosk.core.db import connect

    db = connect(client.application.config["DATABASE"])
    try:
        token = desk_sessions.start(db, role, actor, time.time())
    finally:
        db.close()
    with client.session_transaction() as session:
        session["desk"] = token
