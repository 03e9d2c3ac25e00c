"""Shared by the volunteer-desk tests: PINs that hash fast, signing in, scanner input."""

from __future__ import annotations

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
