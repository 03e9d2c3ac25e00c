"""Phone numbers as the Dutch write them, on the desk and on paper alike."""

from __future__ import annotations

import pytest

from kiosk.core.dutch import phone_display


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("0612345678", "06-12345678"),  # mobile
        ("0201234567", "020-1234567"),  # Amsterdam: a netnummer of three
        ("0101234567", "010-1234567"),  # Rotterdam
        ("0751234567", "075-1234567"),  # Zaandam
        ("0229123456", "0229-123456"),  # Hoorn: a netnummer of four
        ("0294123456", "0294-123456"),  # Weesp
        ("0881234567", "088-1234567"),  # a company number
        ("+31612345678", "+31612345678"),  # international: as given
        ("12345", "12345"),
        ("", ""),
        ("０６１２３４５６７８", "０６１２３４５６７８"),  # not ASCII: never reshaped
    ],
)
def test_phone_display(stored: str, shown: str) -> None:
    assert phone_display(stored) == shown
