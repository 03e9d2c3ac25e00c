"""The agenda as iCalendar, for any calendar app or website to subscribe to:
/agenda.ics for the whole Netwerk, /stadsdorp/<slug>/agenda.ics for one stadsdorp.
Public, so nothing about signups goes in."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import icalendar
from flask import Blueprint, abort, request
from werkzeug.wrappers import Response

from kiosk.core.dutch import AMSTERDAM
from sync.hub.web import get_hub_db, now

bp = Blueprint("hub_ics", __name__)

PRODID = "-//Netwerk Stadsdorpen Amsterdam//Buurtkiosk hub//NL"
PAST = timedelta(days=30)


def build_calendar(rows: Iterable[dict[str, Any]], name: str, stamp: datetime) -> bytes:
    """Pure: activity rows -> an RFC 5545 calendar with the Amsterdam VTIMEZONE."""
    calendar = icalendar.Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", "PUBLISH")
    calendar.add("X-WR-CALNAME", name)
    calendar.add("X-WR-TIMEZONE", "Europe/Amsterdam")
    for row in rows:
        event = icalendar.Event()
        event.add("UID", f"{row['id']}@buurtkiosk")
        event.add("DTSTAMP", stamp)
        event.add("LAST-MODIFIED", _utc(row["updated_at"]))
        # In the named zone: a bare +01:00 offset would come out as TZID "UTC+01:00".
        event.add("DTSTART", datetime.fromisoformat(row["starts_at"]).astimezone(AMSTERDAM))
        if row["ends_at"]:
            event.add("DTEND", datetime.fromisoformat(row["ends_at"]).astimezone(AMSTERDAM))
        event.add("SUMMARY", row["title"])
        description = row["description"]
        if row["capacity"] is not None:
            description += f"\n\nAantal plaatsen: {row['capacity']}."
        if row["price"]:
            description += f"\nPrijs: {row['price']}."
        if description.strip():
            event.add("DESCRIPTION", description.strip())
        location = ", ".join(p for p in (row["location_name"], row["address"]) if p)
        if location:
            event.add("LOCATION", location)
        if row["category"]:
            event.add("CATEGORIES", [row["category"]])
        if row["contact"]:
            event.add("CONTACT", row["contact"])
        event.add("STATUS", "CANCELLED" if row["status"] == "cancelled" else "CONFIRMED")
        calendar.add_component(event)
    # A VTIMEZONE covering the years around the agenda, not 1970-2038 in full.
    calendar.add_missing_timezones(first_date=date(stamp.year - 1, 1, 1),
                                   last_date=date(stamp.year + 3, 1, 1))
    return calendar.to_ical()


def _utc(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(UTC)


def _rows(slug: str | None) -> list[dict[str, Any]]:
    since = (now() - PAST).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    sql = ("SELECT * FROM activities WHERE status != 'removed' AND source NOT LIKE 'kiosk:%' "
           "AND starts_utc >= ?")
    params: list[Any] = [since]
    if slug is not None:
        sql += " AND stadsdorp = ?"
        params.append(slug)
    return list(get_hub_db().query(sql + " ORDER BY starts_utc", params))


def _ics_response(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "public, max-age=300"
    # ETag from the body, so subscribers' conditional GETs cost nothing.
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/agenda.ics")
def whole_agenda() -> Response:
    body = build_calendar(_rows(None), "Netwerk Stadsdorpen Amsterdam", _stamp())
    return _ics_response(body, "agenda.ics")


@bp.get("/stadsdorp/<slug>/agenda.ics")
def stadsdorp_agenda(slug: str) -> Response:
    row = get_hub_db().execute("SELECT name FROM stadsdorpen WHERE slug = ?", [slug]).fetchone()
    if row is None:
        abort(404)
    return _ics_response(build_calendar(_rows(slug), row[0], _stamp()), f"{slug}.ics")


def _stamp() -> datetime:
    # DTSTAMP from the clock would change the body, and so the ETag, on every request.
    rows = get_hub_db().execute("SELECT MAX(updated_at) FROM activities").fetchone()
    return _utc(rows[0]) if rows and rows[0] else datetime(2020, 1, 1, tzinfo=UTC)
