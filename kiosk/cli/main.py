"""`buurtkiosk ...`: one click group, a thin layer over kiosk.core, kiosk.ops, printing,
sync and voice. Every command returns its exit code."""

from __future__ import annotations

import os

import click

from kiosk.cli import hub, maintenance, pins, voice
from kiosk.cli.common import AliasedGroup, db_path, fail, open_db
from kiosk.core import config
from kiosk.core.db import write_transaction


@click.group(cls=AliasedGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", metavar="BESTAND", help="SQLite-bestand (standaard: BUURTKIOSK_DB)")
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """Buurtkiosk: de aanmeldkiosk van het stadsdorp."""
    ctx.obj = config.db_path(db)


@cli.result_callback()
@click.pass_context
def _exit_with(ctx: click.Context, code: int | None, **_: object) -> None:
    """Each command returns its exit code; this makes it the process's."""
    ctx.exit(code or 0)


@cli.command("init-db")
def init_db() -> int:
    """Maak of werk de database bij."""
    db = open_db()
    version = db.execute("PRAGMA user_version").fetchone()[0]
    config.signing_secret(db)
    click.echo(f"Database klaar: {db_path()} (schema {version}, kiosk {config.kiosk_id(db)})")
    pins.print_new_pins(db)
    return 0


@cli.command("demo")
def demo() -> int:
    """Laad een demo-agenda van twee weken."""
    from kiosk.ops.demo import load_demo

    db = open_db()
    count = load_demo(db, config.kiosk_id(db))
    click.echo(f"Demo-agenda geladen: {count} activiteiten in de komende twee weken.")
    return 0


@cli.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, help="poort (standaard: BUURTKIOSK_PORT of 8080)")
@click.option("--no-workers", is_flag=True, help="zonder printer- en sync-werker")
def run(host: str, port: int | None, no_workers: bool) -> int:
    """Start de kiosk (waitress) met printer- en sync-werker."""
    from waitress import serve

    from kiosk.ops import watchdog
    from kiosk.web import create_app

    app = create_app({"DATABASE": db_path(), "START_WORKERS": not no_workers})
    port = port or int(os.environ.get("BUURTKIOSK_PORT", "8080"))
    click.echo(f"Buurtkiosk draait op http://{host}:{port}")
    watchdog.start(host, port)  # only under systemd (Type=notify, WatchdogSec=)
    serve(app, host=host, port=port, threads=8, ident="buurtkiosk")
    return 0


@cli.command("print-test")
@click.option("--printer", help="printer-adres, bijv. tcp://192.168.1.50:9100")
def print_test(printer: str | None) -> int:
    """Print een testbon."""
    from kiosk.core.print_jobs import queue_print_job
    from printing.worker import process_due_jobs

    db = open_db()
    if printer:
        with write_transaction(db):
            config.set_setting(db, "printer", printer)
    with write_transaction(db):
        queue_print_job(db, "test")
    result = process_due_jobs(db)
    printer_url = config.get_setting(db, "printer")
    if result.failed:
        return fail(f"Printen lukt niet op {printer_url}: {result.last_error}\n"
                    "De opdracht blijft bewaard en wordt later opnieuw geprobeerd.")
    click.echo(f"Testbon geprint op {printer_url}.")
    return 0


cli.add_command(pins.set_pin)
cli.add_command(voice.voice_model)
cli.add_command(voice.voice_test)
cli.add_command(hub.sync_now)
cli.add_command(hub.hub)
for command in maintenance.COMMANDS:
    cli.add_command(command, aliases=maintenance.ALIASES.get(command.name or "", ()))


def main(argv: list[str] | None = None) -> int:
    """The exit code of the command, for `sys.exit` and for tests that call it directly."""
    try:
        # Without standalone mode click hands back the code ctx.exit() was given.
        code = cli.main(args=argv, prog_name="buurtkiosk", standalone_mode=False)
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except click.Abort:
        click.echo("Gestopt.", err=True)
        return 1
    return code if isinstance(code, int) else 0
