"""The hub token reaches the kiosk by a QR code: the hub shows a new token as a QR, the
kiosk's USB scanner types it into the token field (here: the QR read by zxing from the
rendered page, then posted as the scanner would), and the kiosk syncs with it."""

from __future__ import annotations

import io
import re
from pathlib import Path

import cairosvg
import zxingcpp
from PIL import Image as PILImage

from kiosk.core.config import get_setting
from kiosk.web import create_app
from sync.hub import create_hub_app
from sync.worker import run_round
from tests.sync_support import HubServer, hub_activity, make_kiosk, setup_hub
from tests.test_hub import csrf, login
from tests.test_sync_status import sign_in


def test_a_token_scanned_from_the_hubs_qr_connects_the_kiosk(tmp_path: Path):
    hub_path = tmp_path / "hub.db"
    setup_hub(hub_path, ["kiosk-a"])
    hub_activity(hub_path, "hub-koffie", capacity=10)
    app = create_hub_app({"HUB_DATABASE": str(hub_path), "TESTING": True})
    client = app.test_client()
    client.environ_base["HTTP_ORIGIN"] = "http://localhost"
    login(client)
    page = client.post("/coordinator/kiosks/1/sleutel", data={"csrf": csrf(client)})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    shown = re.search(r'data-testid="token">([^<]+)<', html).group(1)
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    png = cairosvg.svg2png(bytestring=svg.encode(), output_width=600, background_color="white")
    [found] = zxingcpp.read_barcodes(PILImage.open(io.BytesIO(png)))
    assert found.text == shown and len(shown) == 43

    hub = HubServer(hub_path).start()
    try:
        kiosk = make_kiosk(tmp_path / "a.db", "kiosk-a", hub.url, "")
        kiosk_app = create_app({"DATABASE": str(tmp_path / "a.db"), "TESTING": True})
        desk = kiosk_app.test_client()
        desk.environ_base["HTTP_ORIGIN"] = "http://localhost"
        sign_in(desk)
        saved = desk.post("/coordinator/instellingen", data={"hub_token": found.text})
        assert saved.status_code == 303
        assert get_setting(kiosk, "hub_token") == shown
        assert run_round(kiosk, force=True).errors == []
        assert kiosk.execute("SELECT COUNT(*) FROM activities WHERE id = 'hub-koffie'"
                             ).fetchone()[0] == 1
        kiosk.close()
    finally:
        hub.stop()
