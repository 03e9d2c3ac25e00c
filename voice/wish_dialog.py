"""A wish or an offer of help, spoken: a pure state machine over recognized text.

    topics -> day_part -> callback -> (yes) phone [by touch] -> done
                                   -> (no) done

(state, recognized text) -> Reply(next state, what to say, whether this step goes on by
touch). No audio, no database, no Flask. What may be said comes from the one category
table (kiosk.core.categories: the wish tiles' words), so the screen's tiles and what is
understood cannot drift apart; `phrases` gives a recognizer the same words as a grammar.

It never guesses: nothing recognized is asked again, more simply, and the call-back yes
goes through the kiosk's one yes/no understanding (voice/understand.py, templates in
voice/lang/nl/sentences.toml), where a yes with anything against it ("nee", "niet",
"misschien", a question) is never a yes. Two misunderstood answers at a step go on by
touch. Commands work at every step: stop, terug, opnieuw / wat zei u, help.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from kiosk.core.categories import BY_KEY, wish_categories_in
from kiosk.core.wishes import DAY_PARTS, KINDS, WISH_CATEGORIES
from voice.grammar import fold, words_of
from voice.lang import get_language
from voice.understand import step_vocabulary, understand

TOPICS, DAY_PART, CALLBACK, PHONE, DONE, STOPPED = (
    "topics", "day_part", "callback", "phone", "done", "stopped")
STEPS = (TOPICS, DAY_PART, CALLBACK, PHONE, DONE, STOPPED)
MAX_TRIES = 2

NEGATIONS = frozenset({"niet", "geen", "nee", "nooit"})
DAY_PART_WORDS = {
    "ochtend": ("ochtend", "ochtends", "morgens", "voormiddag", "ochtenden"),
    "middag": ("middag", "middags", "namiddag", "middagen"),
    "avond": ("avond", "avonds", "avonden"),
}
NO_PREFERENCE = ("maakt niet uit", "maakt me niet uit", "maakt mij niet uit", "geen voorkeur",
                 "altijd", "wanneer dan ook", "om het even")
COMMANDS = {
    "stop": ("stop", "stoppen", "ophouden", "laat maar"),
    "back": ("terug", "ga terug", "vorige"),
    "repeat": ("opnieuw", "herhaal", "nog een keer", "wat zei u", "wat zegt u", "pardon"),
    "help": ("help", "hulp", "ik snap het niet"),
}

TOPIC_QUESTIONS = {
    "miss": "Wat mist u in de buurt? Zeg bijvoorbeeld: wandelen, of samen eten. "
            "Meer dan één mag.",
    "offer": "Waar wilt u mee helpen? Zeg bijvoorbeeld: boodschappen, of vervoer. "
             "Meer dan één mag.",
}
QUESTIONS = {
    DAY_PART: "Wanneer kan het het best? Zeg: ochtend, middag of avond. "
              "Of zeg: maakt niet uit.",
    CALLBACK: "Mag iemand van het stadsdorp u bellen? Zeg ja of nee.",
    PHONE: "Tik uw telefoonnummer op het scherm. Wij bellen u alleen hierover.",
}
SIMPLER = {
    TOPICS: "Ik heb u niet goed verstaan. Noem één ding, bijvoorbeeld: wandelen.",
    DAY_PART: "Ik heb u niet goed verstaan. Zeg: ochtend, middag, avond, of: maakt niet uit.",
    CALLBACK: "Ik weet het niet zeker. Mag iemand u bellen? Zeg alleen: ja, of: nee.",
}
HELP = ("U kunt praten of op het scherm tikken. Zeg terug om een stap terug te gaan, "
        "opnieuw om de vraag nog eens te horen, of stop om te stoppen. ")
TO_TOUCH = "Het lukt niet goed met praten. Tik het maar op het scherm."
STOPPED_SAY = "U bent gestopt. Er is niets bewaard."


@dataclass(frozen=True)
class WishState:
    kind: str
    step: str = TOPICS
    categories: tuple[str, ...] = ()
    day_parts: tuple[str, ...] = ()
    callback: bool = False
    tries: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS or self.step not in STEPS:
            raise ValueError(f"no such wish state: {self.kind}/{self.step}")


@dataclass(frozen=True)
class Reply:
    state: WishState
    say: str
    touch: bool = False  # this step goes on by touch (the phone, or after two tries)
    heard: tuple[str, ...] = ()  # the labels understood at this step, to show


def question(state: WishState) -> str:
    if state.step == TOPICS:
        return TOPIC_QUESTIONS[state.kind]
    return QUESTIONS.get(state.step, "")


def begin(kind: str) -> Reply:
    state = WishState(kind)
    return Reply(state, question(state))


def _words(text: str) -> list[str]:
    """Folded words; a plural "auto's" is "auto", and "'s ochtends" is "ochtends"."""
    words = [fold(w) for w in words_of(text)]
    return [w.removesuffix("'s").replace("'", "") for w in words if w not in ("'s", "s")]


def _affirmed(words: list[str]) -> list[str]:
    """The words not under a negation: "niet in de avond maar in de middag" keeps "maar in
    de middag". A negation reaches three words on, or up to "maar", "wel" or "en"."""
    kept, reach = [], 0
    for word in words:
        if word in NEGATIONS:
            reach = 3
        elif word in ("maar", "wel", "en"):
            reach = 0
            kept.append(word)
        elif reach:
            reach -= 1
        else:
            kept.append(word)
    return kept


def _says_phrase(words: list[str], phrases: tuple[str, ...]) -> bool:
    joined = f" {' '.join(words)} "
    return any(f" {phrase} " in joined for phrase in phrases)


def _command(words: list[str]) -> str | None:
    for command, phrases in COMMANDS.items():
        # A command only when it is (nearly) all that was said: "terug naar huis brengen"
        # is an offer of transport, not "terug".
        if _says_phrase(words, phrases) and len(words) <= len(max(phrases, key=len).split()) + 1:
            return command
    return None


def _previous(step: str) -> str:
    return {DAY_PART: TOPICS, CALLBACK: DAY_PART, PHONE: CALLBACK}.get(step, TOPICS)


def _misheard(state: WishState) -> Reply:
    tries = state.tries + 1
    if tries >= MAX_TRIES:
        return Reply(replace(state, tries=tries), TO_TOUCH, touch=True)
    return Reply(replace(state, tries=tries), SIMPLER[state.step])


def _topics(state: WishState, words: list[str]) -> Reply:
    found = wish_categories_in(_affirmed(words))
    if not found:
        return _misheard(state)
    keys = tuple(c.key for c in WISH_CATEGORIES if c in found)
    labels = tuple(BY_KEY[k].label for k in keys)
    nxt = replace(state, step=DAY_PART, categories=keys, tries=0)
    return Reply(nxt, f"U zei: {' en '.join(labels).lower()}. {question(nxt)}", heard=labels)


def _day_parts(state: WishState, words: list[str]) -> Reply:
    if _says_phrase(words, NO_PREFERENCE):
        parts: tuple[str, ...] = ()
    else:
        kept = _affirmed(words)
        parts = tuple(p for p in DAY_PARTS if any(w in DAY_PART_WORDS[p] for w in kept))
        if not parts:
            return _misheard(state)
    nxt = replace(state, step=CALLBACK, day_parts=parts, tries=0)
    said = f"In de {' of '.join(parts)}. " if parts else "Het maakt niet uit. "
    return Reply(nxt, said + question(nxt), heard=parts)


def _callback(state: WishState, text: str) -> Reply:
    """The kiosk's one yes/no understanding (voice/understand.py, the same templates and
    the same rule: a yes with a negation, doubt or question against it is asked again)."""
    heard = understand("callback", text, (), get_language(), today=date.today())
    if heard.outcome in COMMAND_OUTCOMES:
        return _command_reply(state, heard.outcome)
    if heard.outcome not in ("yes", "no"):
        return _misheard(state)
    answer = heard.outcome == "yes"
    if answer:
        nxt = replace(state, step=PHONE, callback=True, tries=0)
        return Reply(nxt, question(nxt), touch=True)
    nxt = replace(state, step=DONE, callback=False, tries=0)
    return Reply(nxt, "Dank u wel. Wij tellen uw idee mee.")


COMMAND_OUTCOMES = ("stop", "back", "repeat", "help", "louder", "softer")


def _command_reply(state: WishState, command: str) -> Reply:
    if command == "stop":
        return Reply(replace(state, step=STOPPED), STOPPED_SAY)
    if command == "back":
        back = replace(state, step=_previous(state.step), tries=0)
        return Reply(back, question(back))
    if command == "help":
        return Reply(state, HELP + question(state), touch=state.step == PHONE)
    # repeat, and louder / softer (the page's volume): the question again
    return Reply(state, question(state), touch=state.step == PHONE)


def hear(state: WishState, text: str) -> Reply:
    """What the kiosk understands from `text` at this step, and what it says next."""
    words = _words(text)
    if state.step in (DONE, STOPPED):
        return Reply(state, "")
    command = _command(words) if words and state.step != CALLBACK else None
    if command is not None:
        return _command_reply(state, command)
    if state.step == PHONE:
        return Reply(state, question(state), touch=True)
    if not words:
        return _misheard(state)
    if state.step == CALLBACK:
        return _callback(state, text)
    step = {TOPICS: _topics, DAY_PART: _day_parts}[state.step]
    return step(state, words)


def phrases(state: WishState) -> list[str]:
    """What may be said at this step, for a recognizer's grammar."""
    commands = [p for group in COMMANDS.values() for p in group]
    if state.step == TOPICS:
        said = [w for c in WISH_CATEGORIES for w in c.words]
    elif state.step == DAY_PART:
        said = [w for words in DAY_PART_WORDS.values() for w in words] + list(NO_PREFERENCE)
    elif state.step == CALLBACK:
        said = sorted(step_vocabulary(get_language(), "callback", ()))
    else:
        said = []
    return sorted(set(said + commands))
