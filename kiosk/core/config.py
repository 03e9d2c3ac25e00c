"""Settings: environment variables with working defaults; the coordinator's overrides
live in the settings table and win over the environment."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from kiosk.core import inputs


def default_db_path() -> Path:
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "buurtkiosk" / "buurtkiosk.db"


def db_path(explicit: str | None = None) -> str:
    """The kiosk's database: a path given on the command line, else BUURTKIOSK_DB, else
    the user's data folder. The one place that decides it."""
    return explicit or os.environ.get("BUURTKIOSK_DB") or str(default_db_path())


@dataclass(frozen=True)
class Setting:
    key: str
    env: str
    default: str
    label: str  # what the coordinator screen calls it


SETTINGS: dict[str, Setting] = {
    s.key: s
    for s in [
        Setting("printer", "BUURTKIOSK_PRINTER", "dummy://", "Printer (adres)"),
        Setting("paper_mm", "BUURTKIOSK_PAPER_MM", "80", "Papierbreedte (mm)"),
        Setting("printer_profile", "BUURTKIOSK_PRINTER_PROFILE", "TM-T20II", "Printertype"),
        Setting("qr_mode", "BUURTKIOSK_QR_MODE", "image",
                "QR-code: als plaatje (image, elke printer) of door de printer (native)"),
        Setting("vosk_model", "BUURTKIOSK_VOSK_MODEL", "", "Spraakmodel (map)"),
        Setting("feeds", "BUURTKIOSK_FEEDS", "", "Agenda-feeds (iCalendar)"),
        Setting("hub_url", "BUURTKIOSK_HUB_URL", "", "Adres van de centrale agenda"),
        Setting("hub_token", "BUURTKIOSK_HUB_TOKEN", "", "Sleutel voor de centrale agenda"),
        Setting("kiosk_name", "BUURTKIOSK_NAME", "Buurtkiosk", "Naam van deze kiosk"),
        Setting("stadsdorpen", "BUURTKIOSK_STADSDORPEN", "", "Stadsdorpen (leeg = alle)"),
        Setting("idle_seconds", "BUURTKIOSK_IDLE_SECONDS", "90", "Terug naar begin na (s)"),
        Setting("help_where", "BUURTKIOSK_HELP_WHERE",
                "Hulp nodig? Vraag het aan een vrijwilliger van het buurthuis.",
                "Hulp-knop: waar vinden bewoners een vrijwilliger?"),
        Setting("retention_days", "BUURTKIOSK_RETENTION_DAYS", "30", "Bewaartermijn (dagen)"),
        Setting("wish_contact_days", "BUURTKIOSK_WISH_CONTACT_DAYS", "90",
                "Naam en telefoon bij wensen bewaren (dagen)"),
    ]
}


# Every setting is one line of text of at most this many characters (feeds: a list).
SETTING_LIMIT = 200
SETTING_LIMITS = {"feeds": 4000, "stadsdorpen": 1000}


def clean_setting(key: str, raw: str) -> str:
    """A value typed on the coordinator screen, by the one input policy; InputError."""
    return inputs.text(
        raw, limit=SETTING_LIMITS.get(key, SETTING_LIMIT), field=key, what=SETTINGS[key].label
    )


def get_setting(db: sqlite_utils.Database, key: str) -> str:
    spec = SETTINGS[key]
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    if row is not None:
        return row[0]
    return os.environ.get(spec.env, spec.default)


def set_setting(db: sqlite_utils.Database, key: str, value: str) -> None:
    db.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


def _stored_or_new(db: sqlite_utils.Database, key: str, make: str) -> str:
    db.execute("INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)", [key, make])
    return db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()[0]


def signing_secret(db: sqlite_utils.Database) -> bytes:
    """BUURTKIOSK_SECRET, or a key generated once and kept in the database."""
    env = os.environ.get("BUURTKIOSK_SECRET")
    if env:
        return env.encode()
    return _stored_or_new(db, "_secret", secrets.token_hex(32)).encode()


def kiosk_id(db: sqlite_utils.Database) -> str:
    return _stored_or_new(db, "_kiosk_id", "kiosk-" + secrets.token_hex(4))


def shown_stadsdorpen(db: sqlite_utils.Database) -> list[str]:
    """The stadsdorpen this kiosk shows; an empty list means all of them."""
    raw = get_setting(db, "stadsdorpen")
    return [name.strip() for name in raw.split(",") if name.strip()]
