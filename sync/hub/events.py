"""A batch of outbox rows from one kiosk -> one answer per row, in one transaction.

The row's uuid is its idempotency key: a row seen before is answered "duplicate" with
the signup's current state, so a kiosk that lost an answer (timeout, cut connection,
killed mid-push) learns the verdict on the resend. A row that cannot be used is
"rejected" with a reason; anything unexpected fails the whole batch (HTTP 500) and the
kiosk sends it again later, so nothing is ever half-applied or silently dropped.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlite_utils

from kiosk.core.agenda import Activity
from kiosk.core.clock import now_iso
from kiosk.core.db import write_transaction
from sync.hub import agenda, monitor, seats, wishes
from sync.hub.db import next_rev

MAX_TEXT = 200


class Rejected(ValueError):
    """A row the hub will never accept, with the reason in Dutch."""


@dataclass(frozen=True)
class Context:
    db: sqlite_utils.Database
    kiosk: dict[str, Any]
    snapshots: dict[str, Any]
    rev: int


Result = dict[str, Any]


def process_batch(
    db: sqlite_utils.Database,
    kiosk: dict[str, Any],
    events: list[Any],
    snapshots: dict[str, Any] | None = None,
) -> list[Result]:
    with write_transaction(db):
        ctx = Context(db, kiosk, snapshots or {}, next_rev(db))
        results = [_one(ctx, event) for event in events]
        db.execute("UPDATE kiosks SET last_push_at = ? WHERE id = ?", [now_iso(), kiosk["id"]])
    return results


def _one(ctx: Context, event: Any) -> Result:
    if not isinstance(event, dict) or not _short_text(event.get("id"), 64):
        return {"id": None, "result": "rejected", "reason": "Wijziging zonder geldig kenmerk."}
    event_id = event["id"]
    prior = ctx.db.execute(
        "SELECT kiosk_id, result FROM received_events WHERE id = ?", [event_id]
    ).fetchone()
    if prior is not None:
        if prior[0] != ctx.kiosk["id"]:
            return _rejected(event_id, "Dit kenmerk is al gebruikt door een andere kiosk.")
        stored = json.loads(prior[1])
        if stored["result"] == "rejected":
            return stored
        return {"id": event_id, "result": "duplicate",
                "signup": _state(ctx, (stored.get("signup") or {}).get("id"))}
    kind = event.get("kind")
    handler = HANDLERS.get(kind) if isinstance(kind, str) else None
    try:
        if handler is None:
            raise Rejected(f"Onbekende soort wijziging: {str(kind)[:40]!r}.")
        payload = event.get("payload")
        if not isinstance(payload, dict):
            raise Rejected("De wijziging heeft geen gegevens.")
        with write_transaction(ctx.db):  # a savepoint: a rejected row leaves no trace
            result = {"id": event_id, **handler(ctx, payload)}
    except Rejected as err:
        result = _rejected(event_id, str(err))
    signup_id = (result.get("signup") or {}).get("id") or ""
    ctx.db.execute(
        "INSERT INTO received_events (id, kiosk_id, kind, signup_id, result, received_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [event_id, ctx.kiosk["id"], str(kind)[:40], signup_id, json.dumps(result), now_iso()],
    )
    return result


def _rejected(event_id: str, reason: str) -> Result:
    return {"id": event_id, "result": "rejected", "reason": reason}


def _short_text(value: Any, limit: int = MAX_TEXT) -> bool:
    return isinstance(value, str) and 0 < len(value) <= limit


def _text(payload: dict[str, Any], key: str, limit: int = MAX_TEXT) -> str:
    value = payload.get(key) or ""
    if not isinstance(value, str) or len(value) > limit:
        raise Rejected(f"Het veld {key!r} klopt niet.")
    return value


def _state(ctx: Context, signup_id: str | None) -> dict[str, Any] | None:
    if not signup_id:
        return None
    row = ctx.db.execute(
        "SELECT id, status, seat, reason FROM signups WHERE id = ? AND kiosk_id = ?",
        [signup_id, ctx.kiosk["id"]],
    ).fetchone()
    return {"id": row[0], "status": row[1], "seat": row[2], "reason": row[3]} if row else None


def _own_signup(ctx: Context, payload: dict[str, Any]) -> dict[str, Any]:
    signup_id = _text(payload, "id", 64)
    rows = list(ctx.db.query("SELECT * FROM signups WHERE id = ?", [signup_id]))
    # Another kiosk's signup looks exactly like one that does not exist: no kiosk may
    # learn anything about another kiosk's residents.
    if not rows or rows[0]["kiosk_id"] != ctx.kiosk["id"]:
        raise Rejected("Deze aanmelding is niet bekend bij de centrale agenda.")
    return rows[0]


def _activity_for(ctx: Context, activity_id: str) -> dict[str, Any]:
    """The hub's own activity, or the kiosk's own one (local or from a feed only that
    kiosk reads) made from the snapshot the kiosk sent along."""
    row = agenda.get_activity(ctx.db, activity_id)
    if row is not None and not row["source"].startswith(seats.OWNED_BY_KIOSK):
        return row
    # Kiosk-made ids may clash between kiosks ("a1"), so the hub keeps them apart.
    local_id = f"k{ctx.kiosk['id']}:{activity_id}"
    row = agenda.get_activity(ctx.db, local_id)
    if row is not None:
        return row
    snapshot = ctx.snapshots.get(activity_id)
    if not isinstance(snapshot, dict):
        raise Rejected("Deze activiteit is niet bekend bij de centrale agenda.")
    try:
        activity = Activity(
            id=local_id,
            title=_text(snapshot, "title") or "Activiteit",
            starts_at=datetime.fromisoformat(_text(snapshot, "starts_at", 40)),
            ends_at=(datetime.fromisoformat(snapshot["ends_at"])
                     if snapshot.get("ends_at") else None),
            stadsdorp="",
            location_name=_text(snapshot, "location_name"),
            address=_text(snapshot, "address"),
            capacity=snapshot.get("capacity") if isinstance(snapshot.get("capacity"), int)
            else None,
            status="scheduled",
            source=f"{seats.OWNED_BY_KIOSK}{ctx.kiosk['name']}",
        )
        agenda.save_activity(ctx.db, activity, rev=ctx.rev)
    except (TypeError, ValueError) as err:
        raise Rejected(f"De gegevens van de activiteit kloppen niet ({err}).") from None
    row = agenda.get_activity(ctx.db, local_id)
    assert row is not None
    return row


def _created(ctx: Context, payload: dict[str, Any]) -> Result:
    signup_id = _text(payload, "id", 64)
    existing = ctx.db.execute("SELECT kiosk_id FROM signups WHERE id = ?", [signup_id]).fetchone()
    if existing is not None:
        if existing[0] != ctx.kiosk["id"]:
            raise Rejected("Deze aanmelding is al door een andere kiosk doorgegeven.")
        return {"result": "duplicate", "signup": _state(ctx, signup_id)}
    size = payload.get("party_size")
    if not isinstance(size, int) or not 1 <= size <= 10:
        raise Rejected("Het aantal personen klopt niet (1 tot en met 10).")
    asked = payload.get("status")
    if asked not in ("confirmed", "waitlist"):
        raise Rejected("De status van de aanmelding klopt niet.")
    basis = payload.get("seat_basis")
    if basis not in (None, "lease", "provisional"):
        raise Rejected("De plaatssoort van de aanmelding klopt niet.")
    activity = _activity_for(ctx, _text(payload, "activity_id", 120))
    status, seat, reason = asked, None, ""
    if seats.enforced(activity):
        status, seat, reason = seats.decide(ctx.db, activity, ctx.kiosk["id"], size, basis)
    now = now_iso()
    ctx.db.execute(
        "INSERT INTO signups (id, activity_id, kiosk_id, code, name, phone, party_size, channel, "
        "slip_code, status, seat, reason, created_at, received_at, updated_at, note, rev) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [signup_id, activity["id"], ctx.kiosk["id"], _text(payload, "code", 12),
         _text(payload, "name"), _text(payload, "phone", 20), size,
         _text(payload, "channel", 12), _text(payload, "slip_code", 40) or None, status, seat,
         reason, _text(payload, "created_at", 40) or now, now, now, _text(payload, "note", 500),
         ctx.rev],
    )
    if phone := _text(payload, "phone", 20):
        area = activity["stadsdorp"] or _only_stadsdorp(ctx.kiosk)
        monitor.note_resident(ctx.db, activity["starts_at"][:7], area, phone)
    moved = status == "waitlist" and asked == "confirmed"
    return {"result": "moved-to-waitlist" if moved else "accepted",
            "signup": _state(ctx, signup_id), **({"reason": reason} if moved else {})}


def _cancelled(ctx: Context, payload: dict[str, Any]) -> Result:
    signup = _own_signup(ctx, payload)
    if signup["status"] != "cancelled":
        ctx.db.execute(
            "UPDATE signups SET status = 'cancelled', cancelled_at = ?, updated_at = ?, "
            "rev = ? WHERE id = ?",
            [_text(payload, "at", 40) or now_iso(), now_iso(), ctx.rev, signup["id"]],
        )
        # A freed pool seat goes to the waitlist; a freed lease seat stays with the kiosk,
        # which gives it back itself when it sees people waiting.
        if signup["status"] == "confirmed" and signup["seat"] == "pool":
            activity = agenda.get_activity(ctx.db, signup["activity_id"])
            if activity is not None:
                seats.promote_waitlist(ctx.db, activity, ctx.rev)
    return {"result": "accepted", "signup": _state(ctx, signup["id"])}


def _confirmed(ctx: Context, payload: dict[str, Any]) -> Result:
    """A kiosk moved a waitlisted signup up on its own (an activity it decides alone)."""
    signup = _own_signup(ctx, payload)
    activity = agenda.get_activity(ctx.db, signup["activity_id"])
    if signup["status"] != "waitlist" or activity is None:
        return {"result": "accepted", "signup": _state(ctx, signup["id"])}
    status, seat, reason = "confirmed", None, ""
    if seats.enforced(activity):
        status, seat, reason = seats.decide(
            ctx.db, activity, ctx.kiosk["id"], signup["party_size"], None
        )
    if status == "waitlist":
        return {"result": "moved-to-waitlist", "signup": _state(ctx, signup["id"]),
                "reason": reason}
    ctx.db.execute(
        "UPDATE signups SET status = 'confirmed', seat = ?, reason = '', updated_at = ?, "
        "rev = ? WHERE id = ?",
        [seat, now_iso(), ctx.rev, signup["id"]],
    )
    return {"result": "accepted", "signup": _state(ctx, signup["id"])}


def _attended(ctx: Context, payload: dict[str, Any]) -> Result:
    signup = _own_signup(ctx, payload)
    ctx.db.execute(
        "UPDATE signups SET attended_at = ?, updated_at = ?, rev = ? WHERE id = ?",
        [_text(payload, "at", 40) or now_iso(), now_iso(), ctx.rev, signup["id"]],
    )
    return {"result": "accepted", "signup": _state(ctx, signup["id"])}


def _forgotten(ctx: Context, payload: dict[str, Any]) -> Result:
    """An AVG request on the kiosk: the hub deletes its copy too. A signup the hub never
    had (the kiosk was offline) or that is not this kiosk's is simply not there."""
    signup_id = _text(payload, "id", 64)
    row = ctx.db.execute(
        "SELECT activity_id, status, seat FROM signups WHERE id = ? AND kiosk_id = ?",
        [signup_id, ctx.kiosk["id"]],
    ).fetchone()
    if row is not None:
        ctx.db.execute("DELETE FROM signups WHERE id = ?", [signup_id])
        activity = agenda.get_activity(ctx.db, row[0])
        if activity is not None and row[1] == "confirmed" and row[2] == "pool":
            seats.promote_waitlist(ctx.db, activity, ctx.rev)
    return {"result": "accepted", "signup": None}


def _lease_returned(ctx: Context, payload: dict[str, Any]) -> Result:
    number = payload.get("seats")
    if not isinstance(number, int) or number < 0:
        raise Rejected("Het aantal teruggegeven plaatsen klopt niet.")
    activity = agenda.get_activity(ctx.db, _text(payload, "activity_id", 120))
    if activity is not None and seats.enforced(activity):
        seats.return_seats(ctx.db, activity, ctx.kiosk["id"], number, ctx.rev)
    return {"result": "accepted", "signup": None}


def _only_stadsdorp(kiosk: dict[str, Any]) -> str:
    scope = [s for s in str(kiosk.get("stadsdorpen") or "").split(",") if s]
    return scope[0] if len(scope) == 1 else ""


def _wish_created(ctx: Context, payload: dict[str, Any]) -> Result:
    try:
        outcome = wishes.store_wish(ctx.db, ctx.kiosk, payload)
    except wishes.BadWish as err:
        raise Rejected(str(err)) from None
    return {"result": outcome, "signup": None}


def _wish_called(ctx: Context, payload: dict[str, Any]) -> Result:
    wishes.mark_called(ctx.db, ctx.kiosk, payload)
    return {"result": "accepted", "signup": None}


def _wish_forgotten(ctx: Context, payload: dict[str, Any]) -> Result:
    wishes.forget_contact(ctx.db, ctx.kiosk, payload)
    return {"result": "accepted", "signup": None}


HANDLERS: dict[str, Callable[[Context, dict[str, Any]], Result]] = {
    "signup.created": _created,
    "signup.cancelled": _cancelled,
    "signup.confirmed": _confirmed,
    "signup.attended": _attended,
    "signup.forgotten": _forgotten,
    "lease.returned": _lease_returned,
    "wish.created": _wish_created,
    "wish.called": _wish_called,
    "wish.forgotten": _wish_forgotten,
}
