from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils
from flask import Flask
from flask.testing import FlaskClient

from kiosk.core.agenda import Activity, save_activity
from kiosk.core.db import connect, migrate
from kiosk.core.dutch import local
from kiosk.web import create_app


@pytest.fixture(scope="session", autouse=True)
def _own_cache_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Printed pictograms and logos are cached in BUURTKIOSK_CACHE, and a kiosk removes the
    files of older logos there: each test run has a folder of its own, so no run (nor the
    live servers it starts) removes a file another run is about to print."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BUURTKIOSK_CACHE", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    return str(tmp_path / "kiosk.db")


@pytest.fixture
def db(db_path: str) -> Iterator[sqlite_utils.Database]:
    database = connect(db_path)
    migrate(database)
    yield database
    database.close()


def make_activity(
    db: sqlite_utils.Database,
    activity_id: str = "a1",
    *,
    days_ahead: float = 2,
    capacity: int | None = None,
    status: str = "scheduled",
    title: str = "Koffieochtend",
    **extra: object,
) -> Activity:
    activity = Activity(
        id=activity_id,
        title=title,
        short_name=title.lower(),
        stadsdorp="Stadsdorp Zuid",
        starts_at=datetime.now(UTC) + timedelta(days=days_ahead),
        location_name="Buurthuis De Pijp",
        address="Ferdinand Bolstraat 12",
        capacity=capacity,
        status=status,
        contact="020 123 45 67",
        **extra,  # type: ignore[arg-type]
    )
    save_activity(db, activity)
    return activity


def moved_the_same_day(starts_at: datetime) -> datetime:
    """Half an hour later, or earlier where later would pass midnight in Amsterdam: the
    tests of a new time on the same day ("Let op: nu om ...") must not depend on the clock
    they run at (a new day makes the kiosk say the date as well)."""
    later = starts_at + timedelta(minutes=30)
    if local(later).date() == local(starts_at).date():
        return later
    return starts_at - timedelta(minutes=30)


def longest_day() -> datetime:
    """10.30 on the next Wednesday in September of a day of two figures: one of the longest
    dates a screen shows ("Woensdag 22 september om 10.30 uur"), from tomorrow on, so never
    in the past whatever day the tests run."""
    day = datetime.now(UTC).replace(hour=8, minute=30, second=0, microsecond=0) + timedelta(days=1)
    while not (day.month == 9 and day.weekday() == 2 and day.day >= 20):
        day += timedelta(days=1)
    return day


@pytest.fixture
def app(db_path: str, db: sqlite_utils.Database) -> Flask:
    return create_app({"TESTING": True, "DATABASE": db_path})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser on the kiosk's own pages: Chromium sends Origin with every POST, and the
    desk refuses a state-changing request that names no origin."""
    client = app.test_client()
    client.environ_base["HTTP_ORIGIN"] = "http://localhost"
    return client
