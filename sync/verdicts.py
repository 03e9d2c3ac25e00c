"""What the hub says about a signup, applied on the kiosk.

The hub has the last word on seats across kiosks, with one exception: a signup this
kiosk cancelled stays cancelled (the hub will hear of it from the outbox). When the
verdict changes what the resident was told, the signup goes on the call list.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from kiosk.core import calls
from kiosk.core.clock import now_iso
from sync.http import SyncError

STATUSES = ("confirmed", "waitlist", "cancelled")


def apply_verdict(db: sqlite_utils.Database, state: Any) -> None:
    """`state` is the hub's {"id", "status", "seat", "reason"}; call inside a transaction."""
    if not isinstance(state, dict) or state.get("status") not in STATUSES:
        raise SyncError("Het antwoord van de centrale agenda over een aanmelding klopt niet.")
    row = db.execute(
        "SELECT status FROM signups WHERE id = ?", [str(state.get("id"))]
    ).fetchone()
    if row is None:
        return  # purged here already
    local, verdict = row[0], state["status"]
    if local == "cancelled" or local == verdict:
        db.execute("UPDATE signups SET hub_status = ? WHERE id = ?", [verdict, state["id"]])
        return
    hub_reason = str(state.get("reason") or "")[:200]
    if verdict != "cancelled":
        # A seat given or taken: the call list sees it in the facts, and sees it go
        # again if the hub changes its mind before anyone phoned.
        calls.remember_what_was_told(db, signup_id=state["id"])
        calls.note_from_hub(db, state["id"], hub_reason)
    db.execute(
        "UPDATE signups SET status = ?, hub_status = ?, updated_at = ?, "
        "cancelled_at = CASE WHEN ? = 'cancelled' THEN ? ELSE cancelled_at END WHERE id = ?",
        [verdict, verdict, now_iso(), verdict, now_iso(), state["id"]],
    )
    if verdict == "cancelled":
        calls.ask_to_call(db, state["id"], f"{calls.CANCELLED_CENTRALLY} {hub_reason}".strip())
