"""The stadsdorp's logo: uploaded by a coordinator, kept, dithered for the printer."""

from __future__ import annotations

import os
import time
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from kiosk.core import logo
from kiosk.core.db import write_transaction
from kiosk.core.signups import create_signup
from printing import jobs, pictograms, render
from printing.jobs import PrintSettings
from printing.worker import build_job
from tests.conftest import make_activity
from tests.desk_helpers import open_session


def picture(size: tuple[int, int], fmt: str = "PNG", mode: str = "RGB") -> bytes:
    """A grey gradient with a black bar: dithering must turn grey into dots."""
    image = Image.new(mode, size, "white")
    draw = ImageDraw.Draw(image)
    for x in range(size[0]):
        shade = int(255 * x / size[0])
        draw.line([(x, 0), (x, size[1] // 2)], fill=(shade, shade, shade) if mode == "RGB"
                  else (shade, shade, shade, 255))
    draw.rectangle([0, size[1] * 3 // 4, size[0] - 1, size[1] - 1], fill="black")
    out = BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def test_dither_fits_the_paper_and_has_only_black_and_white():
    big = logo.dither(picture((1200, 600)), 80)
    assert big.mode == "1"
    assert big.width <= logo.MAX_WIDTH_DOTS[80] and big.height <= logo.MAX_HEIGHT_DOTS
    assert logo.dither(picture((1200, 600)), 58).width <= logo.MAX_WIDTH_DOTS[58]
    small = logo.dither(picture((100, 40)))
    assert small.size == (100, 40)  # never scaled up
    # The grey half became a pattern of dots: both black and white in the middle columns.
    middle = [small.getpixel((50, y)) for y in range(0, 20)] + \
        [small.getpixel((x, 10)) for x in range(40, 60)]
    assert 0 in middle and 255 in middle
    assert all(small.getpixel((x, 35)) == 0 for x in range(100))  # black stays black


def test_transparent_parts_print_white():
    image = Image.new("RGBA", (60, 30), (0, 0, 0, 0))
    out = BytesIO()
    image.save(out, format="PNG")
    dots = logo.dither(out.getvalue())
    assert dots.getextrema() == (255, 255)  # nothing but white


@pytest.mark.parametrize("data", [b"", b"not a picture", b"\x89PNG\r\n\x1a\n" + b"0" * 100,
                                  b"x" * (logo.MAX_UPLOAD_BYTES + 1)])
def test_what_is_not_a_picture_is_refused_in_dutch(data):
    with pytest.raises(logo.LogoError) as refused:
        logo.dither(data)
    assert "plaatje" in str(refused.value) or "bestand" in str(refused.value)


def test_saved_logo_is_what_printing_gets(db):
    assert logo.printable_logo(db) is None
    with write_transaction(db):
        logo.save_logo(db, picture((800, 400), "JPEG"), "Ans (coördinator)")
    printable = logo.printable_logo(db, 80)
    assert printable is not None and printable.mode == "1" and printable.width == 320
    narrow = logo.printable_logo(db, 58)
    assert narrow is not None and narrow.width <= logo.MAX_WIDTH_DOTS[58]
    with write_transaction(db):
        assert logo.remove_logo(db)
    assert logo.printable_logo(db) is None


def test_coordinator_uploads_sees_and_removes_the_logo(app, client, db):
    open_session(client, "coordinator", "Ans")
    assert "nog geen logo" in client.get("/coordinator/logo").get_data(as_text=True)
    refused = client.post("/coordinator/logo", data={"logo": (BytesIO(b"nope"), "x.png")},
                          content_type="multipart/form-data")
    assert refused.status_code == 400 and "geen plaatje" in refused.get_data(as_text=True)
    upload = {"logo": (BytesIO(picture((600, 300))), "l.png")}
    saved = client.post("/coordinator/logo", data=upload, content_type="multipart/form-data")
    assert saved.status_code == 303
    page = client.get("/coordinator/logo").get_data(as_text=True)
    assert 'data-testid="logo-preview"' in page
    preview = client.get("/coordinator/logo/zo-op-papier.png")
    assert preview.mimetype == "image/png" and Image.open(BytesIO(preview.data)).mode == "1"
    uploaded = "SELECT COUNT(*) FROM audit_log WHERE action = 'logo.uploaded'"
    assert db.execute(uploaded).fetchone()[0] == 1
    client.post("/coordinator/logo", data={"action": "weghalen"})
    assert logo.printable_logo(db) is None
    assert client.get("/coordinator/logo/zo-op-papier.png").status_code == 404


def cached_logos() -> set[str]:
    return {path.name for path in pictograms.cache_folder().glob("logo-*")}


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("BUURTKIOSK_CACHE", str(tmp_path / "cache"))
    return pictograms.cache_folder()


def test_only_the_current_logos_file_stays_in_the_cache(app, client, db, cache):
    """Each logo is cached for the printer under its own name; the old ones must not pile
    up on the SD card, while the pictograms beside them stay."""
    open_session(client, "coordinator", "Ans")
    cache.mkdir(parents=True)
    (cache / "koffie-104-1700000000.png").write_bytes(b"a pictogram")

    def upload(size: tuple[int, int]) -> None:
        form = {"logo": (BytesIO(picture(size)), "l.png")}
        assert client.post("/coordinator/logo", data=form,
                           content_type="multipart/form-data").status_code == 303

    upload((600, 300))
    first = Path(jobs.logo_file(db, 80) or "")
    assert cached_logos() == {first.name}
    # A new logo: a ticket laid out a moment ago may still be printing the old one's file,
    # so it goes when the print worker makes the next ticket, not from the web page.
    upload((500, 300))
    assert cached_logos() == {first.name}
    second = Path(jobs.logo_file(db, 80) or "")
    assert second != first and cached_logos() == {second.name}
    narrow = Path(jobs.logo_file(db, 58) or "")  # the paper changed: only that size stays
    assert cached_logos() == {narrow.name}
    assert jobs.logo_file(db, 58) == str(narrow) and cached_logos() == {narrow.name}
    client.post("/coordinator/logo", data={"action": "weghalen"})
    assert cached_logos() == {narrow.name}
    assert jobs.logo_file(db, 58) is None and cached_logos() == set()
    assert (cache / "koffie-104-1700000000.png").is_file()


def test_a_ticket_whose_logo_file_is_gone_prints_without_it(db, cache, monkeypatch):
    """The file was laid out, then went before the renderer opened it: the ticket is
    complete without the logo, so it prints, with no error for the volunteers."""
    with write_transaction(db):
        logo.save_logo(db, picture((600, 300)), "Ans (coördinator)")
    make_activity(db, capacity=5)
    signup = create_signup(db, "a1", name="Ans", kiosk_id="k1")
    settings = PrintSettings.from_db(db)
    job = {"kind": "ticket", "signup_id": signup.id, "payload": "{}"}
    with_logo = build_job(db, job, settings)
    real = render.render_bytes

    def logo_gone_first(ops, **options):
        jobs.forget_logo_files()
        return real(ops, **options)

    monkeypatch.setattr(render, "render_bytes", logo_gone_first)
    without = build_job(db, job, settings)
    assert len(without.data) < len(with_logo.data) and b"Koffieochtend" in without.data


def test_printing_without_a_logo_clears_what_is_left(db, cache):
    """A logo removed some other way (a backup restored without one) or a write cut off by
    a power cut: the next ticket clears it. A write younger than a minute may be busy."""
    cache.mkdir(parents=True)
    left = [cache / "logo-80-384x160-0123456789abcdef.png", cache / "logo-80-1x1-aa.tmp"]
    busy = cache / "logo-80-1x1-bb.tmp"
    for path in [*left, busy]:
        path.write_bytes(b"x")
    old = time.time() - 2 * pictograms.PARTIAL_GRACE_SECONDS
    os.utime(left[1], (old, old))
    assert jobs.logo_file(db, 80) is None
    assert cached_logos() == {busy.name}


def test_logo_pages_need_the_coordinator(client):
    assert client.get("/coordinator/logo").status_code == 303
    assert client.post("/coordinator/logo").status_code == 303
