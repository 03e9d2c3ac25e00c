"""Dutch: every word the kiosk listens for and every sentence it says, at B1 level.

Sentences are written as the screen shows them ("dinsdag 1 december om 10.00 uur");
`speakable` turns them into what the resident hears ("dinsdag één december, om tien uur").
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from kiosk.core import dutch
from voice.lang import Choice, Language
from voice.lang.nl import numbers, slots, speech
from voice.templates import Token

SENTENCES = Path(__file__).with_name("sentences.toml")


@cache
def _sentences() -> dict[str, Any]:
    with SENTENCES.open("rb") as file:
        return tomllib.load(file)


# Words that start a het-word activity name, for "naar het spreekuur" next to
# "naar de koffieochtend". De is right for most activity names; these are the exceptions
# a stadsdorp agenda has, and a verb used as a name ("koken", "eten") is always het.
_HET_ENDINGS = (
    "uur", "spreekuur", "café", "cafe", "concert", "feest", "spel", "koor", "atelier",
    "museum", "ontbijt", "diner", "buffet", "theater", "college", "overleg", "bezoek",
    "toernooi", "uitje", "project", "festival", "gesprek", "debat", "kienen", "breien",
)  # fmt: skip
_VERB_NAME = re.compile(r"^\w+[^e]en$")
_LEAD_WORDS = ("samen", "gezellig", "gratis", "open")
NAME_PARTICLES = {"van", "de", "der", "den", "het", "'t", "ter", "ten", "te", "in", "op", "la",
                  "le", "du", "da", "di", "del", "von", "el", "al", "bin"}  # fmt: skip


def _name_part(title: str) -> str:
    """ "Filmclub: Alles is familie" -> "Filmclub": the part a person would say."""
    return title.split(":")[0].strip()


def with_article(title: str) -> str:
    """ "Koffieochtend" -> "de Koffieochtend", "Computerspreekuur" -> "het Computerspreekuur"."""
    name = _name_part(title)
    words = name.lower().replace("-", " ").split()
    if not words or words[0] in ("de", "het", "een"):
        return name
    head = next((w for w in words if w not in _LEAD_WORDS), words[0])
    is_het = head.endswith(_HET_ENDINGS) or _VERB_NAME.match(head) is not None
    return f"{'het' if is_het else 'de'} {name}"


_ALSO = "U kunt ook zeggen: terug, opnieuw, harder, zachter of stop."


class Dutch(Language):
    code = "nl"
    tts_voice = "gmw/nl"

    def parse_number(self, text: str) -> int | None:
        return numbers.parse_number(text)

    def sentences(self) -> dict[str, Any]:
        return _sentences()

    def words(self, text: str) -> list[str]:
        return slots.words(text)

    def tokens(self, words: Sequence[str], choices: Sequence[Choice], today: date) -> list[Token]:
        return slots.tag(words, choices, today)

    def resolve(
        self, pieces: Sequence[Any], choices: Sequence[Choice], today: date
    ) -> list[Choice]:
        return slots.resolve(pieces, choices, today)

    def slot_values(self, choices: Sequence[Choice]) -> dict[str, list[str]]:
        return slots.spoken_values(choices)

    def speakable(self, text: str) -> str:
        return speech.speakable(text)

    def tidy_name(self, heard: str) -> str:
        # "ik heet" and "eh" are gone already (voice/understand.py): this is the name only.
        words = [w for w in heard.lower().split() if w != self.unknown_word]
        return " ".join(
            w if (i and w in NAME_PARTICLES) else w[:1].upper() + w[1:] for i, w in enumerate(words)
        )

    # --- sentences ---------------------------------------------------------------------

    def ask_activity(self, choices: list[Choice]) -> tuple[str, str]:
        first = choices[0].number if choices else 1
        return (
            "Naar welke activiteit wilt u?",
            f"Zeg het nummer, bijvoorbeeld: nummer {first}. Of zeg de naam. "
            "U kunt ook op een activiteit tikken.",
        )

    def ask_among(self, choices: list[Choice]) -> tuple[str, str]:
        options = " Of ".join(f"nummer {c.number}: {c.when}." for c in choices)
        return (
            f"Er zijn {len(choices)} activiteiten met die naam. Welke bedoelt u?",
            f"Zeg het nummer. {options}",
        )

    def no_such_number(self, number: int, count: int) -> str:
        return f"Nummer {number} staat niet in de lijst. Kies een nummer van 1 tot en met {count}."

    def is_cancelled(self, choice: Choice) -> str:
        return f"{_name_part(choice.title)} op {choice.when} gaat niet door. Kies iets anders."

    def confirm_activity(self, choice: Choice) -> tuple[str, str]:
        question = f"U wilt naar {with_article(choice.title)} op {choice.when}. Klopt dat?"
        if choice.full:
            question += " Let op: deze activiteit is vol. U kunt wel op de wachtlijst."
        return question, "Zeg ja of nee. Of tik op Ja of Nee."

    def ask_phone(self, choice: Choice) -> tuple[str, str]:
        return (
            "Wat is uw telefoonnummer?",
            "Deze activiteit is vol. Wij bellen u als er plek is. "
            "Tik uw nummer op het scherm. Tik daarna op Verder.",
        )

    def ask_name(self) -> tuple[str, str]:
        return (
            "Wat is uw naam?",
            "Zeg uw voornaam en achternaam. Wilt u dat niet? Zeg dan: overslaan.",
        )

    def confirm_name(self, name: str) -> tuple[str, str]:
        return (
            f"Ik verstond: {name}. Klopt dat?",
            "Zeg ja of nee. Of verbeter uw naam met de toetsen.",
        )

    def ask_party_size(self, maximum: int) -> tuple[str, str]:
        return (
            "Met hoeveel personen komt u?",
            "Uzelf meegeteld. Zeg een getal, bijvoorbeeld: twee.",
        )

    def party_size_out_of_range(self, maximum: int) -> str:
        return f"U kunt met 1 tot en met {maximum} personen komen."

    def confirm_signup(self, choice: Choice, name: str, party_size: int) -> tuple[str, str]:
        who = f"Op naam van {name}." if name else "Zonder naam."
        return (
            f"Klopt dit? U meldt zich aan voor {with_article(choice.title)} op {choice.when}. "
            f"{who} Met {dutch.people(party_size)}.",
            "Zeg ja of nee. Of tik op Ja, meld mij aan.",
        )

    def ask_change(self) -> tuple[str, str]:
        return (
            "Wat wilt u veranderen?",
            "Zeg: activiteit, naam, of aantal. Of tik op wat u wilt veranderen.",
        )

    def not_understood(self) -> str:
        return "Dat heb ik niet goed verstaan."

    def ask_again(self, reason: str) -> str:
        return {
            "how_many": "Met hoeveel personen bent u samen? Uzelf meegeteld. Zeg een getal.",
            "doubt": "Weet u het niet zeker? Zeg dan nee. Dan kiest u opnieuw.",
            "nothing_fits": "Daar staat nu niets voor in de agenda. "
            "Zeg het nummer van een activiteit.",
        }.get(reason, "")

    def help(self, step: str) -> str:
        said = {
            "activity": "Zeg het nummer van een activiteit, bijvoorbeeld: nummer twee. "
            "Of zeg wat u wilt doen, bijvoorbeeld: koffie, of: wandelen.",
            "name": "Zeg uw naam, bijvoorbeeld: Jan de Vries. Wilt u geen naam geven? "
            "Zeg dan: overslaan.",
            "party_size": "Zeg met hoeveel personen u komt. Uzelf telt mee. "
            "Bijvoorbeeld: twee.",
            "change": "Zeg: activiteit, naam, of aantal. Of zeg wat niet klopt, "
            "bijvoorbeeld: mijn naam is verkeerd.",
        }.get(step, "Zeg ja of nee.")
        return f"{said} {_ALSO} Of tik op het scherm."

    def read_options(self, options: Sequence[Choice], *, more: bool) -> str:
        # What does not go ahead is left out: it cannot be chosen.
        open_ = [c for c in options if c.number > 0 and not c.cancelled]
        if open_:
            parts = ["U kunt kiezen uit:"]
        elif more:  # only cancelled ones on this screen: the next may have some
            parts = ["Op dit scherm kunt u niets kiezen."]
        else:
            parts = ["Hier is niets om te kiezen."]
        for choice in open_:
            parts.append(f"Nummer {choice.number}: {choice.title}, {choice.when}.")
            if choice.full:
                parts.append("Die is vol.")
        if more:
            parts.append("Tik op Meer voor de rest.")
        parts.append(_ALSO)
        return " ".join(parts)

    def reading_options(self) -> str:
        return "Ik lees voor wat er is."

    def volume_changed(self, *, louder: bool, at_limit: bool) -> str:
        if at_limit:
            return "Harder kan niet." if louder else "Zachter kan niet."
        return "Ik praat nu harder." if louder else "Ik praat nu zachter."

    def type_name(self) -> str:
        # One line in the notice place of a short screen's name step, above the keys,
        # with "Grotere letters" on too: the keys are right below it.
        return "Typ uw naam."

    def no_microphone(self) -> str:
        return "De microfoon doet het niet. U kunt alles op het scherm tikken."

    def fall_back_to_touch(self) -> str:
        return "Het lukt niet goed met praten. Dat is niet erg. Tik maar op het scherm."

    def stopped(self) -> str:
        return "U bent niet aangemeld. Tot ziens!"

    def no_activities(self) -> str:
        return "Er staan nu geen activiteiten in de agenda. Kijk later nog eens."


LANGUAGE = Dutch()
