"""`buurtkiosk voice-model`: install, check and select the speech model.

    buurtkiosk voice-model                      what is set up now, in plain words
    buurtkiosk voice-model --download           fetch vosk-model-small-nl-0.22 (needs internet)
    buurtkiosk voice-model --from /media/usb/vosk-model-small-nl-0.22.zip
    buurtkiosk voice-model --check [FOLDER]     check the folder and load the model once
    buurtkiosk voice-test --step STEP [--today YYYY-MM-DD] TEXT...
                                                what the kiosk understands, as JSON lines

The installed folder is stored as the `vosk_model` setting, so the kiosk finds it without
an environment variable; the voice buttons appear on the next page a resident opens.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from kiosk.cli.common import db_path, open_db
from kiosk.core import config
from kiosk.core.db import write_transaction
from kiosk.core.dutch import AMSTERDAM
from kiosk.ops.voice_agenda import TEST_HOUR, demo_choices, json_line, kiosk_choices
from kiosk.ops.voice_agenda import voice_test as run_voice_test
from voice.model import PRODUCT_MODEL, ModelError, check_model_folder, shared_model
from voice.model_install import InstallError, download_and_install, install
from voice.recognizer import check_model, save_status
from voice.understand import STEPS


@click.command("voice-model")
@click.option("--download", is_flag=True,
              help=f"download {PRODUCT_MODEL} van de uitgever (internet nodig)")
@click.option("--from", "source", metavar="ZIP_OF_MAP",
              help="installeer uit een zip-bestand of map (bijv. een USB-stick)")
@click.option("--check", is_flag=True,
              help="controleer de map (standaard: de ingestelde) en laad het model een keer")
@click.argument("folder", required=False, metavar="[MAP]")
@click.option("--to", metavar="MAP", help="waar modellen komen (standaard: naast de database)")
@click.option("--url", help="ander downloadadres (een spiegel)")
@click.option("--sha256", help="verwacht SHA-256 van het zip-bestand (met --from)")
def voice_model(download: bool, source: str | None, check: bool, folder: str | None,
                to: str | None, url: str | None, sha256: str | None) -> int:
    """Spraakmodel installeren of controleren."""
    if sum([download, source is not None, check]) > 1:
        raise click.UsageError("Kies één van --download, --from en --check.")
    db = open_db()
    models_dir = Path(to) if to else Path(db_path()).parent / "models"
    try:
        if download or source:
            if download:
                installed = download_and_install(models_dir, url=url)
            else:
                installed = install(Path(source or ""), models_dir, sha256=sha256)
            with write_transaction(db):
                config.set_setting(db, "vosk_model", installed.model_folder)
            click.echo(f"Spraakmodel geïnstalleerd in {installed.model_folder}")
            click.echo("De kiosk gebruikt het vanaf nu; opnieuw starten is niet nodig.")
            return 0
    except InstallError as error:
        click.echo(f"Niet gelukt: {error}")
        return 1

    path = folder or config.get_setting(db, "vosk_model")
    found = check_model_folder(path)
    click.echo(found.message)
    if not found.ok:
        click.echo(f"Het product gebruikt {PRODUCT_MODEL} (Nederlands, ongeveer 40 MB).")
        click.echo("Zonder model werkt alles behalve spreken; de stemknoppen zijn dan verborgen.")
        return 1
    if check:
        # Loaded and proved (a short sound decoded) in a process of its own, as the kiosk
        # does: a model that crashes libvosk is reported here, not met by a resident.
        status = check_model(found.model_folder)
        save_status(db, status)
        if not status.ready:
            click.echo(f"Niet in orde: {status.message}")
            return 1
        click.echo(status.message)
        figures = status.figures
        click.echo(f"Proef: vrije spraak {figures.get('rtf_free', 0):.2f}× de spreektijd, "
                   f"met de woorden van een stap {figures.get('rtf_grammar', 0):.2f}×.")
    return 0


@click.command("voice-test")
@click.option("--step", required=True, type=click.Choice(STEPS),
              help="de stap van het gesprek")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, metavar="YYYY-MM-DD",
              help="de dag van de demo-agenda (vaste nummers); standaard vandaag")
@click.option("--agenda", "which", type=click.Choice(["demo", "kiosk"]), default="demo",
              show_default=True, help="de demo-agenda, of de agenda van deze kiosk")
@click.argument("texts", nargs=-1, required=True)
def voice_test(step: str, today: datetime | None, which: str, texts: tuple[str, ...]) -> int:
    """Wat de kiosk verstaat: één JSON-regel per tekst."""
    db = open_db()
    day = today.date() if today else datetime.now(AMSTERDAM).date()
    if which == "kiosk":
        now = datetime.now(AMSTERDAM) if today is None else datetime.combine(
            day, TEST_HOUR, AMSTERDAM
        )
        choices = kiosk_choices(db, now)
    else:
        choices, _ = demo_choices(day)
    folder = check_model_folder(config.get_setting(db, "vosk_model"))
    model = None
    if folder.ok:
        try:
            model = shared_model(folder.model_folder)
        except ModelError as error:
            click.echo(f"Spraakmodel niet gebruikt: {error}", err=True)
    for understood in run_voice_test(step, texts, choices, day, model=model):
        click.echo(json_line(understood))
    return 0
