"""The hub's own SQLite store: schema, migrations and the change counter.

Every change to an activity, a signup or a seat lease stamps the row with the next
revision number; a kiosk asks for what changed since the revision it last saw.
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlite_utils

from kiosk.core.config import default_db_path
from kiosk.core.db import (
    Migration,
    connect,
    run_migrations,
    run_script,
)


def default_hub_db_path() -> Path:
    return default_db_path().with_name("hub.db")


def hub_db_path(explicit: str | None = None) -> str:
    return explicit or os.environ.get("BUURTKIOSK_HUB_DB") or str(default_hub_db_path())


def _v1_hub(db: sqlite_utils.Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE revision (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            value INTEGER NOT NULL
        );
        INSERT INTO revision (id, value) VALUES (1, 0);

        CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

        CREATE TABLE stadsdorpen (
            slug TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL
        );

        CREATE TABLE activities (
            id TEXT PRIMARY KEY,
            stadsdorp TEXT NOT NULL DEFAULT '',
            title TEXT NOT NULL,
            short_name TEXT NOT NULL DEFAULT '',
            description TEXT NOT NULL DEFAULT '',
            starts_at TEXT NOT NULL,
            ends_at TEXT,
            starts_utc TEXT NOT NULL,
            location_name TEXT NOT NULL DEFAULT '',
            address TEXT NOT NULL DEFAULT '',
            capacity INTEGER CHECK (capacity IS NULL OR capacity >= 0),
            price TEXT NOT NULL DEFAULT '',
            contact TEXT NOT NULL DEFAULT '',
            category TEXT NOT NULL DEFAULT '',
            accessibility TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'scheduled'
                CHECK (status IN ('scheduled', 'cancelled', 'removed')),
            source TEXT NOT NULL DEFAULT 'hub',
            updated_at TEXT NOT NULL,
            rev INTEGER NOT NULL
        );
        CREATE INDEX activities_by_start ON activities (starts_utc);
        CREATE INDEX activities_by_rev ON activities (rev);

        CREATE TABLE kiosks (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            token_hash TEXT NOT NULL UNIQUE,
            stadsdorpen TEXT NOT NULL DEFAULT '',
            local_id TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            last_pull_at TEXT,
            last_push_at TEXT,
            active INTEGER NOT NULL DEFAULT 1
        );

        CREATE TABLE leases (
            activity_id TEXT NOT NULL REFERENCES activities (id),
            kiosk_id INTEGER NOT NULL REFERENCES kiosks (id),
            seats INTEGER NOT NULL CHECK (seats >= 0),
            updated_at TEXT NOT NULL,
            PRIMARY KEY (activity_id, kiosk_id)
        );

        CREATE TABLE signups (
            id TEXT PRIMARY KEY,
            activity_id TEXT NOT NULL REFERENCES activities (id),
            kiosk_id INTEGER REFERENCES kiosks (id),
            code TEXT NOT NULL DEFAULT '',
            name TEXT NOT NULL DEFAULT '',
            phone TEXT NOT NULL DEFAULT '',
            party_size INTEGER NOT NULL CHECK (party_size BETWEEN 1 AND 10),
            channel TEXT NOT NULL DEFAULT '',
            slip_code TEXT,
            status TEXT NOT NULL CHECK (status IN ('confirmed', 'waitlist', 'cancelled')),
            seat TEXT CHECK (seat IS NULL OR seat IN ('lease', 'pool')),
            reason TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            received_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            attended_at TEXT,
            cancelled_at TEXT,
            note TEXT NOT NULL DEFAULT '',
            rev INTEGER NOT NULL
        );
        -- Covers both seat counts (per activity) and lease use (per activity and kiosk).
        CREATE INDEX signups_by_activity
            ON signups (activity_id, kiosk_id, status, seat, party_size);
        CREATE INDEX signups_by_kiosk_rev ON signups (kiosk_id, rev);

        CREATE TABLE received_events (
            id TEXT PRIMARY KEY,
            kiosk_id INTEGER NOT NULL REFERENCES kiosks (id),
            kind TEXT NOT NULL,
            signup_id TEXT NOT NULL DEFAULT '',
            result TEXT NOT NULL,
            received_at TEXT NOT NULL
        );

        CREATE TABLE coordinators (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE,
            password_hash TEXT NOT NULL,
            created_at TEXT NOT NULL
        );

        CREATE TABLE feeds (
            url TEXT PRIMARY KEY,
            stadsdorp TEXT NOT NULL DEFAULT '',
            etag TEXT NOT NULL DEFAULT '',
            last_modified TEXT NOT NULL DEFAULT '',
            content_hash TEXT NOT NULL DEFAULT '',
            expanded_on TEXT NOT NULL DEFAULT '',
            last_attempt_at TEXT,
            last_success_at TEXT,
            last_error TEXT NOT NULL DEFAULT ''
        )
        """,
    )


def _logins(db: sqlite_utils.Database) -> None:
    """Coordinators' sessions and the login throttle in the database (sync/hub/logins.py),
    so sign-out ends a session for real and a restart forgets no failed attempt."""
    run_script(
        db,
        """
        CREATE TABLE coordinator_sessions (
            key TEXT PRIMARY KEY,
            username TEXT NOT NULL,
            started REAL NOT NULL,
            seen REAL NOT NULL
        );
        CREATE INDEX coordinator_sessions_by_user ON coordinator_sessions (username);

        CREATE TABLE login_throttle (
            subject TEXT PRIMARY KEY,
            failures INTEGER NOT NULL DEFAULT 0,
            lockouts INTEGER NOT NULL DEFAULT 0,
            locked_until REAL NOT NULL DEFAULT 0,
            last_at REAL NOT NULL
        )
        """,
    )


def _wishes_monitor_scope(db: sqlite_utils.Database) -> None:
    """Wishes from the kiosks (sync/hub/wishes.py), the Monitor's kept figures
    (sync/hub/monitor.py), and coordinators scoped to stadsdorpen ('' = the Netwerk).

    monitor_folded holds what purged signups counted for, per month, area, dimension and
    value; monitor_residents holds salted hashes of phone numbers only while a month is
    open; its salt goes, with them, when the month's figures are fixed."""
    run_script(
        db,
        """
        CREATE TABLE wishes (
            id TEXT PRIMARY KEY,
            kiosk_id INTEGER NOT NULL REFERENCES kiosks (id),
            code TEXT NOT NULL DEFAULT '',
            stadsdorp TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL CHECK (kind IN ('miss', 'offer')),
            categories TEXT NOT NULL,
            day_parts TEXT NOT NULL DEFAULT '[]',
            channel TEXT NOT NULL,
            callback INTEGER NOT NULL DEFAULT 0,
            name TEXT NOT NULL DEFAULT '',
            phone TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            month TEXT NOT NULL,
            received_at TEXT NOT NULL,
            called_at TEXT,
            contact_purged_at TEXT,
            CHECK (callback = 1 OR (name = '' AND phone = ''))
        );
        CREATE INDEX wishes_by_month ON wishes (month, stadsdorp);

        CREATE TABLE monitor_folded (
            month TEXT NOT NULL,
            stadsdorp TEXT NOT NULL,
            dimension TEXT NOT NULL,
            key TEXT NOT NULL,
            signups INTEGER NOT NULL,
            people INTEGER NOT NULL,
            PRIMARY KEY (month, stadsdorp, dimension, key)
        );

        CREATE TABLE monitor_salts (
            month TEXT PRIMARY KEY,
            salt BLOB NOT NULL
        );

        CREATE TABLE monitor_residents (
            month TEXT NOT NULL,
            stadsdorp TEXT NOT NULL,
            hash TEXT NOT NULL,
            PRIMARY KEY (month, stadsdorp, hash)
        );

        CREATE TABLE monitor_fixed_residents (
            month TEXT NOT NULL,
            stadsdorp TEXT NOT NULL,
            residents INTEGER NOT NULL,
            PRIMARY KEY (month, stadsdorp)
        );

        ALTER TABLE coordinators ADD COLUMN stadsdorpen TEXT NOT NULL DEFAULT ''
        """,
    )


def _activity_renames(db: sqlite_utils.Database) -> None:
    """Ids that changed (a one-off feed event's id no longer holds its start time): the
    kiosks rename their copy, and a signup pushed under the old id still finds it."""
    run_script(
        db,
        """
        CREATE TABLE activity_renames (
            old_id TEXT PRIMARY KEY,
            new_id TEXT NOT NULL,
            rev INTEGER NOT NULL
        );
        CREATE INDEX activity_renames_by_rev ON activity_renames (rev)
        """,
    )


def _doors(db: sqlite_utils.Database) -> None:
    """Any ticket at any door (sync/hub/doors.py): each kiosk's places and public ticket
    key, and every check-in with the door it happened at."""
    run_script(
        db,
        """
        ALTER TABLE kiosks ADD COLUMN locations TEXT NOT NULL DEFAULT '';
        ALTER TABLE kiosks ADD COLUMN ticket_key_id TEXT;
        ALTER TABLE kiosks ADD COLUMN ticket_public_key TEXT;
        CREATE TABLE checkins (
            signup_id TEXT NOT NULL,
            kiosk_id INTEGER NOT NULL,
            at TEXT NOT NULL,
            received_at TEXT NOT NULL,
            PRIMARY KEY (signup_id, kiosk_id)
        )
        """,
    )


def _late_signups(db: sqlite_utils.Database) -> None:
    """Signups made after their activity began, by the hub's clock (a kiosk's clock can
    be off): flagged for a coordinator to call, never refused."""
    db.execute("ALTER TABLE signups ADD COLUMN late INTEGER NOT NULL DEFAULT 0")


def _feed_skips(db: sqlite_utils.Database) -> None:
    """The series a feed's last import left out (broken repeat rule), as a JSON list of
    titles for the coordinator's page, as on a kiosk's sync screen."""
    db.execute("ALTER TABLE feeds ADD COLUMN skipped_series TEXT NOT NULL DEFAULT '[]'")


HUB_MIGRATIONS: list[Migration] = [
    _v1_hub, _logins, _wishes_monitor_scope, _activity_renames, _doors, _late_signups,
    _feed_skips,
]


def migrate_hub(db: sqlite_utils.Database) -> int:
    return run_migrations(db, HUB_MIGRATIONS)


def connect_hub(path: str | Path) -> sqlite_utils.Database:
    db = connect(path)
    migrate_hub(db)
    return db


def next_rev(db: sqlite_utils.Database) -> int:
    """The next revision number; call inside the transaction that makes the change."""
    return db.execute(
        "UPDATE revision SET value = value + 1 WHERE id = 1 RETURNING value"
    ).fetchone()[0]


def current_rev(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT value FROM revision WHERE id = 1").fetchone()[0]
