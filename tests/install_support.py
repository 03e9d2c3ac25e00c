"""Fresh virtual environments for the tests of what ships: the wheel installed normally,
and the dependencies at their declared lower bounds."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_wheel(out: Path) -> Path:
    """The wheel as install.sh builds it, from a copy of the project's files only: a
    build in the work tree would reuse a stale egg-info and could ship what git does not."""
    source = out / "source"
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, check=True, capture_output=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        if (ROOT / name).is_symlink():  # kiosk/assets -> ../assets: the wheel follows it
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(os.readlink(ROOT / name), source / name)
        elif (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        check=True, cwd=out, env=clean_env(),
    )
    (wheel,) = out.glob("buurtkiosk-*.whl")
    return wheel


def make_venv(folder: Path) -> Path:
    venv.EnvBuilder(with_pip=True, clear=True).create(folder)
    return folder / "bin"


def pip_install(bin_dir: Path, *requirements: str) -> None:
    subprocess.run([str(bin_dir / "pip"), "install", "-q", "--disable-pip-version-check",
                    *requirements], check=True, env=clean_env())


def clean_env(**extra: str) -> dict[str, str]:
    """No PYTHONPATH and no virtual environment of ours: the installed copy must stand alone."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(extra)
    return env


def declared_dependencies(extra: str | None = None) -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    if extra:
        return list(project["optional-dependencies"][extra])
    return list(project["dependencies"])


def at_lower_bound(requirement: str) -> str:
    """'flask>=3.0' -> 'flask==3.0'; a requirement without a lower bound stays as it is."""
    match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+(?:\[[^\]]*\])?)\s*>=\s*([^,;\s]+)\s*", requirement)
    return f"{match.group(1)}=={match.group(2)}" if match else requirement
