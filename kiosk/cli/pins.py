"""`buurtkiosk set-pin`: set or reset a PIN from the command line (also when the
coordinator PIN is forgotten), and show PINs generated on first start."""

from __future__ import annotations

import sys

import click
import sqlite_utils

from kiosk.cli.common import fail, open_db
from kiosk.core import pins
from kiosk.core.db import write_transaction

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
        click.echo(f"Nieuwe pincode {pins.ROLE_LABELS[role]}: {pin}  (schrijf hem op)")


def _ask_pin() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().strip()
    pin: str = click.prompt("Nieuwe pincode", hide_input=True,
                            confirmation_prompt="Nog een keer")
    return pin


@click.command("set-pin")
@click.argument("role", type=click.Choice(sorted(ROLE_NAMES)))
@click.option("--random", "random_pin", is_flag=True,
              help="verzin een pincode van 6 cijfers en toon hem")
def set_pin(role: str, random_pin: bool) -> int:
    """Stel de pincode in voor vrijwilligers of de coördinator."""
    role = ROLE_NAMES[role]
    db = open_db()
    try:
        pin = pins.new_pin() if random_pin else _ask_pin()
        pins.set_pin(db, role, pin)
    except pins.PinError as error:
        return fail(str(error))
    with write_transaction(db):
        # Whoever can run this command may also lift a lockout.
        db.execute("DELETE FROM pin_lockout")
    label = pins.ROLE_LABELS[role]
    click.echo(f"Pincode {label}: {pin}" if random_pin else f"Pincode {label} is veranderd.")
    return 0
