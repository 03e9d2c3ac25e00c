"""Printing to emupos, an independent virtual ESC/POS printer (PyPI, needs Python >= 3.13),
which decodes our bytes to text and a PNG. Skipped unless BUURTKIOSK_EMUPOS names the emupos
executable; tests/run.sh sets it up."""

from __future__ import annotations

import io
import json
import os
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from kiosk.core import codes
from kiosk.core.config import set_setting, signing_secret
from kiosk.core.print_jobs import queue_print_job, retry_now
from kiosk.core.signups import create_signup
from printing import backends, render
from printing.test_page import TEST_CHARACTERS
from printing.worker import process_due_jobs
from tests.conftest import make_activity
from tests.escpos_decode import decode
from tests.escpos_listener import free_port
from tests.parts import missing
from tests.test_printing_layout import PAYLOAD, ticket

DEVICE = "kiosk"
EMUPOS = os.environ.get("BUURTKIOSK_EMUPOS", "")


@dataclass
class Emupos:
    tcp_url: str
    api: str
    log: Path

    def call(self, method: str, path: str) -> bytes:
        request = urllib.request.Request(f"{self.api}/api/v1{path}", method=method)
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.read()

    def receipts(self) -> list[dict]:
        return json.loads(self.call("GET", f"/devices/{DEVICE}/receipts"))

    def wait_for_receipt(self, before: int) -> str:
        """The id of the next receipt after `before` receipts, once emupos has logged it."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            receipts = self.receipts()
            if len(receipts) > before and receipts[0]["id"] in self.log.read_text():
                return receipts[0]["id"]
            time.sleep(0.05)
        raise AssertionError(f"no receipt from emupos; its log:\n{self.log.read_text()}")

    def text(self, receipt: str) -> str:
        return self.call("GET", f"/devices/{DEVICE}/receipts/{receipt}/text").decode()

    def image(self, receipt: str) -> Image.Image:
        return Image.open(
            io.BytesIO(self.call("GET", f"/devices/{DEVICE}/receipts/{receipt}/image"))
        )

    def fault(self, name: str, active: bool) -> None:
        self.call("PUT" if active else "DELETE", f"/devices/{DEVICE}/faults/{name}")

    def assert_understood_everything(self) -> None:
        log = self.log.read_text()
        for event in ("printer.command.unknown", "printer.codepage.unsupported"):
            assert event not in log, log


@pytest.fixture(scope="module")
def emupos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emupos]:
    if not EMUPOS:
        missing("BUURTKIOSK_EMUPOS is not set (emupos needs Python 3.13; see tests/run.sh)")
    folder = tmp_path_factory.mktemp("emupos")
    tcp, api = free_port(), free_port()
    (folder / "emupos.yaml").write_text(
        f"""schema: 1
api: {{ host: 127.0.0.1, port: {api} }}
devices:
  - id: {DEVICE}
    type: printer
    profile: epson-tm-t20iii
    connections:
      - tcp: {{ host: 127.0.0.1, port: {tcp} }}
    receipts_dir: ./receipts
"""
    )
    log = folder / "emupos.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [EMUPOS, "run", "--config", "emupos.yaml"],
            cwd=folder,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=os.environ | {"COLUMNS": "200", "NO_COLOR": "1"},
        )
    sim = Emupos(f"tcp://127.0.0.1:{tcp}", f"http://127.0.0.1:{api}", log)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                sim.call("GET", "/health")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"emupos did not start:\n{log.read_text()}")
                time.sleep(0.1)
        yield sim
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def printed_lines(text: str) -> list[str]:
    """emupos's text dump without blank lines and without its image markers."""
    return [line for line in text.splitlines() if line.strip() and not line.startswith("[")]


@pytest.mark.parametrize("paper_mm", [80, 58])
def test_emupos_reads_the_same_ticket_as_our_decoder(emupos, paper_mm):
    data = render.render_bytes(ticket(copy=True, paper_mm=paper_mm), paper_mm=paper_mm)
    before = len(emupos.receipts())
    backends.deliver(emupos.tcp_url, data)
    receipt = emupos.wait_for_receipt(before)
    emupos.assert_understood_everything()

    text = emupos.text(receipt)
    assert printed_lines(text) == decode(data).texts
    for expected in ("Reünie", "Café:", "Naam: José Müller", "Kosten: € 2,50", "7KQ-4MX"):
        assert expected in text
    assert [r.text for r in zxingcpp.read_barcodes(emupos.image(receipt))] == [PAYLOAD]


def test_emupos_ticket_from_the_worker_with_native_qr(emupos, db):
    make_activity(db, title="Koffie in het café")
    set_setting(db, "qr_mode", "native")
    made = create_signup(db, "a1", name="Zoë", party_size=1, kiosk_id="k1")
    before = len(emupos.receipts())
    assert process_due_jobs(db, emupos.tcp_url).printed == 1
    text = emupos.text(emupos.wait_for_receipt(before))
    emupos.assert_understood_everything()
    for expected in (
        "AANMELDING",
        "Koffie in het café",
        "Naam: Zoë",
        "1 persoon",
        made.display_code,
    ):
        assert expected in text
    assert f"[qr {codes.ticket_qr(signing_secret(db), made.code)}]" in text


def test_emupos_test_page_has_the_dutch_letters(emupos, db):
    queue_print_job(db, "test")
    before = len(emupos.receipts())
    assert process_due_jobs(db, emupos.tcp_url).printed == 1
    receipt = emupos.wait_for_receipt(before)
    assert TEST_CHARACTERS in emupos.text(receipt)
    assert [r.text for r in zxingcpp.read_barcodes(emupos.image(receipt))] == ["BUURTKIOSK-TEST"]


def test_emupos_out_of_paper_keeps_the_job(emupos, db):
    queue_print_job(db, "test")
    before = len(emupos.receipts())
    emupos.fault("paper-out", True)
    try:
        counts = process_due_jobs(db, emupos.tcp_url)
        assert counts.failed == 1 and "papier is op" in counts.last_error
    finally:
        emupos.fault("paper-out", False)
    retry_now(db)
    assert process_due_jobs(db, emupos.tcp_url).printed == 1
    emupos.wait_for_receipt(before)
    assert len(emupos.receipts()) == before + 1
