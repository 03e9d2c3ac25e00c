"""The lasting cache of python-escpos's printer database (printing/escpos_cache.py)."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from printing import escpos_cache

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def no_choice_made(monkeypatch: pytest.MonkeyPatch) -> None:
    # Importing `printing` for this test already pointed python-escpos somewhere.
    monkeypatch.delenv(escpos_cache.ENV, raising=False)


def test_the_pickle_holds_what_python_escpos_itself_reads(tmp_path: Path) -> None:
    assert escpos_cache.prepare(tmp_path) == tmp_path
    assert os.environ[escpos_cache.ENV] == str(tmp_path)
    source = escpos_cache.capabilities_file()
    assert source is not None
    with escpos_cache.pickle_path(tmp_path).open("rb") as cached:
        assert pickle.load(cached) == yaml.safe_load(source.read_text(encoding="utf-8"))
    assert [p.name for p in tmp_path.iterdir()] == [escpos_cache.pickle_path(tmp_path).name]


def test_a_new_process_skips_the_slow_parse(tmp_path: Path) -> None:
    """The first start already writes the pickle before python-escpos is imported."""
    script = ("import printing, escpos.capabilities as c; "
              "print(c.full_load, c.pickle_dir)")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    env.pop(escpos_cache.ENV, None)
    for _ in range(2):
        out = subprocess.run([sys.executable, "-c", script], env=env, check=True,
                             capture_output=True, text=True).stdout.split()
        assert out == ["False", str(tmp_path / "buurtkiosk" / "escpos")]


def test_an_empty_damaged_or_older_pickle_is_written_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = escpos_cache.pickle_path(tmp_path)
    target.write_bytes(b"")  # what a power cut during python-escpos's own write leaves
    escpos_cache.prepare(tmp_path)
    assert target.stat().st_size > 0
    monkeypatch.delenv(escpos_cache.ENV)
    target.write_bytes(target.read_bytes()[:-100])  # damaged on the card
    escpos_cache.prepare(tmp_path)
    with target.open("rb") as cached:
        assert "profiles" in pickle.load(cached)
    monkeypatch.delenv(escpos_cache.ENV)  # the next start of the kiosk
    os.utime(target, (0, 0))  # older than the database: an upgraded python-escpos
    escpos_cache.prepare(tmp_path)
    assert target.stat().st_mtime > 0


def test_an_unusable_folder_leaves_python_escpos_as_it_was(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    assert escpos_cache.prepare(tmp_path / "file" / "escpos") is None
    assert escpos_cache.ENV not in os.environ
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


def test_no_home_folder_leaves_python_escpos_as_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert escpos_cache.prepare() is None
    assert escpos_cache.ENV not in os.environ
