"""A realistic demo agenda: three stadsdorpen, two weeks from today, recurring and
one-off activities, some with limited seats, one full and one cancelled."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlite_utils

from kiosk.core.agenda import Activity, save_activity
from kiosk.core.db import write_transaction
from kiosk.core.dutch import AMSTERDAM
from kiosk.core.signups import create_signup

ZUID, OOST, NOORD = "Stadsdorp Zuid", "Stadsdorp Oost", "Stadsdorp Noord"

# (stadsdorp, title, short name, weekday 0=Monday or None, one-off day offset,
#  start, minutes, place, address, capacity, price, category, description)
WEEKLY = [
    (ZUID, "Koffieochtend", "koffieochtend", 1, time(10), 120, "Buurthuis De Pijp",
     "Ferdinand Bolstraat 12", None, "gratis", "ontmoeten",
     "Kom gezellig koffie drinken met buren. U hoeft niets mee te nemen."),
    (ZUID, "Wandelgroep Amstelpark", "wandelgroep", 3, time(14), 90, "Ingang Amstelpark",
     "Europaboulevard 5", 12, "gratis", "bewegen",
     "We wandelen rustig een uur door het park. Daarna drinken we thee."),
    (OOST, "Koffieochtend Oost", "koffie oost", 4, time(10, 30), 90, "Huis van de Wijk Oost",
     "Linnaeusstraat 89", None, "€ 1,00", "ontmoeten",
     "Koffie, thee en een praatje. Nieuwe mensen zijn van harte welkom."),
    (NOORD, "Stoelyoga", "yoga", 0, time(11), 60, "Buurtkamer Noord",
     "Waterlandplein 30", 10, "€ 2,50", "bewegen",
     "Rustige yoga op een stoel. Voor iedereen, ook als u niet zo lenig bent."),
]
ONE_OFF = [
    (ZUID, "Filmclub: Alles is familie", "filmclub", 4, time(19, 30), 120, "Buurthuis De Pijp",
     "Ferdinand Bolstraat 12", 30, "€ 3,00", "cultuur",
     "Een Nederlandse komedie. Met koffie en iets lekkers in de pauze."),
    (OOST, "Lezing: Oost vroeger en nu", "lezing", 2, time(15), 90, "Bibliotheek Oost",
     "Linnaeusstraat 44", 40, "gratis", "leren",
     "Een buurtbewoner vertelt met oude foto's over de geschiedenis van Oost."),
    (NOORD, "Filosofie-avond", "filosofie", 6, time(19, 30), 120, "Buurtkamer Noord",
     "Waterlandplein 30", 8, "gratis", "leren",
     "We praten samen over een vraag: wat is een goede buur?"),
    (ZUID, "Bingo-middag", "bingo", 8, time(14), 120, "Buurthuis De Pijp",
     "Ferdinand Bolstraat 12", 40, "€ 2,00", "ontmoeten",
     "Gezellig bingo spelen met leuke prijzen."),
    (OOST, "Computerspreekuur", "spreekuur", 10, time(10), 120, "Bibliotheek Oost",
     "Linnaeusstraat 44", 6, "gratis", "hulp",
     "Vragen over uw telefoon of tablet? Een vrijwilliger helpt u."),
    (NOORD, "Samen koken en eten", "samen eten", 12, time(17), 150, "Buurtkamer Noord",
     "Waterlandplein 30", 16, "€ 5,00", "ontmoeten",
     "We koken samen een maaltijd en eten daarna aan een lange tafel."),
]
FULL_TITLE = "Filosofie-avond"
CANCELLED_TITLE = "Bingo-middag"
CONTACTS = {ZUID: "020 123 45 67", OOST: "020 765 43 21", NOORD: "020 246 80 24"}


def _activity(spec: tuple, day: date) -> Activity:
    (stadsdorp, title, short, _wd, start, minutes, place, address, capacity, price, category,
     description) = spec
    starts = datetime.combine(day, start, AMSTERDAM)
    return Activity(
        id=f"demo:{short.replace(' ', '-')}:{day.isoformat()}",
        stadsdorp=stadsdorp, title=title, short_name=short, description=description,
        starts_at=starts, ends_at=starts + timedelta(minutes=minutes),
        location_name=place, address=address, capacity=capacity, price=price,
        contact=CONTACTS[stadsdorp], category=category,
        accessibility="rolstoeltoegankelijk" if category != "bewegen" else "",
        status="cancelled" if title == CANCELLED_TITLE else "scheduled", source="demo",
    )


def demo_activities(today: date) -> list[Activity]:
    result = []
    for offset in range(14):
        day = today + timedelta(days=offset)
        result += [_activity(s, day) for s in WEEKLY if s[3] == day.weekday()]
    result += [_activity(s, today + timedelta(days=s[3])) for s in ONE_OFF]
    return sorted(result, key=lambda a: a.starts_at)


def load_demo(db: sqlite_utils.Database, kiosk_id: str, today: date | None = None) -> int:
    """Replace the demo activities (and only those) with a fresh two weeks."""
    today = today or datetime.now(AMSTERDAM).date()
    activities = demo_activities(today)
    with write_transaction(db):
        old = "SELECT id FROM activities WHERE source = 'demo'"
        for table in ("print_jobs", "outbox"):
            db.execute(
                f"DELETE FROM {table} WHERE signup_id IN "
                f"(SELECT id FROM signups WHERE activity_id IN ({old}))"
            )
        db.execute(f"DELETE FROM signups WHERE activity_id IN ({old})")
        db.execute("DELETE FROM activities WHERE source = 'demo'")
        for activity in activities:
            save_activity(db, activity)
        full = next(a for a in activities if a.title == FULL_TITLE)
        for name, size in [("Demo Jansen", 4), ("Demo de Vries", 2), ("Demo Bakker", 2)]:
            create_signup(db, full.id, name=name, phone="0612345678", party_size=size,
                          channel="phone", kiosk_id=kiosk_id, print_ticket=False)
        # Demo people must never reach the Netwerk's central agenda.
        db.execute(
            f"DELETE FROM outbox WHERE signup_id IN "
            f"(SELECT id FROM signups WHERE activity_id IN ({old}))"
        )
    return len(activities)
