"""The spoken signup as a pure state machine: (state, intent) -> (next state, what to
say, what to show). No audio, no database, no Flask: the view feeds it intents from the
recognizer or from taps, and stores the state it gets back.

    activity -> confirm_activity -> [phone, when full] -> name -> [confirm_name]
             -> party_size -> confirm -> done
                                  `-> change -> (the step to change) -> confirm

"stop" ends it at any step; two misunderstood answers at one step switch that step to
touch, with a kind sentence. Every step also takes its answer by touch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from voice import grammar
from voice.intents import (
    ACTIVITY,
    AMONG,
    CHANGE,
    COUNT,
    NAME,
    NO,
    PHONE,
    REPEAT,
    SKIP,
    STOP,
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
MAX_PARTY = 10  # the same limit as the signup rules in kiosk/core/signups.py


@dataclass(frozen=True)
class State:
    step: str = ACTIVITY_STEP
    activity_id: str = ""
    name: str = ""
    phone: str = ""
    party_size: int = 1
    tries: int = 0  # misunderstood answers at this step
    touch_only: bool = False  # this step fell back to touch
    options: tuple[str, ...] = ()  # activity ids offered when a name fit several
    reviewing: bool = False  # came from "Wat wilt u veranderen?": go back to the check
    signup_id: str = ""  # one id for the whole dialog: a repeated "ja" signs up once

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> State:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["options"] = tuple(values.get("options") or ())
        state = cls(**values)
        if state.step not in STEPS:
            raise ValueError(f"unknown step {state.step!r}")
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
        return self.state.step not in TOUCH_ONLY_STEPS and not self.state.touch_only

    @property
    def finished(self) -> bool:
        return self.state.step in (DONE, STOPPED)


def _choice(choices: Sequence[Choice], activity_id: str) -> Choice | None:
    return next((c for c in choices if c.activity_id == activity_id), None)


def prompt(
    state: State,
    choices: Sequence[Choice],
    language: Language,
    *,
    notice: str = "",
    heard: str = "",
) -> Reply:
    """The question of the state's step, with what just happened before it."""
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
    if state.touch_only:
        hint = ""  # the hints say what to say; now the resident taps
    say = " ".join(part for part in (notice, question, hint) if part)
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


def advance(state: State, intent: Intent, choices: Sequence[Choice], language: Language) -> Reply:
    """One answer, by voice or by touch, moves the dialog on (or not)."""
    heard = "" if intent.typed else intent.heard
    kind, step = intent.kind, state.step
    if step in (DONE, STOPPED):
        return prompt(state, choices, language)
    if kind == STOP:
        return prompt(_to(state, STOPPED), choices, language)
    if kind == REPEAT:
        return prompt(state, choices, language, heard=heard)
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
        number = language.parse_number(intent.heard) if intent.heard else None
        if number is not None and not any(c.number == number for c in choices):
            return _misunderstood(
                state,
                choices,
                language,
                heard,
                notice=language.no_such_number(number, len(choices)),
            )
        return _misunderstood(state, choices, language, heard)

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
    elif step == CHANGE_STEP:
        if kind == CHANGE:
            target = {"activity": ACTIVITY_STEP, "name": NAME_STEP, "party_size": PARTY_SIZE}
            changed = target.get(str(intent.value))
            if changed:
                next_step = changed
                extra = {"activity_id": ""} if next_step == ACTIVITY_STEP else {}
                return prompt(
                    _to(state, next_step, reviewing=True, **extra), choices, language, heard=heard
                )
        if kind in (YES, NO):  # "nee, niets": back to the check
            return prompt(_to(state, CONFIRM), choices, language, heard=heard)
    return _misunderstood(state, choices, language, heard)


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


def grammar_for(
    state: State, choices: Sequence[Choice], vocabulary: grammar.Vocabulary, language: Language
) -> grammar.Grammar | None:
    """What may be said at the state's step; None where nothing is listened for."""
    step = state.step
    if step == ACTIVITY_STEP:
        return grammar.for_activity(choices, vocabulary, language)
    if step in (CONFIRM_ACTIVITY, CONFIRM_NAME, CONFIRM):
        return grammar.for_yes_no(vocabulary, language)
    if step == NAME_STEP:
        return grammar.for_name(vocabulary, language)
    if step == PARTY_SIZE:
        return grammar.for_party_size(MAX_PARTY, vocabulary, language)
    if step == CHANGE_STEP:
        return grammar.for_change(vocabulary, language)
    return None
