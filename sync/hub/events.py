"""A batch of outbox rows from one kiosk -> one answer per row, in one transaction.

The row's uuid is its idempotency key: a row seen before is answered "duplicate" with
the signup's current state, so a kiosk that lost an answer (timeout, cut connection,
killed mid-push) learns the verdict on the resend. Every field of a row is checked
(types, bounds, the input policy of kiosk.core.inputs) and what a kiosk may touch is
sync/hub/scope.py's table; a row that cannot be used is "rejected" with a reason on its
own and the rest are applied. Anything unexpected is a bug: it fails the whole batch
(HTTP 500, traceback in the log) and the kiosk sends it again later, so nothing is ever
half-applied or silently dropped.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from kiosk.core import codes, inputs
from kiosk.core.agenda import Activity
from kiosk.core.clock import now_iso
from kiosk.core.db import write_transaction
from kiosk.core.signups import CHANNELS, MAX_PARTY
from sync.hub import agenda, doors, monitor, scope, seats, wishes
from sync.hub.db import next_rev

MAX_TEXT = 200
MAX_ID = 64
MAX_ACTIVITY_ID = 300
MAX_CAPACITY = 10_000
# The same words whether a thing does not exist or belongs to another kiosk or stadsdorp:
# an answer must never tell a kiosk that someone else's signup or activity is there.
UNKNOWN_SIGNUP = "Deze aanmelding is niet bekend bij de centrale agenda."
UNKNOWN_ACTIVITY = "Deze activiteit is niet bekend bij de centrale agenda."
NOT_TAKEN = "Deze wijziging neemt de centrale agenda niet aan."


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
    if not isinstance(event, dict) or inputs.record_id(event.get("id"), MAX_ID) is None:
        return {"id": None, "result": "rejected", "reason": "Wijziging zonder geldig kenmerk."}
    event_id = event["id"]
    prior = ctx.db.execute(
        "SELECT kiosk_id, result FROM received_events WHERE id = ?", [event_id]
    ).fetchone()
    if prior is not None:
        if prior[0] != ctx.kiosk["id"]:
            return _rejected(event_id, NOT_TAKEN)
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


def _text(payload: dict[str, Any], key: str, limit: int = MAX_TEXT) -> str:
    """A text field by the one input policy (NFC, no control characters, bounded)."""
    value = payload.get(key)
    if value is None or value == "":
        return ""
    try:
        return inputs.text(value, limit=limit, multiline=key in ("note", "description"))
    except inputs.InputError:
        raise Rejected(f"Het veld {key!r} klopt niet.") from None


def _moment(payload: dict[str, Any], key: str, *, required: bool = False) -> datetime | None:
    """An ISO 8601 time with its offset (a time without one means nothing on the hub)."""
    raw = payload.get(key)
    if raw is None or raw == "":
        if required:
            raise Rejected(f"Het veld {key!r} ontbreekt.")
        return None
    if not isinstance(raw, str) or len(raw) > 40:
        raise Rejected(f"Het veld {key!r} klopt niet.")
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise Rejected(f"Het veld {key!r} is geen tijd.") from None
    if moment.tzinfo is None:
        raise Rejected(f"Het veld {key!r} heeft geen tijdzone.")
    return moment


def _stamp(payload: dict[str, Any], key: str) -> str:
    moment = _moment(payload, key)
    return payload[key] if moment is not None else ""


def _number(value: Any, low: int, high: int) -> int | None:
    """A whole number within bounds; JSON's true and false are not numbers."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return None
    return value


def _signup_id(payload: dict[str, Any]) -> str:
    signup_id = inputs.signup_id(payload.get("id"))
    if signup_id is None:
        raise Rejected(UNKNOWN_SIGNUP)
    return signup_id


def _state(ctx: Context, signup_id: str | None) -> dict[str, Any] | None:
    if not signup_id:
        return None
    row = ctx.db.execute(
        "SELECT id, status, seat, reason FROM signups WHERE id = ? AND kiosk_id = ?",
        [signup_id, ctx.kiosk["id"]],
    ).fetchone()
    return {"id": row[0], "status": row[1], "seat": row[2], "reason": row[3]} if row else None


def _signup_in_scope(ctx: Context, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The signup this event names, if scope.SCOPE lets this kiosk touch it for `kind`.
    Out of scope looks exactly like not there: no kiosk learns of another's residents."""
    rows = list(ctx.db.query("SELECT * FROM signups WHERE id = ?", [_signup_id(payload)]))
    if not rows or not scope.signup_allowed(ctx.db, ctx.kiosk, kind, rows[0]):
        raise Rejected(UNKNOWN_SIGNUP)
    if scope.SCOPE[kind].activity_in_scope:
        activity = agenda.get_activity(ctx.db, rows[0]["activity_id"])
        if activity is None or not scope.activity_in_scope(ctx.kiosk, activity):
            raise Rejected(UNKNOWN_SIGNUP)
    return rows[0]


def _activity_for(ctx: Context, activity_id: str) -> dict[str, Any]:
    """The hub's own activity, or the kiosk's own one (local or from a feed only that
    kiosk reads) made from the snapshot the kiosk sent along."""
    if inputs.record_id(activity_id, MAX_ACTIVITY_ID) is None:
        raise Rejected(UNKNOWN_ACTIVITY)
    row = agenda.get_activity(ctx.db, agenda.current_id(ctx.db, activity_id))
    if row is not None and not row["source"].startswith(seats.OWNED_BY_KIOSK):
        if not scope.activity_in_scope(ctx.kiosk, row):
            raise Rejected(UNKNOWN_ACTIVITY)  # another stadsdorp's: as if not there
        return row
    # Kiosk-made ids may clash between kiosks ("a1"), so the hub keeps them apart.
    local_id = f"k{ctx.kiosk['id']}:{activity_id}"
    row = agenda.get_activity(ctx.db, local_id)
    if row is not None:
        return row
    snapshot = ctx.snapshots.get(activity_id)
    if not isinstance(snapshot, dict):
        raise Rejected(UNKNOWN_ACTIVITY)
    starts_at = _moment(snapshot, "starts_at", required=True)
    ends_at = _moment(snapshot, "ends_at")
    assert starts_at is not None
    if ends_at is not None and ends_at < starts_at:
        raise Rejected("De activiteit eindigt voordat ze begint.")
    capacity = snapshot.get("capacity")
    if capacity is not None and _number(capacity, 0, MAX_CAPACITY) is None:
        raise Rejected(f"Het aantal plaatsen klopt niet (0 tot en met {MAX_CAPACITY}).")
    activity = Activity(
        id=local_id,
        title=_text(snapshot, "title") or "Activiteit",
        starts_at=starts_at,
        ends_at=ends_at,
        stadsdorp="",
        location_name=_text(snapshot, "location_name"),
        address=_text(snapshot, "address"),
        capacity=capacity,
        status="scheduled",
        source=f"{seats.OWNED_BY_KIOSK}{ctx.kiosk['name']}",
    )
    agenda.save_activity(ctx.db, activity, rev=ctx.rev)
    row = agenda.get_activity(ctx.db, local_id)
    assert row is not None
    return row


def _created(ctx: Context, payload: dict[str, Any]) -> Result:
    signup_id = _signup_id(payload)
    existing = ctx.db.execute("SELECT kiosk_id FROM signups WHERE id = ?", [signup_id]).fetchone()
    if existing is not None:
        if existing[0] != ctx.kiosk["id"]:
            raise Rejected(NOT_TAKEN)
        return {"result": "duplicate", "signup": _state(ctx, signup_id)}
    size = _number(payload.get("party_size"), 1, MAX_PARTY)
    if size is None:
        raise Rejected(f"Het aantal personen klopt niet (1 tot en met {MAX_PARTY}).")
    asked = payload.get("status")
    if asked not in ("confirmed", "waitlist"):
        raise Rejected("De status van de aanmelding klopt niet.")
    basis = payload.get("seat_basis")
    if basis not in (None, "lease", "provisional"):
        raise Rejected("De plaatssoort van de aanmelding klopt niet.")
    channel = payload.get("channel") or ""
    if channel not in (*CHANNELS, ""):
        raise Rejected("Het kanaal van de aanmelding klopt niet.")
    code = _text(payload, "code", 12)
    if code and codes.normalize_code(code) != code:
        raise Rejected("De code van de aanmelding klopt niet.")
    activity_id = payload.get("activity_id")
    activity = _activity_for(ctx, activity_id if isinstance(activity_id, str) else "")
    status, seat, reason = asked, None, ""
    if seats.enforced(activity):
        status, seat, reason = seats.decide(ctx.db, activity, ctx.kiosk["id"], size, basis)
    now = now_iso()
    ctx.db.execute(
        "INSERT INTO signups (id, activity_id, kiosk_id, code, name, phone, party_size, channel, "
        "slip_code, status, seat, reason, created_at, received_at, updated_at, note, rev) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [signup_id, activity["id"], ctx.kiosk["id"], code,
         _text(payload, "name", 80), _text(payload, "phone", 20), size,
         channel, _text(payload, "slip_code", 40) or None, status, seat,
         reason, _stamp(payload, "created_at") or now, now, now, _text(payload, "note", 500),
         ctx.rev],
    )
    if _late(payload, activity):
        ctx.db.execute("UPDATE signups SET late = 1 WHERE id = ?", [signup_id])
    if phone := _text(payload, "phone", 20):
        area = activity["stadsdorp"] or _only_stadsdorp(ctx.kiosk)
        monitor.note_resident(ctx.db, activity["starts_at"][:7], area, phone)
    moved = status == "waitlist" and asked == "confirmed"
    return {"result": "moved-to-waitlist" if moved else "accepted",
            "signup": _state(ctx, signup_id), **({"reason": reason} if moved else {})}


MAX_CLOCK_OFFSET = 7 * 24 * 3600  # seconds; beyond it the kiosk's figure is nonsense


def _late(payload: dict[str, Any], activity: dict[str, Any]) -> bool:
    """Made after the activity began, by the hub's clock: the kiosk's creation time plus
    the offset it measured from the hub. Flagged for a call, never refused: a paper slip
    or an offline kiosk pushes late for good reasons."""
    made = _moment(payload, "created_at")
    offset = payload.get("clock_offset_s", 0)
    if made is None or isinstance(offset, bool) or not isinstance(offset, (int, float)) \
            or abs(offset) > MAX_CLOCK_OFFSET:
        return False
    starts = datetime.fromisoformat(activity["starts_at"])
    return made + timedelta(seconds=offset) > starts


def _cancelled(ctx: Context, payload: dict[str, Any]) -> Result:
    signup = _signup_in_scope(ctx, "signup.cancelled", payload)
    if signup["status"] != "cancelled":
        ctx.db.execute(
            "UPDATE signups SET status = 'cancelled', cancelled_at = ?, updated_at = ?, "
            "rev = ? WHERE id = ?",
            [_stamp(payload, "at") or now_iso(), now_iso(), ctx.rev, signup["id"]],
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
    signup = _signup_in_scope(ctx, "signup.confirmed", payload)
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
    """A check-in: of this kiosk's own signup, or of one on the attendee list the hub
    sent it (scope.on_attendee_list). Every door's check-in is kept, so a double shows."""
    signup = _signup_in_scope(ctx, "signup.attended", payload)
    at = _stamp(payload, "at") or now_iso()
    doors.record_check_in(ctx.db, signup["id"], ctx.kiosk["id"], at)
    ctx.db.execute(
        "UPDATE signups SET attended_at = COALESCE(attended_at, ?), updated_at = ?, rev = ? "
        "WHERE id = ?",
        [at, now_iso(), ctx.rev, signup["id"]],
    )
    own = signup["kiosk_id"] == ctx.kiosk["id"]
    return {"result": "accepted", "signup": _state(ctx, signup["id"]) if own else None}


def _ticket_attended(ctx: Context, payload: dict[str, Any]) -> Result:
    """A resident let in on a genuine ticket of another kiosk that no list at that door
    held: named by the code and the signing kiosk's key, as the ticket carries no signup
    id. Kept as a check-in at this door (so a double shows) of a confirmed signup in
    this kiosk's stadsdorpen; anything else is answered the same, so no kiosk learns of
    another's residents by asking."""
    code = codes.normalize_code(str(payload.get("code") or ""))
    key = payload.get("key_id")
    at = _stamp(payload, "at") or now_iso()
    if code is None or not isinstance(key, str) or not key:
        return {"result": "accepted", "signup": None}
    row = ctx.db.execute(
        "SELECT s.id, s.activity_id FROM signups s JOIN kiosks k ON k.id = s.kiosk_id "
        "WHERE k.ticket_key_id = ? AND s.code = ? AND s.status = 'confirmed'", [key, code],
    ).fetchone()
    activity = agenda.get_activity(ctx.db, row[1]) if row else None
    if row and activity is not None and scope.activity_in_scope(ctx.kiosk, activity):
        doors.record_check_in(ctx.db, row[0], ctx.kiosk["id"], at)
        ctx.db.execute(
            "UPDATE signups SET attended_at = COALESCE(attended_at, ?), updated_at = ?, "
            "rev = ? WHERE id = ?", [at, now_iso(), ctx.rev, row[0]],
        )
    return {"result": "accepted", "signup": None}


def _forgotten(ctx: Context, payload: dict[str, Any]) -> Result:
    """An AVG request on the kiosk: the hub deletes its copy too. A signup the hub never
    had (the kiosk was offline) or that is not this kiosk's is simply not there, and the
    answer is the same either way."""
    try:
        signup = _signup_in_scope(ctx, "signup.forgotten", payload)
    except Rejected:
        return {"result": "accepted", "signup": None}
    ctx.db.execute("DELETE FROM signups WHERE id = ?", [signup["id"]])
    activity = agenda.get_activity(ctx.db, signup["activity_id"])
    if activity is not None and signup["status"] == "confirmed" and signup["seat"] == "pool":
        seats.promote_waitlist(ctx.db, activity, ctx.rev)
    return {"result": "accepted", "signup": None}


def _lease_returned(ctx: Context, payload: dict[str, Any]) -> Result:
    number = _number(payload.get("seats"), 0, MAX_CAPACITY)
    if number is None:
        raise Rejected("Het aantal teruggegeven plaatsen klopt niet.")
    activity_id = inputs.record_id(payload.get("activity_id"), MAX_ACTIVITY_ID)
    activity = (agenda.get_activity(ctx.db, agenda.current_id(ctx.db, activity_id))
                if activity_id else None)
    # Not there, or another stadsdorp's: nothing to give back, and the same answer.
    if activity is not None and not scope.activity_in_scope(ctx.kiosk, activity):
        activity = None
    if activity is not None and seats.enforced(activity):
        seats.return_seats(ctx.db, activity, ctx.kiosk["id"], number, ctx.rev)
    return {"result": "accepted", "signup": None}


def _only_stadsdorp(kiosk: dict[str, Any]) -> str:
    scope = [s for s in str(kiosk.get("stadsdorpen") or "").split(",") if s]
    return scope[0] if len(scope) == 1 else ""


def _wish_created(ctx: Context, payload: dict[str, Any]) -> Result:
    try:
        outcome = wishes.store_wish(ctx.db, ctx.kiosk, payload)
    except wishes.ForeignWish:
        raise Rejected(NOT_TAKEN) from None
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
    "ticket.attended": _ticket_attended,
    "signup.forgotten": _forgotten,
    "lease.returned": _lease_returned,
    "wish.created": _wish_created,
    "wish.called": _wish_called,
    "wish.forgotten": _wish_forgotten,
}
