"""Rendering is checked on the bytes, with the strict decoder in tests/escpos_decode.py."""

from __future__ import annotations

from dataclasses import replace

import pytest
from escpos.printer import Dummy
from PIL import Image as PILImage

from printing import layout, render
from printing.errors import PrinterConfigError
from printing.layout import QR, Cut, Feed, Image, Rule, Text
from tests.escpos_decode import DecodeError, decode
from tests.test_printing_layout import ACTIVITY, PAYLOAD, SIGNUP, ticket

DUTCH = "é ë ï ü ó €"


def text_ops(ops: list) -> list[Text]:
    """The lines a layout asks for, with rules as the dashes they print as."""
    return [
        Text("-" * 48) if isinstance(op, Rule) else op
        for op in ops
        if isinstance(op, Text | Rule) and (not isinstance(op, Text) or op.text.strip())
    ]


def test_ticket_decodes_to_exactly_the_layout():
    ops = ticket()
    receipt = decode(render.render_bytes(ops))
    printed = [line for line in receipt.lines if line.text.strip()]
    wanted = text_ops(ops)
    assert [line.text for line in printed] == [op.text for op in wanted]
    for line, op in zip(printed, wanted, strict=True):
        assert (line.style.width, line.style.height, line.style.bold, line.style.align) == (
            op.width,
            op.height,
            op.bold,
            op.align,
        ), op
    assert receipt.qr_contents() == [PAYLOAD]
    assert receipt.cuts == [receipt.blocks[-1]]


def test_codepage_is_pinned_right_after_init_and_letters_are_single_bytes():
    data = render.render_bytes([Text(DUTCH)])
    assert data.startswith(b"\x1b@\x1bt\x13")  # ESC @, then ESC t 19: CP858 on Epson
    assert b"\x82 \x89 \x8b \x81 \xa2 \xd5\n" in data  # é ë ï ü ó € in CP858
    assert decode(data).texts == [DUTCH]


def test_codepage_number_follows_the_profile():
    # POS-5890 clones number their tables differently: CP858 is 53 there.
    data = render.render_bytes([Text(DUTCH)], profile="POS-5890", paper_mm=58)
    assert data.startswith(b"\x1b@\x1bt\x35")
    assert decode(data, {53: "cp858"}).texts == [DUTCH]


def test_profile_without_euro_gets_stand_ins_not_question_marks():
    data = render.render_bytes([Text(f"{DUTCH} Łódź ‘x’ – …")], profile="simple")
    receipt = decode(data, {0: "cp437"})
    assert receipt.codepages == [0]
    assert receipt.texts == ["é ë ï ü ó EUR Lódz 'x' - ..."]


def test_control_characters_from_a_feed_never_reach_the_printer():
    data = render.render_bytes([Text("Koffie\x1b@\x1dV\x00 \x07ochtend")])
    assert decode(data).texts == ["Koffie@V ochtend"]
    assert data.count(b"\x1b@") == 1


@pytest.mark.parametrize("mode", ["image", "native"])
def test_qr_modes(mode):
    receipt = decode(render.render_bytes([QR(PAYLOAD)], qr_mode=mode))
    assert receipt.qr_contents() == [PAYLOAD]
    assert len(receipt.rasters) == (mode == "image")
    assert len(receipt.native_qrs) == (mode == "native")
    if mode == "native":
        assert receipt.native_qrs[0].error_correction == "M"


def test_native_qr_falls_back_to_an_image_where_the_profile_has_none():
    data = render.render_bytes([QR(PAYLOAD)], profile="POS-5890", paper_mm=58, qr_mode="native")
    receipt = decode(data, {53: "cp858"})
    assert not receipt.native_qrs and receipt.qr_contents() == [PAYLOAD]


@pytest.mark.parametrize(("paper_mm", "dots"), [(80, 576), (58, 384)])
def test_qr_image_is_centred_on_the_paper_whatever_the_profile_says(paper_mm, dots):
    raster = decode(render.render_bytes([QR(PAYLOAD, size=6)], paper_mm=paper_mm)).rasters[0]
    inked = PILImage.eval(raster.image, lambda v: 255 - v).getbbox()
    assert raster.image.width <= dots
    assert abs((inked[0] + inked[2]) / 2 - dots / 2) <= 8


def test_images_are_placed_left_aligned_so_esc_a_cannot_move_them(tmp_path):
    logo = tmp_path / "logo.png"
    PILImage.new("L", (80, 40), 0).save(logo)
    ops = [Text("x", align="center"), Image(str(logo), align="right"), Text("y")]
    receipt = decode(render.render_bytes(ops, paper_mm=58))
    raster = receipt.rasters[0]
    assert raster.ink_left == 384 - 80
    # The image went out after ESC a 0, and the next text is left again as asked.
    assert receipt.find("y").style.align == "left"


def test_big_text_sizes_are_reset_on_every_printer():
    ops = [
        Text("A", width=5, height=5),
        Text("B", width=2),
        Text("C", width=3, height=1),
        Text("D"),
    ]
    data = render.render_bytes(ops)
    sizes = [(line.style.width, line.style.height) for line in decode(data).lines]
    assert sizes == [(5, 5), (2, 1), (3, 1), (1, 1)]
    # From GS ! sizes back to ESC ! ones, GS ! 0 is sent, so "last command wins" is not needed.
    after_a = data[data.index(b"A\n") :]
    assert after_a.index(b"\x1d!\x00") < after_a.index(b"B\n")


def test_bold_survives_a_size_change():
    # ESC ! clears bold, so bold must be sent again after it.
    receipt = decode(render.render_bytes([Text("a", bold=True), Text("b", width=2, bold=True)]))
    assert [line.style.bold for line in receipt.lines] == [True, True]


def test_58mm_ticket_fits_32_columns_and_384_dots():
    ops = ticket(paper_mm=58)
    receipt = decode(render.render_bytes(ops, paper_mm=58))
    assert max(line.columns for line in receipt.lines) <= 32
    assert all(raster.image.width <= 384 for raster in receipt.rasters)
    assert receipt.qr_contents() == [PAYLOAD]


def test_waitlist_and_copy_on_the_bytes():
    ops = ticket(replace(SIGNUP, status="waitlist"), ACTIVITY, copy=True)
    texts = decode(render.render_bytes(ops)).texts
    assert texts[0] == "*** KOPIE ***" and "WACHTLIJST" in texts


def test_render_works_on_any_python_escpos_printer_object():
    printer = Dummy(profile="TM-T88V")
    render.render([Text("Hé"), Rule(), Feed(2), Cut(partial=False)], printer, paper_mm=80)
    receipt = decode(printer.output)
    assert receipt.texts == ["Hé", "-" * 42]  # a TM-T88 has 42 columns on 80 mm
    assert receipt.cuts[0].partial is False


def test_profile_narrows_the_paper():
    assert render.paper_for(80, "TM-T20II") == layout.Paper(80, 48, 576)
    assert render.paper_for(80, "TM-T88V") == layout.Paper(80, 42, 512)
    assert render.paper_for(58, "TM-T20II") == layout.Paper(58, 32, 384)


def test_bad_settings_fail_with_dutch_messages():
    with pytest.raises(PrinterConfigError, match="Onbekend printertype"):
        render.render_bytes([Text("x")], profile="TM-NOPE")
    with pytest.raises(PrinterConfigError, match="QR-code"):
        render.render_bytes([Text("x")], qr_mode="barcode")
    with pytest.raises(ValueError, match="80 of 58"):
        render.render_bytes([Text("x")], paper_mm=70)


def test_decoder_is_strict():
    with pytest.raises(DecodeError, match="unknown command"):
        decode(b"\x1b@\x1bt\x13\x1bJ\x10")
    with pytest.raises(DecodeError, match="before any ESC t"):
        decode(b"\x1b@Caf\x82\n")
    with pytest.raises(DecodeError, match="unprinted text"):
        decode(b"\x1b@\x1bt\x13dangling")
    with pytest.raises(DecodeError, match="middle of the line"):
        decode(b"\x1b@\x1bt\x13ab\x1bE\x01c\n")
