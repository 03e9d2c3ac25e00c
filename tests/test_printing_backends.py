"""Printer URLs, and sending a job: to a file, to dummy://, and over TCP to a fake printer."""

from __future__ import annotations

import time

import pytest
from escpos.printer import CupsPrinter, File, Network, Serial, Usb

from printing import backends
from printing.errors import PrinterConfigError, PrinterSoftwareError, PrinterUnavailable
from tests.escpos_listener import FakePrinter, free_port

JOB = b"\x1b@\x1bt\x13Caf\x82\n\x1dV\x01"


def test_urls_map_to_python_escpos_classes():
    tcp = backends.make_printer("tcp://192.168.1.50", timeout=3)
    assert isinstance(tcp, Network) and (tcp.host, tcp.port, tcp.timeout) == (
        "192.168.1.50",
        9100,
        3,
    )
    assert backends.make_printer("tcp://printer.local:9101").port == 9101

    usb = backends.make_printer("usb://04b8:0E15?out_ep=0x03", timeout=2)
    assert isinstance(usb, Usb)
    assert usb.usb_args == {"idVendor": 0x04B8, "idProduct": 0x0E15}
    assert (usb.out_ep, usb.in_ep, usb.timeout) == (0x03, 0x82, 2000)

    serial = backends.make_printer("serial:///dev/ttyUSB0?baudrate=19200&dsrdtr=0")
    assert isinstance(serial, Serial)
    assert (serial.devfile, serial.baudrate, serial.dsrdtr) == ("/dev/ttyUSB0", 19200, False)

    file = backends.make_printer("file:///dev/usb/lp0")
    assert isinstance(file, File) and file.devfile == "/dev/usb/lp0"

    dummy = backends.make_printer("dummy://", "TM-T88V")
    assert isinstance(dummy, backends.KeepingDummy)
    assert dummy.profile.profile_data["name"] == "TM-T88V"


@pytest.mark.parametrize(
    "url",
    [
        "",
        "printer",
        "lpt://x",
        "tcp://",
        "tcp://host:port",
        "tcp://host:99999",
        "usb://04b8",
        "usb://xyz:0e15",
        "serial://",
        "serial:///dev/ttyS0?baudrate=fast",
        "file://",
    ],
)
def test_bad_urls_get_a_clear_dutch_error(url):
    with pytest.raises(PrinterConfigError) as error:
        backends.make_printer(url)
    assert "tcp://192.168.1.50:9100" in str(error.value)  # the examples of what does work


def test_cups_without_pycups_says_what_to_install():
    if CupsPrinter.is_usable():
        pytest.skip("pycups is installed here")
    with pytest.raises(PrinterConfigError, match="python3-cups"):
        backends.make_printer("cups://Bonprinter")


def test_unknown_profile_is_a_config_error():
    with pytest.raises(PrinterConfigError, match="printertype"):
        backends.make_printer("dummy://", "TM-NOPE")


def test_unplugged_network_printer_fails_without_waiting_for_the_timeout():
    started = time.monotonic()
    with pytest.raises(PrinterUnavailable, match="niet bereikbaar") as error:
        backends.deliver(f"tcp://127.0.0.1:{free_port()}", JOB, timeout=60)
    assert time.monotonic() - started < 30  # a refused connection is not waited out
    assert "tcp://127.0.0.1:" in str(error.value)


def test_missing_device_file_is_unavailable(tmp_path):
    with pytest.raises(PrinterUnavailable):
        backends.deliver(f"file://{tmp_path}/no/such/lp0", JOB)


def test_file_printer_gets_the_job_flushed(tmp_path):
    target = tmp_path / "lp0"
    backends.deliver(f"file://{target}", JOB)
    assert target.read_bytes() == JOB


def test_dummy_keeps_the_last_jobs_newest_first():
    backends.clear_kept_prints()
    for number in range(backends.KEEP_DUMMY_PRINTS + 2):
        backends.deliver("dummy://", JOB + bytes([number]), preview=f"bon {number}")
    kept = backends.kept_prints()
    assert len(kept) == backends.KEEP_DUMMY_PRINTS
    assert kept[0].text == f"bon {backends.KEEP_DUMMY_PRINTS + 1}"
    assert kept[0].data.startswith(JOB)
    backends.clear_kept_prints()


def test_network_job_arrives_whole_after_a_status_check():
    with FakePrinter() as printer:
        backends.deliver(printer.url, JOB)
        [job] = printer.wait_for_jobs(1)
    assert job == b"\x10\x04\x01\x10\x04\x02\x10\x04\x04" + JOB


def test_no_paper_keeps_the_job_from_being_swallowed():
    with FakePrinter() as printer:
        printer.paper_out = True
        with pytest.raises(PrinterUnavailable, match="papier is op"):
            backends.deliver(printer.url, JOB)
        printer.paper_out = False
        backends.deliver(printer.url, JOB)
        assert len(printer.wait_for_jobs(1)) == 1
        assert printer.connections == 2


def test_printer_that_never_answers_status_still_prints():
    with FakePrinter(answer_status=False) as printer:
        started = time.monotonic()
        backends.deliver(printer.url, JOB)
        [job] = printer.wait_for_jobs(1)
    assert job.endswith(JOB)
    assert time.monotonic() - started < backends.STATUS_TIMEOUT + 10  # the wait is bounded


def test_a_bug_in_our_code_is_not_called_a_printer_fault(tmp_path, monkeypatch, caplog):
    """A TypeError while sending is a bug: logged with its traceback, and the volunteer is
    not sent to check cables. A printer fault (OSError) still reads as one."""

    def broken_raw(self, data):
        raise TypeError("a bytes-like object is required")

    monkeypatch.setattr(backends.File, "_raw", broken_raw)
    with (
        caplog.at_level("ERROR", logger="printing.backends"),
        pytest.raises(PrinterSoftwareError, match="niet in de printer") as error,
    ):
        backends.deliver(f"file://{tmp_path}/lp0", JOB)
    assert not isinstance(error.value, PrinterUnavailable)
    assert "TypeError" in str(error.value)
    [record] = caplog.records
    assert record.exc_info is not None and "broken_raw" in caplog.text

    def unplugged_raw(self, data):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(backends.File, "_raw", unplugged_raw)
    with pytest.raises(PrinterUnavailable, match="niet bereikbaar"):
        backends.deliver(f"file://{tmp_path}/lp0", JOB)


def test_a_bug_while_opening_is_not_called_a_printer_fault(monkeypatch):
    def broken_open(self, raise_not_found=True):
        raise AttributeError("'NoneType' object has no attribute 'connect'")

    monkeypatch.setattr(backends.Network, "open", broken_open)
    with pytest.raises(PrinterSoftwareError):
        backends.open_printer("tcp://127.0.0.1:9")
