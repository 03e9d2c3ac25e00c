"""Wishes and offers of help in kiosk/core: the checks, the contact rule (only with a yes),
the receipt and outbox row, 'gebeld' in the audit log, the contact term, and the slip."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlite_utils
import zxingcpp

from kiosk.core import audit, wish_slips, wishes
from kiosk.core.config import set_setting
from kiosk.core.print_jobs import queue_print_job
from kiosk.core.retention import purge_expired
from kiosk.core.wishes import WishError, check_answers, record_wish
from printing import backends
from printing.layout import PAPERS
from printing.worker import process_due_jobs
from tests.escpos_decode import decode
from tests.escpos_listener import FakePrinter
from tests.test_printing_documents import assert_words_whole, emupos_lines, wide_words
from tests.test_printing_emupos import emupos  # noqa: F401


def _outbox(db: sqlite_utils.Database, kind: str) -> list[dict[str, object]]:
    return [json.loads(row[0]) for row in
            db.execute("SELECT payload FROM outbox WHERE kind = ? ORDER BY rowid", [kind])]


def test_answers_are_checked_and_ordered_like_the_tiles() -> None:
    answers = check_answers("miss", ["vervoer", "wandelen", "vervoer"], ["avond", "ochtend"])
    assert answers.categories == ("wandelen", "vervoer")
    assert answers.day_parts == ("ochtend", "avond")
    with pytest.raises(WishError, match="minstens één"):
        check_answers("miss", [])
    with pytest.raises(WishError):
        check_answers("miss", ["spel"])  # an activity category, not a wish tile
    with pytest.raises(WishError):
        check_answers("miss", ["wandelen"], ["nacht"])
    with pytest.raises(WishError):
        check_answers("both", ["wandelen"])


def test_contact_is_kept_only_with_the_yes() -> None:
    anonymous = check_answers("offer", ["klusjes"], callback=False, name="Els", phone="0612345678")
    assert (anonymous.name, anonymous.phone) == ("", "")
    with pytest.raises(WishError, match="telefoonnummer"):
        check_answers("offer", ["klusjes"], callback=True, name="Els", phone="")
    with pytest.raises(WishError):
        check_answers("offer", ["klusjes"], callback=True, phone="12")
    yes = check_answers("offer", ["klusjes"], callback=True, name=" Els  Bakker ",
                        phone="06-1234 5678")
    assert (yes.name, yes.phone) == ("Els Bakker", "0612345678")


def test_a_wish_commits_with_its_receipt_and_outbox_row(db: sqlite_utils.Database) -> None:
    set_setting(db, "stadsdorpen", "Stadsdorp Zuid")
    answers = check_answers("miss", ["wandelen"], ["middag"])
    wish = record_wish(db, answers, channel="touch", kiosk_id="k1", wish_id="w-1")
    again = record_wish(db, answers, channel="touch", kiosk_id="k1", wish_id="w-1")
    assert again == wish  # a second tap is the same wish
    assert db.execute("SELECT COUNT(*) FROM wishes").fetchone()[0] == 1
    jobs = db.execute("SELECT kind, payload FROM print_jobs").fetchall()
    assert jobs == [("wish_receipt", json.dumps({"wish_id": "w-1"}))]
    [payload] = _outbox(db, "wish.created")
    assert payload["stadsdorp"] == "Stadsdorp Zuid"
    assert payload["categories"] == ["wandelen"] and payload["callback"] is False
    assert "name" not in payload and "phone" not in payload

    called = check_answers("offer", ["vervoer"], callback=True, name="Piet", phone="0201234567")
    record_wish(db, called, channel="voice", kiosk_id="k1", wish_id="w-2")
    payload = _outbox(db, "wish.created")[1]
    assert (payload["name"], payload["phone"]) == ("Piet", "0201234567")


def test_the_database_refuses_contact_without_the_yes(db: sqlite_utils.Database) -> None:
    with pytest.raises(Exception, match="CHECK"):
        db.execute("INSERT INTO wishes (id, code, kind, categories, callback, name, phone, "
                   "channel, kiosk_id, created_at) VALUES ('x', 'AAAAAA', 'miss', '[]', 0, "
                   "'', '0612345678', 'touch', 'k', '2026-01-01T00:00:00Z')")


def test_gebeld_is_audited_and_sent(db: sqlite_utils.Database) -> None:
    answers = check_answers("offer", ["gezelschap"], callback=True, phone="0612345678")
    wish = record_wish(db, answers, channel="touch", kiosk_id="k1")
    assert [w.id for w in wishes.to_call(db)] == [wish.id]
    wishes.mark_called(db, wish.id, "Henk")
    wishes.mark_called(db, wish.id, "Henk")  # twice is once
    assert wishes.to_call(db) == []
    [entry] = [e for e in audit.recent(db) if e.action == "wish.called"]
    assert entry.actor == "Henk" and wish.display_code in entry.detail
    assert "0612345678" not in entry.detail
    assert len(_outbox(db, "wish.called")) == 1
    with pytest.raises(WishError):
        wishes.mark_called(db, "nope", "Henk")


def test_contact_details_go_after_the_term_and_the_counts_stay(
    db: sqlite_utils.Database,
) -> None:
    answers = check_answers("miss", ["eten", "muziek"], callback=True, name="Ans",
                            phone="0612345678")
    record_wish(db, answers, channel="touch", kiosk_id="k1")
    record_wish(db, check_answers("miss", ["eten"]), channel="paper", kiosk_id="k1")
    now = datetime.now(UTC)
    assert purge_expired(db, now=now + timedelta(days=89)).wish_contacts == 0
    assert wishes.to_call(db) != []

    set_setting(db, "wish_contact_days", "60")
    result = purge_expired(db, now=now + timedelta(days=61))
    assert result.wish_contacts == 1
    dump = "\n".join(str(row) for table in ("wishes", "outbox", "print_jobs")
                     for row in db.execute(f"SELECT * FROM {table}"))
    assert "0612345678" not in dump and "Ans" not in dump
    assert wishes.to_call(db) == []
    assert wishes.counts(db)["miss"] == {"eten": 2, "muziek": 1}
    assert db.execute("SELECT COUNT(*) FROM wishes").fetchone()[0] == 2


def test_a_wish_slip_is_entered_once(db: sqlite_utils.Database) -> None:
    [slip] = wish_slips.print_wish_slips(db, 1, "Henk")
    assert db.execute("SELECT kind FROM print_jobs").fetchone()[0] == "wish_slip"
    qr = wish_slips.wish_slip_qr(slip.code)
    assert wish_slips.look_up(db, qr.lower()).code == slip.code  # a scanner with Caps Lock
    assert wish_slips.look_up(db, slip.display_code).code == slip.code
    made = wish_slips.enter_wish_slip(
        db, slip.code,
        [check_answers("miss", ["wandelen"]),
         check_answers("offer", ["boodschappen"], ["ochtend"])],
        actor="Henk", kiosk_id="k1",
    )
    assert [(w.kind, w.channel, w.slip_code) for w in made] == [
        ("miss", "paper", slip.code), ("offer", "paper", slip.code)]
    assert db.execute("SELECT COUNT(*) FROM print_jobs WHERE kind = 'wish_receipt'"
                      ).fetchone()[0] == 0
    with pytest.raises(WishError, match="al ingevoerd .* door Henk"):
        wish_slips.look_up(db, qr)
    with pytest.raises(WishError, match="al ingevoerd"):
        wish_slips.enter_wish_slip(db, slip.code, [check_answers("miss", ["taal"])],
                                   actor="Els", kiosk_id="k1")
    assert db.execute("SELECT COUNT(*) FROM wishes").fetchone()[0] == 2


@pytest.mark.parametrize("raw", ["BKW1.ZZZZZZ", "BKS1.7KQ4MX.a1", "hallo", "BKW1.7KQ", ""])
def test_a_wish_slip_code_that_was_never_printed_is_refused(
    db: sqlite_utils.Database, raw: str
) -> None:
    with pytest.raises(WishError):
        wish_slips.look_up(db, raw)


# --- On paper ----------------------------------------------------------------------------


@pytest.fixture
def printer() -> Iterator[FakePrinter]:
    with FakePrinter() as fake:
        yield fake


@pytest.mark.parametrize("paper_mm", [80, 58])
def test_the_wishes_slip_prints_tick_boxes_and_a_qr_the_desk_can_scan(
    db: sqlite_utils.Database, printer: FakePrinter, paper_mm: int
) -> None:
    set_setting(db, "paper_mm", str(paper_mm))
    [slip] = wish_slips.print_wish_slips(db, 1, "Henk")
    assert process_due_jobs(db, printer.url).printed == 1
    receipt = decode(printer.wait_for_jobs(1)[0])
    text = "\n".join(receipt.texts)
    for expected in ("WENSENSTROOK", "Wat mist u in de buurt?", "Wilt u iets doen voor de buurt?",
                     "[ ] Wandelen", "[ ] ochtend", "[ ] Ja", "Naam: ___", "Telefoon: ___",
                     f"Strook {slip.display_code}", "wissen wij het"):
        assert expected in text, text
    assert text.count("[ ] Vervoer") == 2  # once to miss, once to offer
    columns = 48 if paper_mm == 80 else 32
    assert all(line.columns <= columns for line in receipt.lines), receipt.texts
    [scanned] = receipt.qr_contents()
    assert wish_slips.look_up(db, scanned).code == slip.code


def test_the_receipt_says_what_happens_next(
    db: sqlite_utils.Database, printer: FakePrinter
) -> None:
    record_wish(db, check_answers("offer", ["vervoer", "klusjes"], ["avond"], callback=True,
                                  name="Piet", phone="0612345678"),
                channel="touch", kiosk_id="k1")
    record_wish(db, check_answers("miss", ["muziek"]), channel="touch", kiosk_id="k1")
    assert process_due_jobs(db, printer.url).printed == 2
    called, anonymous = ("\n".join(decode(job).texts) for job in printer.wait_for_jobs(2))
    assert "BEDANKT!" in called and "U wilt helpen met:" in called
    assert "- Vervoer" in called and "- Klusjes" in called and "avond" in called
    assert "belt u" in called and "0612345678" not in called and "Piet" not in called
    assert "U mist in de buurt:" in anonymous and "Bedankt voor uw idee." in anonymous
    assert "belt u" not in anonymous


# --- Every wish paper through emupos and our decoder, at both widths ----------------------


@pytest.mark.parametrize("paper_mm", [80, 58])
@pytest.mark.parametrize("kind", ["wish_receipt", "wish_slip", "wish_call_list"])
def test_wish_papers_read_alike_by_two_decoders_with_no_word_cut(
    db: sqlite_utils.Database, emupos: Any, paper_mm: int, kind: str  # noqa: F811
) -> None:
    set_setting(db, "paper_mm", str(paper_mm))
    wish = record_wish(db, check_answers("offer", ["computer", "gezelschap", "boodschappen"],
                                         ["ochtend", "avond"], callback=True,
                                         name="Geertruida Hoogervorst-Ünal",
                                         phone="0612345678"),
                       channel="touch", kiosk_id="k1", print_receipt=False)
    if kind == "wish_slip":
        wish_slips.print_wish_slips(db, 1, "Henk")
    else:
        queue_print_job(db, kind, None, {"wish_id": wish.id})
    [job] = db.query("SELECT * FROM print_jobs")
    with FakePrinter() as printer:
        assert process_due_jobs(db, printer.url).printed == 1
        [data] = printer.wait_for_jobs(1)
    before = len(emupos.receipts())
    backends.deliver(emupos.tcp_url, data)
    receipt_id = emupos.wait_for_receipt(before)
    emupos.assert_understood_everything()
    receipt = decode(data)
    assert emupos_lines(emupos.text(receipt_id)) == receipt.texts
    columns = 48 if paper_mm == 80 else 32
    assert_words_whole(receipt, wide_words(db, job, PAPERS[paper_mm]), columns)
    qrs = [r.text for r in zxingcpp.read_barcodes(emupos.image(receipt_id))]
    if kind == "wish_slip":
        assert [wish_slips.look_up(db, qr).code for qr in qrs] == [
            db.execute("SELECT code FROM wish_slips").fetchone()[0]]
    else:
        assert qrs == []


def test_an_avg_request_finds_and_forgets_the_wishes_contact(db: sqlite_utils.Database) -> None:
    from kiosk.core.person_data import PersonQuery, export_person, find_wishes, forget_person

    mine = record_wish(db, check_answers("offer", ["klusjes"], callback=True, name="Özlem Yılmaz",
                                         phone="0612345678"), channel="touch", kiosk_id="k1")
    record_wish(db, check_answers("offer", ["taal"], callback=True, phone="0687654321"),
                channel="touch", kiosk_id="k1")
    query = PersonQuery(phone="06-12345678", name="ozlem yilmaz")
    found = find_wishes(query, db)
    assert [w.id for w in found] == [mine.id]
    export = export_person(db, [], found)
    assert export["wensen"][0]["telefoon"] == "0612345678"
    assert export["wensen"][0]["onderwerpen"] == ["Klusjes"]
    assert find_wishes(PersonQuery(code=mine.display_code.lower()), db)[0].id == mine.id
    forget_person(db, [], found)
    assert find_wishes(query, db) == []
    kept = wishes.get_wish(db, mine.id)
    assert kept is not None and (kept.name, kept.phone, kept.categories) == ("", "", ("klusjes",))
    dump = " ".join(str(row) for row in db.execute("SELECT * FROM outbox"))
    assert "0612345678" not in dump and "Özlem" not in dump
    assert [p["id"] for p in _outbox(db, "wish.forgotten")] == [mine.id]
