"""The kiosk's side of the hub API: a small JSON client, and applying the agenda the
hub sends (activities, seats and leases, news about this kiosk's signups)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import sqlite_utils

from kiosk.core import calls, clock, config, door_list, leases, tickets
from kiosk.core.activity_ids import move_activity_id
from kiosk.core.agenda import Activity, get_activity, save_activity
from kiosk.core.db import write_transaction
from sync import http
from sync.status import get_status, set_cursor
from sync.verdicts import apply_verdict

API_VERSION = 1
WHAT = "De centrale agenda"
MAX_RESPONSE = 32 * 1024 * 1024


@dataclass(frozen=True)
class HubClient:
    base_url: str
    token: str
    timeout: float = http.TIMEOUT

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None,
              extra: dict[str, str] | None = None) -> dict[str, Any]:
        return self._exchange(method, path, body, extra)[0]

    def _exchange(self, method: str, path: str, body: dict[str, Any] | None = None,
                  extra: dict[str, str] | None = None) -> tuple[dict[str, Any], str]:
        """The answer and the hub's HTTP Date header."""
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json",
                   **(extra or {})}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body, ensure_ascii=False).encode()
        response = http.request(
            method, self.base_url.rstrip("/") + path, headers=headers, body=data,
            max_bytes=MAX_RESPONSE, timeout=self.timeout, what=WHAT,
        )
        if response.status != 200:
            raise _status_error(response)
        answer = http.json_body(response, WHAT)
        if answer.get("version") != API_VERSION:
            raise http.SyncError(
                "De centrale agenda spreekt een andere versie. Werk de kiosk of de hub bij."
            )
        return answer, response.header("date")

    def agenda(self, since: str, ticket_key: str = "") -> tuple[dict[str, Any], str]:
        """The agenda and the hub's Date header. `ticket_key` ("id:base64") hands the
        hub this kiosk's public ticket key, so every other kiosk can check its tickets."""
        extra = {tickets.KEY_HEADER: ticket_key} if ticket_key else None
        return self._exchange("GET", f"/api/v1/agenda?since={quote(since)}", extra=extra)

    def post_events(
        self, events: list[dict[str, Any]], activities: dict[str, Any], kiosk: dict[str, str]
    ) -> dict[str, Any]:
        body = {"version": API_VERSION, "kiosk": kiosk, "events": events,
                "activities": activities}
        return self._call("POST", "/api/v1/events", body)


def _status_error(response: http.Response) -> http.SyncError:
    try:
        said = str(json.loads(response.body)["error"]["message"])[:300]
    except (ValueError, KeyError, TypeError):
        said = ""
    if response.status == 401:
        return http.SyncError(
            "De centrale agenda kent deze kiosk niet. Controleer de sleutel (token) bij "
            "Instellingen.", 401,
        )
    if response.status >= 500:
        return http.SyncError(
            f"De centrale agenda heeft een storing (fout {response.status}). "
            "De kiosk probeert het later opnieuw.", response.status,
        )
    return http.SyncError(
        f"De centrale agenda weigert het verzoek (fout {response.status}). {said}".strip(),
        response.status,
    )


def client_from_settings(db: sqlite_utils.Database) -> HubClient | None:
    url = config.get_setting(db, "hub_url").strip()
    return HubClient(url, config.get_setting(db, "hub_token").strip()) if url else None


def activity_from_json(item: Any) -> Activity:
    if not isinstance(item, dict):
        raise ValueError("activity is not an object")
    capacity = item.get("capacity")
    if capacity is not None and (not isinstance(capacity, int) or capacity < 0):
        raise ValueError("bad capacity")
    if item.get("status") not in ("scheduled", "cancelled", "removed"):
        raise ValueError("bad status")
    text: dict[str, Any] = {k: str(item.get(k) or "")[:2000] for k in (
        "stadsdorp", "short_name", "description", "location_name", "address", "price",
        "contact", "category", "accessibility")}
    return Activity(
        id=str(item["id"])[:120],
        title=str(item["title"])[:200],
        starts_at=datetime.fromisoformat(item["starts_at"]),
        ends_at=datetime.fromisoformat(item["ends_at"]) if item.get("ends_at") else None,
        capacity=capacity,
        status=item["status"],
        source="hub",
        **text,
    )


def apply_agenda(db: sqlite_utils.Database, answer: dict[str, Any]) -> int:
    """All or nothing: a malformed answer changes nothing. Returns activities changed."""
    try:
        activities = [activity_from_json(item) for item in answer["activities"]]
        seat_rows = [s for s in answer["seats"] if isinstance(s, dict)]
        verdicts = list(answer["signups"])
        cursor = str(answer["cursor"])
        renamed = [(str(r["from"]), str(r["to"])) for r in answer.get("renamed", [])]
        keys = [k for k in answer.get("ticket_keys", []) if isinstance(k, dict)]
        attendees = answer.get("attendees")
        if attendees is not None and not isinstance(attendees, list):
            raise TypeError("attendees is not a list")
        covered = answer.get("attendees_window")
    except (KeyError, TypeError, ValueError):
        raise http.SyncError("Het antwoord van de centrale agenda klopt niet.") from None
    with write_transaction(db):
        for old_id, new_id in renamed:
            move_activity_id(db, old_id, new_id)
        for activity in activities:
            if get_activity(db, activity.id) is not None:
                calls.remember_what_was_told(db, activity_id=activity.id)
            save_activity(db, activity)
        leased: list[str] = []
        for seat in seat_rows:
            activity_id = str(seat.get("activity_id"))
            if get_activity(db, activity_id) is None:
                continue
            leases.set_lease(db, activity_id, _int(seat.get("lease")),
                             _int(seat.get("seats_taken")), _int(seat.get("waiting")))
            leased.append(activity_id)
        # No seat row: no capacity any more, or cancelled, or past. No lease needed.
        db.execute("DELETE FROM seat_leases WHERE activity_id NOT IN "
                   "(SELECT value FROM json_each(?))", [json.dumps(leased)])
        for verdict in verdicts:
            apply_verdict(db, verdict)
        tickets.remember_keys(db, keys)
        if attendees is not None:
            door_list.store(db, attendees, covered)
        set_cursor(db, cursor)
    return len(activities)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and value >= 0 else 0


def pull_agenda(db: sqlite_utils.Database, client: HubClient,
                now: datetime | None = None) -> int:
    """`now`: this kiosk's clock when the answer came, to measure how far it is off."""
    key_id, public = tickets.public_key(db)
    answer, date = client.agenda(get_status(db).agenda_cursor, f"{key_id}:{public}")
    changed = apply_agenda(db, answer)
    hub_time = _http_date(date)
    if hub_time is not None:
        here = now or datetime.now(UTC)
        with write_transaction(db):
            clock.record_hub_offset(db, hub_time - here, here)
    return changed


def _http_date(value: str) -> datetime | None:
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo is not None else None
