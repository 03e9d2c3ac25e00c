"""What a session kept on the server costs per request, at the kiosk and at the hub.

Since sign-out must end a session for real, every protected request looks its session up
in SQLite (a primary-key read; a write at most every few seconds to mark activity). This
prints, for the volunteer desk's home page and for the lookup alone:

- the lookup: `kiosk.core.desk_sessions.current` and `sync.hub.logins.session_user`;
- a whole desk page through Flask's test client, signed in.

    .venv/bin/python bench/bench_sessions.py [--rounds 2000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.core import desk_sessions  # noqa: E402
from kiosk.core.db import connect, migrate  # noqa: E402
from kiosk.web import create_app  # noqa: E402
from sync.hub import logins  # noqa: E402
from sync.hub.db import connect_hub  # noqa: E402


def timed(run: Callable[[], object], rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return times


def report(label: str, times: list[float]) -> None:
    ordered = sorted(times)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    print(f"{label:<44} median {statistics.median(times):7.3f} ms   p95 {p95:7.3f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-sessions-"))

    db_path = folder / "kiosk.db"
    db = connect(db_path)
    migrate(db)
    # A busy day: many sessions ended or idle in the table besides the live one.
    for n in range(200):
        desk_sessions.start(db, "volunteer", f"Vrijwilliger {n}", time.time() - 600)
    token = desk_sessions.start(db, "volunteer", "Marieke", time.time())
    assert desk_sessions.current(db, token, time.time(), 300) is not None
    report("kiosk: session lookup",
           timed(lambda: desk_sessions.current(db, token, time.time(), 300), args.rounds))

    app = create_app({"TESTING": True, "DATABASE": str(db_path)})
    client = app.test_client()
    with client.session_transaction() as session:
        session["desk"] = token
    assert client.get("/vrijwilliger/").status_code == 200
    report("kiosk: desk home page, signed in",
           timed(lambda: client.get("/vrijwilliger/"), max(args.rounds // 10, 50)))
    db.close()

    hub = connect_hub(folder / "hub.db")
    hub_token = logins.start_session(hub, "coordinator", time.time())
    assert logins.session_user(hub, hub_token, time.time()) == "coordinator"
    report("hub: session lookup",
           timed(lambda: logins.session_user(hub, hub_token, time.time()), args.rounds))
    hub.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
