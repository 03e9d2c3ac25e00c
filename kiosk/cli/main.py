"""`buurtkiosk ...`: a thin command line over the library."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable

from kiosk.core import config
from kiosk.core.db import connect, migrate


def _db_path(args: argparse.Namespace) -> str:
    return args.db or os.environ.get("BUURTKIOSK_DB") or str(config.default_db_path())


def cmd_init_db(args: argparse.Namespace) -> int:
    db = connect(_db_path(args))
    version = migrate(db)
    config.signing_secret(db)
    print(f"Database klaar: {_db_path(args)} (schema {version}, kiosk {config.kiosk_id(db)})")
    from kiosk.cli.pins import print_new_pins

    print_new_pins(db)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from kiosk.ops.demo import load_demo

    db = connect(_db_path(args))
    migrate(db)
    count = load_demo(db, config.kiosk_id(db))
    print(f"Demo-agenda geladen: {count} activiteiten in de komende twee weken.")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from waitress import serve

    from kiosk.web import create_app

    app = create_app({"DATABASE": _db_path(args), "START_WORKERS": not args.no_workers})
    port = args.port or int(os.environ.get("BUURTKIOSK_PORT", "8080"))
    print(f"Buurtkiosk draait op http://{args.host}:{port}", flush=True)
    from kiosk.ops import watchdog

    watchdog.start(args.host, port)  # only under systemd (Type=notify, WatchdogSec=)
    serve(app, host=args.host, port=port, threads=8, ident="buurtkiosk")
    return 0


def cmd_print_test(args: argparse.Namespace) -> int:
    from kiosk.core.db import write_transaction
    from kiosk.core.print_jobs import queue_print_job
    from printing.worker import process_due_jobs

    db = connect(_db_path(args))
    migrate(db)
    if args.printer:
        with write_transaction(db):
            config.set_setting(db, "printer", args.printer)
    with write_transaction(db):
        queue_print_job(db, "test")
    result = process_due_jobs(db)
    printer = config.get_setting(db, "printer")
    if result.failed:
        print(f"Printen lukt niet op {printer}: {result.last_error}", file=sys.stderr)
        print("De opdracht blijft bewaard en wordt later opnieuw geprobeerd.", file=sys.stderr)
        return 1
    print(f"Testbon geprint op {printer}.")
    return 0


# Each area of the program adds its own commands: a module with register(commands).
COMMAND_MODULES: tuple[str, ...] = (
    "kiosk.cli.pins",
    "kiosk.cli.maintenance",
    "sync.cli",
    "kiosk.cli.voice",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="buurtkiosk", description="Buurtkiosk")
    parser.add_argument("--db", help="SQLite-bestand (standaard: BUURTKIOSK_DB)")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="start de kiosk (waitress) met printer-werker")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int)
    run.add_argument("--no-workers", action="store_true", help="zonder printer-werker")
    run.set_defaults(func=cmd_run)

    commands.add_parser("init-db", help="maak of werk de database bij").set_defaults(
        func=cmd_init_db
    )
    commands.add_parser("demo", help="laad een demo-agenda van twee weken").set_defaults(
        func=cmd_demo
    )
    test = commands.add_parser("print-test", help="print een testbon")
    test.add_argument("--printer", help="printer-adres, bijv. tcp://192.168.1.50:9100")
    test.set_defaults(func=cmd_print_test)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    return func(args)


if __name__ == "__main__":
    sys.exit(main())
