"""A kiosk whose clock runs two hours behind (a settable clock: the sync round and the
signup take the kiosk's "now"): each sync measures the offset from the hub's HTTP Date,
the health and sync screens say so, a touch or voice signup for an activity that began
by the hub's time is refused, and the hub flags a late signup for a call."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.core import clock
from kiosk.core.signups import SignupError, create_signup
from kiosk.ops.health import check_clock
from sync.hub import create_hub_app
from sync.worker import run_round
from tests.sync_support import HubServer, hub_activity, hub_signups, make_kiosk, setup_hub
from tests.test_hub import login
from tests.test_sync_status import sign_in


def test_skew_sentence_in_plain_dutch():
    assert clock.skew_sentence(timedelta(seconds=90)) == ""
    assert clock.skew_sentence(timedelta(hours=2)).startswith(
        "De klok van deze kiosk loopt 2 uur achter op de centrale agenda.")
    assert "5 minuten voor" in clock.skew_sentence(timedelta(minutes=-5))
    ok = check_clock(datetime.now(UTC), Path("/nonexistent"), timedelta(seconds=30))
    off = check_clock(datetime.now(UTC), Path("/nonexistent"), timedelta(hours=2))
    assert ok.state == "ok" and off.state == "warning" and "2 uur achter" in off.message


def test_a_kiosk_two_hours_behind(tmp_path: Path):
    hub_path = tmp_path / "hub.db"
    tokens = setup_hub(hub_path, ["kiosk-a"])
    # Began an hour ago by the real (the hub's) clock; an hour from now by the kiosk's.
    hub_activity(hub_path, "hub-koffie", capacity=20, days_ahead=-1 / 24)
    hub = HubServer(hub_path).start()
    try:
        kiosk = make_kiosk(tmp_path / "a.db", "kiosk-a", hub.url, tokens["kiosk-a"])
        behind = datetime.now(UTC) - timedelta(hours=2)
        assert run_round(kiosk, now=behind, force=True).errors == []
        offset = clock.hub_offset(kiosk)
        assert timedelta(hours=2) - timedelta(seconds=5) < offset < timedelta(hours=2, seconds=5)
        for channel in ("touch", "voice"):
            with pytest.raises(SignupError, match="al begonnen"):
                create_signup(kiosk, "hub-koffie", phone="0612345678", channel=channel,
                              kiosk_id="k", now=behind)
        # A paper slip filled in before the start may be entered afterwards: taken, and
        # the hub flags it for a call.
        slip = create_signup(kiosk, "hub-koffie", phone="0612345678", channel="paper",
                             kiosk_id="k", now=behind)
        assert run_round(kiosk, now=behind, force=True).errors == []
        [row] = hub_signups(str(hub_path))
        assert (row["id"], row["status"], row["late"]) == (slip.id, "confirmed", 1)

        app = create_hub_app({"HUB_DATABASE": str(hub_path), "TESTING": True})
        client = app.test_client()
        client.environ_base["HTTP_ORIGIN"] = "http://localhost"
        login(client)
        page = client.get("/coordinator/activiteit/hub-koffie").get_data(as_text=True)
        assert 'data-testid="late-signup"' in page

        from kiosk.web import create_app  # noqa: PLC0415

        kiosk_app = create_app({"DATABASE": str(tmp_path / "a.db"), "TESTING": True})
        desk = kiosk_app.test_client()
        sign_in(desk)
        screen = desk.get("/coordinator/sync/").get_data(as_text=True)
        assert "2 uur achter op de centrale agenda" in screen
        health = kiosk_app.test_client().get("/health").get_json()
        assert health["checks"]["clock"]["state"] == "warning"
        kiosk.close()
    finally:
        hub.stop()
