"""What every command shares: the database the group's --db chose, Dutch names as
aliases, and the plain way to fail."""

from __future__ import annotations

import sys
from typing import Any

import click
import sqlite_utils

from kiosk.core.db import connect, migrate


class AliasedGroup(click.Group):
    """Commands that also answer to the Dutch name the volunteers' handbook uses."""

    def __init__(self, *args: Any, aliases: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.aliases: dict[str, str] = dict(aliases or {})

    def add_command(self, cmd: click.Command, name: str | None = None,
                    aliases: tuple[str, ...] = ()) -> None:
        super().add_command(cmd, name)
        for alias in aliases:
            self.aliases[alias] = name or cmd.name or ""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return super().get_command(ctx, self.aliases.get(cmd_name, cmd_name))

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        _, cmd, rest = super().resolve_command(ctx, args)
        return (cmd.name if cmd else None), cmd, rest

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        by_command: dict[str, list[str]] = {}
        for alias, name in self.aliases.items():
            by_command.setdefault(name, []).append(alias)
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is None or cmd.hidden:
                continue
            shown = ", ".join([name, *sorted(by_command.get(name, []))])
            rows.append((shown, cmd.get_short_help_str(limit=60)))
        if rows:
            with formatter.section("Opdrachten"):
                formatter.write_dl(rows)


def db_path() -> str:
    """The database path the `buurtkiosk --db` option (or BUURTKIOSK_DB) chose."""
    path: str = click.get_current_context().find_root().obj
    return path


def open_db() -> sqlite_utils.Database:
    db = connect(db_path())
    migrate(db)
    return db


def fail(message: str) -> int:
    click.echo(message, err=True)
    return 1


def confirm(question: str, yes: bool) -> bool:
    """--ja answers for the volunteer; without a terminal nobody can, so the answer is no."""
    if yes:
        return True
    if not sys.stdin.isatty():
        click.echo(f"{question} Voeg --ja toe om het zonder vragen te doen.", err=True)
        return False
    return bool(click.confirm(question + " Doorgaan?", default=False))
