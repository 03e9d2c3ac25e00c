"""Backups of the kiosk's database, made with SQLite's online backup API while the kiosk
keeps running, to a USB stick when one is plugged in (an SD card wears out; a copy on the
same card dies with it), else to a folder beside the database. Seven are kept per kiosk.

A backup file is self-contained (journal mode DELETE, checked with integrity_check before
it gets its final name), so it can be copied, opened read-only from the stick, or restored.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kiosk.core.db import MIGRATIONS, connect, migrate, write_transaction
from kiosk.core.maintenance_log import log_event

KEEP = 7
USB_FOLDER = "buurtkiosk-backup"
MEDIA_ROOT = Path("/media")  # where the Pi's desktop mounts a USB stick: /media/<user>/<label>
_NAME = re.compile(r"^buurtkiosk-(?P<kiosk>[\w-]+)-(?P<stamp>\d{8}-\d{6})\.db$")
_STAMP = "%Y%m%d-%H%M%S"


class BackupError(Exception):
    """A backup or restore that cannot go ahead, with a message a volunteer can act on."""


@dataclass(frozen=True)
class BackupFile:
    path: Path
    kiosk_id: str
    made_at: datetime  # UTC


def _parse(path: Path) -> BackupFile | None:
    match = _NAME.match(path.name)
    if not match:
        return None
    made_at = datetime.strptime(match["stamp"], _STAMP).replace(tzinfo=UTC)
    return BackupFile(path, match["kiosk"], made_at)


def _unescape_mount(field: str) -> str:
    """/proc/mounts writes a space in a stick's label as \\040."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), field)


def usb_mounts(
    mounts_file: str | Path = "/proc/mounts", media_root: Path = MEDIA_ROOT
) -> list[Path]:
    """Writable file systems mounted under /media, in a stable order."""
    try:
        lines = Path(mounts_file).read_text().splitlines()
    except OSError:
        return []
    found: list[Path] = []
    for line in lines:
        fields = line.split()
        if len(fields) < 4 or "ro" in fields[3].split(","):
            continue
        mount_point = Path(_unescape_mount(fields[1]))
        if mount_point.is_relative_to(media_root) and mount_point != media_root:
            found.append(mount_point)
    return sorted(found)


def local_backup_dir(db_path: str | Path) -> Path:
    return Path(db_path).resolve().parent / "backups"


def backup_dirs(
    db_path: str | Path, *, mounts_file: str | Path = "/proc/mounts", media_root: Path = MEDIA_ROOT
) -> list[Path]:
    """Where to put a backup, best first: BUURTKIOSK_BACKUP_DIR, USB sticks, the local folder."""
    dirs = [Path(env)] if (env := os.environ.get("BUURTKIOSK_BACKUP_DIR")) else []
    dirs += [mount / USB_FOLDER for mount in usb_mounts(mounts_file, media_root)]
    dirs.append(local_backup_dir(db_path))
    return list(dict.fromkeys(dirs))


def list_backups(folders: Iterable[Path]) -> list[BackupFile]:
    """Every backup in these folders, newest first (any kiosk: a new SD card has a new id)."""
    found = [
        backup
        for folder in folders
        if folder.is_dir()
        for path in folder.iterdir()
        if (backup := _parse(path)) is not None
    ]
    return sorted(found, key=lambda b: (b.made_at, str(b.path)), reverse=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:  # some file systems cannot sync a folder; the file itself is synced
        pass
    finally:
        os.close(fd)


def _integrity(conn: sqlite3.Connection) -> str:
    rows = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
    return "ok" if rows == ["ok"] else "; ".join(rows[:3])


def _kiosk_id(conn: sqlite3.Connection) -> str:
    with contextlib.suppress(sqlite3.Error):
        row = conn.execute("SELECT value FROM settings WHERE key = '_kiosk_id'").fetchone()
        if row:
            return row[0]
    return "onbekend"


def make_backup(db_path: str | Path, folder: Path, *, now: datetime | None = None) -> Path:
    """Copy the live database into `folder`, check the copy, then give it its final name."""
    if not Path(db_path).is_file():
        raise BackupError(f"De database {db_path} bestaat niet.")
    folder.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime(_STAMP)
    with contextlib.closing(sqlite3.connect(str(db_path), timeout=15)) as source:
        final = folder / f"buurtkiosk-{_kiosk_id(source)}-{stamp}.db"
        part = final.with_name(final.name + ".part")  # a stick pulled out leaves only this
        part.unlink(missing_ok=True)
        with contextlib.closing(sqlite3.connect(str(part))) as target:
            source.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")
            problem = _integrity(target)
    if problem != "ok":
        part.unlink(missing_ok=True)
        raise BackupError(f"De kopie is niet in orde ({problem}). Er is niets overschreven.")
    _fsync(part)
    os.replace(part, final)
    _fsync(folder)
    return final


def prune(folder: Path, kiosk_id: str, keep: int = KEEP) -> list[Path]:
    """Remove this kiosk's oldest backups beyond `keep`, and leftovers of broken-off ones."""
    for leftover in folder.glob(f"buurtkiosk-{kiosk_id}-*.db.part"):
        leftover.unlink(missing_ok=True)
    mine = [b for b in list_backups([folder]) if b.kiosk_id == kiosk_id]
    removed = [b.path for b in mine[keep:]]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


@dataclass(frozen=True)
class BackupResult:
    path: Path
    removed: list[Path]
    skipped: list[str]  # folders that could not be written, with why


def run_backup(
    db_path: str | Path,
    folders: list[Path] | None = None,
    *,
    keep: int = KEEP,
    now: datetime | None = None,
) -> BackupResult:
    """Back up to the first folder that can be written (a stick may be read-only or full),
    keep `keep` there, and note it in the maintenance log."""
    skipped: list[str] = []
    for folder in folders or backup_dirs(db_path):
        try:
            path = make_backup(db_path, folder, now=now)
        except (OSError, sqlite3.OperationalError) as exc:  # read-only, full, pulled out
            skipped.append(f"{folder}: {getattr(exc, 'strerror', None) or exc}")
            continue
        backup = _parse(path)
        removed = prune(folder, backup.kiosk_id if backup else "", keep)
        db = connect(db_path)
        try:
            with write_transaction(db):
                log_event(db, "backup", path=str(path), size=path.stat().st_size)
        finally:
            db.close()
        return BackupResult(path, removed, skipped)
    raise BackupError("Er kon nergens een back-up worden gemaakt: " + "; ".join(skipped))


def _open_read_only(path: Path) -> sqlite3.Connection:
    # A stick may be mounted read-only; a read-only open also cannot change the backup.
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def check_backup(path: Path) -> int:
    """The schema version of a sound backup; BackupError for one that must not be restored."""
    if not path.is_file():
        raise BackupError(f"Het bestand {path} bestaat niet.")
    try:
        with contextlib.closing(_open_read_only(path)) as conn:
            problem = _integrity(conn)
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
            version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path.name} is geen bruikbare back-up ({exc}).") from exc
    if problem != "ok":
        raise BackupError(f"{path.name} is beschadigd ({problem}). Kies een andere back-up.")
    if "signups" not in tables:
        raise BackupError(f"{path.name} is geen back-up van een Buurtkiosk.")
    if version > len(MIGRATIONS):
        raise BackupError(
            f"{path.name} komt van een nieuwere versie van de kiosk. Werk de kiosk eerst bij."
        )
    return version


def restore_backup(
    backup: Path, db_path: str | Path, safety_folder: Path | None = None
) -> Path | None:
    """Check the backup, keep a copy of the current database, then copy the backup into the
    live database with the backup API (its file, owner and WAL mode stay as they are).
    Returns the safety copy, if there was a database to copy."""
    check_backup(backup)
    safety = None
    if Path(db_path).is_file():
        safety = make_backup(db_path, safety_folder or local_backup_dir(db_path))
    db = connect(db_path)
    try:
        with contextlib.closing(_open_read_only(backup)) as source:
            source.backup(db.conn)
        problem = _integrity(db.conn)
        if problem != "ok":
            raise BackupError(f"Na het terugzetten is de database niet in orde ({problem}).")
        migrate(db)  # an older backup gets this version's tables
        with write_transaction(db):
            log_event(db, "restore", source=backup.name, safety=str(safety or ""))
            if safety:  # the restored log ends before its own backup; this one is newer
                log_event(db, "backup", path=str(safety), size=safety.stat().st_size)
    finally:
        db.close()
    return safety
