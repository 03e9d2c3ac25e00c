"""What goes on paper, as plain data: a layout is a list of print operations.

Layouts know columns, not printers. They wrap text themselves, so every `Text` is one printed
line that fits, and a layout can be checked without a printer or any ESC/POS.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

from printing.errors import PrinterConfigError
from printing.linebreak import break_lines

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
        # Measured as printed: a decomposed "é" is one letter, the ligature "Ĳ" prints as "IJ".
        object.__setattr__(self, "text", paper_letters(self.text))
        if not (1 <= self.width <= 8 and 1 <= self.height <= 8):
            raise ValueError(f"text size {self.width}x{self.height} is outside 1-8")
        if self.align not in ALIGNS:
            raise ValueError(f"unknown alignment {self.align!r}")
        if "\n" in self.text:
            raise ValueError("a Text is one line; use wrap() for paragraphs")


def paper_letters(text: str) -> str:
    """Text as the printer gets it, so its length is its width: composed accents, and the
    Dutch ĳ (no code page has it) as the two letters every Dutch reader accepts."""
    return unicodedata.normalize("NFC", text).replace("Ĳ", "IJ").replace("ĳ", "ij")


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
    """A paragraph as lines that fit: double-width text gets half the columns. Words break
    only at a syllable, with a hyphen (printing/linebreak.py)."""
    per_line = max(columns // width, 1)
    return [
        Text(line, width=width, height=height, bold=bold, align=align)
        for paragraph in paper_letters(text).splitlines()
        for line in break_lines(paragraph, per_line)
    ]


def fits_whole(text: str, columns: int, width: int) -> bool:
    """Whether every word of `text` fits on a line at this width, so none needs a hyphen."""
    return all(len(word) * width <= columns for word in paper_letters(text).split())


def heading(text: str, columns: int, *, bold: bool = True, align: Align = "left") -> list[Text]:
    """Large text: double width and height where every word fits whole, else double height
    only (58 mm holds 16 double-width letters; "Computerspreekuur" has 17)."""
    width = 2 if fits_whole(text, columns, 2) else 1
    return wrap(text, columns, width=width, height=2, bold=bold, align=align)


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
