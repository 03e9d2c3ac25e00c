"""`buurtkiosk backup | restore | purge | export-person | forget-person | health |
ready-ticket`: the kiosk's housekeeping, as a thin layer over backup, retention,
person_data and health. Each command also answers to a Dutch name (herstel, opruimen,
inzage, vergeet, status, klaar-bon) because volunteers type them from the handbook."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from kiosk.cli.common import confirm, db_path, fail, open_db
from kiosk.core import dutch, inputs
from kiosk.core.person_data import (
    PersonQuery,
    export_person,
    find_signups,
    find_wishes,
    forget_person,
)
from kiosk.core.retention import purge_expired
from kiosk.ops import backup, health

# command name -> the Dutch name the handbook uses
ALIASES = {
    "backup": ("back-up",),
    "restore": ("herstel",),
    "purge": ("opruimen",),
    "export-person": ("inzage",),
    "forget-person": ("vergeet",),
    "health": ("status",),
    "ready-ticket": ("klaar-bon",),
}


# --- backup and restore -------------------------------------------------------------------


@click.command("backup")
@click.option("--naar", metavar="MAP", help="in deze map in plaats van de stick")
def backup_command(naar: str | None) -> int:
    """Maak nu een back-up (USB-stick of kiosk)."""
    folders = [Path(naar)] if naar else None
    try:
        result = backup.run_backup(db_path(), folders)
    except backup.BackupError as exc:
        return fail(f"Back-up mislukt: {exc}")
    for reason in result.skipped:
        click.echo(f"Niet gelukt in {reason}", err=True)
    size = result.path.stat().st_size / 1024 / 1024
    click.echo(f"Back-up gemaakt: {result.path} ({size:.1f} MB).")
    click.echo(f"Er worden er {backup.KEEP} bewaard; {len(result.removed)} oude opgeruimd.")
    return 0


def _describe(item: backup.BackupFile) -> str:
    where = "USB-stick" if item.path.is_relative_to(backup.MEDIA_ROOT) else "kiosk"
    size = item.path.stat().st_size / 1024 / 1024
    return f"{dutch.written_moment(item.made_at)}  ({where}, {size:.1f} MB)  {item.path}"


def _pick_backup(choice: str, found: list[backup.BackupFile]) -> Path | None:
    if inputs.is_pad_digits(choice) and 1 <= int(choice) <= len(found):
        return found[int(choice) - 1].path
    path = Path(choice)
    return path if path.exists() else None


@click.command("restore")
@click.argument("choice", required=False, metavar="[NUMMER_OF_BESTAND]")
@click.option("--ja", is_flag=True, help="niet om bevestiging vragen")
def restore_command(choice: str | None, ja: bool) -> int:
    """Zet een back-up terug (zonder nummer: de lijst)."""
    found = backup.list_backups(backup.backup_dirs(db_path()))
    if not choice:
        if not found:
            return fail("Er zijn geen back-ups gevonden (ook niet op een USB-stick).")
        click.echo("Deze back-ups zijn er (nieuwste bovenaan):")
        for number, item in enumerate(found, start=1):
            click.echo(f"  {number}. {_describe(item)}")
        click.echo("Zet er een terug met bijvoorbeeld: buurtkiosk herstel 1")
        return 0
    chosen = _pick_backup(choice, found)
    if chosen is None:
        return fail(f"Back-up {choice!r} niet gevonden. Kies een nummer uit de lijst.")
    try:
        backup.check_backup(chosen)
    except backup.BackupError as exc:
        return fail(str(exc))
    if not confirm(f"De gegevens van nu worden vervangen door {chosen.name}.", ja):
        return fail("Niets veranderd.")
    try:
        safety = backup.restore_backup(chosen, db_path())
    except backup.BackupError as exc:
        return fail(f"Terugzetten mislukt: {exc}")
    click.echo(f"Teruggezet: {chosen.name}.")
    if safety:
        click.echo(f"De gegevens van vóór het terugzetten staan in {safety}.")
    click.echo("Start de kiosk opnieuw (of de Raspberry Pi) om verder te gaan.")
    return 0


# --- retention and AVG requests -----------------------------------------------------------


@click.command("purge")
@click.option("--dagen", type=int, help="bewaartermijn in dagen (standaard: instelling)")
def purge_command(dagen: int | None) -> int:
    """Verwijder aanmeldingen na de bewaartermijn."""
    if dagen is not None and dagen < 1:
        return fail("De bewaartermijn is minstens 1 dag: anders gaan komende aanmeldingen weg.")
    db = open_db()
    result = purge_expired(db, days=dagen)
    cutoff = datetime.fromisoformat(result.cutoff.replace("Z", "+00:00"))
    click.echo(
        f"Opgeruimd: {result.signups} aanmeldingen van activiteiten die vóór "
        f"{dutch.written_moment(cutoff)} afliepen (bewaartermijn {result.days} dagen)."
    )
    if result.never_sent:
        click.echo(f"Daarvan waren {result.never_sent} nooit doorgestuurd naar de centrale agenda.")
    if result.wish_contacts:
        click.echo(f"Bij {result.wish_contacts} wensen zijn naam en telefoonnummer gewist.")
    return 0


def _person_options(command: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed([
        click.option("--telefoon", help="telefoonnummer, bijv. 06 12345678"),
        click.option("--naam", help="naam zoals bij de aanmelding"),
        click.option("--code", help="code op het kaartje, bijv. 7KQ-4MX"),
        click.option("--naar", metavar="BESTAND", help="sla de gegevens op in dit bestand"),
    ]):
        command = option(command)
    return command


def _person_query(telefoon: str | None, naam: str | None, code: str | None) -> PersonQuery:
    return PersonQuery(phone=telefoon or "", name=naam or "", code=code or "")


def _write_export(data: dict[str, Any], target: str | None) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if target:
        Path(target).write_text(text + "\n", encoding="utf-8")
        click.echo(f"Gegevens opgeslagen in {target}.")
    else:
        click.echo(text)


@click.command("export-person")
@_person_options
def export_person_command(telefoon: str | None, naam: str | None, code: str | None,
                          naar: str | None) -> int:
    """Alle gegevens van één persoon (AVG)."""
    db = open_db()
    try:
        query = _person_query(telefoon, naam, code)
        rows, found_wishes = find_signups(db, query), find_wishes(query, db)
    except ValueError as exc:
        return fail(str(exc))
    _write_export(export_person(db, rows, found_wishes), naar)
    if naar:
        click.echo(f"{len(rows)} aanmeldingen en {len(found_wishes)} wensen gevonden.")
    return 0


@click.command("forget-person")
@_person_options
@click.option("--ja", is_flag=True, help="niet om bevestiging vragen")
def forget_person_command(telefoon: str | None, naam: str | None, code: str | None,
                          naar: str | None, ja: bool) -> int:
    """Verwijder alle gegevens van één persoon (AVG)."""
    db = open_db()
    try:
        query = _person_query(telefoon, naam, code)
        rows, found_wishes = find_signups(db, query), find_wishes(query, db)
    except ValueError as exc:
        return fail(str(exc))
    if not rows and not found_wishes:
        click.echo("Niets gevonden: de kiosk heeft geen aanmeldingen van deze persoon.")
        return 0
    click.echo(f"Gevonden: {len(rows)} aanmeldingen, {len(found_wishes)} wensen.")
    for row in rows:
        click.echo(f"  {row['activity_starts_at'][:10]}  {row['activity_title']}  "
              f"{row['name'] or '(zonder naam)'}  {row['phone']}")
    if naar:
        _write_export(export_person(db, rows, found_wishes), naar)
    if not confirm("Deze aanmeldingen worden voorgoed verwijderd.", ja):
        return fail("Niets verwijderd.")
    removed = forget_person(db, rows, found_wishes)
    click.echo(f"Verwijderd: {removed} aanmeldingen. De centrale agenda krijgt bericht om ze "
               "ook te verwijderen.")
    click.echo(f"In de back-ups staan ze nog tot {backup.KEEP} nachten; daarna zijn ze overal weg.")
    return 0


# --- health and the installer's last ticket -------------------------------------------------


@click.command("health")
@click.option("--json", "as_json", is_flag=True, help="als JSON, zoals /health")
def health_command(as_json: bool) -> int:
    """Hoe gaat het met de kiosk?"""
    db = open_db()
    report = health.check_health(db, db_path())
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        for name, check in report.checks.items():
            click.echo(f"{check.state.upper():8} {health.LABELS.get(name, name)}: {check.message}")
    return 1 if report.state == "error" else 0


@click.command("ready-ticket")
def ready_ticket_command() -> int:
    """Print een korte 'klaar'-bon."""
    # Straight to the printer, not through the queue: the running kiosk's print worker
    # knows no 'klaar' layout, and an installer wants to see paper now or an error now.
    from printing import backends, layout, render
    from printing.errors import PrinterError
    from printing.jobs import PrintSettings
    from printing.test_page import ready_page_layout

    db = open_db()
    settings = PrintSettings.from_db(db)
    try:
        columns = settings.paper.columns
        ops = ready_page_layout(settings.kiosk_name, datetime.now(UTC), columns=columns)
        data = render.render_bytes(ops, profile=settings.profile, paper_mm=settings.paper.mm,
                                   qr_mode=settings.qr_mode)
        backends.deliver(settings.printer_url, data, profile=settings.profile,
                         timeout=settings.timeout, preview=layout.plain_text(ops, columns))
    except (PrinterError, ValueError) as exc:
        return fail(f"Geen 'klaar'-bon: {exc}")
    if backends.is_dummy(settings.printer_url):
        click.echo("Er is geen printer ingesteld, dus de 'klaar'-bon staat alleen hier:")
        click.echo(layout.plain_text(ops, columns))
        return 0
    click.echo(f"'Klaar'-bon geprint op {settings.printer_url}.")
    return 0


COMMANDS = (backup_command, restore_command, purge_command, export_person_command,
            forget_person_command, health_command, ready_ticket_command)
