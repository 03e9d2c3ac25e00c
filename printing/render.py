"""Print operations to ESC/POS through python-escpos, onto any python-escpos printer object.

Three things python-escpos does not get right by itself:
- Code page. Its "magic" encoder picks, per character, the first code page in the profile that
  has it and switches with ESC t. With an unknown profile it prints "?", and on printers whose
  table differs from the profile it prints the wrong letters. We pin one page that has
  é ë ï ü ó € (CP858, else CP1252, as pretix's printer app does), numbered as the profile says,
  and turn the magic off.
- Centring images. It centres on the profile's pixel width, which is wrong when a 58 mm roll sits
  in a printer whose profile says 80 mm. We centre on the paper's width ourselves.
- Style state. ESC ! resets bold, and ESC ! and GS ! both set the size; we send them in an
  order that holds on every printer, not only those where "the last command wins".
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable, Iterable

import qrcode
from escpos.capabilities import BaseProfile, get_profile
from escpos.constants import QR_ECLEVEL_M
from escpos.escpos import Escpos
from escpos.printer import Dummy
from PIL import Image as PILImage

from printing.errors import PrinterConfigError
from printing.layout import QR, Cut, Feed, Image, Op, Paper, Rule, Text, paper

log = logging.getLogger(__name__)

DEFAULT_PROFILE = "TM-T20II"
QR_MODES = ("image", "native")
# In order of preference; the first the profile lists is used.
CODEPAGES = ("CP858", "CP1252", "ISO_8859-15", "CP850", "CP437")
# For characters the code page lacks: a readable stand-in beats a "?".
STAND_INS = {
    "€": "EUR",
    "‘": "'",
    "’": "'",
    "‚": ",",
    "“": '"',
    "”": '"',
    "„": '"',
    "–": "-",
    "—": "-",
    "…": "...",
    "•": "*",
    "\u00a0": " ",
    # Letters with a stroke have no accent to strip (NFKD leaves them whole).
    "Ł": "L",
    "ł": "l",
    "Đ": "D",
    "đ": "d",
    "Ø": "O",
    "ø": "o",
    "ı": "i",
    "Œ": "OE",
    "œ": "oe",
}


def load_profile(name: str) -> BaseProfile:
    """python-escpos takes profiles by name only; this checks the name with a clear error."""
    try:
        return get_profile(name)
    except KeyError:
        raise PrinterConfigError(
            f"Onbekend printertype {name!r}. Kies bijvoorbeeld TM-T20II, TM-T88V of POS-5890."
        ) from None


def paper_for(paper_mm: int | str, profile: str) -> Paper:
    """The paper, narrowed where the profile knows the printer prints less (a 180 dpi
    TM-T88 has 512 dots and 42 columns on 80 mm). Implausible profile values are ignored."""
    return _paper_on(paper_mm, load_profile(profile))


def _paper_on(paper_mm: int | str, profile: BaseProfile) -> Paper:
    base = paper(paper_mm)
    data = profile.profile_data
    pixels = data.get("media", {}).get("width", {}).get("pixels")
    columns = data.get("fonts", {}).get("0", {}).get("columns")
    if isinstance(pixels, int) and pixels >= 300:
        base = Paper(base.mm, base.columns, min(base.dots, pixels))
    if isinstance(columns, int) and columns >= 24:
        base = Paper(base.mm, min(base.columns, columns), base.dots)
    return base


def choose_codepage(profile: BaseProfile) -> str | None:
    """The code page to pin, or None to leave the choice to python-escpos."""
    pages = profile.get_code_pages()
    return next((name for name in CODEPAGES if name in pages), None)


def printable(text: str, can_encode: Callable[[str], bool]) -> str:
    """Text the pinned code page can print: stand-ins, then letters without accents ('ł' is
    'l'), then '?'. Control characters are dropped: a title from a feed must never smuggle
    printer commands onto the wire."""
    out: list[str] = []
    for char in text:
        if unicodedata.category(char)[0] == "C":
            continue
        if can_encode(char):
            out.append(char)
            continue
        stand_in = STAND_INS.get(char)
        if stand_in is None:
            stand_in = "".join(
                c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
            )
        out.append(stand_in if stand_in and all(can_encode(c) for c in stand_in) else "?")
    return "".join(out)


def _qr_matrix(content: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(content)
    code.make(fit=True)
    return code.get_matrix()


def qr_module_dots(content: str, wanted: int, paper_dots: int) -> int:
    """Dots per module so the whole code, quiet zone included, fits the paper in whole
    dots, never scaled by a fraction that blurs its modules. A signed ticket QR (version
    5, 45 modules with its quiet zone) keeps 8 dots a module even on 58 mm."""
    return max(1, min(wanted, paper_dots // len(_qr_matrix(content))))


def qr_image(content: str, module_dots: int) -> PILImage.Image:
    """The QR code as black-on-white pixels, with the quiet zone the standard asks for."""
    matrix = _qr_matrix(content)
    image = PILImage.new("L", (len(matrix), len(matrix)), 255)
    image.putdata([0 if dark else 255 for row in matrix for dark in row])
    size = (image.width * module_dots, image.height * module_dots)
    return image.resize(size, PILImage.Resampling.NEAREST)


def _on_paper(image: PILImage.Image, dots: int, align: str) -> PILImage.Image:
    """The image with white on its left, so alignment needs no printer support (ESC a is
    ignored for images by some printers). The right side is left off: it would only cost
    bytes, which matter on a 9600 baud serial line."""
    image = image.convert("RGBA")
    if image.width > dots:
        image = image.resize((dots, round(image.height * dots / image.width)))
    left = {"left": 0, "center": (dots - image.width) // 2, "right": dots - image.width}[align]
    strip = PILImage.new("RGB", (left + image.width, image.height), (255, 255, 255))
    strip.paste(image, (left, 0), mask=image)
    return strip


class _Renderer:
    def __init__(self, printer: Escpos, paper: Paper, qr_mode: str) -> None:
        if qr_mode not in QR_MODES:
            raise PrinterConfigError(f"QR-code moet 'image' of 'native' zijn, niet {qr_mode!r}.")
        self.printer = printer
        self.paper = paper
        self.qr_mode = qr_mode
        self.encoding = choose_codepage(printer.profile)
        # What ESC @ leaves: the state the next Text is compared with.
        self.align = "left"
        self.size = (1, 1)
        self.bold = False

    def start(self) -> None:
        self.printer.hw("INIT")  # ESC @: also resets the printer's code page to its default
        if self.encoding:
            # The magic encoder believes the page it last chose is still active; after ESC @
            # it is not, so make it forget, then pin (which sends ESC t n and disables magic).
            self.printer.magic.encoding = None
            self.printer.charcode(self.encoding)

    def op(self, op: Op) -> None:
        match op:
            case Text():
                self.text(op)
            case Rule(char=char):
                self.text(Text(char * self.paper.columns))
            case Feed(lines=lines):
                self.printer.ln(lines)
            case QR():
                self.qr(op)
            case Image(path=path, align=align):
                self.picture(path, align)
            case Cut(partial=partial):
                self.printer.cut(mode="PART" if partial else "FULL")
            case _:
                raise TypeError(f"not a print operation: {op!r}")

    def picture(self, path: str, align: str) -> None:
        """A logo or pictogram adorns the ticket; without it the ticket still says it all,
        so a file gone (a backup restored, a cache cleared) prints the rest, never fails."""
        try:
            image = PILImage.open(path)
            image.load()
        except OSError as error:
            log.warning("picture left off the ticket: %s", error)
            return
        with image:
            self.image(image, align)

    def text(self, op: Text) -> None:
        p = self.printer
        if op.align != self.align:
            p.set(align=op.align)
            self.align = op.align
        size = (op.width, op.height)
        if size != self.size:
            # ESC ! 0 first: it clears ESC ! doubling (and bold); GS ! 0 clears GS ! sizes.
            p.set(normal_textsize=True)
            if max(self.size) > 2:
                p.set(custom_size=True, width=1, height=1)
            if max(size) > 2:
                p.set(custom_size=True, width=op.width, height=op.height)
            elif size != (1, 1):
                p.set(double_width=op.width == 2, double_height=op.height == 2)
            self.size = size
            self.bold = False
        if op.bold != self.bold:
            p.set(bold=op.bold)
            self.bold = op.bold
        p.text(self.printable(op.text) + "\n")

    def printable(self, text: str) -> str:
        if self.encoding is None:
            return printable(text, lambda c: True)
        encoder = self.printer.magic.encoder
        return printable(text, lambda c: encoder.can_encode(self.encoding, c))

    def qr(self, op: QR) -> None:
        if self.qr_mode == "native" and self.printer.profile.supports("qrCode"):
            # GS ( k: the printer draws the code; fast, but not every printer has it, so a
            # profile that says it has none gets the image even when native is asked for.
            self.printer.set(align=op.align)
            self.align = op.align
            size = qr_module_dots(op.content, op.size, self.paper.dots)
            self.printer.qr(op.content, ec=QR_ECLEVEL_M, size=size, native=True)
        else:
            size = qr_module_dots(op.content, op.size, self.paper.dots)
            self.image(qr_image(op.content, size), op.align)

    def image(self, image: PILImage.Image, align: str) -> None:
        # Printers that apply ESC a to images would move our already placed image again.
        if self.align != "left":
            self.printer.set(align="left")
            self.align = "left"
        # GS v 0 raster: every ESC/POS printer with graphics can print it.
        self.printer.image(_on_paper(image, self.paper.dots, align), center=False)


def render(
    ops: Iterable[Op], printer: Escpos, *, paper_mm: int = 80, qr_mode: str = "image"
) -> None:
    """Write the operations to the printer object (it is not flushed or closed here)."""
    paper = _paper_on(paper_mm, printer.profile)
    renderer = _Renderer(printer, paper, qr_mode)
    renderer.start()
    for op in ops:
        renderer.op(op)


def render_bytes(
    ops: Iterable[Op],
    *,
    profile: str = DEFAULT_PROFILE,
    paper_mm: int = 80,
    qr_mode: str = "image",
) -> bytes:
    """The whole job as bytes, built before any printer is touched: a slow or broken printer
    then never holds a half-rendered ticket, and the job goes out in one write."""
    load_profile(profile)
    buffer = Dummy(profile=profile)
    render(ops, buffer, paper_mm=paper_mm, qr_mode=qr_mode)
    return buffer.output
