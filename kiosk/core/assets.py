"""Where the files of the top-level assets/ folder are: the font, the pictograms, the sound.

assets/ reaches the package as kiosk/assets (a link in the source tree, a real folder in an
installed wheel), so this one lookup finds it in both, for the screens and for printing."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from kiosk.core.categories import BY_KEY


def assets_dir() -> Path:
    """The assets/ folder on disk."""
    return Path(str(files("kiosk") / "assets"))


def pictogram_path(key: str) -> Path | None:
    """The OpenMoji SVG of a category (kiosk/core/categories.py), or None for an unknown key."""
    if key not in BY_KEY:
        return None
    path = assets_dir() / "pictograms" / f"{key}.svg"
    return path if path.is_file() else None


def done_sound_path() -> Path:
    return assets_dir() / "sounds" / "done.wav"
