"""A resident's AVG requests, handled by the coordinator: see everything the kiosk holds
about them (inzage), and have it deleted (vergeten).

A person is found by phone, name or ticket code; every criterion given must match, so
"Jan" alone never takes a namesake's signups along with a phone number.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from kiosk.core import codes, config, wishes
from kiosk.core.clock import utc_iso
from kiosk.core.db import write_transaction
from kiosk.core.maintenance_log import log_event
from kiosk.core.outbox import record_change
from kiosk.core.retention import delete_signups
from kiosk.core.signups import clean_phone


@dataclass(frozen=True)
class PersonQuery:
    phone: str = ""
    name: str = ""
    code: str = ""

    def __post_init__(self) -> None:
        if not (self.phone.strip() or self.name.strip() or self.code.strip()):
            raise ValueError("Geef een telefoonnummer, een naam of een code op.")


def _name_key(name: str) -> str:
    """'ÖZLEM  YILMAZ' and 'Ozlem Yılmaz' alike: a coordinator types on a Dutch keyboard,
    and the Turkish dotless ı has no capital of its own."""
    plain = unicodedata.normalize("NFKD", name.replace("ı", "i"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return " ".join(plain.split()).casefold()


def find_signups(db: sqlite_utils.Database, query: PersonQuery) -> list[dict[str, Any]]:
    """The person's signups with their activity, oldest first."""
    sql = (
        "SELECT s.*, a.title AS activity_title, a.starts_at AS activity_starts_at, "
        "a.location_name AS activity_location, a.stadsdorp AS activity_stadsdorp "
        "FROM signups s JOIN activities a ON a.id = s.activity_id WHERE 1 = 1"
    )
    params: list[str] = []
    if query.phone.strip():
        sql += " AND s.phone = ?"
        params.append(clean_phone(query.phone))
    if query.code.strip():
        code = codes.normalize_code(query.code)
        if code is None:
            raise ValueError(f"{query.code!r} is geen geldige code (zoals 7KQ-4MX).")
        sql += " AND s.code = ?"
        params.append(code)
    rows = list(db.query(sql + " ORDER BY s.created_at, s.rowid", params))
    # SQLite's lower() knows only ASCII; names here are Özlem and Zeynep as often as Jan.
    if query.name.strip():
        rows = [row for row in rows if _name_key(row["name"]) == _name_key(query.name)]
    return rows


def find_wishes(query: PersonQuery, db: sqlite_utils.Database) -> list[wishes.Wish]:
    """The person's wishes that still hold contact details: by phone, or by the wish code
    on their receipt. (A wish without the call-back yes holds nothing of anyone.)"""
    phone = clean_phone(query.phone) if query.phone.strip() else ""
    code = codes.normalize_code(query.code) or "" if query.code.strip() else ""
    found = wishes.with_contact(db, phone, code) if phone or code else []
    if query.name.strip():
        found = [w for w in found if _name_key(w.name) == _name_key(query.name)]
    return found


def export_person(db: sqlite_utils.Database, rows: list[dict[str, Any]],
                  person_wishes: list[wishes.Wish] | None = None) -> dict[str, Any]:
    """What the kiosk holds about the person, with Dutch labels, ready to hand over."""
    return {
        "kiosk": config.get_setting(db, "kiosk_name"),
        "kiosk_id": config.kiosk_id(db),
        "gemaakt_op": utc_iso(datetime.now(UTC)),
        "bewaartermijn_dagen": config.get_setting(db, "retention_days"),
        "aanmeldingen": [
            {
                "activiteit": row["activity_title"],
                "stadsdorp": row["activity_stadsdorp"],
                "begint": row["activity_starts_at"],
                "plaats": row["activity_location"],
                "naam": row["name"],
                "telefoon": row["phone"],
                "aantal_personen": row["party_size"],
                "code": codes.display_code(row["code"]),
                "status": row["status"],
                "via": row["channel"],
                "aangemeld_op": row["created_at"],
                "aanwezig_op": row["attended_at"],
                "afgemeld_op": row["cancelled_at"],
                "notitie": row["note"],
            }
            for row in rows
        ],
        "wensen": [
            {
                "soort": wishes.KIND_QUESTIONS[w.kind],
                "onderwerpen": w.category_labels,
                "dagdelen": list(w.day_parts),
                "naam": w.name,
                "telefoon": w.phone,
                "terugbellen": w.callback,
                "gebeld_op": w.called_at,
                "gegeven_op": w.created_at,
                "code": w.display_code,
                "via": w.channel,
            }
            for w in person_wishes or []
        ],
    }


def forget_person(db: sqlite_utils.Database, rows: list[dict[str, Any]],
                  person_wishes: list[wishes.Wish] | None = None) -> int:
    """Delete these signups here, and tell the hub to delete its copies too; the wishes'
    name and phone go the same way (the anonymous wish stays counted)."""
    ids = [row["id"] for row in rows]
    with write_transaction(db):
        deleted = delete_signups(db, ids)
        for signup_id in ids:
            # Only the id travels: the hub needs nothing else to find and delete its copy.
            record_change(db, "signup.forgotten", signup_id, {"id": signup_id})
        forgotten = wishes.forget_contacts(db, [w.id for w in person_wishes or []])
        log_event(db, "forget", signups=deleted["signups"],
                  **({"wishes": forgotten} if forgotten else {}))
    return deleted["signups"]
