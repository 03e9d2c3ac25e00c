"""All-day and multi-day activities stay what they are on screen, on paper and in speech:
"de hele dag" or "van vrijdag 4 tot en met zondag 6 december", never "0.00 uur"."""

from __future__ import annotations

from datetime import datetime, timedelta

from kiosk.core import dutch
from kiosk.core.agenda import Activity
from printing.ticket import when_lines
from tests.test_resident import NOW, add, app, text  # noqa: F401

DAY = datetime(2026, 12, 4, tzinfo=dutch.AMSTERDAM)  # a Friday


def test_written_when():
    one = Activity("a", "Buurtfeest", DAY, DAY + timedelta(days=1))
    three = Activity("b", "Weekend", DAY, DAY + timedelta(days=3))
    across = Activity("c", "Kerst", DAY + timedelta(days=27), DAY + timedelta(days=30))
    timed = Activity("d", "Koffie", DAY.replace(hour=10), DAY.replace(hour=12))
    assert one.when == "vrijdag 4 december, de hele dag" and one.start_time == "hele dag"
    assert three.when == "van vrijdag 4 tot en met zondag 6 december"
    assert across.when == "van donderdag 31 december tot en met zaterdag 2 januari"
    assert timed.when == "vrijdag 4 december om 10.00 uur" and not timed.all_day
    assert dutch.time_range(one.starts_at, one.ends_at) == "de hele dag"
    # A day's activity without an end, at midnight, is a timed one: it says so.
    assert not Activity("e", "Nacht", DAY).all_day


def test_on_paper():
    assert when_lines(Activity("a", "Buurtfeest", DAY, DAY + timedelta(days=1))) == [
        "Vrijdag 4 december", "de hele dag"]
    assert when_lines(Activity("b", "Weekend", DAY, DAY + timedelta(days=3))) == [
        "Van vrijdag 4 tot en met zondag 6 december"]


def test_on_screen_and_in_speech(client, db):
    start = NOW.replace(hour=0) + timedelta(days=2)
    add(db, "feest", days=2, hour=0, title="Buurtfeest")
    db.execute("UPDATE activities SET ends_at = ? WHERE id = 'feest'",
               [(start + timedelta(days=1)).isoformat()])
    page = text(client.get("/"))
    assert "hele dag" in page and "0.00 uur" not in page
    detail = text(client.get("/activiteit/feest"))
    assert "de hele dag" in detail and "0.00" not in detail
