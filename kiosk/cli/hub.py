"""`buurtkiosk sync` (one sync round now) and `buurtkiosk hub ...` (serve and set up
the central agenda). A thin layer over sync/ and sync/hub/."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

import click
import sqlite_utils

from kiosk.cli.common import open_db
from sync.hub.admin import AdminError, add_coordinator, add_kiosk, add_stadsdorp, new_token
from sync.hub.db import connect_hub, hub_db_path


@click.command("sync")
def sync_now() -> int:
    """Synchroniseer nu met de centrale agenda en feeds."""
    from kiosk.core.outbox import unsent_count
    from sync.worker import run_round

    db = open_db()
    report = run_round(db, force=True)
    if not report.hub_tried:
        click.echo("Geen centrale agenda ingesteld (BUURTKIOSK_HUB_URL).")
    elif not report.hub_error:
        click.echo(f"Centrale agenda: {report.push.sent} wijziging(en) verstuurd, "
                   f"{report.activities_changed} activiteit(en) bijgewerkt.")
    for feed in report.feeds:
        if not feed.error:
            click.echo(f"Feed {feed.url}: " + (
                f"{feed.added} nieuw, {feed.updated} gewijzigd, {feed.removed} verdwenen."
                if feed.changed else "niets veranderd."))
    for error in report.errors:
        click.echo(f"Fout: {error}", err=True)
    click.echo(f"Nog te versturen: {unsent_count(db)}.")
    return 1 if report.errors else 0


@click.group("hub", invoke_without_command=True)
@click.option("--hub-db", help="SQLite-bestand van de hub (standaard: BUURTKIOSK_HUB_DB)")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, help="poort (standaard: BUURTKIOSK_HUB_PORT of 8090)")
@click.pass_context
def hub(ctx: click.Context, hub_db: str | None, host: str, port: int | None) -> int | None:
    """De centrale agenda: starten (standaard) en instellen."""
    ctx.ensure_object(dict)
    ctx.meta["hub_db"] = hub_db_path(hub_db)
    if ctx.invoked_subcommand is None:
        return _serve(ctx.meta["hub_db"], host, port)
    return None


def _hub_db() -> sqlite_utils.Database:
    return connect_hub(click.get_current_context().meta["hub_db"])


def _serve(path: str, host: str, port: int | None) -> int:
    from waitress import serve

    from sync.hub import create_hub_app
    from sync.hub.upkeep import upkeep_loop

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    app = create_hub_app({"HUB_DATABASE": path})
    port = port or int(os.environ.get("BUURTKIOSK_HUB_PORT", "8090"))
    threading.Thread(target=upkeep_loop, args=(path, threading.Event()), daemon=True,
                     name="hub-upkeep").start()
    click.echo(f"Centrale agenda draait op http://{host}:{port} (database {path})")
    serve(app, host=host, port=port, threads=8, ident="buurtkiosk-hub")
    return 0


@hub.command("serve")
@click.pass_context
def serve_command(ctx: click.Context) -> int:
    """Start de centrale agenda."""
    parent = ctx.parent.params if ctx.parent else {}
    return _serve(ctx.meta["hub_db"], parent.get("host", "127.0.0.1"), parent.get("port"))


def _admin(run: Callable[[], int | None]) -> int:
    try:
        result = run()
    except AdminError as err:
        click.echo(str(err), err=True)
        return 1
    return int(result or 0)


@hub.command("add-stadsdorp")
@click.argument("name")
@click.option("--slug", help="korte naam voor adressen, bijv. zuid")
def add_stadsdorp_command(name: str, slug: str | None) -> int:
    """Voeg een stadsdorp toe."""
    return _admin(lambda: click.echo(
        f"Stadsdorp toegevoegd: {add_stadsdorp(_hub_db(), name, slug or '')}"))


def _show_token(name: str, token: str) -> None:
    click.echo(f"Sleutel voor kiosk {name!r} (wordt maar één keer getoond):")
    click.echo(token)
    click.echo("Zet hem op de kiosk als BUURTKIOSK_HUB_TOKEN, of bij Instellingen.")


@hub.command("add-kiosk")
@click.argument("name")
@click.option("--stadsdorpen", help="korte namen met komma's (leeg = alle)")
def add_kiosk_command(name: str, stadsdorpen: str | None) -> int:
    """Registreer een kiosk en toon zijn sleutel."""
    return _admin(lambda: _show_token(
        name, add_kiosk(_hub_db(), name, (stadsdorpen or "").split(","))))


@hub.command("new-token")
@click.argument("name")
def new_token_command(name: str) -> int:
    """Nieuwe sleutel voor een kiosk."""
    return _admin(lambda: _show_token(name, new_token(_hub_db(), name)))


@hub.command("add-coordinator")
@click.argument("username")
@click.option("--stadsdorpen", help="korte namen met komma's: alleen die (leeg = Netwerk)")
def add_coordinator_command(username: str, stadsdorpen: str | None) -> int:
    """Coördinator met wachtwoord."""
    def run() -> None:
        password = os.environ.get("BUURTKIOSK_HUB_PASSWORD") or click.prompt(
            "Wachtwoord (minstens 10 tekens)", hide_input=True)
        add_coordinator(_hub_db(), username, password, (stadsdorpen or "").split(","))
        click.echo(f"Coördinator {username!r} kan nu inloggen.")
    return _admin(run)


@hub.command("add-feed")
@click.argument("url")
@click.option("--stadsdorp", help="korte naam van het stadsdorp")
def add_feed_command(url: str, stadsdorp: str | None) -> int:
    """Lees een iCalendar-feed in de hub in."""
    from sync.hub.feeds import add_feed, import_feed

    def run() -> int:
        db = _hub_db()
        add_feed(db, url, stadsdorp or "")
        error = import_feed(db, url)
        click.echo(f"Feed toegevoegd{': ' + error if error else ' en ingelezen.'}")
        return 1 if error else 0
    return _admin(run)


@hub.command("import-feeds")
def import_feeds_command() -> int:
    """Lees alle feeds nu opnieuw in."""
    from sync.hub.feeds import import_all

    errors = {url: e for url, e in import_all(_hub_db()).items() if e}
    for url, error in errors.items():
        click.echo(f"Feed {url}: {error}", err=True)
    return 1 if errors else 0
