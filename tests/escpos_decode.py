"""A strict decoder for the ESC/POS that printing/ sends, written from the Epson command
reference and not from python-escpos, so the two can disagree.

It knows only the commands our renderer uses and fails on any other byte, so a renderer change
that sends something new is noticed. It also fails on what a printer would get wrong: text
before a code page is chosen, style or alignment changes in the middle of a line, a job that
ends with unprinted text.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import zxingcpp
from PIL import Image, ImageOps

# ESC t n -> Python codec, Epson numbering (TM-T20II/TM-T88 "Character code table").
EPSON_CODEPAGES = {
    0: "cp437",
    2: "cp850",
    3: "cp860",
    4: "cp863",
    5: "cp865",
    16: "cp1252",
    17: "cp866",
    18: "cp852",
    19: "cp858",
    40: "iso8859_15",
}

ESC, GS, DLE, LF = 0x1B, 0x1D, 0x10, 0x0A


class DecodeError(AssertionError):
    pass


@dataclass(frozen=True)
class Style:
    width: int = 1
    height: int = 1
    bold: bool = False
    align: str = "left"


@dataclass(frozen=True)
class Line:
    text: str
    style: Style

    @property
    def columns(self) -> int:
        """Columns of the normal font this line takes."""
        return len(self.text) * self.style.width


@dataclass(frozen=True)
class Raster:
    image: Image.Image  # "L": black ink 0 on white 255, as printed

    def qr_contents(self) -> list[str]:
        return [result.text for result in zxingcpp.read_barcodes(self.image)]

    @property
    def ink_left(self) -> int:
        """Dots of white before the first ink: where the image sits on the paper."""
        box = ImageOps.invert(self.image).getbbox()
        return box[0] if box else 0


@dataclass(frozen=True)
class NativeQR:
    content: str
    module_size: int
    error_correction: str


@dataclass(frozen=True)
class Feed:
    lines: int


@dataclass(frozen=True)
class Cut:
    partial: bool


@dataclass(frozen=True)
class StatusRequest:
    n: int


Block = Line | Raster | NativeQR | Feed | Cut | StatusRequest


@dataclass
class Receipt:
    blocks: list[Block] = field(default_factory=list)
    codepages: list[int] = field(default_factory=list)  # every ESC t n, in order

    @property
    def lines(self) -> list[Line]:
        return [b for b in self.blocks if isinstance(b, Line)]

    @property
    def texts(self) -> list[str]:
        """The printed lines without blank ones."""
        return [line.text for line in self.lines if line.text.strip()]

    @property
    def rasters(self) -> list[Raster]:
        return [b for b in self.blocks if isinstance(b, Raster)]

    @property
    def native_qrs(self) -> list[NativeQR]:
        return [b for b in self.blocks if isinstance(b, NativeQR)]

    @property
    def cuts(self) -> list[Cut]:
        return [b for b in self.blocks if isinstance(b, Cut)]

    def qr_contents(self) -> list[str]:
        """Every QR code on the receipt, drawn by the printer or sent as an image."""
        found = [qr.content for qr in self.native_qrs]
        for raster in self.rasters:
            found += raster.qr_contents()
        return found

    def find(self, text: str) -> Line:
        for line in self.lines:
            if text in line.text:
                return line
        raise AssertionError(f"{text!r} is not on the receipt:\n" + "\n".join(self.texts))


class _Decoder:
    def __init__(self, data: bytes, codepages: dict[int, str]) -> None:
        self.data = data
        self.pos = 0
        self.table = codepages
        self.receipt = Receipt()
        self.codepage: int | None = None
        self.style = Style()
        self.pending: list[str] = []
        self.pending_style: Style | None = None
        self.qr_store = b""
        self.qr_size = 3
        self.qr_ec = "L"

    # --- reading ---------------------------------------------------------------------------

    def fail(self, message: str) -> DecodeError:
        start = max(self.pos - 8, 0)
        context = self.data[start : self.pos + 8].hex(" ")
        return DecodeError(f"at byte {self.pos}: {message} (bytes around it: {context})")

    def take(self, count: int) -> bytes:
        if self.pos + count > len(self.data):
            raise self.fail(f"command cut short: {count} bytes wanted")
        chunk = self.data[self.pos : self.pos + count]
        self.pos += count
        return chunk

    def byte(self) -> int:
        return self.take(1)[0]

    # --- state -----------------------------------------------------------------------------

    def at_line_start(self, what: str) -> None:
        if self.pending:
            raise self.fail(f"{what} in the middle of the line {''.join(self.pending)!r}")

    def set_style(self, **changes: object) -> None:
        self.at_line_start("style change")
        self.style = replace(self.style, **changes)

    def end_line(self) -> None:
        self.receipt.blocks.append(Line("".join(self.pending), self.pending_style or self.style))
        self.pending = []
        self.pending_style = None

    def character(self, value: int) -> None:
        if value >= 0x80:
            if self.codepage is None:
                raise self.fail(f"byte 0x{value:02x} before any ESC t: the printer's guess")
            char = bytes([value]).decode(self.table[self.codepage])
        else:
            char = chr(value)
        if not self.pending:
            self.pending_style = self.style
        self.pending.append(char)

    # --- commands --------------------------------------------------------------------------

    def run(self) -> Receipt:
        while self.pos < len(self.data):
            value = self.byte()
            if value == LF:
                self.end_line()
            elif value == ESC:
                self.esc(self.byte())
            elif value == GS:
                self.gs(self.byte())
            elif value == DLE:
                if self.byte() != 0x04:
                    raise self.fail("DLE without EOT")
                n = self.byte()
                if n not in (1, 2, 3, 4):
                    raise self.fail(f"DLE EOT {n}")
                self.receipt.blocks.append(StatusRequest(n))
            elif value >= 0x20 and value != 0x7F:
                self.character(value)
            else:
                raise self.fail(f"unknown control byte 0x{value:02x}")
        if self.pending:
            raise self.fail(f"job ends with unprinted text {''.join(self.pending)!r}")
        return self.receipt

    def esc(self, command: int) -> None:
        match chr(command):
            case "@":
                self.at_line_start("ESC @ (would throw the line away)")
                self.style = Style()
                self.codepage = None
            case "t":
                n = self.byte()
                if n not in self.table:
                    raise self.fail(f"ESC t {n}: a code page this decoder does not know")
                self.codepage = n
                self.receipt.codepages.append(n)
            case "!":
                n = self.byte()
                if n & ~0x38:
                    raise self.fail(f"ESC ! 0x{n:02x}: font B or underline, which we never use")
                self.set_style(
                    bold=bool(n & 0x08), width=2 if n & 0x20 else 1, height=2 if n & 0x10 else 1
                )
            case "E":
                self.set_style(bold=bool(self.byte() & 0x01))
            case "a":
                n = self.byte()
                if n not in (0, 1, 2, 48, 49, 50):
                    raise self.fail(f"ESC a {n}")
                self.set_style(align=("left", "center", "right")[n % 48])
            case "d":
                if self.pending:
                    self.end_line()
                self.receipt.blocks.append(Feed(self.byte()))
            case _:
                raise self.fail(f"unknown command ESC 0x{command:02x}")

    def gs(self, command: int) -> None:
        match chr(command):
            case "!":
                n = self.byte()
                if n & 0x88:
                    raise self.fail(f"GS ! 0x{n:02x}: size beyond 8")
                self.set_style(width=(n >> 4) + 1, height=(n & 0x07) + 1)
            case "v":
                self.raster()
            case "(":
                if self.byte() != ord("k"):
                    raise self.fail("GS ( other than GS ( k")
                self.qr()
            case "V":
                self.at_line_start("cut")
                m = self.byte()
                if m in (65, 66):
                    self.byte()  # feed before the cut
                elif m not in (0, 1, 48, 49):
                    raise self.fail(f"GS V {m}")
                self.receipt.blocks.append(Cut(partial=m in (1, 49, 66)))
            case _:
                raise self.fail(f"unknown command GS 0x{command:02x}")

    def raster(self) -> None:
        self.at_line_start("image")
        if self.byte() != ord("0"):
            raise self.fail("GS v other than GS v 0")
        if (m := self.byte()) not in (0, 48):
            raise self.fail(f"GS v 0 with scaling {m}: images must print at full density")
        x_bytes = int.from_bytes(self.take(2), "little")
        height = int.from_bytes(self.take(2), "little")
        if not x_bytes or not height:
            raise self.fail("empty image")
        bits = self.take(x_bytes * height)
        # Printer bits are 1 for ink; PIL's "1" mode reads 1 as white, hence the inversion.
        image = Image.frombytes("1", (x_bytes * 8, height), bits).convert("L")
        self.receipt.blocks.append(Raster(ImageOps.invert(image)))

    def qr(self) -> None:
        size = int.from_bytes(self.take(2), "little")
        body = self.take(size)
        cn, fn, rest = body[0], body[1], body[2:]
        if cn != 0x31:
            raise self.fail(f"GS ( k for symbol {cn:#x}, not QR")
        match fn:
            case 65:  # model: 2 (0x32) only
                if rest[:1] != b"\x32":
                    raise self.fail(f"QR model {rest!r}")
            case 67:
                self.qr_size = rest[0]
            case 69:
                self.qr_ec = "LMQH"[rest[0] - 48]
            case 80:
                if rest[:1] != b"0":
                    raise self.fail("QR store without m = 48")
                self.qr_store = rest[1:]
            case 81:
                self.at_line_start("QR code")
                content = self.qr_store.decode("utf-8")
                self.receipt.blocks.append(NativeQR(content, self.qr_size, self.qr_ec))
            case _:
                raise self.fail(f"GS ( k function {fn}")


def decode(data: bytes, codepages: dict[int, str] | None = None) -> Receipt:
    """Decode one job; `codepages` maps ESC t numbers to codecs for non-Epson tables."""
    return _Decoder(data, codepages or EPSON_CODEPAGES).run()
