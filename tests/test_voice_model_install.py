"""`buurtkiosk voice-model`: install from a USB stick (zip or folder), download from the
publisher with its size and MD5 checked (a local HTTP server plays the publisher), refuse
unsafe archives, and say plainly what is wrong."""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.cli import main as cli
from kiosk.core import config
from kiosk.core.db import connect
from tests.test_voice_engine import fake_model
from tests.voice_support import korean_model_path
from voice import model_install
from voice.model_install import InstallError, download_and_install, install

NAME = "vosk-model-small-nl-0.22"


def zipped(folder: Path, archive: Path, *, inside: str = NAME) -> Path:
    with zipfile.ZipFile(archive, "w") as zf:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                zf.write(
                    file,
                    f"{inside}/{file.relative_to(folder)}"
                    if inside
                    else str(file.relative_to(folder)),
                )
    return archive


def run(*args: str) -> int:
    return cli.main(list(args))


def test_install_from_a_zip_on_a_usb_stick_and_select_it(tmp_path: Path, capsys) -> None:
    archive = zipped(fake_model(tmp_path / "stick-src"), tmp_path / f"{NAME}.zip")
    db_path = tmp_path / "data" / "kiosk.db"
    assert run("--db", str(db_path), "voice-model", "--from", str(archive)) == 0
    out = capsys.readouterr().out
    installed = tmp_path / "data" / "models" / NAME
    assert f"Spraakmodel geïnstalleerd in {installed}" in out
    assert "SHA-256 van" in out
    assert (installed / "am" / "final.mdl").is_file()
    db = connect(db_path)
    assert config.get_setting(db, "vosk_model") == str(installed)
    # Again, over the old one: replaced, nothing left behind.
    assert run("--db", str(db_path), "voice-model", "--from", str(archive)) == 0
    assert sorted(p.name for p in installed.parent.iterdir()) == [NAME]


def test_install_from_a_folder(tmp_path: Path) -> None:
    source = fake_model(tmp_path / NAME)
    check = install(source, tmp_path / "models", say=lambda _: None)
    assert check.ok and check.model_folder == str(tmp_path / "models" / NAME)


def test_a_pinned_checksum_is_enforced(tmp_path: Path) -> None:
    archive = zipped(fake_model(tmp_path / "src"), tmp_path / "m.zip")
    good = hashlib.sha256(archive.read_bytes()).hexdigest()
    assert install(archive, tmp_path / "a", sha256=good, say=lambda _: None).ok
    with pytest.raises(InstallError, match="niet het verwachte bestand"):
        install(archive, tmp_path / "b", sha256="0" * 64, say=lambda _: None)


def test_an_incomplete_model_is_not_installed(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BUURTKIOSK_VOSK_MODEL", raising=False)
    archive = zipped(fake_model(tmp_path / "src", skip=("am/final.mdl",)), tmp_path / "m.zip")
    db_path = tmp_path / "kiosk.db"
    assert run("--db", str(db_path), "voice-model", "--from", str(archive)) == 1
    out = capsys.readouterr().out
    assert "Niet gelukt" in out and "am/final.mdl" in out
    assert not (tmp_path / "models" / NAME).exists()
    assert config.get_setting(connect(db_path), "vosk_model") == ""


def test_an_archive_that_writes_outside_its_folder_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../../etc/evil.conf", "x")
    with pytest.raises(InstallError, match="niet veilig"):
        install(archive, tmp_path / "models", say=lambda _: None)
    assert not (tmp_path / "etc").exists()


def test_not_a_zip_and_not_there(tmp_path: Path) -> None:
    (tmp_path / "model.zip").write_text("not a zip")
    with pytest.raises(InstallError, match="geen zip"):
        install(tmp_path / "model.zip", tmp_path / "models", say=lambda _: None)
    with pytest.raises(InstallError, match="Niet gevonden"):
        install(tmp_path / "nergens.zip", tmp_path / "models", say=lambda _: None)


def test_status_and_check_of_a_real_model(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BUURTKIOSK_VOSK_MODEL", raising=False)
    db_path = str(tmp_path / "kiosk.db")
    assert run("--db", db_path, "voice-model") == 1
    assert "geen spraakmodel ingesteld" in capsys.readouterr().out
    assert run("--db", db_path, "voice-model", "--check", korean_model_path()) == 0
    out = capsys.readouterr().out
    assert "Spraakmodel klaar" in out and "Spraakherkenning klaar (model geladen in" in out
    assert "Proef: vrije spraak" in out


# --- downloading ------------------------------------------------------------------------


@pytest.fixture
def publisher(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, object]]:
    """A local web server that serves a model zip and a model-list.json like the publisher's."""
    site = tmp_path / "site"
    site.mkdir()
    archive = zipped(fake_model(tmp_path / "src"), site / f"{NAME}.zip")
    data = archive.read_bytes()
    listing = [{"name": NAME, "url": "", "size": len(data), "md5": hashlib.md5(data).hexdigest()}]
    (site / "model-list.json").write_text(json.dumps(listing))

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, directory=str(site), **kwargs)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    monkeypatch.setattr(model_install, "PUBLISHER", base)
    monkeypatch.setattr(model_install, "MODEL_LIST_URL", base + "model-list.json")
    yield {"site": site, "listing": listing}
    server.shutdown()


def test_download_checks_size_and_md5_from_the_publisher(tmp_path: Path, publisher) -> None:
    said: list[str] = []
    check = download_and_install(tmp_path / "models", say=said.append)
    assert check.ok
    assert any("gecontroleerd (MD5 van de uitgever)" in line for line in said)
    assert not list((tmp_path / "models").glob(".download-*"))


def test_a_damaged_download_is_refused_and_removed(tmp_path: Path, publisher) -> None:
    listing = publisher["listing"]
    listing[0]["md5"] = "0" * 32
    (publisher["site"] / "model-list.json").write_text(json.dumps(listing))
    with pytest.raises(InstallError, match="beschadigd"):
        download_and_install(tmp_path / "models", say=lambda _: None)
    assert not (tmp_path / "models" / NAME).exists()
    assert not list((tmp_path / "models").rglob("*.zip"))


def test_without_internet_the_message_says_what_to_do(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.escpos_listener import free_port

    nowhere = f"http://127.0.0.1:{free_port()}/"
    monkeypatch.setattr(model_install, "PUBLISHER", nowhere)
    monkeypatch.setattr(model_install, "MODEL_LIST_URL", nowhere + "model-list.json")
    assert run("--db", str(tmp_path / "kiosk.db"), "voice-model", "--download") == 1
    assert "Downloaden lukt niet" in capsys.readouterr().out
    closed = f"{nowhere}{NAME}.zip"
    code = run("--db", str(tmp_path / "kiosk.db"), "voice-model", "--download", "--url", closed)
    assert code == 1
    out = capsys.readouterr().out
    assert "Downloaden lukt niet" in out and "USB-stick" in out and "--from" in out
