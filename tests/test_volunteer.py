"""The volunteer and coordinator screens through Flask's test client: entering slips and
phone signups, the activity list with cancel and reprint, the attendance list on paper,
check-in, the coordinator's settings and audit log, and privacy on resident screens."""

from __future__ import annotations

import re

import pytest

from kiosk.core import calls, codes, slips
from kiosk.core.config import get_setting, set_setting, signing_secret
from kiosk.core.signups import MAX_PARTY, create_signup
from printing.worker import process_due_jobs
from tests.conftest import make_activity
from tests.desk_helpers import COORDINATOR_PIN, fast_pins, set_pins, sign_in
from tests.escpos_decode import decode
from tests.escpos_listener import FakePrinter

_ = fast_pins


@pytest.fixture
def desk(client, db, fast_pins):
    set_pins(db)
    sign_in(client)
    return client


def html(response) -> str:
    return response.get_data(as_text=True)


def test_scan_then_save_then_ready_for_the_next(desk, db):
    make_activity(db, title="Koffieochtend")
    slip = slips.print_activity_slips(db, "a1", 1, "x")[0]
    form = desk.post("/vrijwilliger/invoeren/strook", data={"scan": slip.qr_payload})
    assert form.status_code == 200
    assert "Koffieochtend" in html(form) and slip.display_code in html(form)
    saved = desk.post(
        "/vrijwilliger/invoeren/strook/opslaan",
        data={"code": slip.code, "name": "Jan de Vries", "phone": "06 12345678", "party_size": ""},
    )
    assert saved.status_code == 303
    page = html(desk.get(saved.location))
    assert "Opgeslagen" in page and "Jan de Vries, 1 persoon" in page
    assert 'id="scan"' in page and "autofocus" in page.split('id="scan"')[1].split(">")[0]
    assert "Vandaag door u ingevoerd: 1 strook" in page

    again = desk.post("/vrijwilliger/invoeren/strook", data={"scan": slip.qr_payload})
    assert again.status_code == 400
    assert re.search(
        r"al ingevoerd op \w+ \d+ \w+ om [\d.]+ uur door Marieke \(vrijwilliger\)", html(again)
    )


def test_never_printed_slip_is_refused(desk, db):
    response = desk.post("/vrijwilliger/invoeren/strook", data={"scan": "BKS1.ZZZZZZ.a1"})
    assert response.status_code == 400 and "nooit op deze kiosk geprint" in html(response)


def test_a_mistake_on_the_slip_shows_the_form_again_with_what_was_typed(desk, db):
    make_activity(db)
    slip = slips.print_activity_slips(db, "a1", 1, "x")[0]
    response = desk.post(
        "/vrijwilliger/invoeren/strook/opslaan",
        data={"code": slip.code, "name": "Jan", "phone": "12", "party_size": "2"},
    )
    assert response.status_code == 400
    page = html(response)
    assert "telefoonnummer klopt niet" in page and 'value="Jan"' in page
    assert "autofocus" in page.split('id="phone"')[1].split(">")[0]


def _tag(page: str, testid: str) -> str:
    """The opening tag of the element with this data-testid."""
    return re.search(rf'<[^>]*data-testid="{testid}"[^>]*>', page).group(0)


@pytest.mark.parametrize(
    ("typed", "minus", "plus", "why", "status"),
    [
        ("", "true", "false", "Minder kan niet: minimaal 1", 303),  # empty is 1
        ("3", "false", "false", "", 303),
        ("4", "false", "false", "Nog 3 plaatsen vrij: meer komt op de wachtlijst", 400),
        (str(MAX_PARTY), "false", "true", f"Meer kan niet: maximaal {MAX_PARTY}", 400),
        ("11", "false", "true", f"Meer kan niet: maximaal {MAX_PARTY}", 400),
        ("drie", "true", "false", "Minder kan niet: minimaal 1", 400),
        ("³", "true", "false", "Minder kan niet: minimaal 1", 400),
    ],
)
def test_slip_party_size_without_javascript(desk, db, typed, minus, plus, why, status):
    """The − and + are drawn with their limits by the server, and the number is a field
    that can be typed in: the form works without JavaScript, and the server checks it."""
    make_activity(db, capacity=3)
    slip = slips.print_activity_slips(db, "a1", 1, "x")[0]
    # No phone: more than the 3 seats left asks for one (the waitlist), shown with the form.
    response = desk.post(
        "/vrijwilliger/invoeren/strook/opslaan",
        data={"code": slip.code, "name": "Jan", "phone": "", "party_size": typed},
    )
    assert response.status_code == status
    if status == 303:
        return
    page = html(response)
    assert f'value="{typed}"' in _tag(page, "slip-size")
    assert f'aria-disabled="{minus}"' in _tag(page, "slip-size-minus")
    assert f'aria-disabled="{plus}"' in _tag(page, "slip-size-plus")
    why_text = re.search(r'data-testid="slip-size-why">([^<]*)<', page).group(1)
    assert why_text == why
    fresh = html(desk.post("/vrijwilliger/invoeren/strook", data={"scan": slip.qr_payload}))
    assert 'value="1"' in _tag(fresh, "slip-size")


def test_phone_form_shows_the_seats_left_of_the_chosen_activity(desk, db):
    make_activity(db, capacity=3)
    make_activity(db, "a2", title="Wandelen")  # no limit
    page = html(desk.get("/vrijwilliger/invoeren"))
    option = re.search(r'<option value="a1"[^>]*>', page).group(0)
    assert 'data-seats="3"' in option
    assert 'data-why-seats="Nog 3 plaatsen vrij: meer komt op de wachtlijst"' in option
    assert "data-seats" not in re.search(r'<option value="a2"[^>]*>', page).group(0)
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    refused = desk.post(
        "/vrijwilliger/invoeren/telefoon",
        data={"activity_id": "a1", "name": "Truus", "phone": "", "party_size": "5",
              "token": token},
    )  # fmt: skip
    assert refused.status_code == 400  # the waitlist needs a phone number
    again = html(refused)
    why = re.search(r'data-testid="phone-size-why">([^<]*)<', again).group(1)
    assert why == "Nog 3 plaatsen vrij: meer komt op de wachtlijst"


def test_phone_signup(desk, db):
    make_activity(db)
    page = html(desk.get("/vrijwilliger/invoeren"))
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    data = {
        "activity_id": "a1",
        "name": "Truus",
        "phone": "0201234567",
        "party_size": "3",
        "token": token,
    }
    assert desk.post("/vrijwilliger/invoeren/telefoon", data=data).status_code == 303
    assert desk.post("/vrijwilliger/invoeren/telefoon", data=data).status_code == 303
    rows = list(db.query("SELECT channel, name, party_size FROM signups"))
    assert rows == [{"channel": "phone", "name": "Truus", "party_size": 3}]  # Enter twice: one
    assert db.execute("SELECT COUNT(*) FROM print_jobs").fetchone()[0] == 0


def test_activity_page_lists_names_and_cancel_moves_the_waitlist_up(desk, db):
    make_activity(db, capacity=2)
    first = create_signup(db, "a1", name="Ans", phone="0611111111", party_size=2, kiosk_id="k")
    waiting = create_signup(db, "a1", name="Wim", phone="0622222222", kiosk_id="k")
    page = html(desk.get("/vrijwilliger/activiteit/a1"))
    assert "Ans" in page and "06-11111111" in page and "Wim" in page
    assert "Wachtlijst: 1" in page

    confirm = desk.get(f"/vrijwilliger/aanmelding/{first.id}/annuleren")
    assert "Ja, annuleren" in html(confirm)
    done = desk.post(f"/vrijwilliger/aanmelding/{first.id}/annuleren")
    page = html(desk.get(done.location))
    assert "is geannuleerd" in page
    moved = page.split('data-testid="moved-up"')[1].split("</ul>")[0]
    assert "Wim" in moved and "06-22222222" in moved
    assert db.execute("SELECT status FROM signups WHERE id = ?", [waiting.id]).fetchone()[0] == (
        "confirmed"
    )


def test_reprint_queues_a_copy(desk, db):
    make_activity(db)
    signup = create_signup(db, "a1", kiosk_id="k", print_ticket=False)
    desk.post(f"/vrijwilliger/aanmelding/{signup.id}/kaartje")
    job = db.execute("SELECT kind, signup_id, payload FROM print_jobs").fetchone()
    assert job == ("ticket", signup.id, '{"copy": true}')


def test_attendance_list_on_paper(desk, db):
    make_activity(db, capacity=3, title="Bingo")
    create_signup(db, "a1", name="Zoë Jansen", phone="0612345678", party_size=2, kiosk_id="k")
    create_signup(db, "a1", name="", party_size=1, kiosk_id="k")
    waiting = create_signup(db, "a1", name="Henk", phone="0687654321", party_size=2, kiosk_id="k")
    db.execute("DELETE FROM print_jobs")
    desk.post("/vrijwilliger/activiteit/a1/presentielijst")
    with FakePrinter() as printer:
        assert process_due_jobs(db, printer.url).printed == 1
        receipt = decode(printer.wait_for_jobs(1)[0])
    texts = receipt.texts
    assert "PRESENTIELIJST" in texts and "Bingo" in texts
    assert "Aangemeld: 3 personen van 3 plaatsen" in texts
    rows = [t for t in texts if t.startswith("[ ]")]
    assert rows[0].startswith("[ ] Zoë Jansen") and rows[0].endswith("2 p.")
    assert rows[1].startswith("[ ] (zonder naam)") and rows[1].endswith("1 p.")
    assert any("06-12345678" in t for t in texts)
    assert "WACHTLIJST (2 personen)" in texts
    assert any(t.startswith(" 1. Henk") for t in texts) and waiting.display_code in "\n".join(texts)
    assert all(line.columns <= 48 for line in receipt.lines)


def test_check_in_screen(desk, db):
    act = make_activity(db)
    signup = create_signup(db, "a1", name="Ans", party_size=1, kiosk_id="k")
    qr = codes.ticket_qr(signing_secret(db), signup.code)
    # Two days early: the desk warns and asks, it does not let in.
    early = desk.post("/vrijwilliger/binnenkomst", data={"scan": qr})
    assert 'data-outcome="other_day"' in html(early) and "niet voor vandaag" in html(early)
    assert 'data-testid="confirm-arrival"' in html(early)
    desk.application.config["NOW"] = act.starts_at  # the day itself
    ok = desk.post("/vrijwilliger/binnenkomst", data={"scan": qr, "activiteit": "a1"})
    assert 'data-outcome="welcome"' in html(ok) and "Ans" in html(ok)
    assert "Binnen: 1 van 1 personen" in html(ok)
    again = desk.post("/vrijwilliger/binnenkomst", data={"scan": qr})
    assert 'data-outcome="already"' in html(again) and "al binnen" in html(again).lower()
    forged = desk.post("/vrijwilliger/binnenkomst", data={"scan": qr[:-2] + "AA"})
    assert forged.status_code == 400 and 'data-outcome="refused"' in html(forged)


def test_check_in_screen_holds_up_kiosk_bs_ticket_for_another_day_on_both_paths(
        desk, db, tmp_path):
    """A ticket signed by kiosk B (its key came through the hub): on kiosk A's door list,
    and (a second resident) on no list here. Two days early both say which day it is for,
    and the volunteer's button lets them in all the same."""
    from kiosk.core import door_list, dutch, tickets
    from kiosk.core.db import connect, migrate, write_transaction

    b = connect(tmp_path / "b.db")
    migrate(b)
    act = make_activity(b, "hub-koffie", title="Koffieochtend")
    listed = create_signup(b, "hub-koffie", name="Ans Bakker", party_size=2, kiosk_id="b")
    unlisted = create_signup(b, "hub-koffie", name="Kees", kiosk_id="b")
    central = create_signup(b, "hub-koffie", name="Wim", kiosk_id="b")
    key_id, public = tickets.public_key(b)
    with write_transaction(db):
        tickets.remember_keys(db, [{"id": key_id, "public": public, "kiosk": "Kiosk B"}])
        door_list.store(db, [{"id": listed.id, "code": listed.code, "activity_id": "hub-koffie",
                              "activity_title": "Koffieochtend", "name": "Ans Bakker",
                              "party_size": 2, "kiosk": "Kiosk B",
                              "starts_at": act.starts_at.isoformat()},
                             {"id": central.id, "code": central.code, "activity_id": "hub-koffie",
                              "activity_title": "Koffieochtend", "name": "Wim",
                              "party_size": 1, "kiosk": "centraal",
                              "starts_at": act.starts_at.isoformat()}])
    day = dutch.written_date(dutch.local(act.starts_at).date())
    for made, form_action in ((listed, f"/vrijwilliger/deurlijst/{listed.id}/binnen"),
                              (unlisted, "/vrijwilliger/binnenkomst/kaartje")):
        qr = tickets.ticket_qr(b, made.code)
        early = html(desk.post("/vrijwilliger/binnenkomst", data={"scan": qr}))
        assert 'data-outcome="other_day"' in early and f"maar voor {day}" in early
        assert f'action="{form_action}"' in early and 'data-testid="confirm-arrival"' in early
        fields = {"next": "/vrijwilliger/binnenkomst"}
        if made is unlisted:
            assert f'name="kaartje" value="{qr}"' in early
            fields["kaartje"] = qr
        done = desk.post(form_action, data=fields)
        assert done.status_code == 303 and done.location.endswith("/vrijwilliger/binnenkomst")
        assert "Welkom" in html(desk.get(done.location))
    assert door_list.find(db, listed.code, "").attended_at is not None
    by_hub = html(desk.post("/vrijwilliger/binnenkomst",
                            data={"scan": tickets.ticket_qr(b, central.code)}))
    assert "Centraal aangemeld" in by_hub and "bij centraal" not in by_hub
    actions = [r[0] for r in db.execute("SELECT action FROM audit_log ORDER BY id")]
    assert "checkin.ticket" in actions
    # Made-up input on the buttons: a refusal in Dutch, never a 500.
    for path, data in (("/vrijwilliger/deurlijst/nope/binnen", {}),
                       ("/vrijwilliger/binnenkomst/kaartje", {"kaartje": "BK2.x.y.z"}),
                       ("/vrijwilliger/binnenkomst/kaartje", {})):
        refused = desk.post(path, data=data)
        assert refused.status_code == 303
        assert "niet" in html(desk.get(refused.location))
    b.close()


def test_print_slips_screen(desk, db):
    make_activity(db)
    response = desk.post(
        "/vrijwilliger/stroken-printen",
        data={"kind": "activity", "activity_id": "a1", "count": "4"},
    )
    assert "4 stroken naar de printer gestuurd" in html(desk.get(response.location))
    response = desk.post("/vrijwilliger/stroken-printen", data={"kind": "week", "count": "2"})
    assert "2 stroken" in html(desk.get(response.location))
    kinds = [r[0] for r in db.execute("SELECT kind FROM print_jobs ORDER BY id")]
    assert kinds == ["slip"] * 4 + ["week_sheet"] * 2
    bad = desk.post("/vrijwilliger/stroken-printen", data={"kind": "week", "count": "500"})
    assert "1 tot en met 50" in html(desk.get(bad.location))


def test_printer_trouble_shows_calmly(desk, db):
    from kiosk.core.print_jobs import mark_failed, queue_print_job

    job = queue_print_job(db, "test")
    mark_failed(db, job, "Het papier is op. Leg een nieuwe rol in de printer.")
    page = html(desk.get("/vrijwilliger/"))
    assert "De printer doet het even niet" in page and "papier is op" in page
    assert "niets gaat verloren" in page


# --- Coordinator ---------------------------------------------------------------------------


@pytest.fixture
def coordinator(client, db, fast_pins):
    set_pins(db)
    sign_in(client, pin=COORDINATOR_PIN, name="Kees")
    return client


def test_settings_page_shows_every_setting_and_validates(coordinator, db):
    from kiosk.core.config import SETTINGS

    page = html(coordinator.get("/coordinator/instellingen"))
    for spec in SETTINGS.values():
        assert f'name="{spec.key}"' in page
    bad = coordinator.post("/coordinator/instellingen", data={"paper_mm": "70", "printer": "lpt1"})
    assert bad.status_code == 400
    assert "Kies 80 of 58" in html(bad) and "Onbekend printeradres" in html(bad)
    good = coordinator.post(
        "/coordinator/instellingen", data={"kiosk_name": "Buurthuis De Pijp", "paper_mm": "58"}
    )
    assert good.status_code == 303
    assert get_setting(db, "kiosk_name") == "Buurthuis De Pijp"
    # Back to the default: the override goes, so the environment counts again.
    coordinator.post("/coordinator/instellingen", data={"paper_mm": "80"})
    assert db.execute("SELECT 1 FROM settings WHERE key = 'paper_mm'").fetchone() is None


def test_secret_settings_are_never_shown(coordinator, db):
    coordinator.post("/coordinator/instellingen", data={"hub_token": "geheim-123"})
    assert get_setting(db, "hub_token") == "geheim-123"
    page = html(coordinator.get("/coordinator/instellingen"))
    assert "geheim-123" not in page
    coordinator.post("/coordinator/instellingen", data={"hub_token": ""})  # left empty: kept
    assert get_setting(db, "hub_token") == "geheim-123"
    log = html(coordinator.get("/coordinator/logboek"))
    assert "geheim-123" not in log and "(verborgen)" in log


def test_test_print_reaches_the_printer(coordinator, db):
    with FakePrinter() as printer:
        coordinator.post("/coordinator/instellingen", data={"printer": printer.url})
        response = coordinator.post("/coordinator/testafdruk")
        receipt = decode(printer.wait_for_jobs(1)[0])
    assert "TESTAFDRUK" in receipt.texts
    assert "De testafdruk is geprint" in html(coordinator.get(response.location))


def test_changing_a_pin(coordinator, db):
    from kiosk.core import pins

    mismatch = coordinator.post(
        "/coordinator/pincodes", data={"role": "volunteer", "pin": "5555", "pin_again": "5556"}
    )
    assert "niet gelijk" in html(mismatch)
    coordinator.post(
        "/coordinator/pincodes", data={"role": "volunteer", "pin": "5555", "pin_again": "5555"}
    )
    assert pins.check_pin(db, "5555").role == "volunteer"


def test_audit_log_says_who_did_what(client, db, fast_pins):
    set_pins(db)
    make_activity(db)
    sign_in(client, name="Marieke")
    slip = slips.print_activity_slips(db, "a1", 1, "Marieke (vrijwilliger)")[0]
    client.post(
        "/vrijwilliger/invoeren/strook/opslaan",
        data={"code": slip.code, "name": "Jan", "phone": "", "party_size": "1"},
    )
    client.post("/vrijwilliger/activiteit/a1/presentielijst")
    sign_in(client, pin=COORDINATOR_PIN, name="Kees")
    page = html(client.get("/coordinator/logboek"))
    rows = page.split('data-testid="audit-log"')[1]
    assert f"Strook {slip.display_code} ingevoerd" in rows
    assert "Presentielijst geprint" in rows and "Marieke (vrijwilliger)" in rows
    assert "Kees (coördinator)" in rows
    assert "Jan" not in rows  # the log names tickets, not residents


# --- Privacy -------------------------------------------------------------------------------

NAME, PHONE = "Wilhelmina Zwartjes", "0698765432"


def test_no_resident_screen_shows_a_name_or_phone(app, client, db):
    """Every GET page outside the desk, with every activity and signup id filled in."""
    make_activity(db, capacity=1)
    make_activity(db, "a2")
    touch = create_signup(db, "a1", name=NAME, phone=PHONE, kiosk_id="k")
    create_signup(db, "a1", name=NAME + " Twee", phone="0611112222", kiosk_id="k")  # waitlist
    create_signup(db, "a2", name=NAME, phone=PHONE, channel="phone", kiosk_id="k")
    ids = {"activity_id": ["a1", "a2"], "signup_id": [touch.id]}
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        if rule.rule.startswith(("/vrijwilliger", "/coordinator")):
            continue
        paths = [rule.rule]
        for arg in rule.arguments:
            paths = [p.replace(f"<{arg}>", v) for p in paths for v in ids.get(arg, ["x"])]
        for path in paths:
            response = client.get(path)
            if not response.mimetype.startswith(("text/", "application/json")):
                continue  # audio and the like: no page to read a name from
            page = response.get_data(as_text=True)
            checked += 1
            for secret in (NAME, "Wilhelmina", "Zwartjes", PHONE, "06-98765432", "0611112222"):
                assert secret not in page, f"{secret!r} on {path}"
    assert checked >= 5


def test_residents_to_phone_are_listed_until_called(desk, db):
    make_activity(db, title="Koffieochtend")
    moved = create_signup(db, "a1", name="Ans Bakker", phone="0612345678", kiosk_id="k")
    create_signup(db, "a1", name="Kees Jansen", phone="0687654321", kiosk_id="k")
    assert 'data-testid="calls-link"' not in html(desk.get("/vrijwilliger/"))
    calls.ask_to_call(db, moved.id, calls.MOVED_TO_WAITLIST)

    home = html(desk.get("/vrijwilliger/"))
    assert "Bewoners bellen: 1 aanmelding is veranderd" in home
    page = html(desk.get("/vrijwilliger/bellen"))
    assert "Ans Bakker" in page and "06-12345678" in page and calls.MOVED_TO_WAITLIST in page
    assert "Kees Jansen" not in page and "Koffieochtend" in page

    done = desk.post(f"/vrijwilliger/aanmelding/{moved.id}/gebeld")
    assert done.status_code == 303 and done.location.endswith("/vrijwilliger/bellen")
    page = html(desk.get(done.location))
    assert "Ans Bakker" not in page and "Niemand hoeft gebeld te worden." in page
    assert calls.signups_needing_a_call(db) == []
    [entry] = db.execute(
        "SELECT actor, action FROM audit_log WHERE action = 'signup.called'"
    ).fetchall()
    assert entry == ("Marieke (vrijwilliger)", "signup.called")


def test_residents_to_phone_need_the_pin(client, db):
    response = client.get("/vrijwilliger/bellen")
    assert response.status_code in (302, 303) and "/vrijwilliger/pincode" in response.location


def test_without_a_printer_the_desk_shows_the_last_prints(desk, db):
    from printing import backends

    backends.clear_kept_prints()
    set_setting(db, "printer", "dummy://")
    make_activity(db, title="Koffieochtend")
    made = create_signup(db, "a1", name="Ans Bakker", kiosk_id="k")
    assert "Er is nog niets geprint." in html(desk.get("/vrijwilliger/bonnen"))
    assert process_due_jobs(db).printed == 1

    assert 'data-testid="kept-prints-link"' in html(desk.get("/vrijwilliger/"))
    page = html(desk.get("/vrijwilliger/bonnen"))
    assert page.count('data-testid="kept-print"') == 1
    assert "Koffieochtend" in page and made.display_code in page


def test_phone_entry_takes_only_its_own_form_token(desk, db):
    make_activity(db)
    other = create_signup(db, "a1", name="Ans", kiosk_id="k")
    data = {"activity_id": "a1", "name": "Truus", "phone": "", "party_size": "1"}
    for bad in ("x" * 10_000, "tap-1", other.id):
        refused = desk.post("/vrijwilliger/invoeren/telefoon", data=data | {"token": bad})
        assert refused.status_code == 400, bad
    rows = list(db.query("SELECT id, name FROM signups"))
    assert rows == [{"id": other.id, "name": "Ans"}]
    assert db.execute(
        "SELECT COUNT(*) FROM audit_log WHERE signup_id = ?", [other.id]
    ).fetchone()[0] == 0


def test_printer_trouble_reads_as_plain_dutch_with_the_detail_apart():
    from kiosk.web.desk import plain_error

    sentence, detail = plain_error(
        "De printer is niet bereikbaar (tcp://10.0.0.9:9100). Staat hij aan en zit de kabel "
        "erin? [[Errno 111] Connection refused]"
    )
    assert sentence.endswith("zit de kabel erin?") and "Errno" not in sentence
    assert detail == "[Errno 111] Connection refused"
    assert plain_error("Het papier is op.") == ("Het papier is op.", "")
    assert plain_error(None) == ("", "")
