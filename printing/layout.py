"""What goes on paper, as plain data: a layout is a list of print operations.

Layouts know columns, not printers. They wrap text themselves, so every `Text` is one printed
line that fits, and a layout can be checked without a printer or any ESC/POS.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from kiosk.core import dutch
from kiosk.core.agenda import Activity
from kiosk.core.signups import Signup
from printing.errors import PrinterConfigError

Align = Literal["left", "center", "right"]
ALIGNS = ("left", "center", "right")


@dataclass(frozen=True)
class Paper:
    mm: int
    columns: int  # characters of the normal font (12 dots wide) on one line
    dots: int  # printable width at 203 dpi


PAPERS = {80: Paper(80, 48, 576), 58: Paper(58, 32, 384)}


def paper(mm: int | str) -> Paper:
    try:
        return PAPERS[int(mm)]
    except (KeyError, ValueError):
        raise PrinterConfigError(f"Papierbreedte moet 80 of 58 mm zijn, niet {mm!r}.") from None


@dataclass(frozen=True)
class Text:
    """One printed line; width and height multiply the normal character size (1-8)."""

    text: str
    width: int = 1
    height: int = 1
    bold: bool = False
    align: Align = "left"

    def __post_init__(self) -> None:
        if not (1 <= self.width <= 8 and 1 <= self.height <= 8):
            raise ValueError(f"text size {self.width}x{self.height} is outside 1-8")
        if self.align not in ALIGNS:
            raise ValueError(f"unknown alignment {self.align!r}")
        if "\n" in self.text:
            raise ValueError("a Text is one line; use wrap() for paragraphs")


@dataclass(frozen=True)
class QR:
    content: str
    size: int = 8  # dots per module: 1 mm at 203 dpi, which phone and desk scanners read well
    align: Align = "center"


@dataclass(frozen=True)
class Image:
    path: str  # a PNG or similar, e.g. a logo from assets/; scaled down to the paper if needed
    align: Align = "center"


@dataclass(frozen=True)
class Rule:
    """A line across the whole paper."""

    char: str = "-"


@dataclass(frozen=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True)
class Cut:
    partial: bool = True


Op = Text | QR | Image | Rule | Feed | Cut


def wrap(
    text: str,
    columns: int,
    *,
    width: int = 1,
    height: int = 1,
    bold: bool = False,
    align: Align = "left",
) -> list[Text]:
    """A paragraph as lines that fit: double-width text gets half the columns."""
    per_line = max(columns // width, 1)
    lines: list[Text] = []
    for paragraph in text.splitlines():
        for line in textwrap.wrap(paragraph, per_line) or [""]:
            lines.append(Text(line, width=width, height=height, bold=bold, align=align))
    return lines


def _people(party_size: int) -> str:
    return "1 persoon" if party_size == 1 else f"{party_size} personen"


def when_lines(activity: Activity) -> list[str]:
    """'Dinsdag 1 december' / 'van 10.00 tot 12.00 uur', or with one line if there is no end."""
    start = dutch.local(activity.starts_at)
    end = dutch.local(activity.ends_at) if activity.ends_at else None
    if end is None:
        return [dutch.written_moment(start).capitalize()]
    if end.date() != start.date():
        return [dutch.written_moment(start).capitalize(), "tot " + dutch.written_moment(end)]
    return [dutch.written_date(start.date()).capitalize(), "van " + dutch.time_range(start, end)]


def _signed_up_on(created_at: str) -> str:
    moment = datetime.fromisoformat(created_at)
    return f"Aangemeld op {dutch.written_moment(moment)}"


def _copy_banner(columns: int) -> list[Op]:
    return [
        *wrap("*** KOPIE ***", columns, width=2, height=2, bold=True, align="center"),
        *wrap("Dit is een kopie van uw kaartje.", columns, align="center"),
    ]


def ticket_layout(
    signup: Signup,
    activity: Activity,
    *,
    paper_mm: int = 80,
    qr_payload: str,
    kiosk_name: str,
    copy: bool = False,
    columns: int | None = None,
) -> list[Op]:
    """The ticket a resident takes home. `columns` overrides the paper's when the printer
    profile knows better (an 80 mm TM-T88 prints 42 columns, not 48)."""
    cols = columns or paper(paper_mm).columns
    ops: list[Op] = []
    if copy:
        ops += _copy_banner(cols)
        ops.append(Feed())
    ops += wrap(activity.stadsdorp or kiosk_name, cols, bold=True, align="center")
    heading = {"waitlist": "WACHTLIJST", "cancelled": "AFGEMELD"}.get(signup.status, "AANMELDING")
    ops += wrap(heading, cols, width=2, height=2, bold=True, align="center")
    if signup.status == "waitlist":
        ops += wrap("Wachtlijst: wij bellen u als er plek is.", cols, bold=True, align="center")
    elif signup.status == "cancelled":
        ops += wrap("U bent afgemeld voor deze activiteit.", cols, bold=True, align="center")
    if activity.status == "cancelled":
        ops += wrap("Let op: deze activiteit gaat niet door.", cols, bold=True, align="center")
    ops.append(Rule())

    ops += wrap(activity.title, cols, width=2, height=2, bold=True)
    ops.append(Feed())
    for line in when_lines(activity):
        ops += wrap(line, cols, bold=True)
    for line in (activity.location_name, activity.address):
        if line:
            ops += wrap(line, cols)
    if activity.price:
        ops += wrap(f"Kosten: {activity.price}", cols)
    ops.append(Feed())
    if signup.name:
        ops += wrap(f"Naam: {signup.name}", cols)
    ops += wrap(_people(signup.party_size), cols, bold=True)
    ops.append(Rule())

    ops += wrap("Uw code:", cols, align="center")
    code = signup.display_code
    size = max(1, min(5, cols // len(code)))  # as large as fits: read out over the phone
    ops.append(Text(code, width=size, height=size, bold=True, align="center"))
    ops.append(QR(qr_payload))
    ops += wrap("Bewaar dit kaartje", cols, width=2, height=2, bold=True, align="center")
    how = f"Bel {activity.contact}." if activity.contact else "Vraag het bij de balie."
    for sentence in ("Kunt u niet komen?", "Meld u dan af.", how):
        ops += wrap(sentence, cols, align="center")
    ops.append(Rule())
    ops += wrap(_signed_up_on(signup.created_at), cols, align="center")
    ops += wrap(kiosk_name, cols, align="center")
    if copy:
        ops += _copy_banner(cols)
    ops.append(Cut())
    return ops


TEST_CHARACTERS = "é ë ï ü ó €"


def test_layout(
    kiosk_name: str, printer_url: str, *, paper_mm: int = 80, columns: int | None = None
) -> list[Op]:
    """The coordinator's test print: letters, sizes, width and a QR code in one look."""
    cols = columns or paper(paper_mm).columns
    ruler = ("1234567890" * 8)[:cols]
    return [
        *wrap("TESTAFDRUK", cols, width=2, height=2, bold=True, align="center"),
        *wrap(kiosk_name, cols, bold=True, align="center"),
        Rule(),
        *wrap(f"Printer: {printer_url}", cols),
        *wrap(f"Papier: {paper_mm} mm, {cols} tekens per regel:", cols),
        Text(ruler),
        Feed(),
        *wrap(f"Letters: {TEST_CHARACTERS}", cols, bold=True),
        *wrap("Café, reünie, ruïne, één, hé, à € 2,50", cols),
        *wrap("Groot", cols, width=2, height=2, align="center"),
        *wrap("7KQ-4MX", cols, width=4, height=4, bold=True, align="center"),
        QR("BUURTKIOSK-TEST"),
        *wrap("Ziet u alle letters en de QR-code? Dan is de printer goed ingesteld.", cols),
        Cut(),
    ]


# Not a pytest test, although its name (fixed by the design) starts with "test".
test_layout.__test__ = False  # type: ignore[attr-defined]


def plain_text(ops: list[Op], columns: int) -> str:
    """A text picture of a layout, for logs and for the volunteer screen's last tickets."""
    lines: list[str] = []
    for op in ops:
        match op:
            case Text(text=text, width=width, align=align):
                lines.append(_aligned(text, columns, align, width))
            case QR(content=content, align=align):
                lines.append(_aligned(f"[QR {content}]", columns, align))
            case Image(path=path, align=align):
                lines.append(_aligned(f"[afbeelding {path}]", columns, align))
            case Rule(char=char):
                lines.append(char * columns)
            case Feed(lines=count):
                lines += [""] * count
            case Cut():
                lines.append("")
    return "\n".join(line.rstrip() for line in lines).strip("\n") + "\n"


def _aligned(text: str, columns: int, align: Align, width: int = 1) -> str:
    """Place text as the printer would; wide characters are shown at normal width."""
    free = max(columns - len(text) * width, 0)
    pad = {"left": 0, "center": free // 2, "right": free}[align]
    return " " * pad + text
