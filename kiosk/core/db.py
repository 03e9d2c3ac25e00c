"""The kiosk's SQLite store: connection settings, schema migrations, transactions.

Every writer goes through `write_transaction`, which takes the write lock up front
(BEGIN IMMEDIATE) so a read-then-write such as a capacity check cannot race.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

Migration = Callable[[sqlite_utils.Database], None]


def connect(path: str | Path) -> sqlite_utils.Database:
    """Open the database with the pragmas a power cut must not hurt."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=15)
    conn.execute("PRAGMA journal_mode=WAL")
    # FULL: a signup the resident saw confirmed survives the plug being pulled.
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=15000")
    return sqlite_utils.Database(conn)


@contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One atomic unit of work; nested use becomes a savepoint."""
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")


def run_script(db: sqlite_utils.Database, script: str) -> None:
    """Run DDL statement by statement: sqlite3's executescript would COMMIT mid-migration."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _v1_core(db: sqlite_utils.Database) -> None:
    run_script(
        db,
        """
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
            source TEXT NOT NULL DEFAULT 'local',
            updated_at TEXT NOT NULL
        );
        CREATE INDEX activities_by_start ON activities (starts_utc);

        CREATE TABLE signups (
            id TEXT PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,
            activity_id TEXT NOT NULL REFERENCES activities (id),
            name TEXT NOT NULL DEFAULT '',
            phone TEXT NOT NULL DEFAULT '',
            party_size INTEGER NOT NULL CHECK (party_size BETWEEN 1 AND 10),
            channel TEXT NOT NULL CHECK (channel IN ('touch', 'voice', 'paper', 'phone')),
            slip_code TEXT UNIQUE,
            status TEXT NOT NULL CHECK (status IN ('confirmed', 'waitlist', 'cancelled')),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            kiosk_id TEXT NOT NULL,
            attended_at TEXT,
            cancelled_at TEXT,
            note TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX signups_by_activity ON signups (activity_id, status);

        CREATE TABLE print_jobs (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            signup_id TEXT REFERENCES signups (id),
            payload TEXT NOT NULL DEFAULT '{}',
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'printed', 'abandoned')),
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            next_attempt_at TEXT NOT NULL,
            printed_at TEXT
        );
        CREATE INDEX print_jobs_pending ON print_jobs (status, next_attempt_at);

        CREATE TABLE outbox (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            signup_id TEXT NOT NULL,
            payload TEXT NOT NULL,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            result TEXT,
            attempts INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX outbox_unsent ON outbox (sent_at, created_at);

        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """
    )


def _volunteer_desk(db: sqlite_utils.Database) -> None:
    """PINs and their lockout, printed paper slips, and the volunteers' audit log.

    Slips and audit rows name signups and activities without foreign keys on purpose:
    they are records of paper and of deeds, and must not stop a signup purge."""
    run_script(
        db,
        """
        CREATE TABLE pins (
            role TEXT PRIMARY KEY CHECK (role IN ('volunteer', 'coordinator')),
            hash TEXT NOT NULL,
            set_at TEXT NOT NULL
        );

        CREATE TABLE pin_lockout (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            failures INTEGER NOT NULL DEFAULT 0,
            locked_until TEXT,
            lockouts INTEGER NOT NULL DEFAULT 0
        );

        CREATE TABLE slips (
            code TEXT PRIMARY KEY,
            activity_id TEXT,
            choices TEXT NOT NULL DEFAULT '[]',
            print_job_id INTEGER,
            printed_at TEXT NOT NULL,
            printed_by TEXT NOT NULL,
            entered_at TEXT,
            entered_by TEXT,
            signup_id TEXT
        );
        CREATE INDEX slips_by_activity ON slips (activity_id);

        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '',
            activity_id TEXT,
            signup_id TEXT
        );
        CREATE INDEX audit_by_time ON audit_log (at)
        """,
    )


def _maintenance_log(db: sqlite_utils.Database) -> None:
    """Backups, restores, purges and AVG requests, so the coordinator can see they ran.

    Counts and dates only: a record of a deletion must not keep what was deleted."""
    run_script(
        db,
        """
        CREATE TABLE maintenance_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX maintenance_log_by_kind ON maintenance_log (kind, at)
        """,
    )


def _sync(db: sqlite_utils.Database) -> None:
    """Sync with the central agenda: feed and hub state, seat leases, and what the
    hub said about each signup (sync/, kiosk/core/leases.py, kiosk/core/calls.py)."""
    run_script(
        db,
        """
        CREATE TABLE feed_state (
            url TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            etag TEXT NOT NULL DEFAULT '',
            last_modified TEXT NOT NULL DEFAULT '',
            content_hash TEXT NOT NULL DEFAULT '',
            expanded_on TEXT NOT NULL DEFAULT '',
            last_attempt_at TEXT,
            last_success_at TEXT,
            last_error TEXT NOT NULL DEFAULT '',
            activity_count INTEGER NOT NULL DEFAULT 0
        );

        CREATE TABLE sync_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            agenda_cursor TEXT NOT NULL DEFAULT '',
            last_attempt_at TEXT,
            last_success_at TEXT,
            last_error TEXT NOT NULL DEFAULT '',
            failures INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT
        );
        INSERT INTO sync_state (id) VALUES (1);

        CREATE TABLE seat_leases (
            activity_id TEXT PRIMARY KEY REFERENCES activities (id),
            seats INTEGER NOT NULL CHECK (seats >= 0),
            hub_seats_taken INTEGER NOT NULL DEFAULT 0,
            hub_waiting INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL
        );

        ALTER TABLE signups ADD COLUMN seat_basis TEXT
            CHECK (seat_basis IS NULL OR seat_basis IN ('lease', 'provisional'));
        ALTER TABLE signups ADD COLUMN hub_status TEXT;
        ALTER TABLE signups ADD COLUMN call_reason TEXT NOT NULL DEFAULT '';
        CREATE INDEX signups_to_call ON signups (call_reason) WHERE call_reason != '';

        ALTER TABLE outbox ADD COLUMN outcome TEXT
        """,
    )


def _ticket_printed_as(db: sqlite_utils.Database) -> None:
    """What the first paper of a signup said (kiosk/core/ticket_changes.py), so a reprint and
    "Mijn kaartje" can say what changed since. "Mijn kaartje" also counts wrong codes typed
    in a row, to pause typing after three."""
    run_script(
        db,
        """
        ALTER TABLE signups ADD COLUMN ticket_printed_as TEXT;

        CREATE TABLE own_ticket_lockout (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            failures INTEGER NOT NULL DEFAULT 0,
            locked_until TEXT
        );
        INSERT INTO own_ticket_lockout (id) VALUES (1)
        """,
    )


def _desk_sessions(db: sqlite_utils.Database) -> None:
    """Volunteers' and coordinators' sessions on the server (kiosk/core/desk_sessions.py),
    so sign-out, a PIN change and the idle limit end them; times are Unix seconds."""
    run_script(
        db,
        """
        CREATE TABLE desk_sessions (
            key TEXT PRIMARY KEY,
            role TEXT NOT NULL CHECK (role IN ('volunteer', 'coordinator')),
            actor TEXT NOT NULL,
            started REAL NOT NULL,
            seen REAL NOT NULL
        );
        CREATE INDEX desk_sessions_by_role ON desk_sessions (role)
        """,
    )


def _logo(db: sqlite_utils.Database) -> None:
    """The stadsdorp's logo a coordinator uploaded (kiosk/core/logo.py): one row, the file as
    given and the black-and-white picture the printer gets."""
    run_script(
        db,
        """
        CREATE TABLE logo (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            original BLOB NOT NULL,
            printable BLOB NOT NULL,
            uploaded_at TEXT NOT NULL,
            uploaded_by TEXT NOT NULL
        )
        """,
    )


def _wishes(db: sqlite_utils.Database) -> None:
    """Wishes and offers of help, and the paper slips they come on (kiosk/core/wishes.py,
    kiosk/core/wish_slips.py). A wish outlives its contact details: name and phone are
    blanked after the term, the row stays for the counts."""
    run_script(
        db,
        """
        CREATE TABLE wishes (
            id TEXT PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL CHECK (kind IN ('miss', 'offer')),
            categories TEXT NOT NULL,
            day_parts TEXT NOT NULL DEFAULT '[]',
            callback INTEGER NOT NULL DEFAULT 0 CHECK (callback IN (0, 1)),
            name TEXT NOT NULL DEFAULT '',
            phone TEXT NOT NULL DEFAULT '',
            channel TEXT NOT NULL CHECK (channel IN ('touch', 'voice', 'paper')),
            slip_code TEXT,
            stadsdorp TEXT NOT NULL DEFAULT '',
            kiosk_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            called_at TEXT,
            called_by TEXT,
            contact_purged_at TEXT,
            CHECK (callback = 1 OR (name = '' AND phone = ''))
        );
        CREATE INDEX wishes_by_time ON wishes (created_at);
        CREATE INDEX wishes_to_call ON wishes (callback, called_at);

        CREATE TABLE wish_slips (
            code TEXT PRIMARY KEY,
            print_job_id INTEGER,
            printed_at TEXT NOT NULL,
            printed_by TEXT NOT NULL,
            entered_at TEXT,
            entered_by TEXT,
            wish_ids TEXT NOT NULL DEFAULT '[]'
        )
        """,
    )


def _feed_skips(db: sqlite_utils.Database) -> None:
    """The series a feed's last import left out (broken repeat rule), as a JSON list of
    titles for the sync screen."""
    db.execute("ALTER TABLE feed_state ADD COLUMN skipped_series TEXT NOT NULL DEFAULT '[]'")


def _call_list_facts(db: sqlite_utils.Database) -> None:
    """What each resident was told (start, place, activity status, own status) before
    sync first changed it, and the hub's note on a seat decision (kiosk/core/calls.py);
    an activity's first start once sync moved it ("Nieuwe tijd" on its card)."""
    run_script(
        db,
        """
        ALTER TABLE signups ADD COLUMN told_starts_at TEXT;
        ALTER TABLE signups ADD COLUMN told_place TEXT;
        ALTER TABLE signups ADD COLUMN told_activity_status TEXT;
        ALTER TABLE signups ADD COLUMN told_status TEXT;
        ALTER TABLE signups ADD COLUMN call_note TEXT NOT NULL DEFAULT '';
        CREATE INDEX signups_told ON signups (activity_id) WHERE told_starts_at IS NOT NULL;
        ALTER TABLE activities ADD COLUMN moved_from TEXT
        """,
    )


def _any_ticket_at_any_door(db: sqlite_utils.Database) -> None:
    """Other kiosks' public ticket keys, and the door list of residents who signed up at
    other kiosks (kiosk/core/tickets.py, kiosk/core/door_list.py). The door list has no
    phone numbers: the hub never sends them."""
    run_script(
        db,
        """
        CREATE TABLE ticket_keys (
            key_id TEXT PRIMARY KEY,
            public_key TEXT NOT NULL,
            kiosk_name TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL
        );

        CREATE TABLE door_list (
            signup_id TEXT PRIMARY KEY,
            code TEXT NOT NULL,
            activity_id TEXT NOT NULL,
            activity_title TEXT NOT NULL DEFAULT '',
            starts_at TEXT NOT NULL DEFAULT '',
            name TEXT NOT NULL DEFAULT '',
            party_size INTEGER NOT NULL,
            kiosk_name TEXT NOT NULL DEFAULT '',
            attended_at TEXT
        );
        CREATE INDEX door_list_by_code ON door_list (code)
        """,
    )


def _hub_clock(db: sqlite_utils.Database) -> None:
    """How far this kiosk's clock is off from the hub's, measured at each sync
    (kiosk/core/clock.py)."""
    run_script(
        db,
        """
        ALTER TABLE sync_state ADD COLUMN clock_offset_s REAL;
        ALTER TABLE sync_state ADD COLUMN clock_checked_at TEXT
        """,
    )


def _own_ticket_wrong_tries(db: sqlite_utils.Database) -> None:
    """When each wrong code was typed at "Mijn kaartje" (kiosk/core/own_ticket.py), so a pause
    ends by time only, never by a right code. The lockout row's count of failures in a row
    is no longer used (it is left, not dropped, for SQLite versions without DROP COLUMN)."""
    run_script(
        db,
        """
        CREATE TABLE own_ticket_wrong_tries (at TEXT NOT NULL);
        CREATE INDEX own_ticket_wrong_tries_at ON own_ticket_wrong_tries (at)
        """,
    )


def _feed_series(db: sqlite_utils.Database) -> None:
    """Each feed's last expansion, group by group (all events of one UID; see
    sync/ical_groups.py), with what it was made under (series_basis: the day, the
    calendar's own lines, the parser) and the calendar's name, so a re-sync parses only
    the changed groups, and none when only the export's time stamps changed."""
    run_script(
        db,
        """
        CREATE TABLE feed_series (
            url TEXT NOT NULL,
            key TEXT NOT NULL,
            digest TEXT NOT NULL,
            result TEXT NOT NULL,
            PRIMARY KEY (url, key)
        );
        ALTER TABLE feed_state ADD COLUMN series_basis TEXT NOT NULL DEFAULT '';
        ALTER TABLE feed_state ADD COLUMN calendar_name TEXT NOT NULL DEFAULT ''
        """,
    )


def _ticket_only_check_ins(db: sqlite_utils.Database) -> None:
    """Residents let in on a genuine ticket of another kiosk that no list here knew, by
    what the ticket says (code, day, signing key): a second scan says "Al binnen", also
    after the other kiosk was renamed."""
    run_script(
        db,
        """
        CREATE TABLE ticket_check_ins (
            code TEXT NOT NULL,
            day TEXT NOT NULL,
            key_id TEXT NOT NULL,
            at TEXT NOT NULL,
            PRIMARY KEY (code, day, key_id)
        )
        """,
    )


def _door_list_keys(db: sqlite_utils.Database) -> None:
    """Whose key signs each door list entry's ticket: codes are unique per kiosk only, so
    a code alone may name another kiosk's resident ('' from a hub that does not say)."""
    run_script(db, "ALTER TABLE door_list ADD COLUMN key_id TEXT NOT NULL DEFAULT ''")


# Append only: a shipped migration is never edited, a new one is added.
MIGRATIONS: list[Migration] = [
    _v1_core, _volunteer_desk, _maintenance_log, _sync, _ticket_printed_as, _desk_sessions,
    _logo, _wishes, _feed_skips, _call_list_facts, _any_ticket_at_any_door, _hub_clock,
    _own_ticket_wrong_tries, _feed_series, _ticket_only_check_ins,
    _door_list_keys,
]


def schema_version(db: sqlite_utils.Database) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def run_migrations(db: sqlite_utils.Database, steps: Sequence[Migration]) -> int:
    """Bring a schema up to date; each step commits with its version number. The one
    runner for the kiosk's database and the hub's."""
    current = schema_version(db)
    if current > len(steps):
        raise RuntimeError(f"database schema {current} is newer than this program ({len(steps)})")
    for version, step in enumerate(steps[current:], start=current + 1):
        with write_transaction(db):
            step(db)
            db.execute(f"PRAGMA user_version = {version}")
    return len(steps)


def migrate(db: sqlite_utils.Database) -> int:
    return run_migrations(db, MIGRATIONS)
