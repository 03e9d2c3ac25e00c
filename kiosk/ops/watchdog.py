"""systemd's notify protocol for `buurtkiosk run` (Type=notify, WatchdogSec=): READY=1
once the web server answers, then WATCHDOG=1 every half interval, but only while /health
answers and reports the print and sync workers running. A thread that pinged blindly
would keep a server alive whose request threads are stuck or whose printer thread died;
this one lets systemd kill and restart it.

Without NOTIFY_SOCKET (a volunteer's terminal, the tests) nothing starts.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import urllib.error
import urllib.request


def notify(message: str, socket_path: str | None = None) -> bool:
    """Send one sd_notify message; False when not started by systemd."""
    path = socket_path or os.environ.get("NOTIFY_SOCKET", "")
    if not path:
        return False
    if path.startswith("@"):  # an abstract socket
        path = "\0" + path[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
        sock.connect(path)
        sock.sendall(message.encode())
    return True


def ping_interval() -> float | None:
    """Half of WatchdogSec, if systemd asked this process for pings."""
    usec = os.environ.get("WATCHDOG_USEC", "")
    pid = os.environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or (pid.isdigit() and int(pid) != os.getpid()):
        return None
    return int(usec) / 1_000_000 / 2


def alive(url: str, timeout: float) -> bool:
    """The server answers /health, and reports none of its workers stopped."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as error:
        body = error.read()  # a 503 (broken database) is alive: a restart would not mend it
    except OSError:
        return False
    try:
        workers = json.loads(body).get("checks", {}).get("workers", {})
    except (ValueError, AttributeError):
        return True
    return workers.get("state") != "error"


def _watch(url: str, interval: float | None) -> None:
    while not alive(url, timeout=2):
        time.sleep(0.2)
    notify("READY=1\nSTATUS=Buurtkiosk draait")
    while interval:
        time.sleep(interval)
        if alive(url, timeout=interval):
            notify("WATCHDOG=1")


def start(host: str, port: int) -> threading.Thread | None:
    if not os.environ.get("NOTIFY_SOCKET"):
        return None
    local = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    url = f"http://[{local}]:{port}/health" if ":" in local else f"http://{local}:{port}/health"
    thread = threading.Thread(
        target=_watch, args=(url, ping_interval()), name="systemd-watchdog", daemon=True
    )
    thread.start()
    return thread
