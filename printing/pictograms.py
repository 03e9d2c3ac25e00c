"""Category pictograms for paper: the OpenMoji SVG of assets/pictograms/<key>.svg (found by
kiosk.core.assets, as the screens find it), drawn once as black lines on white at the size the
ticket uses and kept as a PNG in a cache folder, so a ticket never waits for SVG drawing twice.

A thermal printer has no grey: the pictogram's pale fills are left out and its dark outlines
kept, which is how OpenMoji's own black-and-white set looks.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from PIL import Image

from kiosk.core.assets import pictogram_path
from printing.layout import Paper

log = logging.getLogger(__name__)
# 13 mm at 203 dpi on 80 mm paper, 11 mm on 58 mm: clear, and the ticket stays short.
SIZE_DOTS = {80: 104, 58: 88}
# Grey levels darker than this print black: OpenMoji's outlines (#000) yes, its fills no.
INK_BELOW = 110


# A half-written file younger than this may be another writer's, busy: it is left alone.
PARTIAL_GRACE_SECONDS = 60


def cache_folder() -> Path:
    return Path(os.environ.get("BUURTKIOSK_CACHE", tempfile.gettempdir())) / "buurtkiosk-pictograms"


def remove_stale(pattern: str, keep: Path | None = None) -> int:
    """Remove the cached files matching `pattern` (a glob in the cache folder) other than
    `keep`: older versions of a picture would otherwise pile up on the SD card. A `.tmp`
    file is removed once it is older than PARTIAL_GRACE_SECONDS (a write cut off by a
    power cut); younger it may be another writer's. Returns how many went."""
    folder = cache_folder()
    removed = 0
    for path in folder.glob(pattern):
        if path == keep or not path.is_file():
            continue
        try:
            if path.suffix == ".tmp" and time.time() - path.stat().st_mtime < PARTIAL_GRACE_SECONDS:
                continue
            path.unlink()
        except OSError as exc:  # gone meanwhile, or not ours to remove: the next round
            log.debug("cache file %s not removed: %s", path, exc)
            continue
        removed += 1
    return removed


def printable(key: str, paper: Paper) -> str | None:
    """A path to the printer-ready PNG of a category's pictogram, or None when there is no
    pictogram for it (or it cannot be drawn here: the ticket is complete without one)."""
    source = pictogram_path(key)
    if source is None:
        return None
    size = SIZE_DOTS.get(paper.mm, SIZE_DOTS[58])
    target = cache_folder() / f"{key}-{size}-{int(source.stat().st_mtime)}.png"
    if not target.is_file():
        try:
            image = draw(source.read_bytes(), size)
        # libcairo missing (OSError), or an SVG it cannot read (XML ParseError, ValueError)
        except (OSError, ValueError, SyntaxError) as exc:
            log.warning("pictogram %s not drawn for paper: %s", source, exc)
            return None
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".tmp")
        image.save(partial, format="PNG")
        partial.replace(target)
        # The same pictogram at this size from an older SVG (an update of the assets).
        remove_stale(f"{key}-{size}-*", keep=target)
    return str(target)


def draw(svg: bytes, size: int) -> Image.Image:
    """The SVG as a 1-bit square image of `size` dots: outlines black, the rest white."""
    png = _svg_to_png(svg, size)
    with Image.open(BytesIO(png)) as drawn:
        rgba = drawn.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    grey = Image.alpha_composite(white, rgba).convert("L")
    return grey.point(lambda level: 0 if level < INK_BELOW else 255, mode="1")


def _svg_to_png(svg: bytes, size: int) -> bytes:
    renderer = _cairosvg()
    if renderer is None:
        raise OSError("cairosvg or libcairo is not installed")
    result: bytes = renderer.svg2png(bytestring=svg, output_width=size, output_height=size)
    return result


@cache
def _cairosvg() -> Any:
    """cairosvg loads libcairo when imported; without it, tickets print without pictograms."""
    try:
        import cairosvg
    except (ImportError, OSError) as exc:
        log.warning("pictograms are not printed: %s", exc)
        return None
    return cairosvg
