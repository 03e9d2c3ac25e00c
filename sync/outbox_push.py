"""Pushing the outbox to the hub, in batches, oldest first.

A row is marked sent only after the hub's answer for it is in, in one transaction
with the verdict it carries. If the answer never arrives (timeout, cut connection,
the kiosk killed mid-push), the row is simply sent again: its uuid is the hub's
idempotency key, so the resend is answered "duplicate" and nothing is doubled.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from kiosk.core import config
from kiosk.core.clock import now_iso
from kiosk.core.db import write_transaction
from sync.http import SyncError
from sync.hub_client import HubClient
from sync.verdicts import apply_verdict

BATCH_SIZE = 200
OUTCOMES = ("accepted", "duplicate", "moved-to-waitlist", "rejected")
SNAPSHOT_FIELDS = ("title", "starts_at", "ends_at", "location_name", "address", "capacity",
                   "stadsdorp")


@dataclass
class PushReport:
    sent: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def count(self, outcome: str) -> int:
        return self.outcomes.get(outcome, 0)


def unsent(db: sqlite_utils.Database, limit: int) -> list[dict[str, Any]]:
    # rowid order is the order the changes were made: a signup's "created" goes before
    # its "cancelled", even within one second.
    return list(db.query(
        "SELECT id, kind, signup_id, payload, created_at FROM outbox WHERE sent_at IS NULL "
        "ORDER BY rowid LIMIT ?", [limit],
    ))


def rejected_rows(db: sqlite_utils.Database, limit: int = 5) -> list[dict[str, Any]]:
    """The latest rows the hub refused, with its reason, for the sync screen."""
    rows = db.query(
        "SELECT kind, signup_id, result, sent_at FROM outbox WHERE outcome = 'rejected' "
        "ORDER BY sent_at DESC LIMIT ?", [limit],
    )
    return [row | {"reason": json.loads(row["result"] or "{}").get("reason", "")} for row in rows]


def _snapshots(db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The kiosk's own activities (local, or from a feed the hub does not read) travel
    with their signups, so coordinators see every signup centrally."""
    ids = {json.loads(r["payload"]).get("activity_id") for r in rows
           if r["kind"] == "signup.created"}
    ids.discard(None)
    if not ids:
        return {}
    found = db.query(
        f"SELECT id, {', '.join(SNAPSHOT_FIELDS)} FROM activities WHERE source != 'hub' "
        f"AND id IN ({', '.join('?' for _ in ids)})",
        list(ids),
    )
    return {row.pop("id"): row for row in found}


def _event(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "kind": row["kind"], "signup_id": row["signup_id"],
            "payload": json.loads(row["payload"]), "created_at": row["created_at"]}


def push_batch(db: sqlite_utils.Database, client: HubClient, rows: list[dict[str, Any]],
               report: PushReport) -> None:
    with write_transaction(db):
        db.execute(
            f"UPDATE outbox SET attempts = attempts + 1 "
            f"WHERE id IN ({', '.join('?' for _ in rows)})",
            [r["id"] for r in rows],
        )
    kiosk = {"id": config.kiosk_id(db), "name": config.get_setting(db, "kiosk_name")}
    answer = client.post_events([_event(r) for r in rows], _snapshots(db, rows), kiosk)
    results = answer.get("results")
    if not isinstance(results, list):
        raise SyncError("Het antwoord van de centrale agenda klopt niet (geen resultaten).")
    by_id = {r.get("id"): r for r in results if isinstance(r, dict)}
    answered = 0
    with write_transaction(db):
        stamp = now_iso()
        for row in rows:
            result = by_id.get(row["id"])
            if result is None or result.get("result") not in OUTCOMES:
                continue  # stays unsent, and is sent again
            if result.get("signup"):
                apply_verdict(db, result["signup"])
            db.execute(
                "UPDATE outbox SET sent_at = ?, outcome = ?, result = ? WHERE id = ?",
                [stamp, result["result"], json.dumps(result, ensure_ascii=False), row["id"]],
            )
            report.outcomes[result["result"]] = report.outcomes.get(result["result"], 0) + 1
            answered += 1
    report.sent += answered
    if answered < len(rows):
        raise SyncError(
            f"De centrale agenda beantwoordde {len(rows) - answered} wijziging(en) niet. "
            "Die worden later opnieuw gestuurd."
        )


def push_outbox(
    db: sqlite_utils.Database, client: HubClient, *, batch_size: int = BATCH_SIZE
) -> PushReport:
    """Send every unsent row. Raises SyncError on the first failure; what was answered
    before it stays answered."""
    report = PushReport()
    while rows := unsent(db, batch_size):
        push_batch(db, client, rows, report)
    return report
