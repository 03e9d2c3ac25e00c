"""The spoken signup as a pure state machine: (state, intent) -> (next state, what to
say, what to show). No audio, no database, no Flask: the view feeds it intents from the
recognizer or from taps, and stores the state it gets back.

    activity -> confirm_activity -> [phone, when full] -> name -> [confirm_name]
             -> party_size -> confirm -> done
                                  `-> change -> (the step to change) -> confirm

"stop" ends it at any step, "terug" goes one step back, "help" says what can be said,
"harder" and "zachter" change the read-aloud volume; two misunderstood answers at one step
switch that step to touch, with a kind sentence. Every step also takes its answer by touch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from voice import understand
from voice.intents import (
    ACTIVITY,
    AMONG,
    BACK,
    CHANGE,
    COUNT,
    HELP,
    LOUDER,
    NAME,
    NO,
    NO_MICROPHONE,
    PHONE,
    REPEAT,
    SKIP,
    SOFTER,
    STOP,
    UNCLEAR,
    YES,
    Intent,
)
from voice.lang import Choice, Language

ACTIVITY_STEP = "activity"
CONFIRM_ACTIVITY = "confirm_activity"
PHONE_STEP = "phone"
NAME_STEP = "name"
CONFIRM_NAME = "confirm_name"
PARTY_SIZE = "party_size"
CONFIRM = "confirm"
CHANGE_STEP = "change"
DONE = "done"
STOPPED = "stopped"
STEPS = (ACTIVITY_STEP, CONFIRM_ACTIVITY, PHONE_STEP, NAME_STEP, CONFIRM_NAME, PARTY_SIZE,
         CONFIRM, CHANGE_STEP, DONE, STOPPED)  # fmt: skip
# The phone number is typed: spoken digits through a small model go wrong too often.
TOUCH_ONLY_STEPS = (PHONE_STEP, DONE, STOPPED)

MAX_TRIES = 2
# Activity buttons on one voice screen at most. Four fit the shortest screen (Touch Display
# 2 on its side) below the question and a notice of two lines; with "Grotere letters" fewer
# fit, and the screen keeps only those (voice.js) and says which (`Shown`), so that what
# "wat is er allemaal" reads is always what the screen shows.
CHOICES_PER_PAGE = 4
MAX_PARTY = understand.MAX_PARTY
VOLUMES = (0.4, 0.6, 0.8, 1.0)  # read-aloud volume steps for "zachter" and "harder"
# "terug": the step before. The first question goes back to the start screen.
PREVIOUS = {CONFIRM_ACTIVITY: ACTIVITY_STEP, PHONE_STEP: CONFIRM_ACTIVITY,
            NAME_STEP: CONFIRM_ACTIVITY, CONFIRM_NAME: NAME_STEP, PARTY_SIZE: NAME_STEP,
            CONFIRM: PARTY_SIZE, CHANGE_STEP: CONFIRM}  # fmt: skip


@dataclass(frozen=True)
class State:
    step: str = ACTIVITY_STEP
    activity_id: str = ""
    name: str = ""
    phone: str = ""
    party_size: int = 1
    tries: int = 0  # misunderstood answers at this step
    touch_only: bool = False  # this step fell back to touch
    no_microphone: bool = False  # the whole dialog goes on by touch
    options: tuple[str, ...] = ()  # activity ids offered when a name fit several
    reviewing: bool = False  # came from "Wat wilt u veranderen?": go back to the check
    signup_id: str = ""  # one id for the whole dialog: a repeated "ja" signs up once
    volume: int = len(VOLUMES) - 1  # index into VOLUMES
    turn: int = 0  # one more with every answer kept: the screen shows the newest reply

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def question_key(self) -> str:
        """What the question on the screen is about, short: a tap from a screen that showed
        another question (a spoken answer moved the dialog on meanwhile, or a second tap
        on the same button) answered that one, not this. A question asked again, louder or
        by touch now, is the same question."""
        asked = (self.step, self.activity_id, self.name, self.phone, self.party_size,
                 self.options, self.reviewing)  # fmt: skip
        # Keyed with the dialog's own random id, never shown: the page then gives away
        # nothing of the name and phone number in it, not even to one who tries them all.
        key = self.signup_id.encode()[:32]
        return hashlib.blake2s(repr(asked).encode(), key=key, digest_size=6).hexdigest()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> State:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["options"] = tuple(values.get("options") or ())
        state = cls(**values)
        if state.step not in STEPS:
            raise ValueError(f"unknown step {state.step!r}")
        if not 0 <= state.volume < len(VOLUMES):
            raise ValueError(f"volume {state.volume!r}")
        return state


@dataclass(frozen=True)
class Screen:
    question: str
    hint: str = ""
    notice: str = ""  # what just happened: "Dat heb ik niet goed verstaan."
    heard: str = ""  # what the kiosk heard, so a resident can see a mistake


@dataclass(frozen=True)
class Reply:
    state: State
    say: str
    screen: Screen

    @property
    def listen(self) -> bool:
        """Should the kiosk open the microphone after saying this?"""
        state = self.state
        return state.step not in TOUCH_ONLY_STEPS and not (state.touch_only or state.no_microphone)

    @property
    def finished(self) -> bool:
        return self.state.step in (DONE, STOPPED)

    @property
    def volume(self) -> float:
        return VOLUMES[self.state.volume]


@dataclass(frozen=True)
class Shown:
    """Which of the listed activities the screen shows: `count` of them from `start`."""

    start: int = 0
    count: int = CHOICES_PER_PAGE

    def window(self, listed: Sequence[Choice]) -> tuple[list[Choice], bool]:
        """The activities on the screen, and whether more come after them (Meer)."""
        start = min(max(self.start, 0), max(len(listed) - 1, 0))
        count = min(max(self.count, 1), CHOICES_PER_PAGE)
        return list(listed[start : start + count]), start + count < len(listed)


def listed(state: State, choices: Sequence[Choice]) -> list[Choice]:
    """The activities the voice screen lists at the activity step: those a name fit when
    it fit several, else all."""
    return [c for c in choices if not state.options or c.activity_id in state.options]


def _choice(choices: Sequence[Choice], activity_id: str) -> Choice | None:
    return next((c for c in choices if c.activity_id == activity_id), None)


def prompt(
    state: State,
    choices: Sequence[Choice],
    language: Language,
    *,
    notice: str = "",
    heard: str = "",
    read_out: str = "",
) -> Reply:
    """The question of the state's step, with what just happened before it. `read_out`
    is said after the notice but not shown: a list read aloud would not fit the screen."""
    choice = _choice(choices, state.activity_id)
    step = state.step
    if step == ACTIVITY_STEP and state.options:
        offered = [c for c in choices if c.activity_id in state.options]
        question, hint = language.ask_among(offered)
    elif step == ACTIVITY_STEP:
        question, hint = language.ask_activity(list(choices))
    elif choice is None and step not in (DONE, STOPPED):
        # The activity left the agenda while the resident was talking.
        return prompt(
            State(signup_id=state.signup_id),
            choices,
            language,
            notice=language.no_activities() if not choices else notice,
        )
    elif step == CONFIRM_ACTIVITY:
        question, hint = language.confirm_activity(choice)  # type: ignore[arg-type]
    elif step == PHONE_STEP:
        question, hint = language.ask_phone(choice)  # type: ignore[arg-type]
    elif step == NAME_STEP:
        question, hint = language.ask_name()
    elif step == CONFIRM_NAME:
        question, hint = language.confirm_name(state.name)
    elif step == PARTY_SIZE:
        question, hint = language.ask_party_size(MAX_PARTY)
    elif step == CONFIRM:
        question, hint = language.confirm_signup(choice, state.name, state.party_size)  # type: ignore[arg-type]
    elif step == CHANGE_STEP:
        question, hint = language.ask_change()
    elif step == STOPPED:
        question, hint = language.stopped(), ""
    else:  # DONE: the ticket screen does the talking
        question, hint = "", ""
    if state.touch_only or state.no_microphone:
        hint = ""  # the hints say what to say; now the resident taps
    say = " ".join(part for part in (notice, read_out, question, hint) if part)
    return Reply(state, say, Screen(question, hint, notice, heard))


def start(
    choices: Sequence[Choice],
    language: Language,
    *,
    signup_id: str,
    activity_id: str = "",
) -> Reply:
    """From the start screen: which activity? From an activity's screen: is it this one?"""
    if not choices:
        return Reply(
            State(step=STOPPED, signup_id=signup_id),
            language.no_activities(),
            Screen(language.no_activities()),
        )
    state = State(signup_id=signup_id)
    if activity_id and _choice(choices, activity_id):
        return _chosen(state, activity_id, choices, language, heard="")
    return prompt(state, choices, language)


def _to(state: State, step: str, **changes: Any) -> State:
    """A step was answered: the next step starts with a clean slate of tries."""
    return replace(state, step=step, tries=0, touch_only=False, options=(), **changes)


def _misunderstood(
    state: State, choices: Sequence[Choice], language: Language, heard: str, notice: str = ""
) -> Reply:
    tries = state.tries + 1
    if tries >= MAX_TRIES:
        return prompt(
            replace(state, tries=tries, touch_only=True),
            choices,
            language,
            notice=language.fall_back_to_touch(),
            heard=heard,
        )
    return prompt(
        replace(state, tries=tries),
        choices,
        language,
        notice=notice or language.not_understood(),
        heard=heard,
    )


def _after_activity(state: State, choice: Choice) -> str:
    if choice.full and not state.phone:
        return PHONE_STEP
    return CONFIRM if state.reviewing else NAME_STEP


def _after_name(state: State) -> str:
    return CONFIRM if state.reviewing else PARTY_SIZE


def _chosen(
    state: State, activity_id: str, choices: Sequence[Choice], language: Language, heard: str
) -> Reply:
    choice = _choice(choices, activity_id)
    if choice is None:
        return _misunderstood(state, choices, language, heard)
    if choice.cancelled:
        return prompt(
            _to(state, ACTIVITY_STEP, activity_id=""),
            choices,
            language,
            notice=language.is_cancelled(choice),
            heard=heard,
        )
    return prompt(
        _to(state, CONFIRM_ACTIVITY, activity_id=activity_id), choices, language, heard=heard
    )


def advance(
    state: State,
    intent: Intent,
    choices: Sequence[Choice],
    language: Language,
    shown: Shown = Shown(),
) -> Reply:
    """One answer, by voice or by touch, moves the dialog on (or not). `shown`: the part of
    the list on the screen at the activity step."""
    heard = "" if intent.typed else intent.heard
    kind, step = intent.kind, state.step
    if step in (DONE, STOPPED):
        return prompt(state, choices, language)
    if kind == STOP:
        return prompt(_to(state, STOPPED), choices, language)
    if kind == REPEAT:
        return prompt(state, choices, language, heard=heard)
    if kind == NO_MICROPHONE:
        notice = "" if state.no_microphone else language.no_microphone()
        return prompt(replace(state, no_microphone=True), choices, language, notice=notice)
    if kind in (LOUDER, SOFTER):
        volume = state.volume + (1 if kind == LOUDER else -1)
        volume = min(max(volume, 0), len(VOLUMES) - 1)
        notice = language.volume_changed(louder=kind == LOUDER, at_limit=volume == state.volume)
        return prompt(replace(state, volume=volume), choices, language, notice=notice, heard=heard)
    if kind == HELP and step == ACTIVITY_STEP:
        # "Wat is er allemaal": what the screen shows is read out; only that it is being
        # read is shown (the list in the notice would make the screen scroll).
        on_screen, more = shown.window(listed(state, choices))
        read_out = language.read_options(on_screen, more=more)
        notice = language.reading_options()
        return prompt(state, choices, language, notice=notice, heard=heard, read_out=read_out)
    if kind == HELP:
        return prompt(state, choices, language, notice=language.help(step), heard=heard)
    if kind == BACK:
        previous = PREVIOUS.get(step)
        if previous is None:
            return prompt(_to(state, STOPPED), choices, language)
        extra = {"activity_id": ""} if previous == ACTIVITY_STEP else {}
        return prompt(_to(state, previous, **extra), choices, language, heard=heard)
    # Choosing an activity by tapping it works wherever the activity can still change.
    if kind == ACTIVITY and step in (ACTIVITY_STEP, CONFIRM_ACTIVITY):
        return _chosen(state, str(intent.value), choices, language, heard)

    if step == ACTIVITY_STEP:
        if kind == AMONG:
            offered = [c for c in choices if c.activity_id in intent.options]
            if len(offered) == 1:
                return _chosen(state, offered[0].activity_id, choices, language, heard)
            if offered:
                options = tuple(c.activity_id for c in offered)
                return prompt(
                    replace(state, options=options, tries=0), choices, language, heard=heard
                )
        why = _why(intent, choices, language)
        return _misunderstood(state, choices, language, heard, notice=why)

    choice = _choice(choices, state.activity_id)
    if choice is None:
        return prompt(State(signup_id=state.signup_id), choices, language)

    if step == CONFIRM_ACTIVITY:
        if kind == YES:
            return prompt(
                _to(state, _after_activity(state, choice)), choices, language, heard=heard
            )
        if kind == NO:
            return prompt(_to(state, ACTIVITY_STEP, activity_id=""), choices, language, heard=heard)
    elif step == PHONE_STEP:
        if kind == PHONE and intent.value:
            next_step = CONFIRM if state.reviewing else NAME_STEP
            return prompt(_to(state, next_step, phone=str(intent.value)), choices, language)
        if kind == CHANGE and intent.value == "activity":
            return prompt(
                _to(state, ACTIVITY_STEP, activity_id="", reviewing=True), choices, language
            )
        # Tapping "Verder" with no number: ask again, it is not a misunderstanding.
        return prompt(state, choices, language, notice=language.ask_phone(choice)[1])
    elif step in (NAME_STEP, CONFIRM_NAME):
        if kind == NAME and str(intent.value).strip():
            name = str(intent.value).strip()
            if intent.typed:
                return prompt(_to(state, _after_name(state), name=name), choices, language)
            return prompt(_to(state, CONFIRM_NAME, name=name), choices, language, heard=heard)
        if kind in (SKIP, NAME):  # a name typed empty is a skipped name
            return prompt(_to(state, _after_name(state), name=""), choices, language, heard=heard)
        if step == CONFIRM_NAME and kind == YES:
            return prompt(_to(state, _after_name(state)), choices, language, heard=heard)
        if step == CONFIRM_NAME and kind == NO:
            return prompt(_to(state, NAME_STEP, name=""), choices, language, heard=heard)
    elif step == PARTY_SIZE:
        if kind == COUNT:
            count = int(intent.value)
            if 1 <= count <= MAX_PARTY:
                return prompt(_to(state, CONFIRM, party_size=count), choices, language, heard=heard)
            return _misunderstood(
                state, choices, language, heard, notice=language.party_size_out_of_range(MAX_PARTY)
            )
    elif step == CONFIRM:
        if kind == YES:
            return Reply(_to(state, DONE), "", Screen(""))
        if kind == NO:
            return prompt(_to(state, CHANGE_STEP), choices, language, heard=heard)
    # "het aantal klopt niet" at the check goes straight to the number of people.
    if step in (CONFIRM, CHANGE_STEP) and kind == CHANGE:
        target = {"activity": ACTIVITY_STEP, "name": NAME_STEP, "party_size": PARTY_SIZE}
        changed = target.get(str(intent.value))
        if changed:
            extra = {"activity_id": ""} if changed == ACTIVITY_STEP else {}
            return prompt(
                _to(state, changed, reviewing=True, **extra), choices, language, heard=heard
            )
    # "We zijn met z'n drieën" at "Wat wilt u veranderen?": that is the change itself.
    if step == CHANGE_STEP and kind == COUNT:
        count = int(intent.value)
        if 1 <= count <= MAX_PARTY:
            return prompt(_to(state, CONFIRM, party_size=count), choices, language, heard=heard)
        return prompt(
            _to(state, PARTY_SIZE, reviewing=True), choices, language,
            notice=language.party_size_out_of_range(MAX_PARTY), heard=heard,
        )  # fmt: skip
    if step == CHANGE_STEP and kind in (YES, NO):  # "nee, niets": back to the check
        return prompt(_to(state, CONFIRM), choices, language, heard=heard)
    why = _why(intent, choices, language)
    return _misunderstood(state, choices, language, heard, notice=why)


def _why(intent: Intent, choices: Sequence[Choice], language: Language) -> str:
    """The sentence for an answer that was not understood, when more can be said than
    "Dat heb ik niet goed verstaan" (the reason comes from voice/understand.py)."""
    if intent.kind != UNCLEAR or not isinstance(intent.value, str):
        return ""
    reason, _, argument = intent.value.partition(":")
    if reason == "no_such_number" and argument.isdigit():
        return language.no_such_number(int(argument), len([c for c in choices if c.number]))
    return language.ask_again(reason)


def refused(
    state: State, field: str, message: str, choices: Sequence[Choice], language: Language
) -> Reply:
    """The signup rules said no (full without a phone number, activity started): go back
    to the step that can fix it, with the rules' own sentence."""
    step = {"phone": PHONE_STEP, "name": NAME_STEP, "party_size": PARTY_SIZE}.get(field)
    if step is None:
        return prompt(
            _to(state, ACTIVITY_STEP, activity_id="", reviewing=True),
            choices,
            language,
            notice=message,
        )
    return prompt(_to(state, step, reviewing=True), choices, language, notice=message)


def recognizer_sentences(
    state: State, choices: Sequence[Choice], language: Language
) -> list[str] | None:
    """What the recognizer may hear at the state's step, from the step's templates; None
    where nothing is listened for, [] for free recognition (the name)."""
    if state.step in TOUCH_ONLY_STEPS or state.touch_only:
        return None
    return understand.recognizer_sentences(language, state.step, choices)
