"""What the resident meant, as the dialog gets it: one Intent, from speech
(voice/understand.py) or from a tap."""

from __future__ import annotations

from dataclasses import dataclass

# Intent kinds. Touch answers use the same kinds, so the dialog cannot tell them apart
# except by `typed`, which matters for names only.
YES, NO, REPEAT, STOP, SKIP = "yes", "no", "repeat", "stop", "skip"
ACTIVITY, AMONG, COUNT, CHANGE = "activity", "among", "count", "change"
NAME, PHONE, UNCLEAR = "name", "phone", "unclear"
# Commands that work at every step.
BACK, HELP, LOUDER, SOFTER = "back", "help", "louder", "softer"
# The browser has no microphone (or no permission): the rest of the dialog is by touch.
NO_MICROPHONE = "no_microphone"


@dataclass(frozen=True)
class Intent:
    kind: str
    value: str | int = ""
    options: tuple[str, ...] = ()  # activity ids, when a name fits several activities
    heard: str = ""
    typed: bool = False  # came from the keyboard or a button, not from the microphone
