"""The hub's coordinator deletes an activity (marks it removed): the kiosks stop showing
it and put its residents on their call lists. A date already gone is saved only after
the coordinator confirms it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kiosk.core import calls
from kiosk.core.signups import create_signup
from sync.hub_client import apply_agenda
from tests.sync_support import make_kiosk
from tests.test_hub import bearer, csrf, hub, login  # noqa: F401


def pull(hub, since: str = "") -> dict:  # noqa: F811
    answer = hub.client.get(f"/api/v1/agenda?since={since}", headers=bearer(hub.tokens["kiosk-a"]))
    assert answer.status_code == 200
    return answer.json


def test_removing_an_activity_puts_its_residents_on_the_call_list(hub, tmp_path):  # noqa: F811
    kiosk = make_kiosk(tmp_path / "a.db", "kiosk-a")
    first = pull(hub)
    apply_agenda(kiosk, first)
    create_signup(kiosk, "hub-koffie", name="Els", phone="0612345678", kiosk_id="k")
    login(hub.client)
    page = hub.client.get("/coordinator/activiteit/hub-koffie").get_data(as_text=True)
    assert 'data-testid="remove"' in page
    done = hub.client.post("/coordinator/activiteit/hub-koffie/status",
                           data={"csrf": csrf(hub.client), "status": "removed"})
    assert done.status_code == 303
    assert 'data-testid="removed"' in hub.client.get(
        "/coordinator/activiteit/hub-koffie").get_data(as_text=True)
    apply_agenda(kiosk, pull(hub, first["cursor"]))
    assert kiosk.execute("SELECT status FROM activities WHERE id = 'hub-koffie'").fetchone()[0] \
        == "removed"
    assert [c.reason for c in calls.signups_needing_a_call(kiosk)] == [calls.ACTIVITY_REMOVED]
    kiosk.close()


def test_a_past_date_asks_for_a_confirmation(hub):  # noqa: F811
    login(hub.client)
    token = csrf(hub.client)
    day = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()
    form = {"csrf": token, "title": "Bingo", "date": day, "start": "14:00"}
    warned = hub.client.post("/coordinator/activiteit/nieuw", data=form)
    page = warned.get_data(as_text=True)
    assert warned.status_code == 400 and "is al voorbij" in page and 'data-testid="past-ok"' in page
    saved = hub.client.post("/coordinator/activiteit/nieuw", data={**form, "past_ok": "1"})
    assert saved.status_code == 303
