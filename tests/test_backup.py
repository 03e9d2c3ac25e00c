from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.cli.main import main
from kiosk.core.db import connect
from kiosk.core.maintenance_log import last_event
from kiosk.core.signups import create_signup
from kiosk.ops import backup
from tests.conftest import make_activity


def names(db_path: str | Path) -> list[str]:
    with sqlite3.connect(str(db_path)) as conn:
        return [row[0] for row in conn.execute("SELECT name FROM signups ORDER BY name")]


def integrity(path: str | Path) -> str:
    with sqlite3.connect(str(path)) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


@pytest.fixture
def kiosk_with_signups(db, db_path):
    make_activity(db)
    create_signup(db, "a1", name="Anna", kiosk_id="k1")
    create_signup(db, "a1", name="Bram", kiosk_id="k1")
    return db


def test_backup_and_restore_round_trip(kiosk_with_signups, db_path, tmp_path):
    db = kiosk_with_signups
    result = backup.run_backup(db_path, [tmp_path / "stick"])
    assert result.path.parent == tmp_path / "stick"
    assert integrity(result.path) == "ok"
    with sqlite3.connect(result.path) as copy:  # one self-contained file, no -wal beside it
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"

    create_signup(db, "a1", name="Cor", kiosk_id="k1")  # made after the backup
    safety = backup.restore_backup(result.path, db_path, tmp_path / "safety")

    assert names(db_path) == ["Anna", "Bram"]
    assert safety is not None and names(safety) == ["Anna", "Bram", "Cor"]
    live = connect(db_path)
    assert live.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert live.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert last_event(live, "restore").detail["source"] == result.path.name
    # The still-open connection sees the restored data too: the server need not stop.
    assert db.execute("SELECT COUNT(*) FROM signups").fetchone()[0] == 2


def test_keeps_seven_per_kiosk_newest_first(kiosk_with_signups, db_path, tmp_path):
    folder = tmp_path / "stick"
    folder.mkdir()
    other = folder / "buurtkiosk-kiosk-other-20200101-000000.db"
    other.write_bytes(b"another kiosk's backup")
    start = datetime(2025, 3, 1, 3, 30, tzinfo=UTC)
    for night in range(10):
        backup.run_backup(db_path, [folder], now=start + timedelta(days=night))
    mine = [b for b in backup.list_backups([folder]) if b.kiosk_id != "kiosk-other"]
    assert [b.made_at.day for b in mine] == [10, 9, 8, 7, 6, 5, 4]
    assert other.exists()


def test_leftover_of_a_pulled_stick_is_cleaned(kiosk_with_signups, db_path, tmp_path):
    first = backup.run_backup(db_path, [tmp_path]).path
    leftover = first.with_name(first.name.replace("-20", "-19") + ".part")
    leftover.write_bytes(b"half")
    backup.run_backup(db_path, [tmp_path])
    assert not leftover.exists()


def test_usb_stick_is_preferred_and_labels_with_spaces_work(tmp_path, monkeypatch):
    monkeypatch.delenv("BUURTKIOSK_BACKUP_DIR", raising=False)
    media = tmp_path / "media"
    mounts = tmp_path / "mounts"
    mounts.write_text(
        "/dev/mmcblk0p2 / ext4 rw,noatime 0 0\n"
        f"/dev/sda1 {media}/pi/KINGSTON\\0408GB vfat rw,nosuid,nodev 0 0\n"
        f"/dev/sdb1 {media}/pi/CDROM iso9660 ro,nosuid 0 0\n"
    )
    dirs = backup.backup_dirs(tmp_path / "data" / "k.db", mounts_file=mounts, media_root=media)
    assert dirs == [
        media / "pi" / "KINGSTON 8GB" / backup.USB_FOLDER,
        (tmp_path / "data" / "backups").resolve(),
    ]
    monkeypatch.setenv("BUURTKIOSK_BACKUP_DIR", str(tmp_path / "elders"))
    assert backup.backup_dirs(tmp_path / "k.db", mounts_file=mounts, media_root=media)[0] == (
        tmp_path / "elders"
    )


def test_unwritable_stick_falls_back_to_the_kiosk(kiosk_with_signups, db_path, tmp_path):
    not_a_folder = tmp_path / "stick"
    not_a_folder.write_text("a file where a folder should be")
    result = backup.run_backup(db_path, [not_a_folder / "buurtkiosk-backup", tmp_path / "local"])
    assert result.path.parent == tmp_path / "local"
    assert result.skipped and str(not_a_folder) in result.skipped[0]


def test_damaged_backup_is_refused_and_nothing_changes(kiosk_with_signups, db_path, tmp_path):
    good = backup.run_backup(db_path, [tmp_path]).path
    damaged = tmp_path / "buurtkiosk-kiosk-x-20250101-000000.db"
    with sqlite3.connect(good) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'signups'").fetchone()
    data = bytearray(good.read_bytes())
    start = (root[0] - 1) * page_size
    data[start : start + 64] = b"\xff" * 64  # scribble over the signups table's page
    damaged.write_bytes(bytes(data))
    with pytest.raises(backup.BackupError, match="beschadigd|geen bruikbare"):
        backup.restore_backup(damaged, db_path)
    (tmp_path / "empty.db").write_bytes(b"")
    with pytest.raises(backup.BackupError, match="geen back-up van een Buurtkiosk"):
        backup.check_backup(tmp_path / "empty.db")
    assert names(db_path) == ["Anna", "Bram"]


def test_backup_from_a_newer_program_is_refused(kiosk_with_signups, db_path, tmp_path):
    newer = backup.run_backup(db_path, [tmp_path]).path
    with sqlite3.connect(newer) as conn:
        conn.execute("PRAGMA user_version = 999")
    with pytest.raises(backup.BackupError, match="nieuwere versie"):
        backup.check_backup(newer)


def test_commands_backup_list_and_restore(kiosk_with_signups, db_path, tmp_path, capsys,
                                         monkeypatch):
    monkeypatch.setenv("BUURTKIOSK_BACKUP_DIR", str(tmp_path / "stick"))
    assert main(["--db", db_path, "backup"]) == 0
    assert "Back-up gemaakt" in capsys.readouterr().out
    create_signup(kiosk_with_signups, "a1", name="Cor", kiosk_id="k1")

    assert main(["--db", db_path, "herstel"]) == 0
    listing = capsys.readouterr().out
    assert "1. " in listing and "buurtkiosk herstel 1" in listing

    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert main(["--db", db_path, "restore", "1"]) == 1  # no --ja and nobody to ask
    assert "--ja" in capsys.readouterr().err
    assert names(db_path) == ["Anna", "Bram", "Cor"]

    assert main(["--db", db_path, "restore", "1", "--ja"]) == 0
    assert "Teruggezet" in capsys.readouterr().out
    assert names(db_path) == ["Anna", "Bram"]
