"""assets/: every file has its source and licence in LICENSES.md, every category has its
pictogram, the kiosk serves them itself, and a normal (non-editable) wheel carries them."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from kiosk.core.assets import assets_dir, done_sound_path, pictogram_path
from kiosk.core.categories import CATEGORIES
from tests.conftest import make_activity
from tests.install_support import build_wheel

ROOT = Path(__file__).resolve().parents[1]
ASSETS = ROOT / "assets"


def asset_files() -> list[str]:
    return sorted(str(p.relative_to(ASSETS)) for p in ASSETS.rglob("*") if p.is_file())


def test_licenses_lists_every_file_and_nothing_else():
    text = (ASSETS / "LICENSES.md").read_text(encoding="utf-8")
    first_cells = {line.split("|")[1].strip() for line in text.splitlines() if line.startswith("|")}
    listed = first_cells - {"File", "---"}
    assert set(asset_files()) == listed


def test_each_category_has_its_openmoji_pictogram():
    for category in CATEGORIES:
        path = pictogram_path(category.key)
        assert path is not None and path.read_text().startswith("<svg"), category.key
    assert pictogram_path("nonsense") is None
    assert done_sound_path().read_bytes()[:4] == b"RIFF"
    assert assets_dir().resolve() == ASSETS.resolve()


def test_kiosk_serves_font_pictogram_sound_and_favicon(client):
    font = client.get("/assets/fonts/AtkinsonHyperlegible-Regular.ttf")
    assert font.status_code == 200 and font.data[:4] == b"\x00\x01\x00\x00"
    picto = client.get("/assets/pictograms/koffie.svg")
    assert picto.status_code == 200 and picto.mimetype == "image/svg+xml"
    assert client.get("/assets/sounds/done.wav").mimetype.startswith("audio/")
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.data.startswith(b"<svg")
    for bad in ("/assets/../pyproject.toml", "/assets/%2e%2e/pyproject.toml", "/assets/nope.svg"):
        assert client.get(bad).status_code == 404


def test_agenda_card_shows_the_category_pictogram(client, db):
    make_activity(db, "k1", title="Koffieochtend", days_ahead=1)
    make_activity(db, "x1", title="Vergadering", days_ahead=1.1)
    html = client.get("/").get_data(as_text=True)
    assert html.count('data-testid="pictogram"') == 1
    assert '/assets/pictograms/koffie.svg' in html


@pytest.mark.slow
def test_wheel_carries_the_assets(tmp_path):
    wheel = build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in asset_files():
        assert f"kiosk/assets/{name}" in names
