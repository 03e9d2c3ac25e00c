"""Wishes and offers of help: what a resident misses in the buurt ("miss") and what they
would like to do for it ("offer"), told by touch, voice or a paper slip.

A wish names one or more categories (the wish tiles of kiosk.core.categories) and
optionally day parts. Name and phone are kept only when the resident said yes to a call
back; without that yes they are dropped here, before anything is stored or sent. The
contact details go `wish_contact_days` (a setting, default 90) after the entry; the
entry itself stays, anonymous, so the counts outlive it.

An entry, its receipt's print job and its outbox row commit together, as a signup does.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlite_utils

from kiosk.core import audit, codes, config, inputs
from kiosk.core.categories import BY_KEY, CATEGORIES, Category
from kiosk.core.clock import now_iso, utc_iso
from kiosk.core.db import write_transaction
from kiosk.core.outbox import record_change
from kiosk.core.print_jobs import queue_print_job
from kiosk.core.signups import SignupError, clean_name, clean_phone

KINDS = ("miss", "offer")
# What the resident was asked, in the words of the start screen.
KIND_QUESTIONS = {"miss": "Wat mist u in de buurt?", "offer": "Wilt u iets doen voor de buurt?"}
# What a volunteer or coordinator reads in a list.
KIND_LABELS = {"miss": "Mist", "offer": "Wil helpen met"}
DAY_PARTS = ("ochtend", "middag", "avond")
CHANNELS = ("touch", "voice", "paper")
WISH_CATEGORIES: tuple[Category, ...] = tuple(c for c in CATEGORIES if c.wish)
DEFAULT_CONTACT_DAYS = int(config.SETTINGS["wish_contact_days"].default)


class WishError(ValueError):
    """A wish that cannot be taken as given, with a message a resident can read."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Wish:
    id: str
    code: str
    kind: str
    categories: tuple[str, ...]
    day_parts: tuple[str, ...]
    callback: bool
    name: str
    phone: str
    channel: str
    stadsdorp: str
    kiosk_id: str
    created_at: str
    slip_code: str | None = None
    called_at: str | None = None
    called_by: str | None = None
    contact_purged_at: str | None = None

    @property
    def display_code(self) -> str:
        return codes.display_code(self.code)

    @property
    def category_labels(self) -> list[str]:
        return [BY_KEY[key].label for key in self.categories if key in BY_KEY]

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Wish:
        values = {k: row[k] for k in cls.__dataclass_fields__ if k in row}
        values["categories"] = tuple(json.loads(row["categories"]))
        values["day_parts"] = tuple(json.loads(row["day_parts"]))
        values["callback"] = bool(row["callback"])
        return cls(**values)


@dataclass(frozen=True)
class WishAnswers:
    """What a resident chose, checked: the one shape every channel hands in."""

    kind: str
    categories: tuple[str, ...]
    day_parts: tuple[str, ...]
    callback: bool
    name: str
    phone: str


def clean_categories(raw: Iterable[str]) -> tuple[str, ...]:
    """Known wish categories, each once, in the order of the tiles; at least one."""
    chosen = {str(key).strip() for key in raw}
    keys = tuple(c.key for c in WISH_CATEGORIES if c.key in chosen)
    if len(keys) != len(chosen):
        raise WishError("Dit onderwerp kennen wij niet. Kies een plaatje.", "categories")
    if not keys:
        raise WishError("Kies minstens één plaatje.", "categories")
    return keys


def clean_day_parts(raw: Iterable[str]) -> tuple[str, ...]:
    chosen = {str(part).strip() for part in raw if str(part).strip()}
    if not chosen <= set(DAY_PARTS):
        raise WishError("Kies ochtend, middag of avond.", "day_parts")
    return tuple(part for part in DAY_PARTS if part in chosen)


def check_answers(
    kind: str,
    categories: Iterable[str],
    day_parts: Iterable[str] = (),
    *,
    callback: bool = False,
    name: str = "",
    phone: str = "",
) -> WishAnswers:
    """Check what a resident chose. Without the yes to a call back, name and phone are
    dropped whatever was typed; with it, a phone number is needed."""
    if kind not in KINDS:
        raise WishError("Kies eerst: iets wat u mist, of iets wat u wilt doen.", "kind")
    keys = clean_categories(categories)
    parts = clean_day_parts(day_parts)
    if not callback:
        return WishAnswers(kind, keys, parts, False, "", "")
    try:
        clean = clean_name(name)
        number = clean_phone(phone)
    except SignupError as error:
        raise WishError(error.message, error.field) from None
    if not number:
        raise WishError(
            "Vul uw telefoonnummer in. Dan kan iemand van het stadsdorp u bellen.", "phone"
        )
    return WishAnswers(kind, keys, parts, True, clean, number)



def wish_stadsdorp(db: sqlite_utils.Database) -> str:
    """The stadsdorp a wish made here belongs to: the kiosk's, if it shows just one."""
    shown = config.shown_stadsdorpen(db)
    return shown[0] if len(shown) == 1 else ""


def outbox_payload(wish: Wish) -> dict[str, Any]:
    """What the hub gets. Contact details only with the resident's yes."""
    payload: dict[str, Any] = {
        "id": wish.id,
        "code": wish.code,
        "kind": wish.kind,
        "categories": list(wish.categories),
        "day_parts": list(wish.day_parts),
        "channel": wish.channel,
        "stadsdorp": wish.stadsdorp,
        "created_at": wish.created_at,
        "callback": wish.callback,
    }
    if wish.callback and wish.contact_purged_at is None:
        payload |= {"name": wish.name, "phone": wish.phone}
    return payload


def record_wish(
    db: sqlite_utils.Database,
    answers: WishAnswers,
    *,
    channel: str,
    kiosk_id: str,
    wish_id: str | None = None,
    slip_code: str | None = None,
    print_receipt: bool = True,
) -> Wish:
    """Store a wish with its receipt and outbox row. The same `wish_id` twice (a second
    tap on the last button) gives the first wish back, not a second one."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    wish_id = wish_id or str(uuid.uuid4())
    with write_transaction(db):
        existing = get_wish(db, wish_id)
        if existing is not None:
            return existing
        wish = Wish(
            id=wish_id,
            code=codes.unused_code(db, "wishes"),
            kind=answers.kind,
            categories=answers.categories,
            day_parts=answers.day_parts,
            callback=answers.callback,
            name=answers.name,
            phone=answers.phone,
            channel=channel,
            stadsdorp=wish_stadsdorp(db),
            kiosk_id=kiosk_id,
            created_at=now_iso(),
            slip_code=slip_code,
        )
        db.execute(
            "INSERT INTO wishes (id, code, kind, categories, day_parts, callback, name, phone, "
            "channel, slip_code, stadsdorp, kiosk_id, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [wish.id, wish.code, wish.kind, json.dumps(list(wish.categories)),
             json.dumps(list(wish.day_parts)), int(wish.callback), wish.name, wish.phone,
             wish.channel, wish.slip_code, wish.stadsdorp, wish.kiosk_id, wish.created_at],
        )
        record_change(db, "wish.created", wish.id, outbox_payload(wish))
        if print_receipt:
            queue_print_job(db, "wish_receipt", None, {"wish_id": wish.id})
    return wish


def get_wish(db: sqlite_utils.Database, wish_id: str) -> Wish | None:
    rows = list(db.query("SELECT * FROM wishes WHERE id = ?", [wish_id]))
    return Wish.from_row(rows[0]) if rows else None


def recent(db: sqlite_utils.Database, limit: int = 100) -> list[Wish]:
    return [
        Wish.from_row(row)
        for row in db.query("SELECT * FROM wishes ORDER BY created_at DESC, rowid DESC LIMIT ?",
                            [limit])
    ]


def to_call(db: sqlite_utils.Database) -> list[Wish]:
    """Residents who said yes to a call back and have not been called yet, oldest first."""
    return [
        Wish.from_row(row)
        for row in db.query(
            "SELECT * FROM wishes WHERE callback = 1 AND called_at IS NULL AND phone != '' "
            "ORDER BY created_at, rowid"
        )
    ]


def mark_called(db: sqlite_utils.Database, wish_id: str, actor: str) -> Wish:
    """'Gebeld': recorded with who and when in the audit log, and told to the hub."""
    with write_transaction(db):
        wish = get_wish(db, wish_id)
        if wish is None:
            raise WishError("Deze wens bestaat niet (meer).")
        if wish.called_at is None:
            stamp = now_iso()
            db.execute("UPDATE wishes SET called_at = ?, called_by = ? WHERE id = ?",
                       [stamp, actor, wish_id])
            audit.record(db, actor, "wish.called",
                         f"Gebeld over wens {wish.display_code} ({wish.kind_label.lower()}: "
                         f"{', '.join(wish.category_labels)})")
            record_change(db, "wish.called", wish_id, {"id": wish_id, "at": stamp})
            wish = get_wish(db, wish_id) or wish
    return wish


def counts(db: sqlite_utils.Database) -> dict[str, Counter[str]]:
    """Per kind, how often each category was chosen: anonymous, and kept for good."""
    result: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}
    for kind, categories in db.execute("SELECT kind, categories FROM wishes"):
        result[kind].update(json.loads(categories))
    return result


def with_contact(db: sqlite_utils.Database, phone: str, code: str = "") -> list[Wish]:
    """The wishes that still hold this (cleaned) phone number, or this wish code: for an
    AVG request (kiosk.core.person_data)."""
    rows = db.query(
        "SELECT * FROM wishes WHERE (phone != '' AND phone = ?) OR code = ? "
        "ORDER BY created_at, rowid", [phone, code])
    return [Wish.from_row(row) for row in rows]


def _strip_outbox_contact(db: sqlite_utils.Database, where: str, params: list[Any]) -> None:
    rows = db.execute(f"SELECT id, payload FROM outbox WHERE kind = 'wish.created' AND {where}",
                      params).fetchall()
    for row_id, payload in rows:
        data = json.loads(payload)
        if "name" in data or "phone" in data:
            data.pop("name", None)
            data.pop("phone", None)
            db.execute("UPDATE outbox SET payload = ? WHERE id = ?",
                       [json.dumps(data, ensure_ascii=False), row_id])


def forget_contacts(db: sqlite_utils.Database, wish_ids: list[str]) -> int:
    """An AVG request: name and phone of these wishes go here, from the unsent outbox, and
    (by a 'wish.forgotten' event) from the hub. The anonymous wish stays counted."""
    with write_transaction(db):
        stamp = now_iso()
        for wish_id in wish_ids:
            db.execute("UPDATE wishes SET name = '', phone = '', contact_purged_at = ? "
                       "WHERE id = ?", [stamp, wish_id])
            _strip_outbox_contact(db, "signup_id = ?", [wish_id])
            record_change(db, "wish.forgotten", wish_id, {"id": wish_id})
    return len(wish_ids)


def contact_days(db: sqlite_utils.Database) -> int:
    raw = config.get_setting(db, "wish_contact_days").strip()
    return int(raw) if inputs.is_pad_digits(raw) and int(raw) >= 1 else DEFAULT_CONTACT_DAYS


def purge_contacts(
    db: sqlite_utils.Database, now: datetime | None = None, days: int | None = None
) -> int:
    """Blank name and phone of wishes older than the term, in the wishes and in any
    outbox row still carrying them; the entries stay for the counts. Returns how many."""
    days = days if days is not None else contact_days(db)
    cutoff = utc_iso((now or datetime.now(UTC)) - timedelta(days=days))
    stamp = now_iso()
    with write_transaction(db):
        purged = db.execute(
            "UPDATE wishes SET name = '', phone = '', contact_purged_at = ? "
            "WHERE created_at < ? AND (name != '' OR phone != '')",
            [stamp, cutoff],
        ).rowcount
        _strip_outbox_contact(db, "created_at < ?", [cutoff])
    return purged
