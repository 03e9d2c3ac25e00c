"""What the paper costs: laying out and rendering each kind of ticket, and the pictogram.

    python bench/bench_paper.py [--rounds 200]

Prints, at 80 and 58 mm: milliseconds to lay out a ticket (line breaking with pyphen's Dutch
dictionary included), to render it to ESC/POS bytes, its size in bytes, and its length on
paper (text lines at 30 dots = 3.75 mm, taller text its own height, images their height).
Then the category pictogram: the first drawing from SVG (cairosvg) and a cached lookup.
The print worker does this once per job, after the signup has committed: it never delays a
resident, but a Pi 3B+ should still print a ticket within a second.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.core.agenda import Activity  # noqa: E402
from kiosk.core.signups import Signup  # noqa: E402
from kiosk.core.ticket_changes import Change  # noqa: E402
from printing import layout, pictograms, render  # noqa: E402
from printing.ticket import Reprint, ticket_layout  # noqa: E402
from tests.escpos_decode import Line, Raster, decode  # noqa: E402

CUP = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 72 72">
  <rect x="14" y="20" width="36" height="36" fill="#D0CFCE" stroke="#000" stroke-width="4"/>
  <path d="M50 28 h8 v12 h-8" fill="none" stroke="#000" stroke-width="4"/></svg>"""

START = datetime.now(UTC) + timedelta(days=3)
ACTIVITY = Activity(
    id="a1", title="Computerspreekuur in de bibliotheek van Ĳburg", starts_at=START,
    ends_at=START + timedelta(hours=2), stadsdorp="Stadsdorp Oost",
    location_name="Buurthuis De Ĳsbreker", address="Ĳsbaanpad 2", price="€ 2,50",
    contact="020 123 45 67",
)  # fmt: skip
SIGNUP = Signup(
    id="s1", code="7KQ4MX", activity_id="a1", name="Maria van der Ĳssel-Vandenbroucke",
    phone="0612345678", party_size=2, channel="touch", status="confirmed",
    created_at="2026-11-23T10:36:23Z", kiosk_id="k1",
)  # fmt: skip
KINDS = {
    "aanmelding": (SIGNUP, None),
    "wachtlijst": (replace(SIGNUP, status="waitlist"), None),
    "onder voorbehoud": (replace(SIGNUP, seat_basis="provisional"), None),
    "kopie, tijd veranderd": (
        SIGNUP,
        Reprint(datetime.now(UTC), [Change("time", "13.00 uur", "12.30 uur")]),
    ),
}


def paper_mm_length(data: bytes) -> float:
    dots = 0
    for block in decode(data).blocks:
        if isinstance(block, Line):
            dots += 30 * block.style.height
        elif isinstance(block, Raster):
            dots += block.image.height
    return dots / 8  # 203 dpi: 8 dots a millimetre


def ms(seconds: list[float]) -> str:
    return f"{statistics.median(seconds) * 1000:6.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        assets = Path(folder) / "pictograms"
        assets.mkdir()
        (assets / "koffie.svg").write_text(CUP)
        import os

        os.environ["BUURTKIOSK_CACHE"] = str(Path(folder) / "cache")
        started = time.perf_counter()
        pictograms.pictogram_path = lambda key: assets / f"{key}.svg"  # our own drawing
        drawn = pictograms.printable("koffie", layout.paper(80))
        first = time.perf_counter() - started
        cached = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            pictograms.printable("koffie", layout.paper(80))
            cached.append(time.perf_counter() - started)
        print(f"pictogram: first drawing {first * 1000:.1f} ms, cached {ms(cached)}")

        for paper_mm in (80, 58):
            columns = layout.paper(paper_mm).columns
            for kind, (signup, reprint) in KINDS.items():
                lay, rend = [], []
                for _ in range(args.rounds):
                    started = time.perf_counter()
                    ops = ticket_layout(
                        signup, ACTIVITY, columns=columns, qr_payload="BK1.7KQ4MX.ABCDEFGHIJKLMNOP",
                        kiosk_name="Kiosk Oost", reprint=reprint, pictogram=drawn,
                    )  # fmt: skip
                    middle = time.perf_counter()
                    data = render.render_bytes(ops, paper_mm=paper_mm)
                    lay.append(middle - started)
                    rend.append(time.perf_counter() - middle)
                print(
                    f"{paper_mm} mm {kind:<22} layout {ms(lay)}  render {ms(rend)}  "
                    f"{len(data):6d} bytes  {paper_mm_length(data):5.0f} mm of paper"
                )


if __name__ == "__main__":
    main()
