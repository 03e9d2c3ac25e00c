"""Every transition of the spoken signup (voice/dialog.py), on intents: no audio needed.
The state machine is pure, so each test is: a state, an answer, the next state and what
the kiosk says."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from voice import dialog
from voice.dialog import (
    ACTIVITY_STEP,
    CHANGE_STEP,
    CONFIRM,
    CONFIRM_ACTIVITY,
    CONFIRM_NAME,
    DONE,
    NAME_STEP,
    PARTY_SIZE,
    PHONE_STEP,
    STOPPED,
    State,
)
from voice.intents import Intent
from voice.lang import Choice, get_language
from voice.understand import understand

NL = get_language("nl")
CHOICES = [
    Choice(1, "k1", "Koffieochtend", "koffieochtend", "dinsdag 1 december om 10.00 uur"),
    Choice(2, "f1", "Filosofie-avond", "filosofie", "zondag 6 december om 19.30 uur", full=True),
    Choice(3, "b1", "Bingo-middag", "bingo", "dinsdag 8 december om 14.00 uur", cancelled=True),
    Choice(4, "k2", "Koffieochtend", "koffieochtend", "dinsdag 8 december om 10.00 uur"),
]


def say(kind: str, value: str | int = "", heard: str = "") -> Intent:
    return Intent(kind, value, heard=heard or str(value or kind))


def tap(kind: str, value: str | int = "") -> Intent:
    return Intent(kind, value, typed=True)


def at(step: str, **fields: object) -> State:
    base = (
        {"activity_id": "k1", "signup_id": "s-1"} if step != ACTIVITY_STEP else {"signup_id": "s-1"}
    )
    return State(step=step, **{**base, **fields})  # type: ignore[arg-type]


def advance(state: State, intent: Intent) -> dialog.Reply:
    return dialog.advance(state, intent, CHOICES, NL)


# --- the happy path -------------------------------------------------------------------------


def test_start_asks_which_activity_and_listens() -> None:
    reply = dialog.start(CHOICES, NL, signup_id="s-1")
    assert reply.state == State(signup_id="s-1")
    assert reply.screen.question == "Naar welke activiteit wilt u?"
    assert reply.say.startswith("Naar welke activiteit wilt u? Zeg het nummer")
    assert reply.listen


def test_start_from_an_activity_asks_to_confirm_it() -> None:
    reply = dialog.start(CHOICES, NL, signup_id="s-1", activity_id="k1")
    assert reply.state.step == CONFIRM_ACTIVITY
    assert reply.say.startswith(
        "U wilt naar de Koffieochtend op dinsdag 1 december om 10.00 uur. Klopt dat?"
    )


def test_start_without_activities_says_so_and_stops() -> None:
    reply = dialog.start([], NL, signup_id="s-1")
    assert reply.state.step == STOPPED
    assert "geen activiteiten" in reply.say
    assert not reply.listen


def test_the_whole_signup_by_voice() -> None:
    reply = dialog.start(CHOICES, NL, signup_id="s-1")
    for intent, step in [
        (say("activity", "k1", "nummer een"), CONFIRM_ACTIVITY),
        (say("yes"), NAME_STEP),
        (say("name", "Jan de Vries", "jan de vries"), CONFIRM_NAME),
        (say("yes"), PARTY_SIZE),
        (say("count", 2, "twee"), CONFIRM),
        (say("yes"), DONE),
    ]:
        reply = advance(reply.state, intent)
        assert reply.state.step == step, (intent, reply)
        assert reply.state.tries == 0
    assert (reply.state.activity_id, reply.state.name, reply.state.party_size) == (
        "k1",
        "Jan de Vries",
        2,
    )
    assert reply.state.signup_id == "s-1"  # one id for the whole dialog: one signup
    assert reply.finished and not reply.listen


def test_the_check_says_everything_once_more() -> None:
    reply = advance(at(PARTY_SIZE, name="Jan de Vries"), say("count", 2))
    assert reply.say.startswith(
        "Klopt dit? U meldt zich aan voor de Koffieochtend op dinsdag 1 december om 10.00 uur. "
        "Op naam van Jan de Vries. Met 2 personen."
    )
    nameless = advance(at(PARTY_SIZE), say("count", 1))
    assert "Zonder naam. Met 1 persoon." in nameless.say


def test_every_step_can_be_answered_by_touch() -> None:
    state = dialog.start(CHOICES, NL, signup_id="s-1").state
    for intent, step in [
        (tap("activity", "k1"), CONFIRM_ACTIVITY),
        (tap("yes"), NAME_STEP),
        (tap("name", "Fatma Yilmaz"), PARTY_SIZE),  # typed: no need to read it back
        (tap("count", 3), CONFIRM),
        (tap("yes"), DONE),
    ]:
        reply = advance(state, intent)
        assert reply.state.step == step
        assert reply.screen.heard == ""  # nothing was heard: it was tapped
        state = reply.state
    assert (state.name, state.party_size) == ("Fatma Yilmaz", 3)


# --- each step's other answers ----------------------------------------------------------------


def test_no_at_the_activity_check_asks_again_which_activity() -> None:
    reply = advance(at(CONFIRM_ACTIVITY), say("no"))
    assert (reply.state.step, reply.state.activity_id) == (ACTIVITY_STEP, "")


def test_a_name_that_fits_two_activities_asks_which_one() -> None:
    reply = advance(
        at(ACTIVITY_STEP), Intent("among", options=("k1", "k2"), heard="koffie ochtend")
    )
    assert reply.state.step == ACTIVITY_STEP
    assert reply.state.options == ("k1", "k2")
    assert reply.state.tries == 0  # understood, just not precise
    assert "nummer 1: dinsdag 1 december om 10.00 uur. Of nummer 4: dinsdag 8 december" in reply.say
    chosen = advance(reply.state, say("activity", "k2"))
    assert (chosen.state.step, chosen.state.activity_id, chosen.state.options) == (
        CONFIRM_ACTIVITY,
        "k2",
        (),
    )


def test_a_cancelled_activity_is_not_offered_for_signup() -> None:
    reply = advance(at(ACTIVITY_STEP), say("activity", "b1"))
    assert reply.state.step == ACTIVITY_STEP
    assert (
        reply.screen.notice
        == "Bingo-middag op dinsdag 8 december om 14.00 uur gaat niet door. Kies iets anders."
    )


def test_a_full_activity_asks_a_phone_number_by_touch() -> None:
    confirm = advance(at(ACTIVITY_STEP), say("activity", "f1"))
    assert "deze activiteit is vol" in confirm.say
    phone = advance(confirm.state, say("yes"))
    assert phone.state.step == PHONE_STEP
    assert not phone.listen  # digits are tapped, never spoken
    assert advance(phone.state, tap("phone", "")).state.step == PHONE_STEP
    name = advance(phone.state, tap("phone", "0612345678"))
    assert (name.state.step, name.state.phone) == (NAME_STEP, "0612345678")
    back = advance(phone.state, tap("change", "activity"))
    assert back.state.step == ACTIVITY_STEP


def test_no_to_the_heard_name_asks_it_again_and_keyboard_corrections_count() -> None:
    heard = at(CONFIRM_NAME, name="Jan de Fries")
    again = advance(heard, say("no"))
    assert (again.state.step, again.state.name) == (NAME_STEP, "")
    corrected = advance(heard, tap("name", "Jan de Vries"))
    assert (corrected.state.step, corrected.state.name) == (PARTY_SIZE, "Jan de Vries")


def test_the_name_may_be_skipped() -> None:
    for state in (at(NAME_STEP), at(CONFIRM_NAME, name="Jan")):
        reply = advance(state, say("skip"))
        assert (reply.state.step, reply.state.name) == (PARTY_SIZE, "")
    assert advance(at(NAME_STEP), tap("name", "")).state.step == PARTY_SIZE


@pytest.mark.parametrize("count", [0, 11, 20])
def test_party_size_out_of_range_is_explained(count: int) -> None:
    reply = advance(at(PARTY_SIZE), say("count", count))
    assert reply.state.step == PARTY_SIZE
    assert reply.screen.notice == "U kunt met 1 tot en met 10 personen komen."


@pytest.mark.parametrize(
    ("field", "step"),
    [("activity", ACTIVITY_STEP), ("name", NAME_STEP), ("party_size", PARTY_SIZE)],
)
def test_no_at_the_check_asks_what_to_change_and_returns_to_the_check(
    field: str, step: str
) -> None:
    change = advance(at(CONFIRM, name="Jan", party_size=2), say("no"))
    assert change.state.step == CHANGE_STEP
    assert change.say.startswith("Wat wilt u veranderen?")
    reply = advance(change.state, say("change", field))
    assert reply.state.step == step and reply.state.reviewing
    # After the one change, straight back to the check, not through every step again.
    answer = {
        ACTIVITY_STEP: [say("activity", "k2"), say("yes")],
        NAME_STEP: [tap("name", "Piet")],
        PARTY_SIZE: [say("count", 4)],
    }[step]
    for intent in answer:
        reply = advance(reply.state, intent)
    assert reply.state.step == CONFIRM


def test_nothing_to_change_goes_back_to_the_check() -> None:
    assert advance(at(CHANGE_STEP), tap("no")).state.step == CONFIRM


# --- stop, repeat, misunderstanding ---------------------------------------------------------------


@pytest.mark.parametrize(
    "step",
    [ACTIVITY_STEP, CONFIRM_ACTIVITY, NAME_STEP, CONFIRM_NAME, PARTY_SIZE, CONFIRM, CHANGE_STEP],
)
def test_stop_ends_at_every_step(step: str) -> None:
    reply = advance(at(step), say("stop"))
    assert reply.state.step == STOPPED
    assert reply.say == "U bent niet aangemeld. Tot ziens!"
    assert reply.finished


def test_repeat_says_the_question_again_without_counting_a_try() -> None:
    state = at(CONFIRM_ACTIVITY, tries=1)
    reply = advance(state, say("repeat", heard="opnieuw"))
    assert reply.state == state
    assert "Klopt dat?" in reply.say


@pytest.mark.parametrize(
    "step",
    [ACTIVITY_STEP, CONFIRM_ACTIVITY, NAME_STEP, CONFIRM_NAME, PARTY_SIZE, CONFIRM, CHANGE_STEP],
)
def test_two_misunderstood_answers_fall_back_to_touch(step: str) -> None:
    first = advance(at(step), say("unclear", heard="eh"))
    assert (first.state.tries, first.state.touch_only) == (1, False)
    assert first.screen.notice == "Dat heb ik niet goed verstaan."
    assert first.say.startswith("Dat heb ik niet goed verstaan. ")
    assert first.listen

    second = advance(first.state, say("unclear", heard="hm"))
    assert (second.state.step, second.state.tries, second.state.touch_only) == (step, 2, True)
    assert second.screen.notice == (
        "Het lukt niet goed met praten. Dat is niet erg. Tik maar op het scherm."
    )
    assert not second.listen
    assert "Zeg" not in second.say  # no more "say ..." hints once it is touch

    # A tap on the fallen-back step goes on, and the next step listens again.
    answer = {
        ACTIVITY_STEP: tap("activity", "k1"), CONFIRM_ACTIVITY: tap("yes"),
        NAME_STEP: tap("name", "Jan"), CONFIRM_NAME: tap("yes"), PARTY_SIZE: tap("count", 2),
        CONFIRM: tap("no"), CHANGE_STEP: tap("change", "name"),
    }[step]  # fmt: skip
    after = advance(second.state, answer)
    assert after.state.step != step
    assert (after.state.tries, after.state.touch_only) == (0, False)


def test_a_number_not_on_the_list_is_named() -> None:
    reply = advance(at(ACTIVITY_STEP), Intent("unclear", "no_such_number:9", heard="nummer negen"))
    assert (
        reply.screen.notice
        == "Nummer 9 staat niet in de lijst. Kies een nummer van 1 tot en met 4."
    )
    assert reply.state.tries == 1


def test_an_activity_that_left_the_agenda_starts_over() -> None:
    gone = State(step=CONFIRM_ACTIVITY, activity_id="gone", signup_id="s-1")
    reply = advance(gone, say("yes"))
    assert (reply.state.step, reply.state.signup_id) == (ACTIVITY_STEP, "s-1")


def test_refusals_from_the_signup_rules_go_to_the_step_that_can_fix_them() -> None:
    state = at(CONFIRM, name="Jan", party_size=2)
    full = dialog.refused(state, "phone", "Deze activiteit is vol.", CHOICES, NL)
    assert (full.state.step, full.screen.notice) == (PHONE_STEP, "Deze activiteit is vol.")
    started = dialog.refused(state, "", "Deze activiteit is al begonnen.", CHOICES, NL)
    assert (started.state.step, started.state.activity_id) == (ACTIVITY_STEP, "")
    assert started.say.startswith("Deze activiteit is al begonnen. Naar welke activiteit")


def test_finished_dialogs_stay_finished() -> None:
    for step in (DONE, STOPPED):
        assert advance(at(step), say("yes")).state.step == step


def test_state_survives_a_round_trip_and_refuses_unknown_steps() -> None:
    state = at(CONFIRM, name="Jan", party_size=3, options=("a", "b"), reviewing=True)
    assert State.from_dict(state.to_dict()) == state
    with pytest.raises(ValueError):
        State.from_dict({"step": "hacked"})


def test_each_step_listens_for_its_own_sentences() -> None:
    activity = dialog.recognizer_sentences(at(ACTIVITY_STEP), CHOICES, NL)
    # Vosk makes a small n-gram model of the sentences: the word pairs are what count.
    assert activity is not None and any("nummer vier" in s for s in activity)
    assert "koffieochtend" in activity
    yes_no = dialog.recognizer_sentences(at(CONFIRM), CHOICES, NL)
    assert yes_no is not None and "ja" in yes_no and "nee" in yes_no
    assert dialog.recognizer_sentences(at(NAME_STEP), CHOICES, NL) == []  # free
    assert dialog.recognizer_sentences(at(PHONE_STEP), CHOICES, NL) is None


def test_voice_and_understanding_together() -> None:
    """From recognized text to the next step, as the view does it."""
    state = at(ACTIVITY_STEP)
    heard = understand("activity", "de eerste", CHOICES, NL, today=date(2026, 12, 1))
    reply = advance(state, heard.intent)
    assert (reply.state.step, reply.state.activity_id) == (CONFIRM_ACTIVITY, "k1")


def test_commands_at_every_step() -> None:
    state = at(CONFIRM_NAME, name="Jan")
    louder = advance(state, say("louder"))
    assert louder.state.step == CONFIRM_NAME and louder.volume == 1.0  # already loudest
    assert louder.say.startswith("Harder kan niet.")
    softer = advance(state, say("softer"))
    assert softer.volume < louder.volume and softer.say.startswith("Ik praat nu zachter.")
    helped = advance(state, say("help"))
    assert helped.state == state and "Of tik op het scherm." in helped.say
    back = advance(state, say("back"))
    assert back.state.step == NAME_STEP
    assert advance(at(ACTIVITY_STEP), say("back")).state.step == STOPPED


def test_what_to_change_can_be_said_at_the_check() -> None:
    reply = advance(at(CONFIRM, name="Jan"), say("change", "party_size"))
    assert (reply.state.step, reply.state.reviewing) == (PARTY_SIZE, True)


# --- the gaps a blind test found (tests/voice_corpus/gaps.txt) ------------------------------


def hear(state: State, text: str) -> dialog.Reply:
    """Recognized text through `understand` and the dialog, as the view does it."""
    heard = understand(state.step, text, CHOICES, NL, today=date(2026, 12, 1))
    return advance(state, heard.intent)


@pytest.mark.parametrize("text", ["wat is er allemaal", "wat kan ik kiezen", "help"])
def test_asking_what_there_is_reads_the_options(text: str) -> None:
    reply = hear(at(ACTIVITY_STEP), text)
    assert reply.state.step == ACTIVITY_STEP and reply.state.tries == 0  # not a miss
    said = reply.say
    assert said.startswith("Ik lees voor wat er is. U kunt kiezen uit: Nummer 1: Koffieochtend, "
                           "dinsdag 1 december")
    assert "Nummer 2: Filosofie-avond, zondag 6 december om 19.30 uur. Die is vol." in said
    assert "Bingo" not in said  # it does not go ahead
    assert "Nummer 4: Koffieochtend, dinsdag 8 december" in said
    assert said.endswith("Naar welke activiteit wilt u? Zeg het nummer, bijvoorbeeld: "
                         "nummer 1. Of zeg de naam. U kunt ook op een activiteit tikken.")
    # Said, not shown: the list in the notice would make the screen scroll.
    assert reply.screen.notice == "Ik lees voor wat er is."


def test_the_options_read_are_those_on_offer_and_those_on_the_screen() -> None:
    among = at(ACTIVITY_STEP, options=("k1", "k2"))
    said = hear(among, "wat kan ik kiezen").say
    assert "Nummer 1: Koffieochtend" in said and "Nummer 4: Koffieochtend" in said
    assert "Filosofie" not in said and "Meer" not in said
    many = [Choice(n, f"a{n}", f"Activiteit {n}", "activiteit", f"dag {n}") for n in range(1, 10)]
    reply = dialog.advance(at(ACTIVITY_STEP), say("help"), many, NL)
    # The screen lists the first page; the rest are behind "Meer", not "on the screen".
    last = dialog.CHOICES_PER_PAGE
    assert f"Nummer {last}: Activiteit {last}" in reply.say
    assert f"Nummer {last + 1}" not in reply.say
    assert "Tik op Meer voor de rest." in reply.say and "op het scherm." not in reply.say
    few = dialog.advance(at(ACTIVITY_STEP), say("help"), many[:last], NL)
    assert f"Nummer {last}: Activiteit {last}" in few.say and "Meer" not in few.say


def test_what_is_read_out_is_what_the_screen_shows() -> None:
    """With "Grotere letters" the screen may show fewer than four, from any place in the
    list: "wat is er allemaal" reads exactly those, and says Meer only when more follow."""
    many = [Choice(n, f"a{n}", f"Activiteit {n}", "activiteit", f"dag {n}") for n in range(1, 10)]
    two = dialog.advance(at(ACTIVITY_STEP), say("help"), many, NL, dialog.Shown(start=3, count=2))
    assert "Nummer 4: Activiteit 4" in two.say and "Nummer 5: Activiteit 5" in two.say
    assert "Nummer 3:" not in two.say and "Nummer 6:" not in two.say
    assert "Tik op Meer voor de rest." in two.say
    last = dialog.advance(at(ACTIVITY_STEP), say("help"), many, NL, dialog.Shown(start=7, count=3))
    assert "Nummer 8: Activiteit 8" in last.say and "Nummer 9: Activiteit 9" in last.say
    assert "Meer" not in last.say
    # A screen of one cancelled activity: nothing to choose here, but there is on the next.
    off = [replace(c, cancelled=True) if c.number == 1 else c for c in many]
    first = dialog.advance(at(ACTIVITY_STEP), say("help"), off, NL, dialog.Shown(start=0, count=1))
    assert "Op dit scherm kunt u niets kiezen. Tik op Meer voor de rest." in first.say
    assert "Hier is niets" not in first.say
    # Whatever a page sends, the window stays inside the list and never shows nothing.
    odd = dialog.Shown(start=99, count=0).window(many)
    assert odd == ([many[-1]], False)
    assert dialog.Shown(start=-5, count=99).window(many) == (many[:dialog.CHOICES_PER_PAGE], True)


@pytest.mark.parametrize(
    ("text", "step"),
    [("mijn naam is verkeerd", NAME_STEP), ("de naam klopt niet", NAME_STEP),
     ("ik wil een andere dag", ACTIVITY_STEP), ("een andere activiteit", ACTIVITY_STEP),
     ("het aantal klopt niet", PARTY_SIZE)],
)  # fmt: skip
def test_what_to_change_said_in_a_sentence_goes_there(text: str, step: str) -> None:
    reply = hear(at(CHANGE_STEP, name="Jan", party_size=2), text)
    assert (reply.state.step, reply.state.reviewing) == (step, True)


def test_a_new_number_at_what_to_change_is_the_change_itself() -> None:
    reply = hear(at(CHANGE_STEP, name="Jan", party_size=2), "we zijn met z'n drieën")
    assert (reply.state.step, reply.state.party_size) == (CONFIRM, 3)
    assert "3 personen" in reply.say
    too_many = advance(at(CHANGE_STEP, party_size=2), say("count", 40))
    assert (too_many.state.step, too_many.state.party_size) == (PARTY_SIZE, 2)
    assert too_many.state.reviewing


@pytest.mark.parametrize(
    ("text", "count"),
    [("ik en mijn vrouw", 2), ("mijn zus en ik", 2), ("ik met mijn man en dochter", 3),
     ("ik met mijn vriendin en haar man", 3), ("ik en mijn man en twee kleinkinderen", 4)],
)  # fmt: skip
def test_people_named_one_by_one_are_counted(text: str, count: int) -> None:
    reply = hear(at(PARTY_SIZE, name="Jan"), text)
    assert (reply.state.step, reply.state.party_size) == (CONFIRM, count)


@pytest.mark.parametrize(
    "text", ["ik en mijn kinderen", "mijn man komt niet mee", "ik met mijn man en de kinderen"]
)
def test_people_not_to_be_counted_are_asked_again(text: str) -> None:
    reply = hear(at(PARTY_SIZE, name="Jan"), text)
    assert reply.state.step == PARTY_SIZE and reply.state.tries == 1


@pytest.mark.parametrize(
    "text", ["ja maar we zijn met z'n drieën", "ja alleen de naam is verkeerd",
             "ja maar de naam klopt niet", "ja de dag klopt niet"],
)  # fmt: skip
def test_a_yes_with_a_but_never_signs_up(text: str) -> None:
    reply = hear(at(CONFIRM, name="Jan", party_size=2), text)
    assert reply.state.step != DONE
