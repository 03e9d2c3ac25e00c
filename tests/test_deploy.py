"""The Raspberry Pi install checked off the Pi: shellcheck, a dry run that prints every step
and changes nothing, and systemd-analyze verify on the units."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.cli.main import cli
from tests.parts import missing

PI = Path(__file__).resolve().parent.parent / "deploy" / "raspberrypi"
UNITS = sorted((PI / "systemd").iterdir())
# Everything install.sh may use to change a machine; in a dry run none of them may run.
MUTATING = ["apt-get", "adduser", "useradd", "usermod", "systemctl", "udevadm", "raspi-config",
            "timedatectl", "install", "chown", "python3", "pip", "sudo", "setpriv", "tar"]


def needs(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        missing(f"{tool} is not installed (tests/run.sh installs it)")
    return path


def test_scripts_are_shellcheck_clean():
    shellcheck = needs("shellcheck")
    scripts = sorted(PI.glob("*.sh"))
    assert {s.name for s in scripts} >= {"install.sh", "kiosk-browser.sh", "buurtkiosk-command.sh"}
    result = subprocess.run([shellcheck, "-x", *map(str, scripts)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    autostart = subprocess.run([shellcheck, "--shell=sh", str(PI / "labwc-autostart")],
                               capture_output=True, text=True)
    assert autostart.returncode == 0, autostart.stdout


@pytest.fixture
def open_dir() -> Iterator[Path]:
    """A folder anyone may read (pytest's own are root's only): for the run as nobody."""
    folder = Path(tempfile.mkdtemp(prefix="buurtkiosk-deploy-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


@pytest.fixture
def spy_path(open_dir: Path) -> tuple[str, Path]:
    """A PATH whose mutating commands only write down that they were called."""
    spies = open_dir / "spies"
    spies.mkdir(mode=0o755)
    log_dir = open_dir / "calls"
    log_dir.mkdir()
    log_dir.chmod(0o777)  # the spies may run as nobody
    calls = log_dir / "calls.log"
    for name in MUTATING:
        spy = spies / name
        spy.write_text(f'#!/bin/sh\necho "{name} $*" >> {shlex.quote(str(calls))}\n')
        spy.chmod(0o755)
    return f"{spies}:/usr/bin:/bin:/usr/sbin:/sbin", calls


def test_dry_run_prints_every_step_and_changes_nothing(spy_path):
    path, calls = spy_path
    result = subprocess.run(
        ["bash", str(PI / "install.sh"), "--dry-run", "--desktop-user", "kiosk",
         "--printer", "tcp://192.168.1.50:9100"],
        capture_output=True, text=True, env={"PATH": path, "HOME": "/nonexistent"}, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert not calls.exists(), f"the dry run changed the machine: {calls.read_text()}"
    steps = re.findall(r"^== Stap (\d+): (.*)$", out, re.M)
    assert [int(n) for n, _ in steps] == list(range(1, len(steps) + 1)) and len(steps) == 10
    for expected in [
        "+ bash ", "system-packages.sh",
        "apt-get install", "curl sqlite3",
        "/opt/buurtkiosk/venv/bin/pip install --quiet --upgrade",
        "BUURTKIOSK_PRINTER=tcp://192.168.1.50:9100",
        "/usr/local/bin/buurtkiosk init-db",
        "/etc/udev/rules.d/99-buurtkiosk-printer.rules",
        "/etc/systemd/system/buurtkiosk.service",
        "systemctl enable buurtkiosk.service buurtkiosk-nightly.timer",
        "buurtkiosk voice-model",
        "/home/kiosk/.config/labwc/autostart",
        "/usr/local/bin/buurtkiosk health",
        "/usr/local/bin/buurtkiosk ready-ticket",
    ]:
        assert expected in out, expected
    # Every step that changes something is shown as a command, never done silently.
    assert out.count("\n+ ") >= 25


def test_dry_run_runs_without_root(spy_path, open_dir):
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        missing("needs root (and setpriv) to become nobody")
    path, calls = spy_path
    copy = open_dir / "repo" / "deploy" / "raspberrypi"
    shutil.copytree(PI, copy)
    for folder in (copy.parent.parent, copy.parent, copy):
        folder.chmod(0o755)
    result = subprocess.run(
        [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--",
         "bash", str(copy / "install.sh"), "--dry-run"],
        capture_output=True, text=True, env={"PATH": path}, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Klaar." in result.stdout and not calls.exists()


def test_units_pass_systemd_analyze_verify(tmp_path):
    analyze = needs("systemd-analyze")
    system_units = Path("/usr/lib/systemd/system")
    if not (system_units / "multi-user.target").exists():
        missing("systemd's own units are not installed")
    root = tmp_path / "root"
    shutil.copytree(system_units, root / "usr/lib/systemd/system", symlinks=True)
    (root / "etc/systemd/system").mkdir(parents=True)
    for unit in UNITS:
        shutil.copy(unit, root / "etc/systemd/system" / unit.name)
    # The programs the units start, as they will be on the Pi.
    for program in _exec_paths():
        target = root / program.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("#!/bin/sh\n")
        target.chmod(0o755)
    result = subprocess.run(
        [analyze, "verify", f"--root={root}", *[u.name for u in UNITS]],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    ours = [line for line in result.stderr.splitlines() if "buurtkiosk" in line]
    assert not ours, "\n".join(ours)  # warnings too, such as a misspelt key


def _exec_paths() -> set[str]:
    paths = set()
    for unit in UNITS:
        for line in unit.read_text().splitlines():
            if line.startswith("ExecStart"):
                paths.add(line.split("=", 1)[1].lstrip("-+!@:").split()[0])
    return paths


def unit_lines(name: str) -> list[str]:
    return [line.strip() for line in (PI / "systemd" / name).read_text().splitlines()
            if line.strip() and not line.startswith("#")]


def test_server_unit_restarts_always_and_has_a_watchdog():
    lines = unit_lines("buurtkiosk.service")
    for expected in ["Type=notify", "Restart=always", "WatchdogSec=30", "User=buurtkiosk",
                     "StartLimitIntervalSec=0",
                     "ExecStart=/opt/buurtkiosk/venv/bin/buurtkiosk run --host 127.0.0.1"]:
        assert expected in lines
    assert not any("network-online" in line for line in lines)  # starts without internet


def test_nightly_unit_purges_then_backs_up_even_after_a_night_switched_off():
    lines = unit_lines("buurtkiosk-nightly.service")
    execs = [line for line in lines if line.startswith("ExecStart=")]
    assert execs == ["ExecStart=-/opt/buurtkiosk/venv/bin/buurtkiosk purge",
                     "ExecStart=/opt/buurtkiosk/venv/bin/buurtkiosk backup"]
    assert "Persistent=true" in unit_lines("buurtkiosk-nightly.timer")


def test_every_command_the_units_and_handbook_use_exists():
    commands = {*cli.commands, *cli.aliases}
    used = {line.split("buurtkiosk ", 1)[1].split()[0]
            for name in ("buurtkiosk.service", "buurtkiosk-nightly.service")
            for line in unit_lines(name) if line.startswith("ExecStart")}
    readme = (PI / "README.md").read_text()
    used |= set(re.findall(r"sudo buurtkiosk ([a-z-]+)", readme))
    used |= set(re.findall(r"^\s*kiosk ([a-z-]+)", (PI / "install.sh").read_text(), re.M))
    assert used >= {"run", "purge", "backup", "herstel", "status", "inzage", "vergeet"}
    missing = used - set(commands)
    assert not missing, missing


def test_udev_rule_names_the_kiosk_user_and_a_stable_printer_device():
    rules = [line for line in (PI / "99-buurtkiosk-printer.rules").read_text().splitlines()
             if line and not line.startswith("#")]
    assert all('GROUP="buurtkiosk"' in rule and 'MODE="0660"' in rule for rule in rules)
    assert any("*:0701??:*" in rule for rule in rules)  # any printer-class device
    assert any('SYMLINK+="buurtkiosk-printer"' in rule for rule in rules)
    for rule in rules:  # each key is KEY==, KEY=, KEY+= with a quoted value
        for part in rule.split(", "):
            assert re.fullmatch(r'[A-Z_]+(\{[A-Za-z_]+\})?(==|\+=|=)"[^"]*"', part), part
