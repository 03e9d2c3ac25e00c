"""How fast a volunteer's paper slips are saved, and how long a printed slip is.

    python bench/bench_slips.py [--slips 500] [--emupos PATH]

1. Server-side time per saved slip: for each of N printed slips, the three requests a
   volunteer's scanner and Enter key cause — the scan (look up the slip), the save (signup
   + slip marked entered + outbox + audit, one committed transaction with fsync), and the
   empty entry page that follows — through the real Flask app and a SQLite file on disk,
   in process (no network, no browser). Target: under 20 ms per slip.
2. The slip's length on paper, from the ESC/POS bytes the print worker would send, decoded
   by tests/escpos_decode.py: text lines at the printer's default line spacing (30 dots =
   3.75 mm on a TM-T20 at 203 dpi; taller text takes its own height), images at their
   height, plus the feed before the cut. With --emupos (or BUURTKIOSK_EMUPOS) the same
   bytes also go to emupos, an independent virtual printer, and its picture is measured.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.core import pins, slips  # noqa: E402
from kiosk.core.agenda import Activity, save_activity  # noqa: E402
from kiosk.core.db import connect, migrate  # noqa: E402
from kiosk.web import create_app  # noqa: E402
from printing import render  # noqa: E402
from printing.slips import slip_layout, week_sheet_layout  # noqa: E402
from tests.escpos_decode import Feed, Line, decode  # noqa: E402

DOTS_PER_MM = 8  # 203 dpi
LINE_DOTS = 30  # ESC 2 default line spacing of the TM-T20 family: 30/203 inch
TARGET_MS = 20.0


def _activities(count: int, start: datetime) -> list[Activity]:
    titles = [
        "Koffieochtend",
        "Wandelen in het Vondelpark",
        "Schilderclub",
        "Bingo",
        "Samen eten",
        "Computerhulp",
        "Stoelyoga",
    ]
    return [
        Activity(
            id=f"bench-{n}",
            title=titles[n % len(titles)],
            starts_at=start + timedelta(days=1 + n % 6, hours=n % 5),
            ends_at=start + timedelta(days=1 + n % 6, hours=n % 5 + 2),
            stadsdorp="Stadsdorp Zuid",
            location_name="Buurthuis De Pijp",
            address="Ferdinand Bolstraat 12",
        )
        for n in range(count)
    ]


def bench_entry(count: int) -> dict[str, list[float]]:
    folder = tempfile.mkdtemp(prefix="bench-slips-")
    path = str(Path(folder) / "kiosk.db")
    db = connect(path)
    migrate(db)
    for activity in _activities(5, datetime.now(UTC)):
        save_activity(db, activity)
    pins.set_pin(db, "volunteer", "2468")
    printed: list[slips.Slip] = []
    while len(printed) < count:
        batch = min(slips.MAX_SLIPS_PER_PRINT, count - len(printed))
        printed += slips.print_activity_slips(db, f"bench-{len(printed) % 5}", batch, "bench")
    db.close()

    # The running kiosk's print worker keeps a connection open; without one, every request
    # would close the last connection and pay for a WAL checkpoint.
    worker_connection = connect(path)
    app = create_app({"DATABASE": path, "TESTING": True})
    client = app.test_client()
    client.post("/vrijwilliger/pincode", data={"name": "Bench", "pin": "2468"})
    times: dict[str, list[float]] = {"scan": [], "save": [], "next page": [], "per slip": []}
    for number, slip in enumerate(printed):
        t0 = time.perf_counter()
        scan = client.post("/vrijwilliger/invoeren/strook", data={"scan": slip.qr_payload})
        t1 = time.perf_counter()
        save = client.post(
            "/vrijwilliger/invoeren/strook/opslaan",
            data={
                "code": slip.code,
                "name": f"Bewoner {number}",
                "phone": f"06{number:08d}",
                "party_size": str(1 + number % 3),
            },
        )
        t2 = time.perf_counter()
        page = client.get(save.location)
        t3 = time.perf_counter()
        if scan.status_code != 200 or save.status_code != 303 or page.status_code != 200:
            raise SystemExit(f"slip {number}: {scan.status_code} {save.status_code}")
        times["scan"].append((t1 - t0) * 1000)
        times["save"].append((t2 - t1) * 1000)
        times["next page"].append((t3 - t2) * 1000)
        times["per slip"].append((t3 - t0) * 1000)
    saved = worker_connection.execute(
        "SELECT COUNT(*) FROM signups WHERE channel = 'paper'"
    ).fetchone()[0]
    worker_connection.close()
    if saved != count:
        raise SystemExit(f"{saved} signups saved, {count} expected")
    return times


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * fraction), len(ordered) - 1)]


def paper_mm(data: bytes) -> tuple[float, float]:
    """(printed content, feed before the cut) in mm, from the bytes."""
    receipt = decode(data)
    content = feed = 0
    blocks = receipt.blocks
    for index, block in enumerate(blocks):
        if isinstance(block, Line):
            content += max(LINE_DOTS, 24 * block.style.height)
        elif isinstance(block, Feed):
            before_cut = index + 1 < len(blocks) and type(blocks[index + 1]).__name__ == "Cut"
            if before_cut:
                feed += block.lines * LINE_DOTS
            else:
                content += block.lines * LINE_DOTS
    content += sum(raster.image.height for raster in receipt.rasters)
    return content / DOTS_PER_MM, feed / DOTS_PER_MM


def slip_bytes(paper: int) -> dict[str, bytes]:
    columns = render.paper_for(paper, render.DEFAULT_PROFILE).columns
    start = datetime(2031, 6, 2, 8, 0, tzinfo=UTC)
    activities = _activities(15, start)
    activities.sort(key=lambda a: a.starts_at)
    name = "Buurtkiosk De Pijp"
    return {
        "slip": render.render_bytes(
            slip_layout(activities[0], "7KQ4MX", columns=columns, kiosk_name=name), paper_mm=paper
        ),
        "week sheet, 7 activities": render.render_bytes(
            week_sheet_layout(
                activities[:7],
                "7KQ4MX",
                columns=columns,
                kiosk_name=name,
                week="maandag 2 t/m zondag 8 juni",
            ),
            paper_mm=paper,
        ),
        "week sheet, 15 activities": render.render_bytes(
            week_sheet_layout(
                activities,
                "7KQ4MX",
                columns=columns,
                kiosk_name=name,
                week="maandag 2 t/m zondag 8 juni",
            ),
            paper_mm=paper,
        ),
    }


def emupos_heights(executable: str, jobs: dict[str, bytes]) -> dict[str, float]:
    """The printed height emupos draws for each job, in mm (its picture, 8 dots per mm)."""
    from printing.backends import deliver
    from tests.escpos_listener import free_port

    folder = Path(tempfile.mkdtemp(prefix="bench-emupos-"))
    tcp, api = free_port(), free_port()
    (folder / "emupos.yaml").write_text(
        f"schema: 1\napi: {{ host: 127.0.0.1, port: {api} }}\ndevices:\n  - id: kiosk\n"
        f"    type: printer\n    profile: epson-tm-t20iii\n    connections:\n"
        f"      - tcp: {{ host: 127.0.0.1, port: {tcp} }}\n    receipts_dir: ./receipts\n"
    )
    base = f"http://127.0.0.1:{api}/api/v1"
    with (folder / "log").open("wb") as log:
        process = subprocess.Popen(
            [executable, "run", "--config", "emupos.yaml"],
            cwd=folder,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    heights: dict[str, float] = {}
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(base + "/health", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        for name, data in jobs.items():
            deliver(f"tcp://127.0.0.1:{tcp}", data)
            for _ in range(100):
                receipts = json.loads(
                    urllib.request.urlopen(base + "/devices/kiosk/receipts", timeout=2).read()
                )
                if len(receipts) > len(heights):
                    break
                time.sleep(0.05)
            heights[name] = receipts[0]["height_dots"] / DOTS_PER_MM
    finally:
        process.terminate()
        process.wait(5)
    return heights


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slips", type=int, default=500)
    parser.add_argument("--emupos", default=os.environ.get("BUURTKIOSK_EMUPOS", ""))
    args = parser.parse_args()

    times = bench_entry(args.slips)
    print(
        f"Entering {args.slips} slips (scan + save + next page, Flask in process, "
        "SQLite on disk with synchronous=FULL):"
    )
    for name, values in times.items():
        print(
            f"  {name:10} mean {statistics.mean(values):6.2f} ms  median "
            f"{statistics.median(values):6.2f}  p95 {_percentile(values, 0.95):6.2f}  "
            f"max {max(values):6.2f}"
        )
    per_slip = statistics.mean(times["per slip"])
    verdict = "within" if per_slip < TARGET_MS else "OVER"
    print(
        f"  => {per_slip / 1000:.4f} s per slip server-side ({verdict} the {TARGET_MS:.0f} ms "
        "target)"
    )

    print("Printed length (203 dpi, 30-dot line spacing; content + feed before the cut):")
    emupos_jobs: dict[str, bytes] = {}
    for paper in (80, 58):
        for name, data in slip_bytes(paper).items():
            content, feed = paper_mm(data)
            print(
                f"  {paper} mm {name:26} {content:6.1f} mm + {feed:4.1f} mm = "
                f"{content + feed:6.1f} mm of paper"
            )
            emupos_jobs[f"{paper} mm {name}"] = data
    if args.emupos:
        print("emupos (independent virtual TM-T20III), height of its picture of each job:")
        for name, mm in emupos_heights(args.emupos, emupos_jobs).items():
            print(f"  {name:32} {mm:6.1f} mm")
    return 0 if per_slip < TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
