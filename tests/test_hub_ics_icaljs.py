"""The hub's /agenda.ics read by Mozilla's ical.js (the parser Thunderbird uses), not by
the icalendar package the hub writes it with: every event, local times in the Amsterdam
zone, escaped commas and semicolons, "Ĳ" and "€", STATUS, and all-day and multi-day
activities as all-day (VALUE=DATE), never as timed events at midnight."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

from kiosk.core.agenda import Activity
from kiosk.core.db import write_transaction
from kiosk.core.dutch import AMSTERDAM
from sync.hub import create_hub_app
from sync.hub.agenda import save_activity
from sync.hub.db import connect_hub, next_rev
from tests.parts import missing
from tests.sync_support import setup_hub

HERE = Path(__file__).parent / "icaljs"


def ical_js(path: Path) -> dict:
    node = shutil.which("node")
    if node is None:
        missing("node is not installed")
    if not (HERE / "node_modules" / "ical.js").exists():
        npm = shutil.which("npm")
        if npm is None:
            missing("npm is not installed")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True,
                       capture_output=True, timeout=300)
    done = subprocess.run([node, str(HERE / "read_ics.mjs"), str(path)], capture_output=True,
                          text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def test_ical_js_reads_the_hubs_agenda(tmp_path: Path):
    hub_path = tmp_path / "hub.db"
    setup_hub(hub_path, [])
    day = (datetime.now(AMSTERDAM) + timedelta(days=10)).replace(
        hour=0, minute=0, second=0, microsecond=0)
    activities = [
        Activity(id="koffie", title="Koffie, thee; taart", starts_at=day.replace(hour=10),
                 ends_at=day.replace(hour=12), location_name="Buurthuis De Pijp",
                 address="Ferdinand Bolstraat 12, Amsterdam", price="€ 2,50",
                 description="IJsbaan en Ĳsselmeer; koffie, thee", stadsdorp="zuid"),
        Activity(id="bingo", title="Bingo", starts_at=day.replace(hour=19, minute=30),
                 status="cancelled", stadsdorp="zuid"),
        Activity(id="buurtfeest", title="Buurtfeest", starts_at=day + timedelta(days=1),
                 ends_at=day + timedelta(days=2), stadsdorp="zuid"),
        Activity(id="weekend", title="Weekend weg", starts_at=day + timedelta(days=3),
                 ends_at=day + timedelta(days=6), stadsdorp=""),
    ]
    db = connect_hub(hub_path)
    with write_transaction(db):
        for activity in activities:
            save_activity(db, activity, rev=next_rev(db))
    db.close()
    client = create_hub_app({"HUB_DATABASE": str(hub_path), "TESTING": True}).test_client()
    ics = tmp_path / "agenda.ics"
    ics.write_bytes(client.get("/agenda.ics").data)

    read = ical_js(ics)
    events = {e["uid"].split("@")[0]: e for e in read["events"]}
    assert set(events) == {"koffie", "bingo", "buurtfeest", "weekend"}
    koffie = events["koffie"]
    assert koffie["summary"] == "Koffie, thee; taart"
    assert koffie["location"] == "Buurthuis De Pijp, Ferdinand Bolstraat 12, Amsterdam"
    assert "IJsbaan en Ĳsselmeer; koffie, thee" in koffie["description"]
    assert "€ 2,50" in koffie["description"]
    assert koffie["zone"] == "Europe/Amsterdam" and not koffie["allDay"]
    assert koffie["start"] == day.replace(hour=10).strftime("%Y-%m-%dT%H:%M:%S")
    assert koffie["unixStart"] == int(day.replace(hour=10).timestamp())
    assert (koffie["status"], events["bingo"]["status"]) == ("CONFIRMED", "CANCELLED")
    feest = events["buurtfeest"]
    assert feest["allDay"] and feest["start"] == (day + timedelta(days=1)).date().isoformat()
    assert feest["end"] == (day + timedelta(days=2)).date().isoformat()
    weekend = events["weekend"]
    assert weekend["allDay"] and weekend["end"] == (day + timedelta(days=6)).date().isoformat()
