"""The pages that check the printer: the coordinator's test print (letters, sizes, width and a
QR code in one look), and the installer's short "klaar" slip."""

from __future__ import annotations

from datetime import datetime

from kiosk.core import dutch
from printing.layout import QR, Cut, Feed, Op, Rule, Text, wrap

TEST_CHARACTERS = "é ë ï ü ó €"


def test_page_layout(kiosk_name: str, printer_url: str, *, paper_mm: int, columns: int) -> list[Op]:
    ruler = ("1234567890" * 8)[:columns]
    return [
        *wrap("TESTAFDRUK", columns, width=2, height=2, bold=True, align="center"),
        *wrap(kiosk_name, columns, bold=True, align="center"),
        Rule(),
        *wrap(f"Printer: {printer_url}", columns),
        *wrap(f"Papier: {paper_mm} mm, {columns} tekens per regel:", columns),
        Text(ruler),
        Feed(),
        *wrap(f"Letters: {TEST_CHARACTERS}", columns, bold=True),
        *wrap("Café, reünie, ruïne, één, hé, à € 2,50, Ĳsselmeer", columns),
        *wrap("Groot", columns, width=2, height=2, align="center"),
        *wrap("7KQ-4MX", columns, width=4, height=4, bold=True, align="center"),
        QR("BUURTKIOSK-TEST"),
        *wrap("Ziet u alle letters en de QR-code? Dan is de printer goed ingesteld.", columns),
        Cut(),
    ]


# Not a pytest test, although its name starts with "test".
test_page_layout.__test__ = False  # type: ignore[attr-defined]


def ready_page_layout(kiosk_name: str, printed_at: datetime, *, columns: int) -> list[Op]:
    """'KLAAR': the install is done and the printer prints (`buurtkiosk klaar-bon`)."""
    return [
        *wrap("KLAAR", columns, width=3, height=3, bold=True, align="center"),
        *wrap(kiosk_name, columns, bold=True, align="center"),
        *wrap("De kiosk is ingericht en klaar voor gebruik.", columns, align="center"),
        *wrap(dutch.written_moment(printed_at), columns, align="center"),
        Cut(),
    ]
