"""The Netwerk's Monitor: per month, for one stadsdorp or the whole Netwerk, how many
signups and people (party sizes) per activity, kind of activity, channel and kiosk; the
wishes and offers per kind and day part; and how many distinct residents with a phone
number took part. No names and no phone numbers, ever.

A month counts the signups with a seat (confirmed) of activities that start in it. Signups
are purged 30 days after their activity; just before, what they count for is folded into
monitor_folded, so a month's figures are folded rows plus the signups still here, and
they outlive the purge. Wishes stay (without contact details) and are counted directly.

Distinct residents: a phone number is hashed with a salt that exists only for its month
(a bare hash of a Dutch phone number is reversed by trying all of them). When the month's
figures are fixed, FIX_AFTER past its end, the counts are stored and the salt and the
hashes deleted, so nobody can test a number against them afterwards.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlite_utils

from kiosk.core import dutch
from kiosk.core.categories import BY_KEY, category_for
from kiosk.core.wishes import DAY_PARTS, KINDS, WISH_CATEGORIES

NETWERK = "*"  # the area of all stadsdorpen together
FIX_AFTER = timedelta(days=7)  # room for a kiosk that was offline at the end of the month
TOTAL = "totaal"
DIMENSIONS = {
    "categorie": "Per soort activiteit",
    "kanaal": "Per manier van aanmelden",
    "kiosk": "Per kiosk",
    "activiteit": "Per activiteit",
}
CHANNEL_LABELS = {"touch": "scherm", "voice": "stem", "paper": "strook", "phone": "telefoon"}
KIND_LABELS = {"miss": "Wat bewoners missen", "offer": "Waar bewoners mee willen helpen"}
OTHER = "overig"

# A signup's stadsdorp is its activity's; for a kiosk's own activity (no stadsdorp on the
# hub) it is the kiosk's, when the kiosk serves exactly one.
_AREA = (
    "CASE WHEN a.stadsdorp != '' THEN a.stadsdorp "
    "WHEN k.stadsdorpen != '' AND instr(k.stadsdorpen, ',') = 0 THEN k.stadsdorpen "
    "ELSE '' END"
)
_GROUPS = (
    f"SELECT substr(a.starts_at, 1, 7) AS month, {_AREA} AS stadsdorp, a.title, a.category, "
    "s.channel, COALESCE(k.name, 'centraal') AS kiosk, COUNT(*) AS signups, "
    "SUM(s.party_size) AS people "
    "FROM signups s JOIN activities a ON a.id = s.activity_id "
    "LEFT JOIN kiosks k ON k.id = s.kiosk_id "
    "WHERE s.status = 'confirmed' AND {where} "
    "GROUP BY 1, 2, 3, 4, 5, 6"
)

Key = tuple[str, str, str, str]  # month, stadsdorp, dimension, value


def _category_key(raw: str, title: str) -> str:
    category = category_for(raw, title)
    return category.key if category else OTHER


def _expand(rows: Iterable[dict[str, Any]]) -> dict[Key, list[int]]:
    """Grouped signups -> what each counts for, in every dimension and the total."""
    counts: dict[Key, list[int]] = {}
    for row in rows:
        values = {
            TOTAL: "",
            "activiteit": row["title"],
            "categorie": _category_key(row["category"], row["title"]),
            "kanaal": row["channel"],
            "kiosk": row["kiosk"],
        }
        for dimension, value in values.items():
            cell = counts.setdefault((row["month"], row["stadsdorp"], dimension, value), [0, 0])
            cell[0] += row["signups"]
            cell[1] += row["people"]
    return counts


def fold(db: sqlite_utils.Database, signup_ids_sql: str, params: list[Any]) -> None:
    """Add what these signups count for to the kept figures; call in the transaction
    that deletes them. `signup_ids_sql` selects their ids."""
    rows = db.query(_GROUPS.format(where=f"s.id IN ({signup_ids_sql})"), params)
    db.conn.executemany(
        "INSERT INTO monitor_folded (month, stadsdorp, dimension, key, signups, people) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (month, stadsdorp, dimension, key) DO UPDATE "
        "SET signups = signups + excluded.signups, people = people + excluded.people",
        [(*key, n, p) for key, (n, p) in _expand(rows).items()],
    )


# --- distinct residents ---------------------------------------------------------------


def _phone_digits(phone: str) -> str:
    """One form per number: '+31 6 1234 5678', '0031612345678' and '06-12345678' agree."""
    digits = re.sub(r"\D", "", phone)
    if phone.strip().startswith("+") and digits.startswith("31"):
        return "0" + digits[2:]
    if digits.startswith("0031"):
        return "0" + digits[4:]
    return digits


def _is_fixed(db: sqlite_utils.Database, month: str) -> bool:
    return db.execute("SELECT 1 FROM monitor_fixed_residents WHERE month = ? AND stadsdorp = ?",
                      [month, NETWERK]).fetchone() is not None


def note_resident(db: sqlite_utils.Database, month: str, stadsdorp: str, phone: str) -> None:
    """Count a resident with a phone number once in the month; call in the transaction
    that stores the signup or wish. A month already fixed no longer counts anyone."""
    digits = _phone_digits(phone)
    if len(digits) < 9 or _is_fixed(db, month):
        return
    db.execute("INSERT OR IGNORE INTO monitor_salts (month, salt) VALUES (?, ?)",
               [month, secrets.token_bytes(32)])
    salt = db.execute("SELECT salt FROM monitor_salts WHERE month = ?", [month]).fetchone()[0]
    digest = hmac.new(salt, digits.encode(), hashlib.sha256).hexdigest()
    db.execute("INSERT OR IGNORE INTO monitor_residents (month, stadsdorp, hash) "
               "VALUES (?, ?, ?)", [month, stadsdorp, digest])


def _month_end(month: str) -> datetime:
    year, number = (int(part) for part in month.split("-"))
    first_next = date(year + number // 12, number % 12 + 1, 1)
    return datetime.combine(first_next, datetime.min.time(), dutch.AMSTERDAM)


def fix_months(db: sqlite_utils.Database, now: datetime) -> list[str]:
    """Store the distinct-resident counts of months ended FIX_AFTER ago, then destroy
    their salt and hashes. Returns the months fixed."""
    fixed = []
    for (month,) in db.execute("SELECT month FROM monitor_salts ORDER BY month").fetchall():
        if _month_end(month) + FIX_AFTER > now:
            continue
        rows = db.execute("SELECT stadsdorp, COUNT(*) FROM monitor_residents WHERE month = ? "
                          "GROUP BY stadsdorp", [month]).fetchall()
        everyone = db.execute("SELECT COUNT(DISTINCT hash) FROM monitor_residents "
                              "WHERE month = ?", [month]).fetchone()[0]
        db.conn.executemany(
            "INSERT OR REPLACE INTO monitor_fixed_residents (month, stadsdorp, residents) "
            "VALUES (?, ?, ?)", [(month, area, n) for area, n in [*rows, (NETWERK, everyone)]])
        db.execute("DELETE FROM monitor_residents WHERE month = ?", [month])
        db.execute("DELETE FROM monitor_salts WHERE month = ?", [month])
        fixed.append(month)
    return fixed


def _residents(db: sqlite_utils.Database, month: str, area: str) -> int:
    stored = db.execute("SELECT residents FROM monitor_fixed_residents "
                        "WHERE month = ? AND stadsdorp = ?", [month, area]).fetchone()
    if stored is not None:
        return int(stored[0])
    if _is_fixed(db, month):
        return 0  # fixed, and nobody of this stadsdorp gave a number
    if area == NETWERK:
        sql, params = "WHERE month = ?", [month]
    else:
        sql, params = "WHERE month = ? AND stadsdorp = ?", [month, area]
    return int(db.execute(f"SELECT COUNT(DISTINCT hash) FROM monitor_residents {sql}",
                          params).fetchone()[0])


# --- the figures of a month -----------------------------------------------------------


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    signups: int
    people: int


@dataclass
class MonthFigures:
    month: str
    area: str
    signups: int = 0
    people: int = 0
    by: dict[str, list[Row]] = field(default_factory=dict)
    wish_entries: dict[str, int] = field(default_factory=dict)
    wishes: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    day_parts: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    residents: int = 0


def _label(dimension: str, key: str) -> str:
    if dimension == "categorie":
        return BY_KEY[key].label if key in BY_KEY else "Overig"
    if dimension == "kanaal":
        return CHANNEL_LABELS.get(key, key)
    return key


def _in_area(area: str) -> tuple[str, list[Any]]:
    return ("", []) if area == NETWERK else (" AND stadsdorp = ?", [area])


def month_figures(db: sqlite_utils.Database, month: str, area: str = NETWERK) -> MonthFigures:
    area_sql, area_params = _in_area(area)
    cells: Counter[tuple[str, str]] = Counter()
    people: Counter[tuple[str, str]] = Counter()
    folded = db.execute(
        "SELECT dimension, key, SUM(signups), SUM(people) FROM monitor_folded "
        f"WHERE month = ?{area_sql} GROUP BY dimension, key", [month, *area_params])
    for dimension, key, n, p in folded:
        cells[(dimension, key)] += n
        people[(dimension, key)] += p
    live = db.query(_GROUPS.format(where="substr(a.starts_at, 1, 7) = ?"), [month])
    for (_, stadsdorp, dimension, key), (n, p) in _expand(live).items():
        if area in (NETWERK, stadsdorp):
            cells[(dimension, key)] += n
            people[(dimension, key)] += p
    figures = MonthFigures(month, area, cells[(TOTAL, "")], people[(TOTAL, "")])
    for dimension in DIMENSIONS:
        rows = [Row(key, _label(dimension, key), n, people[(d, key)])
                for (d, key), n in cells.items() if d == dimension]
        figures.by[dimension] = sorted(rows, key=lambda r: (-r.people, -r.signups, r.label))
    _add_wishes(db, figures, area_sql, area_params)
    figures.residents = _residents(db, month, area)
    return figures


def _add_wishes(db: sqlite_utils.Database, figures: MonthFigures, area_sql: str,
                area_params: list[Any]) -> None:
    chosen = {kind: Counter[str]() for kind in KINDS}
    parts = {kind: Counter[str]() for kind in KINDS}
    entries: Counter[str] = Counter()
    rows = db.execute(f"SELECT kind, categories, day_parts FROM wishes WHERE month = ?{area_sql}",
                      [figures.month, *area_params])
    for kind, categories, day_parts in rows:
        entries[kind] += 1
        chosen[kind].update(json.loads(categories))
        parts[kind].update(json.loads(day_parts))
    for kind in KINDS:
        figures.wish_entries[kind] = entries[kind]
        figures.wishes[kind] = [(c.label, chosen[kind][c.key]) for c in WISH_CATEGORIES
                                if chosen[kind][c.key]]
        figures.day_parts[kind] = [(part, parts[kind][part]) for part in DAY_PARTS]


def months_back(last: str, count: int) -> list[str]:
    """The `count` months up to and including `last`, oldest first."""
    year, number = (int(part) for part in last.split("-"))
    months = []
    for _ in range(count):
        months.append(f"{year:04d}-{number:02d}")
        year, number = (year - 1, 12) if number == 1 else (year, number - 1)
    return months[::-1]


@dataclass(frozen=True)
class TrendPoint:
    month: str
    signups: int
    people: int
    wishes: int
    offers: int


def trend(db: sqlite_utils.Database, months: list[str], area: str = NETWERK
          ) -> list[TrendPoint]:
    """Per month: signups, people, wishes and offers, for the chart over the year."""
    area_sql, area_params = _in_area(area)
    signups: Counter[str] = Counter()
    people: Counter[str] = Counter()
    marks = ", ".join("?" for _ in months)
    for month, n, p in db.execute(
        "SELECT month, SUM(signups), SUM(people) FROM monitor_folded "
        f"WHERE dimension = ? AND month IN ({marks}){area_sql} GROUP BY month",
        [TOTAL, *months, *area_params],
    ):
        signups[month] += n
        people[month] += p
    live = db.query(
        f"SELECT substr(a.starts_at, 1, 7) AS month, {_AREA} AS stadsdorp, COUNT(*) AS n, "
        "SUM(s.party_size) AS p FROM signups s JOIN activities a ON a.id = s.activity_id "
        "LEFT JOIN kiosks k ON k.id = s.kiosk_id WHERE s.status = 'confirmed' "
        f"AND substr(a.starts_at, 1, 7) IN ({marks}) GROUP BY 1, 2", months)
    for row in live:
        if area in (NETWERK, row["stadsdorp"]):
            signups[row["month"]] += row["n"]
            people[row["month"]] += row["p"]
    wishes: Counter[tuple[str, str]] = Counter()
    for month, kind, n in db.execute(
        f"SELECT month, kind, COUNT(*) FROM wishes WHERE month IN ({marks}){area_sql} "
        "GROUP BY month, kind", [*months, *area_params],
    ):
        wishes[(month, kind)] += n
    return [TrendPoint(m, signups[m], people[m], wishes[(m, "miss")], wishes[(m, "offer")])
            for m in months]


CSV_HEADER = ["maand", "gebied", "onderdeel", "waarde", "aantal", "personen"]


def csv_rows(figures: MonthFigures, area_name: str) -> list[list[str | int]]:
    """The month as the page shows it, one figure a row (long format, for a spreadsheet)."""
    m, a = figures.month, area_name
    rows: list[list[str | int]] = [[m, a, "aanmeldingen totaal", "", figures.signups,
                                    figures.people]]
    for dimension, label in DIMENSIONS.items():
        rows += [[m, a, label.lower(), r.label, r.signups, r.people]
                 for r in figures.by[dimension]]
    for kind in KINDS:
        rows.append([m, a, KIND_LABELS[kind].lower(), "inzendingen",
                     figures.wish_entries[kind], ""])
        rows += [[m, a, KIND_LABELS[kind].lower(), label, n, ""]
                 for label, n in figures.wishes[kind]]
        rows += [[m, a, KIND_LABELS[kind].lower() + " (dagdeel)", part, n, ""]
                 for part, n in figures.day_parts[kind]]
    rows.append([m, a, "bewoners met telefoonnummer", "", figures.residents, ""])
    return rows
