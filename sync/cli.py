"""`buurtkiosk sync` (one sync round now) and `buurtkiosk hub ...` (serve and set up
the central agenda). A thin layer over sync/ and sync/hub/."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import threading
from typing import Any

from kiosk.core import config
from kiosk.core.db import connect, migrate


def _kiosk_db(args: argparse.Namespace) -> str:
    return args.db or os.environ.get("BUURTKIOSK_DB") or str(config.default_db_path())


def cmd_sync(args: argparse.Namespace) -> int:
    from sync.outbox_push import unsent_count
    from sync.worker import run_round

    db = connect(_kiosk_db(args))
    migrate(db)
    report = run_round(db, force=True)
    if not report.hub_tried:
        print("Geen centrale agenda ingesteld (BUURTKIOSK_HUB_URL).")
    elif not report.hub_error:
        print(f"Centrale agenda: {report.push.sent} wijziging(en) verstuurd, "
              f"{report.activities_changed} activiteit(en) bijgewerkt.")
    for feed in report.feeds:
        if not feed.error:
            print(f"Feed {feed.url}: " + (f"{feed.added} nieuw, {feed.updated} gewijzigd, "
                                          f"{feed.removed} verdwenen." if feed.changed
                                          else "niets veranderd."))
    for error in report.errors:
        print(f"Fout: {error}", file=sys.stderr)
    print(f"Nog te versturen: {unsent_count(db)}.")
    return 1 if report.errors else 0


def _hub_db(args: argparse.Namespace) -> Any:
    from sync.hub.db import connect_hub, hub_db_path

    return connect_hub(hub_db_path(args.hub_db))


def _upkeep_loop(path: str, stop: threading.Event, every: float = 900.0) -> None:
    """Beside the web server: re-import the feeds and drop signups past retention."""
    from datetime import UTC, datetime

    from sync.hub.db import connect_hub
    from sync.hub.feeds import import_all
    from sync.hub.retention import purge

    db = connect_hub(path)
    while not stop.is_set():
        try:
            for url, error in import_all(db).items():
                if error:
                    print(f"Feed {url}: {error}", file=sys.stderr, flush=True)
            if purged := purge(db, datetime.now(UTC)):
                print(f"{purged} oude aanmelding(en) verwijderd (bewaartermijn).", flush=True)
        except Exception as err:  # a locked or full database: try again next round
            print(f"Onderhoud van de centrale agenda mislukt: {err}", file=sys.stderr,
                  flush=True)
        stop.wait(every)


def cmd_hub(args: argparse.Namespace) -> int:
    from sync.hub.admin import (
        AdminError,
        add_coordinator,
        add_kiosk,
        add_stadsdorp,
        new_token,
    )

    action = args.hub_command or "serve"
    if action == "serve":
        return _serve_hub(args)
    db = _hub_db(args)
    try:
        if action == "add-stadsdorp":
            print(f"Stadsdorp toegevoegd: {add_stadsdorp(db, args.name, args.slug or '')}")
        elif action in ("add-kiosk", "new-token"):
            token = (add_kiosk(db, args.name, (args.stadsdorpen or "").split(","))
                     if action == "add-kiosk" else new_token(db, args.name))
            print(f"Sleutel voor kiosk {args.name!r} (wordt maar één keer getoond):")
            print(token)
            print("Zet hem op de kiosk als BUURTKIOSK_HUB_TOKEN, of bij Instellingen.")
        elif action == "add-coordinator":
            password = os.environ.get("BUURTKIOSK_HUB_PASSWORD") or getpass.getpass(
                "Wachtwoord (minstens 10 tekens): ")
            add_coordinator(db, args.username, password,
                            (args.stadsdorpen or "").split(","))
            print(f"Coördinator {args.username!r} kan nu inloggen.")
        elif action == "add-feed":
            from sync.hub.feeds import add_feed, import_feed

            add_feed(db, args.url, args.stadsdorp or "")
            error = import_feed(db, args.url)
            print(f"Feed toegevoegd{': ' + error if error else ' en ingelezen.'}")
            return 1 if error else 0
        elif action == "import-feeds":
            from sync.hub.feeds import import_all

            errors = {url: e for url, e in import_all(db).items() if e}
            for url, error in errors.items():
                print(f"Feed {url}: {error}", file=sys.stderr)
            return 1 if errors else 0
    except AdminError as err:
        print(err, file=sys.stderr)
        return 1
    return 0


def _serve_hub(args: argparse.Namespace) -> int:
    from waitress import serve

    from sync.hub import create_hub_app
    from sync.hub.db import hub_db_path

    path = hub_db_path(args.hub_db)
    app = create_hub_app({"HUB_DATABASE": path})
    port = args.port or int(os.environ.get("BUURTKIOSK_HUB_PORT", "8090"))
    threading.Thread(target=_upkeep_loop, args=(path, threading.Event()), daemon=True,
                     name="hub-upkeep").start()
    print(f"Centrale agenda draait op http://{args.host}:{port} (database {path})", flush=True)
    serve(app, host=args.host, port=port, threads=8, ident="buurtkiosk-hub")
    return 0


def register(commands: Any) -> None:
    sync = commands.add_parser("sync", help="synchroniseer nu met de centrale agenda en feeds")
    sync.set_defaults(func=cmd_sync)

    hub = commands.add_parser("hub", help="de centrale agenda: starten en instellen")
    hub.add_argument("--hub-db", help="SQLite-bestand van de hub (standaard: BUURTKIOSK_HUB_DB)")
    hub.add_argument("--host", default="127.0.0.1")
    hub.add_argument("--port", type=int, help="poort (standaard: BUURTKIOSK_HUB_PORT of 8090)")
    hub.set_defaults(func=cmd_hub, hub_command=None)
    actions = hub.add_subparsers(dest="hub_command")
    actions.add_parser("serve", help="start de centrale agenda (standaard)")
    stadsdorp = actions.add_parser("add-stadsdorp", help="voeg een stadsdorp toe")
    stadsdorp.add_argument("name")
    stadsdorp.add_argument("--slug", help="korte naam voor adressen, bijv. zuid")
    kiosk = actions.add_parser("add-kiosk", help="registreer een kiosk en toon zijn sleutel")
    kiosk.add_argument("name")
    kiosk.add_argument("--stadsdorpen", help="korte namen met komma's (leeg = alle)")
    token = actions.add_parser("new-token", help="nieuwe sleutel voor een kiosk")
    token.add_argument("name")
    coordinator = actions.add_parser("add-coordinator", help="coördinator met wachtwoord")
    coordinator.add_argument("username")
    coordinator.add_argument("--stadsdorpen",
                             help="korte namen met komma's: ziet alleen die (leeg = hele Netwerk)")
    feed = actions.add_parser("add-feed", help="lees een iCalendar-feed in de hub in")
    feed.add_argument("url")
    feed.add_argument("--stadsdorp", help="korte naam van het stadsdorp")
    actions.add_parser("import-feeds", help="lees alle feeds nu opnieuw in")
