"""Is the kiosk well? One check per part (database, printer, voice model, sync, backup,
retention, storage, clock, and the server's own workers), each with a state and one plain
Dutch sentence that says what to do.

Read-only and quick (the watchdog asks every 15 seconds): nothing here opens the printer,
loads the voice model or goes on the network. Nothing here names a resident either: the
answer is served without a PIN.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils

from kiosk.core import config, dutch
from kiosk.core.db import MIGRATIONS, schema_version
from kiosk.core.maintenance_log import last_event
from kiosk.core.outbox import unsent_count
from kiosk.core.print_jobs import pending_count
from kiosk.core.retention import retention_days
from kiosk.ops.backup import MEDIA_ROOT

# Worst last: the kiosk is as well as its sickest part. "off" is a part not set up, which
# is a choice, not a fault.
STATES = ("ok", "off", "warning", "error")
PRINTER_SLOW = timedelta(seconds=60)
SYNC_LATE = timedelta(days=1)
BACKUP_LATE = timedelta(days=2)
PURGE_LATE = timedelta(days=3)
DISK_LOW = 500 * 1024 * 1024
DISK_FULL = 100 * 1024 * 1024
TIMESYNC = Path("/run/systemd/timesync")  # systemd-timesyncd marks a synced clock here


@dataclass(frozen=True)
class Check:
    state: str
    message: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Health:
    checked_at: datetime
    checks: dict[str, Check]

    @property
    def state(self) -> str:
        return max((c.state for c in self.checks.values()), key=STATES.index, default="ok")

    def as_json(self) -> dict[str, Any]:
        return {
            "version": 1,
            "status": self.state,
            "checked_at": self.checked_at.astimezone(UTC).isoformat(),
            "checks": {name: asdict(check) for name, check in self.checks.items()},
        }


LABELS = {
    "database": "Gegevens",
    "printer": "Printer",
    "voice": "Spraak",
    "sync": "Centrale agenda",
    "backup": "Back-up",
    "retention": "Opruimen (AVG)",
    "storage": "Geheugenkaart",
    "clock": "Datum en tijd",
    "workers": "Achtergrondtaken",
}
# In words a volunteer uses: what the background task does, not what it is called in code.
WORKER_NAMES = {"print_worker": "het printen", "sync_worker": "het bijwerken van de agenda"}


def _parse(stamp: str | None) -> datetime | None:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else None


def _when(moment: datetime) -> str:
    return dutch.written_moment(moment)


def check_database(db: sqlite_utils.Database) -> Check:
    problems = [row[0] for row in db.execute("PRAGMA quick_check").fetchall()]
    version = schema_version(db)
    detail = {"schema": version, "signups": db["signups"].count}
    if problems != ["ok"]:
        return Check("error", "De database is beschadigd. Zet de laatste back-up terug "
                     "(zie de handleiding: 'herstel').", detail | {"problems": problems[:5]})
    if version != len(MIGRATIONS):
        return Check("error", "De database hoort bij een andere versie van de kiosk.", detail)
    return Check("ok", f"In orde. Er staan {detail['signups']} aanmeldingen in.", detail)


def _printer_device(url: str) -> Path | None:
    parts = urlsplit(url)
    return Path(parts.path) if parts.scheme in ("file", "serial") and parts.path else None


def check_printer(db: sqlite_utils.Database, now: datetime) -> Check:
    from printing import backends  # the kiosk's own modules load printing when used

    url = config.get_setting(db, "printer")
    waiting = pending_count(db)
    oldest, failing = db.execute(
        "SELECT MIN(created_at), MAX(CASE WHEN attempts > 0 THEN last_error END) "
        "FROM print_jobs WHERE status = 'pending'"
    ).fetchone()
    printed = _parse(db.execute("SELECT MAX(printed_at) FROM print_jobs").fetchone()[0])
    detail = {
        "url": url,
        "waiting": waiting,
        "last_error": failing or "",
        "last_printed_at": printed.isoformat() if printed else None,
    }
    device = _printer_device(url)
    if backends.is_dummy(url):
        return Check("warning", "Er is geen printer ingesteld: er komen geen bonnen uit. "
                     "Stel de printer in bij Instellingen.", detail)
    if device is not None and not device.exists():
        return Check("error", "De printer is niet aangesloten of staat uit. Controleer de "
                     "USB-kabel en de stroom.", detail)
    if failing:
        return Check("error", f"De printer print niet: {failing} Er wachten {waiting} bonnen; "
                     "ze komen vanzelf als de printer het weer doet.", detail)
    if waiting and (oldest_at := _parse(oldest)) and now - oldest_at > PRINTER_SLOW:
        return Check("warning", f"Er wachten {waiting} bonnen op de printer.", detail)
    if printed:
        return Check("ok", f"In orde. Laatste bon: {_when(printed)}.", detail)
    return Check("ok", "In orde. Er is nog geen bon geprint.", detail)


def check_voice(db: sqlite_utils.Database) -> Check:
    from voice.model import check_model_folder  # file checks only; the model is not loaded
    from voice.recognizer import last_status

    setting = config.get_setting(db, "vosk_model").strip()
    if not setting:
        return Check("off", "Spraak is niet ingesteld. Aanmelden met aanraken werkt gewoon.")
    found = check_model_folder(setting)
    detail: dict[str, Any] = {"model": found.model_folder or setting}
    if not found.ok:
        return Check("warning", f"{found.message} Aanmelden met aanraken werkt gewoon.", detail)
    # What the recognizer's worker found when it last started (or died): kept by the
    # kiosk in the settings, so this check stays quick and never loads the model itself.
    last = last_status(db)
    if last.get("model") and Path(last["model"]).resolve() == Path(found.model_folder).resolve():
        detail.update(last)
        state = last.get("state")
        if state == "failed":
            return Check("error", last.get("message", "Het spraakmodel werkt niet."), detail)
        if state == "restarting":
            return Check("warning", last.get("message", "Spraak start opnieuw."), detail)
        if state == "ready":
            return Check("ok", last.get("message", "Spraakherkenning klaar."), detail)
    return Check("ok", f"Spraakmodel aanwezig ({Path(detail['model']).name}).", detail)


def check_sync(db: sqlite_utils.Database, now: datetime) -> Check:
    from sync.status import get_status  # the sync worker's own record of its rounds

    status = get_status(db)
    unsent = unsent_count(db)
    last_ok = _parse(status.last_success_at)
    detail = {"unsent": unsent, "last_success_at": status.last_success_at,
              "last_error": status.last_error, "failures": status.failures}
    if not config.get_setting(db, "hub_url").strip():
        if config.get_setting(db, "feeds").strip():
            return Check("ok", "De agenda komt uit agenda-feeds; aanmeldingen blijven op deze "
                         "kiosk.", detail)
        return Check("off", "Niet gekoppeld aan de centrale agenda: deze kiosk werkt op "
                     "zichzelf.", detail)
    since = f"Laatst bijgewerkt: {_when(last_ok)}." if last_ok else "Nog nooit bijgewerkt."
    waiting = f"{unsent} aanmeldingen wachten om verstuurd te worden." if unsent else (
        "Alles is doorgestuurd.")
    if status.failures and (last_ok is None or now - last_ok > SYNC_LATE):
        return Check("warning", f"Geen verbinding met de centrale agenda. {since} {waiting} "
                     "Er gaat niets verloren. Is er internet?", detail)
    return Check("ok", f"{since} {waiting}", detail)


def check_backup(db: sqlite_utils.Database, now: datetime) -> Check:
    event = last_event(db, "backup")
    if event is None:
        return Check("warning", "Er is nog geen back-up gemaakt. Dat gebeurt elke nacht; "
                     "steek er een USB-stick voor in de kiosk.")
    made = _parse(event.at)
    path = Path(event.detail.get("path", ""))
    detail = {"last_backup_at": event.at, "path": str(path)}
    if made and now - made > BACKUP_LATE:
        return Check("warning", f"De laatste back-up is van {_when(made)}. Staat de kiosk "
                     "'s nachts uit? Dan gebeurt het bij het aanzetten.", detail)
    if not path.is_relative_to(MEDIA_ROOT):
        return Check("warning", f"Laatste back-up: {_when(made) if made else event.at}, op de "
                     "geheugenkaart zelf. Steek een USB-stick in de kiosk: dan staat er een "
                     "kopie naast.", detail)
    return Check("ok", f"Laatste back-up: {_when(made) if made else event.at}, op de USB-stick.",
                 detail)


def check_retention(db: sqlite_utils.Database, now: datetime) -> Check:
    days = retention_days(db)
    event = last_event(db, "purge")
    rule = f"Aanmeldingen worden {days} dagen na de activiteit verwijderd."
    if event is None:
        return Check("ok", f"{rule} Dat gebeurt elke nacht.", {"days": days})
    done = _parse(event.at)
    detail = {"days": days, "last_purge_at": event.at, "removed": event.detail.get("signups")}
    when = _when(done) if done else event.at
    summary = f"{rule} Laatst: {when} ({detail['removed']} verwijderd)."
    if done and now - done > PURGE_LATE:
        return Check("warning", summary + " Dat is te lang geleden.", detail)
    return Check("ok", summary, detail)


def check_storage(db_path: str | Path) -> Check:
    usage = shutil.disk_usage(Path(db_path).resolve().parent)
    detail = {"free_bytes": usage.free, "total_bytes": usage.total}
    free = f"{usage.free / 1024**3:.1f} GB vrij"
    if usage.free < DISK_FULL:
        return Check("error", f"De geheugenkaart is vol ({free}). Bel de beheerder.", detail)
    if usage.free < DISK_LOW:
        return Check("warning", f"De geheugenkaart is bijna vol ({free}).", detail)
    return Check("ok", f"In orde ({free}).", detail)


def check_clock(now: datetime, timesync: Path = TIMESYNC) -> Check:
    detail = {"now": now.astimezone(UTC).isoformat()}
    shown = f"Op de kiosk is het nu {_when(now)}."
    if (timesync / "synchronized").exists():
        return Check("ok", shown + " De klok is via internet gelijkgezet.", detail)
    if timesync.exists():
        # A Pi has no clock battery: after a night unplugged and offline, it runs behind.
        return Check("warning", shown + " Klopt dat niet? De klok is niet via internet "
                     "gelijkgezet; sluit internet aan of zet de tijd goed.", detail)
    return Check("ok", shown, detail)


def check_workers(running: dict[str, bool]) -> Check:
    """The print and sync threads of `buurtkiosk run`. A stopped one is an error the watchdog
    acts on: it stops pinging, and systemd restarts the process with fresh workers."""
    stopped = [WORKER_NAMES.get(name, name) for name, alive in running.items() if not alive]
    if stopped:
        what = " en ".join(stopped)
        return Check("error", f"{what[0].upper()}{what[1:]} is gestopt. De kiosk start "
                     "zichzelf opnieuw op.", {"running": running})
    return Check("ok", "Printen en het bijwerken van de agenda gaan vanzelf.", {"running": running})


def check_health(
    db: sqlite_utils.Database,
    db_path: str | Path,
    now: datetime | None = None,
    workers: dict[str, bool] | None = None,
) -> Health:
    """`workers`: name -> running, for a server that runs them (not for the command line)."""
    now = now or datetime.now(UTC)
    checks: dict[str, Callable[[], Check]] = {
        "database": lambda: check_database(db),
        "printer": lambda: check_printer(db, now),
        "voice": lambda: check_voice(db),
        "sync": lambda: check_sync(db, now),
        "backup": lambda: check_backup(db, now),
        "retention": lambda: check_retention(db, now),
        "storage": lambda: check_storage(db_path),
        "clock": lambda: check_clock(now),
    }
    if workers:
        checks["workers"] = lambda: check_workers(workers)
    results: dict[str, Check] = {}
    for name, run in checks.items():
        try:
            results[name] = run()
        except Exception as exc:  # one broken check must not hide the others
            results[name] = Check("error", f"Kon dit niet nakijken: {exc}")
    return Health(now, results)
