"""`buurtkiosk set-pin`: set or reset a PIN from the command line (also when the
coordinator PIN is forgotten), and show PINs generated on first start."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

import sqlite_utils

from kiosk.core import pins
from kiosk.core.db import connect, migrate, write_transaction

ROLE_NAMES = {
    "vrijwilliger": "volunteer",
    "volunteer": "volunteer",
    "coordinator": "coordinator",
    "coördinator": "coordinator",
}


def print_new_pins(db: sqlite_utils.Database) -> None:
    """Give each role a PIN if it has none yet, and show those made up just now: the
    database keeps only their hash, so this is the one moment they can be read."""
    for role, pin in pins.ensure_pins(db).items():
        print(f"Nieuwe pincode {pins.ROLE_LABELS[role]}: {pin}  (schrijf hem op)")


def _ask_pin() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().strip()
    first = getpass.getpass("Nieuwe pincode: ")
    if getpass.getpass("Nog een keer: ") != first:
        raise pins.PinError("De twee pincodes zijn niet gelijk.")
    return first


def cmd_set_pin(args: argparse.Namespace) -> int:
    from kiosk.cli.main import _db_path

    role = ROLE_NAMES[args.role]
    db = connect(_db_path(args))
    migrate(db)
    try:
        pin = pins._new_pin() if args.random else _ask_pin()
        pins.set_pin(db, role, pin)
    except pins.PinError as error:
        print(error, file=sys.stderr)
        return 1
    with write_transaction(db):
        # Whoever can run this command may also lift a lockout.
        db.execute("DELETE FROM pin_lockout")
    label = pins.ROLE_LABELS[role]
    print(f"Pincode {label}: {pin}" if args.random else f"Pincode {label} is veranderd.")
    return 0


def register(commands: Any) -> None:
    command = commands.add_parser(
        "set-pin", help="stel de pincode in voor vrijwilligers of de coördinator"
    )
    command.add_argument("role", choices=sorted(ROLE_NAMES), help="vrijwilliger of coordinator")
    command.add_argument(
        "--random", action="store_true", help="verzin een pincode van 6 cijfers en toon hem"
    )
    command.set_defaults(func=cmd_set_pin)
