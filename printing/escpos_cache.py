"""A lasting cache of python-escpos's printer database, so the kiosk starts faster.

When escpos.capabilities is imported, python-escpos reads its printer database
(capabilities.json) with PyYAML's pure-Python parser and caches the result as a pickle --
in a new temporary folder at every start, so the cache never hits. That parse was 0.4 s
of the kiosk's 0.8 s of imports on the build machine, about 1.7 s of a Pi 4 core and
3.4 s of a Pi 3B+ core, at every start of the kiosk and of every `buurtkiosk` command.

Here the pickle is written once into the user's cache folder, atomically: python-escpos
writes its own pickle in place, and a power cut halfway would leave a file it fails to
load at the next start. The database is JSON, so json reads it (1 ms) to the same data.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import pickle
import platform
from pathlib import Path

ENV = "ESCPOS_CAPABILITIES_PICKLE_DIR"  # python-escpos reads it when first imported


def default_folder() -> Path:
    cache_home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache_home) / "buurtkiosk" / "escpos"


def capabilities_file() -> Path | None:
    """python-escpos's printer database, found without importing python-escpos."""
    spec = importlib.util.find_spec("escpos")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "capabilities.json"
    return path if path.is_file() else None


def pickle_path(folder: Path) -> Path:
    return folder / f"{platform.python_version()}.capabilities.pickle"  # python-escpos's name


def _loads(path: Path) -> bool:
    """Does the pickle load? A damaged one (an SD card) would stop every start at the
    import of python-escpos; loading it costs a few milliseconds."""
    try:
        with path.open("rb") as cached:
            return isinstance(pickle.load(cached), dict)
    except Exception:  # whatever a damaged pickle raises
        return False


def prepare(folder: Path | None = None) -> Path | None:
    """Make sure a complete pickle newer than the database is in `folder`, and point
    python-escpos at it. Call before python-escpos is imported. Returns the folder, or None
    where it cannot be used (python-escpos then does as it always did)."""
    if ENV in os.environ:
        return None  # the machine's own choice
    source = capabilities_file()
    if source is None:
        return None
    try:
        folder = folder or default_folder()
    except RuntimeError:  # no home folder to be found (a user without one)
        return None
    target = pickle_path(folder)
    try:
        fresh = target.stat().st_mtime >= source.stat().st_mtime and _loads(target)
    except OSError:
        fresh = False
    if not fresh:
        part = folder / f".{target.name}.{os.getpid()}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            data = json.loads(source.read_text(encoding="utf-8"))
            with part.open("wb") as out:
                pickle.dump(data, out, protocol=2)
                out.flush()
                os.fsync(out.fileno())
            os.replace(part, target)
        except (OSError, ValueError):
            with contextlib.suppress(OSError):
                part.unlink()
            return None
    os.environ[ENV] = str(folder)
    return folder
