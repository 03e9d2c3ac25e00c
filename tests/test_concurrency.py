"""50 residents at once for 10 seats, each on its own connection as the web server's
threads are: never more than 10 confirmed, every other signup on the waitlist."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from kiosk.core.db import connect
from kiosk.core.signups import SignupError, create_signup
from tests.conftest import make_activity


def test_fifty_at_once_for_ten_seats_never_overbook(db_path, db):
    make_activity(db, "a1", capacity=10)

    def sign_up(number: int) -> str:
        own = connect(db_path)
        try:
            return create_signup(own, "a1", name=f"Bewoner {number}", phone="0612345678",
                                 kiosk_id="k").status
        except SignupError as error:  # a refusal in Dutch is an answer too
            return error.message
        finally:
            own.close()

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(sign_up, range(50)))
    assert answers.count("confirmed") == 10 and answers.count("waitlist") == 40
    taken = db.execute(
        "SELECT SUM(party_size) FROM signups WHERE activity_id = 'a1' AND status = 'confirmed'"
    ).fetchone()[0]
    assert taken == 10
