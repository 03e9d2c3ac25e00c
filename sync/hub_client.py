"""The kiosk's side of the hub API: a small JSON client, and applying the agenda the
hub sends (activities, seats and leases, news about this kiosk's signups)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import sqlite_utils

from kiosk.core import calls, config, leases
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

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
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
        return answer

    def agenda(self, since: str) -> dict[str, Any]:
        return self._call("GET", f"/api/v1/agenda?since={quote(since)}")

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
    except (KeyError, TypeError, ValueError):
        raise http.SyncError("Het antwoord van de centrale agenda klopt niet.") from None
    with write_transaction(db):
        for activity in activities:
            before = get_activity(db, activity.id)
            save_activity(db, activity)
            if before is not None and before.status != activity.status:
                reason = {"cancelled": calls.ACTIVITY_CANCELLED,
                          "removed": calls.ACTIVITY_REMOVED}.get(activity.status)
                if reason:
                    calls.ask_to_call_for_activity(db, activity.id, reason)
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
        set_cursor(db, cursor)
    return len(activities)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and value >= 0 else 0


def pull_agenda(db: sqlite_utils.Database, client: HubClient) -> int:
    return apply_agenda(db, client.agenda(get_status(db).agenda_cursor))
