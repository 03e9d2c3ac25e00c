"""Every printed document, at 80 and 58 mm, printed by the worker to a TCP printer, and the
same bytes read twice: by emupos (an independent ESC/POS emulator, text and image) and by our
own strict decoder (sizes from the ESC/POS commands). Each QR is read with zxing-cpp from
emupos's picture of the paper. No word may be broken except at a Dutch syllable, with a hyphen.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime, timedelta
from io import BytesIO
from typing import Any

import pyphen
import pytest
import zxingcpp
from PIL import Image as PILImage
from PIL import ImageDraw

from kiosk.core import codes, dutch, tickets
from kiosk.core.agenda import Activity, save_activity
from kiosk.core.config import set_setting
from kiosk.core.logo import save_logo
from kiosk.core.print_jobs import queue_print_job
from kiosk.core.signups import cancel_signup, create_signup
from kiosk.core.slips import print_activity_slips, print_week_sheets, slip_qr
from printing import backends, jobs
from printing.layout import Paper, plain_text
from printing.test_page import TEST_CHARACTERS
from printing.worker import process_due_jobs
from tests.escpos_decode import Line, Receipt, decode
from tests.escpos_listener import FakePrinter
from tests.test_printing_emupos import emupos  # noqa: F401

PAPERS = [80, 58]
COLUMNS = {80: 48, 58: 32}
NL = pyphen.Pyphen(lang="nl_NL")
# 12.30 in Amsterdam, a week ahead: a Tuesday lunch.
START = (datetime.now(dutch.AMSTERDAM) + timedelta(days=7)).replace(
    hour=12, minute=30, second=0, microsecond=0
)
TITLE = "Computerspreekuur in de bibliotheek"
PLACE = "Buurthuis De Ĳsbreker"


@pytest.fixture
def kiosk(db, paper_mm):
    set_setting(db, "paper_mm", str(paper_mm))
    set_setting(db, "kiosk_name", "Kiosk Oost")
    save_activity(db, activity("a1"))
    return db


def activity(activity_id: str, **changes: Any) -> Activity:
    made = Activity(
        id=activity_id, title=TITLE, starts_at=START, ends_at=START + timedelta(hours=2),
        stadsdorp="Stadsdorp Oost", location_name=PLACE, address="Ĳsbaanpad 2",
        capacity=10, price="€ 2,50", contact="020 123 45 67",
    )  # fmt: skip
    return replace(made, **changes)


@pytest.fixture
def printed(kiosk, emupos) -> Any:  # noqa: F811
    """Print what is queued; yield (our decoding, emupos's text, QR codes in its image)."""

    def run() -> tuple[Receipt, str, list[str]]:
        with FakePrinter() as printer:
            assert process_due_jobs(kiosk, printer.url).printed == 1
            [data] = printer.wait_for_jobs(1)
        before = len(emupos.receipts())
        backends.deliver(emupos.tcp_url, data)
        receipt_id = emupos.wait_for_receipt(before)
        emupos.assert_understood_everything()
        text = emupos.text(receipt_id)
        qrs = [result.text for result in zxingcpp.read_barcodes(emupos.image(receipt_id))]
        receipt = decode(data)
        # Two decoders, one paper: they must agree on every line.
        assert emupos_lines(text) == receipt.texts
        return receipt, text, qrs

    return run


def emupos_lines(text: str) -> list[str]:
    """emupos's text without blank lines and its markers for images and QR codes (our attendance
    rows start with "[ ]", so only the markers themselves are left out)."""
    return [
        line
        for line in text.splitlines()
        if line.strip() and not re.match(r"\[(image \d+x\d+|qr .*)\]$", line.strip())
    ]


def wide_words(db: Any, job: dict[str, Any], paper: Paper) -> set[str]:
    """Every word the document holds, from the same layout on paper so wide nothing wraps."""
    settings = jobs.PrintSettings.from_db(db)
    settings.__dict__["paper"] = Paper(paper.mm, 1000, paper.dots)  # the cached property
    document = jobs.JOB_LAYOUTS[job["kind"]](db, job, settings)
    return set(plain_text(document.ops, 1000).split())


def assert_words_whole(receipt: Receipt, words: set[str], columns: int) -> None:
    """Each printed word is a word of the document, or the first part of one broken at a
    syllable (or after a hyphen it has) with the rest starting the next line."""
    # An attendance row's last column (the party size) stands apart from the name's words.
    texts = [re.sub(r"\s+\d+ p\.$", "", line.text) for line in receipt.lines]
    lines = [text.split() for text in texts if text.strip("-")]
    continued = set()  # (line, 0) of a word's second part
    for index, tokens in enumerate(lines):
        for position, token in enumerate(tokens):
            if token in words or (index, position) in continued or not token.strip("_"):
                continue
            following = lines[index + 1] if index + 1 < len(lines) else []
            assert position == len(tokens) - 1 and token.endswith("-") and following, (
                f"{token!r} is cut: {' '.join(tokens)!r}"
            )
            rest = following[0]
            continued.add((index + 1, 0))
            if token + rest in words:  # after a hyphen the word has
                continue
            assert token[:-1] + rest in words, f"{token!r} + {rest!r} is no word of the paper"
            bare = re.sub(r"^\W+|\W+$", "", token[:-1] + rest)
            left = re.sub(r"^\W+", "", token[:-1])
            assert any(part == left for part, _ in NL.iterate(bare)), (
                f"{token!r} / {rest!r} is not a syllable break of {bare!r}"
            )
    for line in receipt.lines:
        assert line.columns <= columns, line


def flat(lines: list[str]) -> str:
    """Lines as one text, as a reader reads on across a break."""
    return " ".join(" ".join(lines).split())


def line_with(receipt: Receipt, text: str) -> Line:
    return receipt.find(text)


def sizes(line: Line) -> tuple[int, int, bool]:
    return line.style.width, line.style.height, line.style.bold


def last_job(db: Any) -> dict[str, Any]:
    return dict(next(db.query("SELECT * FROM print_jobs ORDER BY id DESC LIMIT 1")))


@pytest.mark.parametrize("paper_mm", PAPERS)
def test_ticket(kiosk, printed, paper_mm):
    made = create_signup(kiosk, "a1", name="Jan van der Ĳssel-Müller", party_size=1, kiosk_id="k1")
    job = last_job(kiosk)
    receipt, text, qrs = printed()
    assert qrs == [tickets.ticket_qr(kiosk, made.code)]
    assert sizes(line_with(receipt, "AANMELDING")) == (2, 2, True)
    when = dutch.written_date(START.date()).capitalize()
    for big in (when, "van 12.30 tot 14.30 uur", "Buurthuis De IJsbreker"):
        assert sizes(line_with(receipt, big)) == (1, 2, True), big
    title = line_with(receipt, "Computerspreekuur")
    assert title.style.height == 2 and title.text.split()[0] == "Computerspreekuur"
    code = line_with(receipt, made.display_code)
    assert code.style.width >= 4 and code.style.height >= 4
    assert "Kosten: € 2,50" in receipt.texts and "1 persoon" in receipt.texts
    assert "IJssel-" in text and "Bewaar dit kaartje" in flat(receipt.texts)
    assert_words_whole(receipt, wide_words(kiosk, job, jobs.PrintSettings.from_db(kiosk).paper),
                       COLUMNS[paper_mm])  # fmt: skip


@pytest.mark.parametrize("paper_mm", PAPERS)
def test_ticket_with_the_stadsdorps_logo(kiosk, printed, paper_mm):
    drawn = PILImage.new("L", (600, 200), 255)
    ImageDraw.Draw(drawn).rectangle((40, 40, 560, 160), fill=0)
    upload = BytesIO()
    drawn.save(upload, format="PNG")
    logo = save_logo(kiosk, upload.getvalue(), "Coördinator")
    create_signup(kiosk, "a1", kiosk_id="k1")
    receipt, text, _ = printed()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    first = lines[0]
    # The logo heads the ticket, scaled to fit the paper, above the stadsdorp's name.
    assert re.fullmatch(r"\[image (\d+)x(\d+)\]", first), lines[:3]
    width = int(re.findall(r"\d+", first)[0])
    assert logo.width * 58 // 80 <= width <= jobs.PrintSettings.from_db(kiosk).paper.dots
    assert lines[1] == "Stadsdorp Oost"


@pytest.mark.parametrize("paper_mm", PAPERS)
def test_waitlist_paper(kiosk, printed, paper_mm):
    kiosk.execute("UPDATE activities SET capacity = 1 WHERE id = 'a1'")
    create_signup(kiosk, "a1", kiosk_id="k1", print_ticket=False)
    made = create_signup(kiosk, "a1", phone="0612345678", party_size=2, kiosk_id="k1")
    assert made.status == "waitlist"
    job = last_job(kiosk)
    receipt, text, qrs = printed()
    assert qrs == [] and receipt.rasters == [] and receipt.native_qrs == []
    assert sizes(line_with(receipt, "WACHTLIJST")) == (2, 2, True)
    assert sizes(line_with(receipt, "Geen toegangskaartje")) == (1, 2, True)
    assert receipt.texts[-1] == "Dit is geen toegangskaartje."
    assert "Bewaar dit kaartje" not in text and "AANMELDING" not in text
    assert "2 personen" in receipt.texts and made.display_code in receipt.texts
    assert_words_whole(receipt, wide_words(kiosk, job, jobs.PrintSettings.from_db(kiosk).paper),
                       COLUMNS[paper_mm])  # fmt: skip


@pytest.mark.parametrize("paper_mm", PAPERS)
def test_moved_up_from_the_waitlist_the_first_entry_ticket_is_no_copy(kiosk, printed, paper_mm):
    kiosk.execute("UPDATE activities SET capacity = 1 WHERE id = 'a1'")
    first = create_signup(kiosk, "a1", kiosk_id="k1", print_ticket=False)
    waiting = create_signup(kiosk, "a1", phone="0612345678", kiosk_id="k1")
    printed()  # the waitlist paper
    assert [s.id for s in cancel_signup(kiosk, first.id)] == [waiting.id]
    queue_print_job(kiosk, "ticket", waiting.id, {"copy": True})  # as "Mijn kaartje" asks
    receipt, text, qrs = printed()
    assert "KOPIE" not in text and "AANMELDING" in receipt.texts and len(qrs) == 1
    queue_print_job(kiosk, "ticket", waiting.id, {"copy": True})
    _, again, _ = printed()
    assert "KOPIE" in again  # now there is an entry ticket to copy


@pytest.mark.parametrize("paper_mm", PAPERS)
def test_onder_voorbehoud(kiosk, printed, paper_mm):
    made = create_signup(kiosk, "a1", phone="0612345678", kiosk_id="k1", print_ticket=False)
    kiosk.execute("UPDATE signups SET seat_basis = 'provisional' WHERE id = ?", [made.id])
    queue_print_job(kiosk, "ticket", made.id)
    receipt, text, qrs = printed()
    assert sizes(line_with(receipt, "ONDER VOORBEHOUD")) == (2, 2, True)
    assert "AANMELDING" not in text
    assert "Uw plaats is nog niet zeker." in " ".join(receipt.texts)
    assert qrs == [tickets.ticket_qr(kiosk, made.code)]


@pytest.mark.parametrize("paper_mm", PAPERS)
def test_reprint_after_a_time_change(kiosk, printed, paper_mm):
    made = create_signup(kiosk, "a1", kiosk_id="k1")
    printed()  # the first paper says 12.30
    moved = START + timedelta(minutes=30)
    kiosk.execute("UPDATE activities SET starts_at = ? WHERE id = 'a1'", [moved.isoformat()])
    queue_print_job(kiosk, "ticket", made.id, {"copy": True})
    job = last_job(kiosk)
    receipt, text, qrs = printed()
    assert receipt.texts[0] == "*** KOPIE ***" and receipt.texts[-1] == "*** KOPIE ***"
    assert sizes(receipt.lines[0]) == (2, 2, True)
    assert "Opnieuw geprint op " in text
    assert sizes(line_with(receipt, "Let op: nu om 13.00 uur")) == (1, 2, True)
    assert "(eerst: 12.30 uur)" in receipt.texts
    assert "van 13.00 tot 14.30 uur" in receipt.texts
    assert qrs == [tickets.ticket_qr(kiosk, made.code)]
    assert_words_whole(receipt, wide_words(kiosk, job, jobs.PrintSettings.from_db(kiosk).paper),
                       COLUMNS[paper_mm])  # fmt: skip


@pytest.mark.parametrize("paper_mm", PAPERS)
def test_paper_slip(kiosk, printed, paper_mm):
    [slip] = print_activity_slips(kiosk, "a1", 1, "vrijwilliger")
    job = last_job(kiosk)
    receipt, text, qrs = printed()
    assert qrs == [slip_qr(slip.code, "a1")]
    assert sizes(line_with(receipt, "AANMELDSTROOK")) == (2, 2, True)
    assert f"Strook {codes.display_code(slip.code)}" in text
    assert line_with(receipt, "Naam: ").style.height == 2
    assert_words_whole(receipt, wide_words(kiosk, job, jobs.PrintSettings.from_db(kiosk).paper),
                       COLUMNS[paper_mm])  # fmt: skip


@pytest.mark.parametrize("paper_mm", PAPERS)
def test_attendance_list(kiosk, printed, paper_mm):
    kiosk.execute("UPDATE activities SET capacity = 3 WHERE id = 'a1'")
    long_name = "Maria Ĳsselmuiden-Vandenbroucke"
    create_signup(kiosk, "a1", name=long_name, phone="0612345678", party_size=2,
                  kiosk_id="k1", channel="phone", print_ticket=False)  # fmt: skip
    create_signup(kiosk, "a1", name="Zoë", kiosk_id="k1", print_ticket=False)
    create_signup(kiosk, "a1", name="Henk", phone="0687654321", kiosk_id="k1", print_ticket=False)
    queue_print_job(kiosk, "attendance", None, {"activity_id": "a1"})
    job = last_job(kiosk)
    receipt, text, _ = printed()
    assert sizes(line_with(receipt, "PRESENTIELIJST")) == (2, 2, True)
    assert "Aangemeld: 3 personen van 3 plaatsen" in flat(receipt.texts)
    assert "WACHTLIJST (1 persoon)" in receipt.texts
    rows = [t for t in receipt.texts if t.startswith("[ ]")]
    assert [row.endswith(people) for row, people in zip(rows, ["2 p.", "1 p."], strict=True)]
    assert "telefoon" in text.split()
    assert "IJsselmuiden-" in text or "IJsselmuiden-Vandenbroucke" in text
    assert_words_whole(receipt, wide_words(kiosk, job, jobs.PrintSettings.from_db(kiosk).paper),
                       COLUMNS[paper_mm])  # fmt: skip


@pytest.mark.parametrize("paper_mm", PAPERS)
def test_week_sheet(kiosk, printed, paper_mm):
    save_activity(kiosk, activity("full", title="Koffieochtend", capacity=1,
                                  starts_at=START + timedelta(days=1)))  # fmt: skip
    save_activity(kiosk, activity("off", title="Sjoelen", location_name="Het Badhuis",
                                  starts_at=START + timedelta(days=2)))  # fmt: skip
    create_signup(kiosk, "full", kiosk_id="k1", print_ticket=False)
    activities = [activity("a1"), activity("full"), activity("off")]
    [sheet] = print_week_sheets(kiosk, activities, 1, "vrijwilliger", "week 50")
    kiosk.execute("UPDATE activities SET status = 'cancelled' WHERE id = 'off'")
    job = last_job(kiosk)
    receipt, text, qrs = printed()
    assert qrs == [slip_qr(sheet.code, None)]
    assert json.loads(job["payload"])["choices"] == ["a1", "full", "off"]
    full = receipt.texts.index(next(t for t in receipt.texts if "2. 12.30  Koffie" in t))
    assert "VOL: u komt op de wachtlijst" in flat(receipt.texts[full : full + 5])
    off = receipt.texts.index(next(t for t in receipt.texts if "3. 12.30  Sjoelen" in t))
    assert not receipt.texts[off].startswith("[ ]")  # nothing to tick
    assert flat(receipt.texts[off + 1 : off + 3]) == "Het Badhuis GAAT NIET DOOR"
    assert sizes(line_with(receipt, "GAAT NIET DOOR"))[2] is True
    assert "Buurthuis De IJsbreker" in flat(receipt.texts)
    assert_words_whole(receipt, wide_words(kiosk, job, jobs.PrintSettings.from_db(kiosk).paper),
                       COLUMNS[paper_mm])  # fmt: skip


@pytest.mark.parametrize("paper_mm", PAPERS)
def test_test_page(kiosk, printed, paper_mm):
    queue_print_job(kiosk, "test")
    receipt, text, qrs = printed()
    assert qrs == ["BUURTKIOSK-TEST"]
    assert TEST_CHARACTERS in text and "IJsselmeer" in text
    ruler = next(line for line in receipt.lines if line.text.startswith("1234567890"))
    assert ruler.columns == COLUMNS[paper_mm]
    assert sizes(line_with(receipt, "TESTAFDRUK")) == (2, 2, True)


def test_the_word_check_catches_a_word_cut_anywhere_but_a_syllable():
    from printing import render
    from printing.layout import Text

    words = {"Computerspreekuur", "in", "de", "bibliotheek"}

    def receipt(*lines: str) -> Receipt:
        return decode(render.render_bytes([Text(line) for line in lines]))

    assert_words_whole(receipt("Computerspreek-", "uur in de", "bibliotheek"), words, 32)
    for cut in (("Computersp", "reekuur"), ("Computersp-", "reekuur"), ("bibliotheek in de", "x")):
        with pytest.raises(AssertionError):
            assert_words_whole(receipt(*cut), words, 32)


@pytest.mark.parametrize("paper_mm", PAPERS)
def test_klaar_bon_from_the_command_line(kiosk, emupos, paper_mm):  # noqa: F811
    """`buurtkiosk klaar-bon` prints straight to the printer, not through the queue."""
    from click.testing import CliRunner

    from kiosk.cli.main import cli

    before = len(emupos.receipts())
    set_setting(kiosk, "printer", emupos.tcp_url)
    path = kiosk.execute("PRAGMA database_list").fetchone()[2]
    result = CliRunner().invoke(cli, ["--db", path, "klaar-bon"])
    assert result.exit_code == 0, result.output
    text = emupos.text(emupos.wait_for_receipt(before))
    emupos.assert_understood_everything()
    assert emupos_lines(text)[:2] == ["KLAAR", "Kiosk Oost"]
    assert "De kiosk is ingericht en klaar voor gebruik." in " ".join(text.split())
