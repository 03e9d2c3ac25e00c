"""What ships is what is tested: the wheel, installed normally (not editable) into a
fresh virtual environment, serves every screen area of the kiosk with its CSS, scripts
and assets, and the hub its login page, its calendar and its API."""

from __future__ import annotations

import http.cookiejar
import json
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.escpos_listener import free_port
from tests.install_support import build_wheel, clean_env, make_venv, pip_install

pytestmark = pytest.mark.slow

VOLUNTEER_PIN, COORDINATOR_PIN = "24681357", "97531864"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("shipped")
    wheel = build_wheel(root)
    bin_dir = make_venv(root / "venv")
    pip_install(bin_dir, str(wheel))
    return bin_dir


def run_cli(bin_dir: Path, *args: str, stdin: str = "", env: dict[str, str]) -> str:
    done = subprocess.run([str(bin_dir / "buurtkiosk"), *args], input=stdin, text=True,
                          capture_output=True, env=env, cwd=bin_dir, timeout=120)
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


class Page(HTMLParser):
    """The files a page loads, and the hidden fields of its forms."""

    def __init__(self) -> None:
        super().__init__()
        self.files: set[str] = set()
        self.hidden: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "link" and a.get("href"):
            self.files.add(a["href"] or "")
        elif tag in ("script", "img", "source", "audio") and a.get("src"):
            self.files.add(a["src"] or "")
        elif tag == "input" and a.get("type") == "hidden" and a.get("name"):
            self.hidden[a["name"] or ""] = a.get("value") or ""
        for value in a.values():  # assets named in data- attributes or inline styles
            for url in re.findall(r"url\(['\"]?(/[^'\")]+)", value or ""):
                self.files.add(url)


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, str, str]:
        try:
            with self.opener.open(self.base + path, timeout=20) as answer:
                return answer.status, answer.headers.get_content_type(), answer.read().decode(
                    "utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get_content_type(), error.read().decode()

    def post(self, path: str, fields: dict[str, str]) -> tuple[int, str]:
        request = urllib.request.Request(
            self.base + path, data=urllib.parse.urlencode(fields).encode(),
            headers={"Origin": self.base, "Referer": self.base + path})
        try:
            with self.opener.open(request, timeout=20) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def page_with_files(self, path: str) -> Page:
        status, kind, body = self.get(path)
        assert status == 200 and kind == "text/html", (path, status, body[:300])
        page = Page()
        page.feed(body)
        for file in sorted(page.files):
            if file.startswith("/"):
                file_status, _, _ = self.get(file)
                assert file_status == 200, (path, file, file_status)
        return page


def wait_for(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within 60 s")


@pytest.fixture()
def serve(installed: Path) -> Iterator[object]:
    started: list[subprocess.Popen[str]] = []

    def start(*args: str, env: dict[str, str], probe: str) -> str:
        port = free_port()
        process = subprocess.Popen(
            [str(installed / "buurtkiosk"), *args, "--port", str(port)], env=env, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=installed)
        started.append(process)
        base = f"http://127.0.0.1:{port}"
        wait_for(base + probe, process)
        return base

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=20)


def test_the_installed_kiosk_serves_every_screen_area(installed, serve, tmp_path):
    env = clean_env(BUURTKIOSK_DB=str(tmp_path / "kiosk.db"), XDG_DATA_HOME=str(tmp_path))
    run_cli(installed, "init-db", env=env)
    run_cli(installed, "demo", env=env)
    run_cli(installed, "set-pin", "vrijwilliger", stdin=VOLUNTEER_PIN + "\n", env=env)
    run_cli(installed, "set-pin", "coordinator", stdin=COORDINATOR_PIN + "\n", env=env)
    base = serve("run", "--no-workers", env=env, probe="/health")
    browser = Browser(base)

    start = browser.page_with_files("/")
    activity = re.search(r'href="(/activiteit/[^"/]+)"', browser.get("/")[2])
    assert activity, "the demo agenda shows activities"
    browser.page_with_files(activity.group(1))
    browser.page_with_files(activity.group(1) + "/aanmelden")
    assert start.files, "the start page loads its CSS and scripts"
    browser.page_with_files("/stem")

    pin_page = browser.page_with_files("/vrijwilliger/pincode")
    status, _ = browser.post("/vrijwilliger/pincode", {
        **pin_page.hidden, "name": "Marieke", "pin": COORDINATOR_PIN})
    assert status == 200, "signed in and sent on to the coordinator's page"
    for path in ("/vrijwilliger/", "/vrijwilliger/activiteiten", "/vrijwilliger/invoeren",
                 "/coordinator/", "/coordinator/instellingen", "/coordinator/status",
                 "/coordinator/sync/"):
        browser.page_with_files(path)
    status, kind, body = browser.get("/health")
    assert status == 200 and kind == "application/json" and json.loads(body)["checks"]


def test_the_installed_hub_serves_login_calendar_and_api(installed, serve, tmp_path):
    env = clean_env(BUURTKIOSK_HUB_DB=str(tmp_path / "hub.db"), XDG_DATA_HOME=str(tmp_path))
    run_cli(installed, "hub", "add-stadsdorp", "Stadsdorp Zuid", "--slug", "zuid", env=env)
    base = serve("hub", env=env, probe="/agenda.ics")
    browser = Browser(base)
    browser.page_with_files("/coordinator/login")
    status, kind, body = browser.get("/agenda.ics")
    assert status == 200 and kind == "text/calendar" and body.startswith("BEGIN:VCALENDAR")
    status, kind, body = browser.get("/api/v1/agenda")
    assert status == 401 and kind == "application/json"
    assert json.loads(body)["error"]
