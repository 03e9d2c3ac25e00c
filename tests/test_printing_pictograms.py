"""Category pictograms on paper: an SVG from assets/pictograms drawn as black lines on white,
at the ticket's size, and placed on the ticket above the title."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from kiosk.core.signups import create_signup
from printing import layout, pictograms, render
from printing.worker import process_due_jobs
from tests.conftest import make_activity
from tests.escpos_decode import decode
from tests.escpos_listener import FakePrinter

# An OpenMoji-like drawing: a pale fill (left out on paper) inside a black outline (kept).
CUP = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 72 72">
  <rect x="14" y="20" width="36" height="36" fill="#D0CFCE"/>
  <rect x="14" y="20" width="36" height="36" fill="none" stroke="#000" stroke-width="4"/>
</svg>"""


@pytest.fixture
def assets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A pictogram folder of our own, with a drawing whose pixels the tests can predict."""
    folder = tmp_path / "pictograms"
    folder.mkdir()
    (folder / "koffie.svg").write_text(CUP)

    def in_folder(key: str) -> Path | None:
        path = folder / f"{key}.svg"
        return path if path.is_file() else None

    monkeypatch.setattr(pictograms, "pictogram_path", in_folder)
    monkeypatch.setenv("BUURTKIOSK_CACHE", str(tmp_path / "cache"))
    return folder


@pytest.mark.parametrize(("paper_mm", "dots"), [(80, 104), (58, 88)])
def test_the_svg_is_drawn_as_outlines_at_the_papers_size(assets, paper_mm, dots):
    path = pictograms.printable("koffie", layout.paper(paper_mm))
    assert path is not None
    with Image.open(path) as image:
        assert image.size == (dots, dots) and image.mode == "1"
        grey = image.convert("L")
        middle = grey.getpixel((dots // 2, dots // 2))
        edge = grey.getpixel((round(dots * 14 / 72), dots // 2))
    assert middle == 255, "the pale fill must not print as a grey block"
    assert edge == 0, "the outline must print"


def test_a_new_drawing_replaces_the_older_one_in_the_cache(assets):
    """An update of the assets gives the SVG a new time: the new drawing is cached and the
    older one of that pictogram at that size goes; other sizes and pictograms stay."""
    folder = pictograms.cache_folder()
    folder.mkdir(parents=True)
    older, other_size, other = (folder / name for name in (
        "koffie-104-1600000000.png", "koffie-88-1600000000.png", "wandelen-104-1.png"))
    for path in (older, other_size, other):
        path.write_bytes(b"old")
    path = pictograms.printable("koffie", layout.paper(80))
    assert path is not None and Path(path).is_file()
    assert not older.exists() and other_size.exists() and other.exists()
    assert pictograms.printable("koffie", layout.paper(80)) == path  # from the cache


def test_no_svg_no_pictogram(assets):
    assert pictograms.printable("wandelen", layout.paper(80)) is None


def test_a_broken_svg_leaves_the_ticket_without_one(assets):
    (assets / "koffie.svg").write_text("<svg")
    assert pictograms.printable("koffie", layout.paper(80)) is None


def test_the_ticket_prints_the_category_pictogram_above_the_title(assets, db):
    make_activity(db, title="Koffieochtend")
    create_signup(db, "a1", kiosk_id="k1")
    with FakePrinter() as printer:
        assert process_due_jobs(db, printer.url).printed == 1
        receipt = decode(printer.wait_for_jobs(1)[0])
    pictogram, qr = receipt.rasters
    assert pictogram.image.height == 104 and qr.qr_contents()
    blocks = receipt.blocks
    title = blocks.index(receipt.find("Koffieochtend"))
    assert blocks.index(pictogram) < title < blocks.index(qr)


def test_render_places_the_pictogram_in_the_middle(assets):
    path = pictograms.printable("koffie", layout.paper(58))
    receipt = decode(render.render_bytes([layout.Image(path)], paper_mm=58))
    [raster] = receipt.rasters
    assert abs(raster.ink_left - (384 - 88) // 2 - round(88 * 14 / 72)) <= 3


@pytest.mark.parametrize("key", ["koffie", "computer", "wandelen", "spel"])
def test_every_shipped_activity_pictogram_draws(key, tmp_path, monkeypatch):
    """The SVGs in assets/ (OpenMoji) all come out as a pictogram with ink on it."""
    monkeypatch.setenv("BUURTKIOSK_CACHE", str(tmp_path / "cache"))
    path = pictograms.printable(key, layout.paper(80))
    assert path is not None
    with Image.open(path) as image:
        black = image.convert("L").histogram()[0]
    assert 200 < black < 104 * 104 // 2, black  # lines, not an empty or a black square
