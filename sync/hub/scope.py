"""What a kiosk may do through the API: one rule per event kind, in one table.

A kiosk creates, confirms and cancels only its own signups, for activities of its own
stadsdorpen (or activities it made itself); it may make the hub forget only its own
signups; it may check in any signup on the attendee list the hub sends it. Whatever is out
of scope is answered exactly as if it did not exist, so no kiosk learns from an answer
that another kiosk's signup or activity is there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import sqlite_utils

from sync.hub import agenda, doors

# none: the event names no signup; new: it makes one; own: this kiosk's signup;
# attendee_list: a signup on the attendee list the hub sent this kiosk.
SignupRule = Literal["none", "new", "own", "attendee_list"]


@dataclass(frozen=True)
class Scope:
    signup: SignupRule
    activity_in_scope: bool  # the activity must be one of the kiosk's stadsdorpen (or its own)


SCOPE: dict[str, Scope] = {
    "signup.created": Scope("new", activity_in_scope=True),
    "signup.cancelled": Scope("own", activity_in_scope=True),
    "signup.confirmed": Scope("own", activity_in_scope=True),
    "signup.attended": Scope("attendee_list", activity_in_scope=False),
    # Names its signup by code and signing key; its handler checks the stadsdorp.
    "ticket.attended": Scope("none", activity_in_scope=False),
    # An AVG request: the kiosk's own residents, wherever their activity now belongs.
    "signup.forgotten": Scope("own", activity_in_scope=False),
    "lease.returned": Scope("none", activity_in_scope=True),
    # Wishes name no signup: a kiosk makes, marks called and forgets only its own wishes,
    # in its own stadsdorpen (sync/hub/wishes.py, which answers another's as unknown).
    "wish.created": Scope("none", activity_in_scope=False),
    "wish.called": Scope("none", activity_in_scope=False),
    "wish.forgotten": Scope("none", activity_in_scope=False),
}


def own_activity_prefix(kiosk: dict[str, Any]) -> str:
    """Activities a kiosk made itself live on the hub under 'k<kiosk id>:<its id>'."""
    return f"k{kiosk['id']}:"


def activity_in_scope(kiosk: dict[str, Any], activity: dict[str, Any]) -> bool:
    if activity["id"].startswith(own_activity_prefix(kiosk)):
        return True
    if activity["source"].startswith("kiosk:"):
        return False  # another kiosk's own activity
    shown = agenda.kiosk_scope(kiosk)
    # Activities of the whole Netwerk (no stadsdorp) show on every kiosk, as in the agenda.
    return not shown or activity["stadsdorp"] == "" or activity["stadsdorp"] in shown


def on_attendee_list(
    db: sqlite_utils.Database, kiosk: dict[str, Any], signup: dict[str, Any]
) -> bool:
    """Is this signup on the attendee list the hub sends this kiosk for its door: its
    own, or one for an activity at one of its places (sync/hub/doors.py)?"""
    return doors.may_check_in(db, kiosk, signup)


def signup_allowed(
    db: sqlite_utils.Database, kiosk: dict[str, Any], kind: str, signup: dict[str, Any]
) -> bool:
    rule = SCOPE[kind].signup
    if rule == "own":
        return bool(signup["kiosk_id"] == kiosk["id"])
    if rule == "attendee_list":
        return on_attendee_list(db, kiosk, signup)
    return False
