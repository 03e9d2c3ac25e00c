"""Wishes and offers of help as the hub keeps them: received through the outbox, shown to
the coordinators of their stadsdorp (with the call-back details, while they are kept),
counted in the Monitor. Contact details arrive only with the resident's yes, and go
BUURTKIOSK_WISH_CONTACT_DAYS (90) days after the entry; the entry stays, anonymous."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from kiosk.core import dutch
from kiosk.core.categories import BY_KEY
from kiosk.core.clock import now_iso, utc_iso
from kiosk.core.inputs import is_pad_digits
from kiosk.core.signups import SignupError, clean_name, clean_phone
from kiosk.core.wishes import (
    CHANNELS,
    KIND_LABELS,
    KINDS,
    WishError,
    clean_categories,
    clean_day_parts,
)
from sync.hub import monitor

DEFAULT_CONTACT_DAYS = 90


class BadWish(ValueError):
    """A wish event the hub cannot take, in Dutch."""


class ForeignWish(BadWish):
    """A wish id another kiosk sent: answered like any refusal, so no kiosk learns of it."""


def contact_days() -> int:
    raw = os.environ.get("BUURTKIOSK_WISH_CONTACT_DAYS", "").strip()
    return int(raw) if is_pad_digits(raw) and int(raw) >= 1 else DEFAULT_CONTACT_DAYS


def _stamp(raw: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        raise BadWish("Het tijdstip van de wens klopt niet.") from None
    if moment.tzinfo is None:
        raise BadWish("Het tijdstip van de wens heeft geen tijdzone.")
    return moment


def _area(db: sqlite_utils.Database, kiosk: dict[str, Any], named: Any) -> str:
    """The stadsdorp (slug) of a wish: the one the kiosk named, if the kiosk may speak for
    it, else the kiosk's only stadsdorp, else none."""
    scope = [s for s in str(kiosk.get("stadsdorpen") or "").split(",") if s]
    text = str(named or "").strip()
    row = db.execute("SELECT slug FROM stadsdorpen WHERE slug = ? OR name = ?",
                     [text, text]).fetchone()
    if row is not None and (not scope or row[0] in scope):
        return str(row[0])
    return scope[0] if len(scope) == 1 else ""


def store_wish(db: sqlite_utils.Database, kiosk: dict[str, Any], payload: dict[str, Any]
               ) -> str:
    """A 'wish.created' event -> 'accepted' or 'duplicate'; BadWish when it is not usable."""
    wish_id = payload.get("id")
    if not isinstance(wish_id, str) or not 0 < len(wish_id) <= 64:
        raise BadWish("De wens heeft geen geldig kenmerk.")
    existing = db.execute("SELECT kiosk_id FROM wishes WHERE id = ?", [wish_id]).fetchone()
    if existing is not None:
        if existing[0] != kiosk["id"]:
            raise ForeignWish("")
        return "duplicate"
    kind = payload.get("kind")
    if kind not in KINDS or payload.get("channel") not in CHANNELS:
        raise BadWish("De soort wens of de manier van doorgeven klopt niet.")
    categories, day_parts = payload.get("categories"), payload.get("day_parts", [])
    if not isinstance(categories, list) or not isinstance(day_parts, list):
        raise BadWish("De onderwerpen van de wens kloppen niet.")
    try:
        keys = clean_categories(str(c) for c in categories[:20])
        parts = clean_day_parts(str(p) for p in day_parts[:3])
    except WishError as error:
        raise BadWish(error.message) from None
    callback = payload.get("callback") is True
    name = phone = ""
    if callback:
        try:
            name = clean_name(str(payload.get("name") or ""))
            phone = clean_phone(str(payload.get("phone") or ""))
        except SignupError as error:
            raise BadWish(error.message) from None
    created = _stamp(payload.get("created_at"))
    month = dutch.local(created).strftime("%Y-%m")
    area = _area(db, kiosk, payload.get("stadsdorp"))
    code = str(payload.get("code") or "")[:12]
    db.execute(
        "INSERT INTO wishes (id, kiosk_id, code, stadsdorp, kind, categories, day_parts, "
        "channel, callback, name, phone, created_at, month, received_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [wish_id, kiosk["id"], code, area, kind, json.dumps(list(keys)),
         json.dumps(list(parts)), payload["channel"], int(callback), name, phone,
         utc_iso(created), month, now_iso()],
    )
    if phone:
        monitor.note_resident(db, month, area, phone)
    return "accepted"


def mark_called(db: sqlite_utils.Database, kiosk: dict[str, Any], payload: dict[str, Any]
                ) -> None:
    db.execute("UPDATE wishes SET called_at = COALESCE(called_at, ?) "
               "WHERE id = ? AND kiosk_id = ?",
               [str(payload.get("at") or now_iso())[:40], str(payload.get("id"))[:64],
                kiosk["id"]])


def forget_contact(db: sqlite_utils.Database, kiosk: dict[str, Any], payload: dict[str, Any]
                   ) -> None:
    """An AVG request at the kiosk: the wish's name and phone go here too."""
    db.execute("UPDATE wishes SET name = '', phone = '', contact_purged_at = ? "
               "WHERE id = ? AND kiosk_id = ?",
               [now_iso(), str(payload.get("id"))[:64], kiosk["id"]])


def purge_contacts(db: sqlite_utils.Database, now: datetime, days: int | None = None) -> int:
    cutoff = utc_iso(now - timedelta(days=days or contact_days()))
    return db.execute(
        "UPDATE wishes SET name = '', phone = '', contact_purged_at = ? "
        "WHERE created_at < ? AND (name != '' OR phone != '')", [now_iso(), cutoff],
    ).rowcount


@dataclass(frozen=True)
class HubWish:
    id: str
    kiosk: str
    stadsdorp: str
    kind: str
    categories: list[str]
    day_parts: list[str]
    channel: str
    callback: bool
    name: str
    phone: str
    created_at: str
    called_at: str | None
    contact_purged: bool

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


def in_scope(db: sqlite_utils.Database, scope: list[str], limit: int = 500) -> list[HubWish]:
    """The newest wishes of these stadsdorpen ([] = the whole Netwerk)."""
    where, params = ("", []) if not scope else (
        f"WHERE w.stadsdorp IN ({', '.join('?' for _ in scope)})", list(scope))
    rows = db.query(
        "SELECT w.*, COALESCE(k.name, '') AS kiosk FROM wishes w "
        f"LEFT JOIN kiosks k ON k.id = w.kiosk_id {where} "
        "ORDER BY w.created_at DESC, w.rowid DESC LIMIT ?", [*params, limit])
    return [
        HubWish(
            id=r["id"], kiosk=r["kiosk"], stadsdorp=r["stadsdorp"], kind=r["kind"],
            categories=[BY_KEY[k].label for k in json.loads(r["categories"]) if k in BY_KEY],
            day_parts=json.loads(r["day_parts"]), channel=r["channel"],
            callback=bool(r["callback"]), name=r["name"], phone=r["phone"],
            created_at=r["created_at"], called_at=r["called_at"],
            contact_purged=r["contact_purged_at"] is not None,
        )
        for r in rows
    ]
