"""What the voice engine needs from a language: the words a resident may say at each
step, number words both ways, the sentences the kiosk says and shows, and how written
text is turned into something a speech synthesizer reads naturally.

The engine (grammar.py, intents.py, dialog.py, tts.py) only talks to a `Language`; adding
a language is adding a folder next to nl/ and a line in LANGUAGES.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from voice.templates import Token


@dataclass(frozen=True)
class Choice:
    """One activity as the dialog sees it: the number on the start screen, and text that
    is already written the way the screen writes it ("dinsdag 1 december om 10.00 uur")."""

    number: int
    activity_id: str
    title: str
    short_name: str
    when: str
    place: str = ""
    cancelled: bool = False
    full: bool = False
    starts_at: datetime | None = None  # local time, for "die van dinsdag" and "van tien uur"
    categories: tuple[str, ...] = ()  # keys of kiosk/core/categories.py, for "wandelen"


class Language(ABC):
    code: str = ""
    tts_voice: str = ""  # the espeak-ng voice id

    # "[unk]": Vosk's word for "something else"; kept in grammars when the model has it.
    unknown_word: str = "[unk]"

    @abstractmethod
    def parse_number(self, text: str) -> int | None:
        """The first number in the text, in words or digits."""

    @abstractmethod
    def speakable(self, text: str) -> str:
        """Written text -> text a synthesizer reads naturally (dates, times, amounts)."""

    @abstractmethod
    def tidy_name(self, heard: str) -> str:
        """Recognized words -> a name as written ("jan de vries" -> "Jan de Vries")."""

    # Understanding (voice/understand.py): the step templates and the slot readings.
    @abstractmethod
    def sentences(self) -> dict[str, Any]:
        """The parsed sentence templates file: rules, word lists, commands, steps."""

    @abstractmethod
    def words(self, text: str) -> list[str]:
        """Heard or written text -> the words as the matcher compares them."""

    @abstractmethod
    def tokens(self, words: Sequence[str], choices: Sequence[Choice], today: date) -> list[Token]:
        """Words -> tokens with their slot readings (numbers, days, times, activity names)."""

    @abstractmethod
    def resolve(
        self, pieces: Sequence[Any], choices: Sequence[Choice], today: date
    ) -> list[Choice]:
        """The activities that fit everything said about which one."""

    @abstractmethod
    def slot_values(self, choices: Sequence[Choice]) -> dict[str, list[str]]:
        """Each slot's values in words, for the recognizer's sentences."""

    # The sentences. Each returns written text; speakable() makes it ready to be heard.
    @abstractmethod
    def ask_activity(self, choices: list[Choice]) -> tuple[str, str]:
        """(question, hint) for choosing an activity."""

    @abstractmethod
    def ask_among(self, choices: list[Choice]) -> tuple[str, str]:
        """A name matched several activities: which one?"""

    @abstractmethod
    def no_such_number(self, number: int, count: int) -> str: ...

    @abstractmethod
    def is_cancelled(self, choice: Choice) -> str: ...

    @abstractmethod
    def confirm_activity(self, choice: Choice) -> tuple[str, str]: ...

    @abstractmethod
    def ask_phone(self, choice: Choice) -> tuple[str, str]: ...

    @abstractmethod
    def ask_name(self) -> tuple[str, str]: ...

    @abstractmethod
    def confirm_name(self, name: str) -> tuple[str, str]: ...

    @abstractmethod
    def ask_party_size(self, maximum: int) -> tuple[str, str]: ...

    @abstractmethod
    def party_size_out_of_range(self, maximum: int) -> str: ...

    @abstractmethod
    def confirm_signup(self, choice: Choice, name: str, party_size: int) -> tuple[str, str]: ...

    @abstractmethod
    def ask_change(self) -> tuple[str, str]: ...

    @abstractmethod
    def not_understood(self) -> str: ...

    @abstractmethod
    def ask_again(self, reason: str) -> str:
        """Why an answer is asked again ("how_many", "doubt"), or "" for not_understood."""

    @abstractmethod
    def help(self, step: str) -> str:
        """What can be said at this step, and that tapping works too."""

    @abstractmethod
    def read_options(self, options: Sequence[Choice], *, more: bool) -> str:
        """ "Wat is er allemaal?" at the activity step: the options the screen shows, read
        aloud; `more`: the rest are behind the Meer button."""

    @abstractmethod
    def reading_options(self) -> str:
        """What the screen shows while the options are read out: a short notice."""

    @abstractmethod
    def volume_changed(self, *, louder: bool, at_limit: bool) -> str: ...

    @abstractmethod
    def fall_back_to_touch(self) -> str: ...

    @abstractmethod
    def no_microphone(self) -> str: ...

    @abstractmethod
    def type_name(self) -> str:
        """The name is typed here: free speech is too slow on this computer."""

    @abstractmethod
    def stopped(self) -> str: ...

    @abstractmethod
    def no_activities(self) -> str: ...


LANGUAGES = {"nl": "voice.lang.nl"}


def get_language(code: str = "nl") -> Language:
    module = importlib.import_module(LANGUAGES[code])
    language: Language = module.LANGUAGE
    return language
