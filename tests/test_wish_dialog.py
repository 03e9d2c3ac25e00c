"""The spoken wish (voice/wish_dialog.py) fed recognized text as Vosk would write it:
topics from the category table, day parts, a yes that is never taken from a no, commands
at every step, and two misunderstood answers going on by touch."""

from __future__ import annotations

import pytest

from voice import wish_dialog as d


def walk(kind: str, *answers: str) -> d.Reply:
    reply = d.begin(kind)
    for text in answers:
        reply = d.hear(reply.state, text)
    return reply


def test_an_offer_by_voice_to_the_phone_step() -> None:
    reply = walk("offer", "ik kan wel boodschappen doen en mensen naar de dokter rijden",
                 "'s ochtends", "ja graag")
    assert reply.state.categories == ("boodschappen", "vervoer")
    assert reply.state.day_parts == ("ochtend",)
    assert (reply.state.step, reply.state.callback, reply.touch) == (d.PHONE, True, True)
    assert "Tik uw telefoonnummer" in reply.say


def test_a_wish_by_voice_without_a_call_back() -> None:
    reply = walk("miss", "een wandelgroep en samen eten", "maakt niet uit", "nee hoor")
    assert (reply.state.step, reply.state.callback) == (d.DONE, False)
    assert reply.state.categories == ("wandelen", "eten") and reply.state.day_parts == ()


def test_what_was_understood_is_said_back() -> None:
    reply = walk("miss", "muziek")
    assert reply.say.startswith("U zei: muziek en zingen.") and reply.heard == ("Muziek en zingen",)
    assert walk("miss", "muziek", "niet in de avond maar in de middag").state.day_parts == (
        "middag",)


@pytest.mark.parametrize("text", [
    "nee", "nee hoor", "liever niet", "nee dank u", "u hoeft mij niet te bellen", "niet bellen"])
def test_a_no(text: str) -> None:
    assert walk("offer", "klusjes", "avond", text).state.step == d.DONE


@pytest.mark.parametrize("text", [
    "ja", "ja hoor", "graag", "dat mag", "ja dat is goed", "prima", "zeker", "bel mij maar",
    "ja u mag mij bellen"])
def test_a_yes(text: str) -> None:
    assert walk("offer", "klusjes", "avond", text).state.step == d.PHONE


@pytest.mark.parametrize("text", [
    "ja nee", "misschien", "ik weet het niet", "mag dat", "is dat goed", "niet goed",
    "ja maar liever niet", "eh", "ik weet niet of dat mag", "klopt dat wel"])
def test_never_a_yes_from_doubt_or_a_question(text: str) -> None:
    reply = walk("offer", "klusjes", "avond", text)
    assert reply.state.step != d.PHONE and not reply.state.callback


def test_a_negated_topic_does_not_count() -> None:
    assert walk("miss", "geen vervoer maar wel gezelschap").state.categories == ("gezelschap",)


def test_two_misunderstood_answers_go_on_by_touch() -> None:
    first = walk("miss", "blauwe auto's")  # "auto" is vervoer: understood
    assert first.state.categories == ("vervoer",)
    once = walk("miss", "pannenkoeken")
    assert once.state.step == d.TOPICS and not once.touch and "Noem één ding" in once.say
    twice = d.hear(once.state, "hm")
    assert twice.touch and twice.say == d.TO_TOUCH


def test_commands_at_every_step() -> None:
    at_parts = walk("offer", "vervoer")
    assert d.hear(at_parts.state, "terug").state.step == d.TOPICS
    assert d.hear(at_parts.state, "wat zei u").say == d.question(at_parts.state)
    assert "stop om te stoppen" in d.hear(at_parts.state, "help").say
    stopped = d.hear(at_parts.state, "stop")
    assert stopped.state.step == d.STOPPED and "niets bewaard" in stopped.say
    # a command word inside an answer is the answer: "terug" in an offer of transport
    assert walk("offer", "mensen terug naar huis brengen").state.categories == ("vervoer",)


def test_the_grammar_holds_what_each_step_understands() -> None:
    state = d.begin("miss").state
    assert {"wandelen", "boodschappen", "stop", "terug"} <= set(d.phrases(state))
    callback = walk("miss", "wandelen", "avond").state
    assert {"ja", "nee", "niet", "bellen", "terug"} <= set(d.phrases(callback))
