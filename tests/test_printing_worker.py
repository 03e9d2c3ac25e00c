"""The print worker on a real database, printing over TCP to a fake network printer whose bytes
are decoded by tests/escpos_decode.py."""

from __future__ import annotations

import time

import pytest

from kiosk.core import dutch, ticket_changes, tickets
from kiosk.core.agenda import get_activity
from kiosk.core.config import set_setting, signing_secret
from kiosk.core.print_jobs import pending_count, queue_print_job, retry_now
from kiosk.core.signups import create_signup
from printing import backends, jobs
from printing.layout import Text
from printing.worker import PrintWorker, process_due_jobs
from tests.conftest import make_activity, moved_the_same_day
from tests.escpos_decode import decode
from tests.escpos_listener import FakePrinter, free_port


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch):
    for name in (
        "BUURTKIOSK_SECRET",
        "BUURTKIOSK_PRINTER",
        "BUURTKIOSK_PAPER_MM",
        "BUURTKIOSK_PRINTER_PROFILE",
        "BUURTKIOSK_QR_MODE",
        "BUURTKIOSK_NAME",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def printer():
    with FakePrinter() as fake:
        yield fake


def job(db, job_id: int | None = None) -> dict:
    rows = db.query("SELECT * FROM print_jobs ORDER BY id")
    return next(r for r in rows if job_id is None or r["id"] == job_id)


def signup(db, **options):
    make_activity(db, title="Reünie in het Café", price="€ 2,50")
    defaults = {"name": "José Müller", "party_size": 2, "kiosk_id": "k1"}
    return create_signup(db, "a1", **(defaults | options))


def test_new_signup_prints_a_ticket_with_a_genuine_qr(db, printer):
    made = signup(db)
    counts = process_due_jobs(db, printer.url)
    assert (counts.printed, counts.failed) == (1, 0)
    assert job(db)["status"] == "printed" and job(db)["printed_at"]

    receipt = decode(printer.wait_for_jobs(1)[0])
    for text in (
        "AANMELDING",
        "Reünie in het Café",
        "Naam: José Müller",
        "2 personen",
        "Kosten: € 2,50",
        "Bel 020 123 45 67.",
    ):
        receipt.find(text)
    code = receipt.find(made.display_code)
    assert code.style.width >= 4
    [payload] = receipt.qr_contents()
    assert payload == tickets.ticket_qr(db, made.code)
    assert tickets.read_ticket(db, signing_secret(db), payload) == ("valid", made.code)
    assert "KOPIE" not in " ".join(receipt.texts)


def test_unplugged_printer_keeps_the_job_until_it_is_back(db):
    signup(db)
    port = free_port()
    counts = process_due_jobs(db, f"tcp://127.0.0.1:{port}")
    assert (counts.printed, counts.failed) == (0, 1)
    row = job(db)
    assert row["status"] == "pending" and row["attempts"] == 1
    assert row["last_error"] == counts.last_error
    assert row["last_error"].startswith("De printer is niet bereikbaar (tcp://127.0.0.1:")
    assert row["next_attempt_at"] > row["created_at"]  # waits before the next try

    with FakePrinter(port) as printer:
        assert process_due_jobs(db, printer.url).printed == 0  # not due yet
        retry_now(db)  # the volunteer's "Opnieuw proberen"
        assert process_due_jobs(db, printer.url).printed == 1
        printer.wait_for_jobs(1)
    assert job(db)["status"] == "printed" and job(db)["last_error"] == ""


def test_a_dead_printer_costs_one_connection_per_round(db):
    make_activity(db)
    for _ in range(3):
        create_signup(db, "a1", kiosk_id="k1")
    counts = process_due_jobs(db, f"tcp://127.0.0.1:{free_port()}")
    assert (counts.printed, counts.failed) == (0, 3)
    assert pending_count(db) == 3


def test_no_paper_keeps_the_job_with_a_calm_message(db, printer):
    signup(db)
    printer.paper_out = True
    assert process_due_jobs(db, printer.url).failed == 1
    assert job(db)["last_error"] == "Het papier is op. Leg een nieuwe rol in de printer."
    printer.paper_out = False
    retry_now(db)
    assert process_due_jobs(db, printer.url).printed == 1


def test_reprint_says_kopie(db, printer):
    made = signup(db)
    process_due_jobs(db, printer.url)
    queue_print_job(db, "ticket", made.id, {"copy": True})
    assert process_due_jobs(db, printer.url).printed == 1
    original, copy = (decode(data) for data in printer.wait_for_jobs(2))
    assert "KOPIE" not in " ".join(original.texts)
    assert copy.texts[0] == "*** KOPIE ***" and copy.texts[-1] == "*** KOPIE ***"
    assert copy.texts[1].startswith("Opnieuw geprint op ")
    assert copy.qr_contents() == original.qr_contents()


def test_reprint_after_a_time_change_says_the_new_time(db, printer):
    made = signup(db)
    process_due_jobs(db, printer.url)
    first = ticket_changes.printed_as(db, made.id)
    assert first is not None and first.starts_at == get_activity(db, "a1").starts_at.isoformat()
    later = moved_the_same_day(get_activity(db, "a1").starts_at)
    db.execute("UPDATE activities SET starts_at = ? WHERE id = 'a1'", [later.isoformat()])
    queue_print_job(db, "ticket", made.id, {"copy": True})
    process_due_jobs(db, printer.url)
    copy = decode(printer.wait_for_jobs(2)[1])
    warning = copy.find("Let op: nu om ")
    assert warning.text == f"Let op: nu om {dutch.clock(later)}"
    assert (warning.style.height, warning.style.bold) == (2, True)
    # The first paper's facts stay: a second reprint still compares with what it said.
    assert ticket_changes.printed_as(db, made.id) == first


def test_waitlist_ticket(db, printer):
    make_activity(db, capacity=1)
    create_signup(db, "a1", party_size=2, phone="0612345678", kiosk_id="k1")
    process_due_jobs(db, printer.url)
    receipt = decode(printer.wait_for_jobs(1)[0])
    receipt.find("WACHTLIJST")
    receipt.find("Geen toegangskaartje")
    receipt.find("Komt er een plek vrij? Dan bellen wij u.")
    assert receipt.qr_contents() == [] and receipt.rasters == []


def test_settings_58mm_native_qr_and_name_come_from_the_database(db, printer):
    made = signup(db)
    for key, value in {
        "paper_mm": "58",
        "qr_mode": "native",
        "kiosk_name": "Kiosk Noord",
        "printer": printer.url,
    }.items():
        set_setting(db, key, value)
    assert process_due_jobs(db).printed == 1
    receipt = decode(printer.wait_for_jobs(1)[0])
    assert max(line.columns for line in receipt.lines) <= 32
    assert not receipt.rasters
    assert [qr.content for qr in receipt.native_qrs] == [
        tickets.ticket_qr(db, made.code)
    ]
    receipt.find("Kiosk Noord")


def test_test_page_shows_dutch_letters(db, printer):
    queue_print_job(db, "test")
    assert process_due_jobs(db, printer.url).printed == 1
    receipt = decode(printer.wait_for_jobs(1)[0])
    receipt.find("é ë ï ü ó €")
    receipt.find(printer.url)
    assert receipt.qr_contents() == ["BUURTKIOSK-TEST"]


def test_bad_setting_fails_the_job_readably_without_raising(db, printer):
    queue_print_job(db, "test")
    set_setting(db, "paper_mm", "70")
    counts = process_due_jobs(db, printer.url)
    assert counts.failed == 1 and "80 of 58" in job(db)["last_error"]
    set_setting(db, "printer_profile", "TM-NOPE")
    set_setting(db, "paper_mm", "80")
    retry_now(db)
    assert "Onbekend printertype" in process_due_jobs(db, printer.url).last_error
    assert printer.jobs == []


def test_unknown_kind_waits_until_a_module_registers_it(db, printer, monkeypatch):
    # A kind no module registers (slips and attendance lists are real ones, registered on import).
    job_id = queue_print_job(db, "naambordje", payload={"activity": "Koffieochtend"})
    assert process_due_jobs(db, printer.url).failed == 1
    assert "Onbekend soort printopdracht: 'naambordje'" in job(db, job_id)["last_error"]

    def name_badge(db, job, settings):
        payload = jobs.job_payload(job)
        return jobs.Document([Text(payload["activity"]), Text(f"{settings.paper.columns}")])

    monkeypatch.setitem(jobs.JOB_LAYOUTS, "naambordje", name_badge)
    retry_now(db)
    assert process_due_jobs(db, printer.url).printed == 1
    assert decode(printer.wait_for_jobs(1)[0]).texts == ["Koffieochtend", "48"]


def test_ticket_without_signup_is_abandoned_not_retried(db, printer):
    queue_print_job(db, "ticket")
    counts = process_due_jobs(db, printer.url)
    assert counts.abandoned == 1
    assert job(db)["status"] == "abandoned" and "bestaat niet meer" in job(db)["last_error"]
    assert pending_count(db) == 0


def test_dummy_printer_keeps_the_ticket_for_the_volunteer_screen(db):
    backends.clear_kept_prints()
    made = signup(db)
    assert process_due_jobs(db).printed == 1  # the default printer is dummy://
    [kept] = backends.kept_prints()
    assert made.display_code in kept.text and "[QR BK2." in kept.text
    assert decode(kept.data).find(made.display_code)
    backends.clear_kept_prints()


def test_worker_never_raises(db):
    db.close()
    counts = process_due_jobs(db, "dummy://")
    assert counts.printed == 0 and counts.last_error.startswith("Printerwerker:")


def test_background_worker_prints_at_once_when_woken(db_path, db, printer):
    print_worker = PrintWorker(db_path, poll_seconds=60, printer_url=printer.url)
    print_worker.start()
    try:
        time.sleep(0.1)  # its first round finds nothing; now it waits 60 s or for wake()
        made = signup(db)
        started = time.monotonic()
        print_worker.wake()
        receipt = decode(printer.wait_for_jobs(1, timeout=5)[0])
        assert time.monotonic() - started < 30  # woken, not waiting out its 60 s poll
        receipt.find(made.display_code)
    finally:
        print_worker.stop()
    assert not print_worker.running
    for _ in range(50):  # marked printed just after the last byte
        if job(db)["status"] == "printed":
            break
        time.sleep(0.02)
    assert job(db)["status"] == "printed"
    assert print_worker.last_counts.printed == 1
