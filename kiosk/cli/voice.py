"""`buurtkiosk voice-model`: install, check and select the speech model.

    buurtkiosk voice-model                      what is set up now, in plain words
    buurtkiosk voice-model --download           fetch vosk-model-small-nl-0.22 (needs internet)
    buurtkiosk voice-model --from /media/usb/vosk-model-small-nl-0.22.zip
    buurtkiosk voice-model --check [FOLDER]     check the folder and load the model once

The installed folder is stored as the `vosk_model` setting, so the kiosk finds it without
an environment variable; the voice buttons appear on the next page a resident opens.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from kiosk.core import config
from kiosk.core.db import connect, migrate, write_transaction
from voice.model import PRODUCT_MODEL, ModelError, check_model_folder, shared_model
from voice.model_install import InstallError, download_and_install, install


def _db_path(args: argparse.Namespace) -> str:
    return args.db or os.environ.get("BUURTKIOSK_DB") or str(config.default_db_path())


def cmd_voice_model(args: argparse.Namespace) -> int:
    db = connect(_db_path(args))
    migrate(db)
    models_dir = Path(args.to) if args.to else Path(_db_path(args)).parent / "models"
    try:
        if args.download or args.source:
            if args.download:
                check = download_and_install(models_dir, url=args.url)
            else:
                check = install(Path(args.source), models_dir, sha256=args.sha256)
            with write_transaction(db):
                config.set_setting(db, "vosk_model", check.model_folder)
            print(f"Spraakmodel geïnstalleerd in {check.model_folder}")
            print("De kiosk gebruikt het vanaf nu; opnieuw starten is niet nodig.")
            return 0
    except InstallError as error:
        print(f"Niet gelukt: {error}")
        return 1

    path = args.check if isinstance(args.check, str) else config.get_setting(db, "vosk_model")
    check = check_model_folder(path)
    print(check.message)
    if not check.ok:
        print(f"Het product gebruikt {PRODUCT_MODEL} (Nederlands, ongeveer 40 MB).")
        print("Zonder model werkt alles behalve spreken; de stemknoppen zijn dan verborgen.")
        return 1
    if args.check:
        try:
            model = shared_model(check.model_folder)
        except ModelError as error:
            print(error)
            return 1
        known = [w for w in ("ja", "nee", "twee", "koffie") if model.knows(w)]
        print(
            f"Model geladen in {model.seconds:.1f} s. Bekende woorden uit de proef: "
            f"{', '.join(known) or 'geen (is dit een Nederlands model?)'}"
        )
    return 0


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("voice-model", help="spraakmodel installeren of controleren")
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--download",
        action="store_true",
        help=f"download {PRODUCT_MODEL} van de uitgever (internet nodig)",
    )
    source.add_argument(
        "--from",
        dest="source",
        metavar="ZIP_OF_MAP",
        help="installeer uit een zip-bestand of map (bijv. een USB-stick)",
    )
    source.add_argument(
        "--check",
        nargs="?",
        const=True,
        metavar="MAP",
        help="controleer de map en laad het model een keer",
    )
    parser.add_argument(
        "--to", metavar="MAP", help="waar modellen komen (standaard: naast de database)"
    )
    parser.add_argument("--url", help="ander downloadadres (een spiegel)")
    parser.add_argument("--sha256", help="verwacht SHA-256 van het zip-bestand (met --from)")
    parser.set_defaults(func=cmd_voice_model)
