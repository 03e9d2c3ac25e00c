"""The stadsdorp's logo on the ticket: a coordinator uploads a picture, the kiosk keeps it
and a black-and-white version made for a thermal printer, which has no grey: the picture
is scaled to fit the paper and dithered (Floyd-Steinberg), so shades become dot patterns.

printing/ calls printable_logo(db, paper_mm) for the ticket's top; None means no logo."""

from __future__ import annotations

from io import BytesIO

import sqlite_utils
from PIL import Image, ImageOps, UnidentifiedImageError

from kiosk.core.clock import now_iso

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
# At 203 dpi: the logo is at most 48 mm wide on 80 mm paper (36 mm on 58 mm) and 20 mm
# high, so it heads the ticket without pushing the code down.
MAX_WIDTH_DOTS = {80: 384, 58: 288}
MAX_HEIGHT_DOTS = 160
# A bigger picture than any upload needs is refused before it is decoded (a "zip bomb").
MAX_PIXELS = 25_000_000


class LogoError(ValueError):
    """An upload that cannot be a logo, with a Dutch sentence for the coordinator."""


def dither(data: bytes, paper_mm: int = 80) -> Image.Image:
    """A 1-bit picture of the logo for a printer of `paper_mm` paper: transparent parts
    white, scaled down (never up) to fit, dithered. Raises LogoError."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise LogoError("Dit bestand is te groot. Kies een plaatje van hoogstens 2 MB.")
    try:
        with Image.open(BytesIO(data)) as opened:
            if opened.width * opened.height > MAX_PIXELS:
                raise LogoError("Dit plaatje is te groot. Kies een kleiner plaatje.")
            opened.load()
            picture = opened.copy()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise LogoError("Dit is geen plaatje dat de kiosk kan lezen. Kies een PNG of JPG.") \
            from error
    picture = ImageOps.exif_transpose(picture)
    if picture.mode in ("RGBA", "LA", "P"):
        rgba = picture.convert("RGBA")
        white = Image.new("RGBA", rgba.size, "white")
        picture = Image.alpha_composite(white, rgba)
    grey = picture.convert("L")
    grey.thumbnail((MAX_WIDTH_DOTS.get(paper_mm, MAX_WIDTH_DOTS[80]), MAX_HEIGHT_DOTS),
                   Image.Resampling.LANCZOS)
    return grey.convert("1", dither=Image.Dither.FLOYDSTEINBERG)


def _png(picture: Image.Image) -> bytes:
    out = BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def save_logo(db: sqlite_utils.Database, data: bytes, uploaded_by: str) -> Image.Image:
    """Check and keep an uploaded logo (replacing any earlier one); returns the printable
    picture for 80 mm paper. Raises LogoError, and then nothing changes."""
    printable = dither(data, 80)
    db.execute(
        "INSERT INTO logo (id, original, printable, uploaded_at, uploaded_by) "
        "VALUES (1, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET original = excluded.original, "
        "printable = excluded.printable, uploaded_at = excluded.uploaded_at, "
        "uploaded_by = excluded.uploaded_by",
        [data, _png(printable), now_iso(), uploaded_by],
    )
    return printable


def remove_logo(db: sqlite_utils.Database) -> bool:
    return db.execute("DELETE FROM logo").rowcount > 0


def printable_logo(db: sqlite_utils.Database, paper_mm: int = 80) -> Image.Image | None:
    """The logo as the printer gets it, sized for `paper_mm` paper; None without a logo."""
    row = db.execute("SELECT original, printable FROM logo WHERE id = 1").fetchone()
    if row is None:
        return None
    if paper_mm == 80:
        return Image.open(BytesIO(row[1]))
    return dither(row[0], paper_mm)


def printable_png(db: sqlite_utils.Database) -> bytes | None:
    """The 80 mm printable logo as PNG, to show the coordinator what the paper will show."""
    row = db.execute("SELECT printable FROM logo WHERE id = 1").fetchone()
    return bytes(row[0]) if row else None
