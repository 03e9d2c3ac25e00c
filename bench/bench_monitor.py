"""How fast the hub serves its Monitor page at the Netwerk's scale: 12 months of 37
stadsdorpen with about 3,000 participants a month (party sizes 1-3, so about 2,000
signups a month), 20 activities per stadsdorp per month, two kiosks each, 300 wishes a
month, most signups with a phone number.

The year is made as it would happen: signups arrive, and the hub's nightly purge folds
every month older than the retention term into the kept figures and fixes the months
whose salt is due to go. What is left is what a real hub holds: one month or so of live
signups, eleven months of folded figures.

Timed through Flask's test client (the app alone: queries, folding the live month in,
charts, template), for the whole Netwerk and for one stadsdorp, for the latest month.

Target: median < 200 ms.

    .venv/bin/python bench/bench_monitor.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from werkzeug.security import generate_password_hash  # noqa: E402

from kiosk.core.agenda import Activity  # noqa: E402
from kiosk.core.categories import CATEGORIES  # noqa: E402
from kiosk.core.clock import utc_iso  # noqa: E402
from kiosk.core.db import write_transaction  # noqa: E402
from kiosk.core.dutch import AMSTERDAM  # noqa: E402
from kiosk.core.wishes import WISH_CATEGORIES  # noqa: E402
from sync.hub import create_hub_app, monitor  # noqa: E402
from sync.hub.agenda import save_activity  # noqa: E402
from sync.hub.db import connect_hub, next_rev  # noqa: E402
from sync.hub.retention import purge  # noqa: E402

STADSDORPEN = 37
MONTHS = 12
PARTICIPANTS = 3000
ACTIVITIES_PER_STADSDORP = 20
WISHES = 300
TARGET_MS = 200.0
TITLES = ["Koffieochtend", "Wandelgroep", "Stoelyoga", "Filmclub", "Lezing", "Bingo",
          "Computerspreekuur", "Samen eten", "Buurtkoor", "Leesclub"]
PASSWORD = "bench-wachtwoord"


def fill(path: Path, seed: int = 16) -> tuple[int, str]:
    """A year at the Netwerk's scale; returns (signups made, the latest month)."""
    rng = random.Random(seed)
    db = connect_hub(path)
    latest = datetime.now(AMSTERDAM).strftime("%Y-%m")
    year, number = (int(part) for part in monitor.months_back(latest, MONTHS)[0].split("-"))
    first = datetime(year, number, 1, tzinfo=AMSTERDAM)
    made = 0
    with write_transaction(db):
        slugs = [f"dorp-{n:02d}" for n in range(STADSDORPEN)]
        db.conn.executemany("INSERT INTO stadsdorpen (slug, name, created_at) VALUES (?, ?, ?)",
                            [(s, f"Stadsdorp {s[5:]}", utc_iso(first)) for s in slugs])
        for slug in slugs:
            for k in range(2):
                db.execute("INSERT INTO kiosks (name, token_hash, stadsdorpen, created_at) "
                           "VALUES (?, ?, ?, ?)", [f"{slug}-kiosk-{k}", uuid.uuid4().hex, slug,
                                                   utc_iso(first)])
        db.execute("INSERT INTO coordinators (username, password_hash, created_at) "
                   "VALUES ('bench', ?, ?)", [generate_password_hash(PASSWORD), utc_iso(first)])
        kiosks = {slug: [row[0] for row in db.execute(
            "SELECT id FROM kiosks WHERE stadsdorpen = ?", [slug])] for slug in slugs}
        phones = [f"06{rng.randrange(10**8):08d}" for _ in range(2500)]
        rev = next_rev(db)
        month_start = first
        for _ in range(MONTHS):
            month = month_start.strftime("%Y-%m")
            activities = []
            for slug in slugs:
                for a in range(ACTIVITIES_PER_STADSDORP):
                    day = month_start + timedelta(days=rng.randrange(28),
                                                  hours=rng.randrange(9, 20))
                    title = rng.choice(TITLES)
                    activity = Activity(id=f"{slug}-{month}-{a}", title=title, stadsdorp=slug,
                                        category=rng.choice(CATEGORIES).key, starts_at=day,
                                        source="hub")
                    save_activity(db, activity, rev=rev)
                    activities.append((activity.id, slug))
            people = 0
            rows = []
            while people < PARTICIPANTS:
                activity_id, slug = rng.choice(activities)
                size = rng.choice([1, 1, 1, 2, 2, 3])
                phone = rng.choice(phones) if rng.random() < 0.8 else ""
                rows.append((str(uuid.uuid4()), activity_id, rng.choice(kiosks[slug]), "", phone,
                             size, rng.choice(["touch", "touch", "voice", "paper", "phone"]),
                             "confirmed" if rng.random() > 0.08 else "cancelled",
                             utc_iso(month_start), utc_iso(month_start), utc_iso(month_start),
                             rev))
                people += size
                if phone:
                    monitor.note_resident(db, month, slug, phone)
            db.conn.executemany(
                "INSERT INTO signups (id, activity_id, kiosk_id, name, phone, party_size, "
                "channel, status, created_at, received_at, updated_at, rev) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            made += len(rows)
            wish_rows = []
            for _ in range(WISHES):
                slug = rng.choice(slugs)
                wish_rows.append((str(uuid.uuid4()), rng.choice(kiosks[slug]), slug,
                                  rng.choice(["miss", "offer"]),
                                  json.dumps([c.key for c in rng.sample(WISH_CATEGORIES, 2)]),
                                  json.dumps(rng.sample(["ochtend", "middag", "avond"], 1)),
                                  "touch", utc_iso(month_start + timedelta(days=3)), month,
                                  utc_iso(month_start)))
            db.conn.executemany(
                "INSERT INTO wishes (id, kiosk_id, stadsdorp, kind, categories, day_parts, "
                "channel, created_at, month, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                wish_rows)
            month_start = (month_start + timedelta(days=32)).replace(day=1)
    # The nightly purge as it ran last night: the last 30 days and what is to come stay.
    purge(db, datetime.now(UTC))
    db.close()
    return made, latest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hub.db"
        started = time.perf_counter()
        made, month = fill(path)
        db = connect_hub(path)
        live = db.execute("SELECT COUNT(*) FROM signups").fetchone()[0]
        folded = db.execute("SELECT COUNT(*) FROM monitor_folded").fetchone()[0]
        db.close()
        print(f"{made} signups over {MONTHS} months, {STADSDORPEN} stadsdorpen "
              f"({live} still live, {folded} folded figure rows), "
              f"filled in {time.perf_counter() - started:.1f} s")
        app = create_hub_app({"HUB_DATABASE": str(path)})
        client = app.test_client()
        client.environ_base["HTTP_ORIGIN"] = "http://localhost"  # as the hub's own login page
        with client.session_transaction() as session:
            session["csrf"] = "bench"
        signed_in = client.post("/coordinator/login", data={
            "username": "bench", "password": PASSWORD, "csrf": "bench"})
        assert signed_in.status_code == 303, signed_in.status_code
        worst = 0.0
        for label, area in (("whole Netwerk", "*"), ("one stadsdorp", "dorp-07")):
            url = f"/coordinator/monitor?maand={month}&gebied={area}"
            times = []
            for _ in range(args.rounds):
                t0 = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200, response.status_code
            median = statistics.median(times)
            worst = max(worst, median)
            print(f"Monitor page, {label}, {month}: median {median:.1f} ms, "
                  f"p95 {sorted(times)[int(len(times) * 0.95) - 1]:.1f} ms "
                  f"({args.rounds} rounds)")
        t0 = time.perf_counter()
        csv_response = client.get(f"/coordinator/monitor.csv?maand={month}&gebied=*")
        print(f"CSV of 12 months, whole Netwerk: {(time.perf_counter() - t0) * 1000:.0f} ms, "
              f"{len(csv_response.data) // 1024} KiB")
        print(f"Target: median < {TARGET_MS:.0f} ms: {'met' if worst < TARGET_MS else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
