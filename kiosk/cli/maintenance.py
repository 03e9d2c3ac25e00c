"""`buurtkiosk backup | restore | purge | export-person | forget-person | health |
ready-ticket`: the kiosk's housekeeping, as a thin layer over backup, retention,
person_data and health. Each command also answers to a Dutch name (herstel, opruimen,
inzage, vergeet, status) because volunteers type them from the handbook."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk.cli.main import _db_path
from kiosk.core import dutch
from kiosk.core.db import connect, migrate
from kiosk.core.person_data import PersonQuery, export_person, find_signups, forget_person
from kiosk.core.retention import purge_expired
from kiosk.ops import backup, health


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 1


def _confirm(question: str, args: argparse.Namespace) -> bool:
    if args.ja:
        return True
    if not sys.stdin.isatty():
        print(f"{question} Voeg --ja toe om het zonder vragen te doen.", file=sys.stderr)
        return False
    return input(f"{question} Typ ja om door te gaan: ").strip().lower() == "ja"


def _open_db(args: argparse.Namespace) -> Any:
    db = connect(_db_path(args))
    migrate(db)
    return db


# --- backup and restore -------------------------------------------------------------------


def cmd_backup(args: argparse.Namespace) -> int:
    folders = [Path(args.naar)] if args.naar else None
    try:
        result = backup.run_backup(_db_path(args), folders)
    except backup.BackupError as exc:
        return _fail(f"Back-up mislukt: {exc}")
    for reason in result.skipped:
        print(f"Niet gelukt in {reason}", file=sys.stderr)
    size = result.path.stat().st_size / 1024 / 1024
    print(f"Back-up gemaakt: {result.path} ({size:.1f} MB).")
    print(f"Er worden er {backup.KEEP} bewaard; {len(result.removed)} oude opgeruimd.")
    return 0


def _describe(item: backup.BackupFile) -> str:
    where = "USB-stick" if item.path.is_relative_to(backup.MEDIA_ROOT) else "kiosk"
    size = item.path.stat().st_size / 1024 / 1024
    return f"{dutch.written_moment(item.made_at)}  ({where}, {size:.1f} MB)  {item.path}"


def _pick_backup(choice: str, found: list[backup.BackupFile]) -> Path | None:
    if choice.isdigit() and 1 <= int(choice) <= len(found):
        return found[int(choice) - 1].path
    path = Path(choice)
    return path if path.exists() else None


def cmd_restore(args: argparse.Namespace) -> int:
    db_path = _db_path(args)
    found = backup.list_backups(backup.backup_dirs(db_path))
    if not args.backup:
        if not found:
            return _fail("Er zijn geen back-ups gevonden (ook niet op een USB-stick).")
        print("Deze back-ups zijn er (nieuwste bovenaan):")
        for number, item in enumerate(found, start=1):
            print(f"  {number}. {_describe(item)}")
        print("Zet er een terug met bijvoorbeeld: buurtkiosk herstel 1")
        return 0
    chosen = _pick_backup(args.backup, found)
    if chosen is None:
        return _fail(f"Back-up {args.backup!r} niet gevonden. Kies een nummer uit de lijst.")
    try:
        backup.check_backup(chosen)
    except backup.BackupError as exc:
        return _fail(str(exc))
    if not _confirm(f"De gegevens van nu worden vervangen door {chosen.name}.", args):
        return _fail("Niets veranderd.")
    try:
        safety = backup.restore_backup(chosen, db_path)
    except backup.BackupError as exc:
        return _fail(f"Terugzetten mislukt: {exc}")
    print(f"Teruggezet: {chosen.name}.")
    if safety:
        print(f"De gegevens van vóór het terugzetten staan in {safety}.")
    print("Start de kiosk opnieuw (of de Raspberry Pi) om verder te gaan.")
    return 0


# --- retention and AVG requests -----------------------------------------------------------


def cmd_purge(args: argparse.Namespace) -> int:
    if args.dagen is not None and args.dagen < 1:
        return _fail("De bewaartermijn is minstens 1 dag: anders gaan komende aanmeldingen weg.")
    db = _open_db(args)
    result = purge_expired(db, days=args.dagen)
    cutoff = datetime.fromisoformat(result.cutoff.replace("Z", "+00:00"))
    print(
        f"Opgeruimd: {result.signups} aanmeldingen van activiteiten die vóór "
        f"{dutch.written_moment(cutoff)} afliepen (bewaartermijn {result.days} dagen)."
    )
    if result.never_sent:
        print(f"Daarvan waren {result.never_sent} nooit doorgestuurd naar de centrale agenda.")
    if result.wish_contacts:
        print(f"Bij {result.wish_contacts} wensen zijn naam en telefoonnummer gewist.")
    return 0


def _person_query(args: argparse.Namespace) -> PersonQuery:
    return PersonQuery(phone=args.telefoon or "", name=args.naam or "", code=args.code or "")


def _write_export(data: dict[str, Any], target: str | None) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if target:
        Path(target).write_text(text + "\n", encoding="utf-8")
        print(f"Gegevens opgeslagen in {target}.")
    else:
        print(text)


def cmd_export_person(args: argparse.Namespace) -> int:
    db = _open_db(args)
    try:
        rows = find_signups(db, _person_query(args))
    except ValueError as exc:
        return _fail(str(exc))
    _write_export(export_person(db, rows), args.naar)
    if args.naar:
        print(f"{len(rows)} aanmeldingen gevonden.")
    return 0


def cmd_forget_person(args: argparse.Namespace) -> int:
    db = _open_db(args)
    try:
        rows = find_signups(db, _person_query(args))
    except ValueError as exc:
        return _fail(str(exc))
    if not rows:
        print("Niets gevonden: de kiosk heeft geen aanmeldingen van deze persoon.")
        return 0
    print(f"Gevonden: {len(rows)} aanmeldingen.")
    for row in rows:
        print(f"  {row['activity_starts_at'][:10]}  {row['activity_title']}  "
              f"{row['name'] or '(zonder naam)'}  {row['phone']}")
    if args.naar:
        _write_export(export_person(db, rows), args.naar)
    if not _confirm("Deze aanmeldingen worden voorgoed verwijderd.", args):
        return _fail("Niets verwijderd.")
    removed = forget_person(db, rows)
    print(f"Verwijderd: {removed} aanmeldingen. De centrale agenda krijgt bericht om ze ook te "
          "verwijderen.")
    print(f"In de back-ups staan ze nog tot {backup.KEEP} nachten; daarna zijn ze overal weg.")
    return 0


# --- health and the installer's last ticket -------------------------------------------------


def cmd_health(args: argparse.Namespace) -> int:
    db = _open_db(args)
    report = health.check_health(db, _db_path(args))
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        for name, check in report.checks.items():
            print(f"{check.state.upper():8} {health.LABELS.get(name, name)}: {check.message}")
    return 1 if report.state == "error" else 0


def cmd_ready_ticket(args: argparse.Namespace) -> int:
    """Straight to the printer, not through the queue: the running kiosk's print worker
    knows no 'klaar' layout, and an installer wants to see paper now or an error now."""
    from printing import backends, layout, render
    from printing.errors import PrinterError
    from printing.worker import PrintSettings

    db = _open_db(args)
    settings = PrintSettings.from_db(db)
    try:
        columns = settings.paper.columns
        ops: list[layout.Op] = [
            *layout.wrap("KLAAR", columns, width=3, height=3, bold=True, align="center"),
            *layout.wrap(settings.kiosk_name, columns, bold=True, align="center"),
            *layout.wrap("De kiosk is ingericht en klaar voor gebruik.", columns, align="center"),
            *layout.wrap(dutch.written_moment(datetime.now(UTC)), columns, align="center"),
            layout.Cut(),
        ]
        data = render.render_bytes(ops, profile=settings.profile, paper_mm=settings.paper.mm,
                                   qr_mode=settings.qr_mode)
        backends.deliver(settings.printer_url, data, profile=settings.profile,
                         timeout=settings.timeout, preview=layout.plain_text(ops, columns))
    except (PrinterError, ValueError) as exc:
        return _fail(f"Geen 'klaar'-bon: {exc}")
    if backends.is_dummy(settings.printer_url):
        print("Er is geen printer ingesteld, dus de 'klaar'-bon staat alleen hier:")
        print(layout.plain_text(ops, columns))
        return 0
    print(f"'Klaar'-bon geprint op {settings.printer_url}.")
    return 0


# --- registration ----------------------------------------------------------------------------


def _person_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--telefoon", help="telefoonnummer, bijv. 06 12345678")
    parser.add_argument("--naam", help="naam zoals bij de aanmelding")
    parser.add_argument("--code", help="code op het kaartje, bijv. 7KQ-4MX")
    parser.add_argument("--naar", metavar="BESTAND", help="sla de gegevens op in dit bestand")


def register(commands: argparse._SubParsersAction) -> None:
    add = commands.add_parser
    backup_cmd = add("backup", aliases=["back-up"], help="maak nu een back-up (USB-stick of kiosk)")
    backup_cmd.add_argument("--naar", metavar="MAP", help="in deze map in plaats van de stick")
    backup_cmd.set_defaults(func=cmd_backup)

    restore = add("restore", aliases=["herstel"], help="zet een back-up terug (zonder: lijst)")
    restore.add_argument("backup", nargs="?", help="nummer uit de lijst, of het bestand")
    restore.add_argument("--ja", action="store_true", help="niet om bevestiging vragen")
    restore.set_defaults(func=cmd_restore)

    purge = add("purge", aliases=["opruimen"], help="verwijder aanmeldingen na de bewaartermijn")
    purge.add_argument("--dagen", type=int, help="bewaartermijn in dagen (standaard: instelling)")
    purge.set_defaults(func=cmd_purge)

    export = add("export-person", aliases=["inzage"], help="alle gegevens van één persoon (AVG)")
    _person_arguments(export)
    export.set_defaults(func=cmd_export_person)

    forget = add("forget-person", aliases=["vergeet"],
                 help="verwijder alle gegevens van één persoon (AVG)")
    _person_arguments(forget)
    forget.add_argument("--ja", action="store_true", help="niet om bevestiging vragen")
    forget.set_defaults(func=cmd_forget_person)

    status = add("health", aliases=["status"], help="hoe gaat het met de kiosk?")
    status.add_argument("--json", action="store_true", help="als JSON, zoals /health")
    status.set_defaults(func=cmd_health)

    add("ready-ticket", aliases=["klaar-bon"], help="print een korte 'klaar'-bon").set_defaults(
        func=cmd_ready_ticket
    )
