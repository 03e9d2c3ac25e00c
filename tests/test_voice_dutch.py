"""Everything Dutch, on text: number words both ways, spoken dates and times, compound
splitting against a vocabulary, grammars, and what an utterance means at each step."""

from __future__ import annotations

import pytest

from voice import grammar, intents
from voice.grammar import Meaning, fit_phrase, split_compound
from voice.lang import Choice, get_language
from voice.lang.nl import numbers, with_article
from voice.lang.nl.speech import clock, speakable

NL = get_language("nl")


class Vocab:
    """A model's vocabulary, as find_word would answer it."""

    def __init__(self, words: str) -> None:
        self.words = set(words.split())

    def knows(self, word: str) -> bool:
        return word in self.words


# A vocabulary like a small Dutch model's: common words, few compounds.
SMALL = Vocab(
    "ja nee klopt niet dat goed opnieuw stop stoppen nummer de een twee drie vier vijf zes "
    "zeven acht negen tien elf twaalf twintig en derde eerste tweede persoon personen alleen "
    "koffie ochtend wandel groep film club yoga stoel lezing computer spreekuur spreek uur "
    "samen eten oost bingo middag filosofie avond naam aantal activiteit overslaan [unk]"
)


# --- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "words"),
    [(0, "nul"), (1, "één"), (7, "zeven"), (13, "dertien"), (20, "twintig"),
     (21, "eenentwintig"), (22, "tweeëntwintig"), (23, "drieëntwintig"), (34, "vierendertig"),
     (58, "achtenvijftig"), (99, "negenennegentig"), (100, "honderd")],
)  # fmt: skip
def test_number_to_words(n: int, words: str) -> None:
    assert numbers.to_words(n) == words


def test_every_number_reads_back() -> None:
    for n in range(numbers.MAX + 1):
        for form in [numbers.to_words(n), *numbers.variants(n), numbers.to_ordinal(n)]:
            assert numbers.parse_number(form) == n, form


@pytest.mark.parametrize(
    ("text", "n"),
    [("een", 1), ("één", 1), ("Eén", 1), ("nummer drie", 3), ("de derde", 3),
     ("de achtste", 8), ("een en twintig", 21), ("tweeentwintig", 22),
     ("twee en twintig", 22), ("de eenentwintigste", 21), ("21", 21), ("honderd", 100),
     ("nummer [unk] vier", 4)],
)  # fmt: skip
def test_words_to_number(text: str, n: int) -> None:
    assert numbers.parse_number(text) == n


def test_text_without_a_number() -> None:
    assert numbers.parse_number("koffieochtend") is None
    assert numbers.parse_number("") is None


def test_ordinals() -> None:
    assert [numbers.to_ordinal(n) for n in (1, 2, 3, 8, 19, 20, 21)] == [
        "eerste", "tweede", "derde", "achtste", "negentiende", "twintigste", "eenentwintigste",
    ]  # fmt: skip


# --- written -> spoken ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "spoken"),
    [("dinsdag 1 december om 10.00 uur", "dinsdag één december, om tien uur"),
     ("vrijdag 4 december om 19.30 uur", "vrijdag vier december, om half acht 's avonds"),
     ("donderdag 26 november om 14.00 uur",
      "donderdag zesentwintig november, om twee uur 's middags"),
     ("10.00 tot 12.00 uur", "van tien tot twaalf uur"),
     ("14.00 tot 15.30 uur", "van twee tot half vier 's middags"),
     ("Kosten: € 2,50.", "Kosten: twee euro vijftig."),
     ("€ 1,00", "één euro"),
     ("Bel 020 123 45 67.", "Bel nul twee nul, één twee drie, vier vijf, zes zeven."),
     ("Uw code is 7 K Q - 4 M X.", "Uw code is zeven K Q, vier M X."),
     ("Nummer 3. Met 2 personen.", "Nummer drie. Met twee personen."),
     ("◀ Terug", "Terug")],
)  # fmt: skip
def test_speakable(written: str, spoken: str) -> None:
    assert speakable(written) == spoken


@pytest.mark.parametrize(
    ("hour", "minute", "said"),
    [(10, 0, "tien uur"), (10, 15, "kwart over tien"), (10, 30, "half elf"),
     (10, 45, "kwart voor elf"), (10, 5, "vijf over tien"), (10, 20, "tien voor half elf"),
     (10, 35, "vijf over half elf"), (10, 50, "tien voor elf"), (12, 30, "half één"),
     (0, 0, "twaalf uur"), (13, 0, "één uur")],
)  # fmt: skip
def test_clock_as_people_say_it(hour: int, minute: int, said: str) -> None:
    assert clock(hour, minute) == said


def test_the_confirm_sentence_of_the_issue() -> None:
    choice = Choice(1, "a1", "Koffieochtend", "koffieochtend", "dinsdag 1 december om 10.00 uur")
    question, _ = NL.confirm_activity(choice)
    assert question == "U wilt naar de Koffieochtend op dinsdag 1 december om 10.00 uur. Klopt dat?"
    assert NL.speakable(question) == (
        "U wilt naar de Koffieochtend op dinsdag één december, om tien uur. Klopt dat?"
    )


@pytest.mark.parametrize(
    ("title", "said"),
    [("Koffieochtend", "de Koffieochtend"), ("Computerspreekuur", "het Computerspreekuur"),
     ("Samen koken en eten", "het Samen koken en eten"), ("Breien", "het Breien"),
     ("Filmclub: Alles is familie", "de Filmclub"), ("Het Buurtcafé", "Het Buurtcafé")],
)  # fmt: skip
def test_article_before_an_activity(title: str, said: str) -> None:
    assert with_article(title) == said


@pytest.mark.parametrize(
    ("heard", "name"),
    [("jan de vries", "Jan de Vries"), ("mijn naam is fatma yilmaz", "Fatma Yilmaz"),
     ("ik heet [unk] piet van der berg", "Piet van der Berg"), ("de jong", "De Jong")],
)  # fmt: skip
def test_recognized_names_are_written_as_names(heard: str, name: str) -> None:
    assert NL.tidy_name(heard) == name


# --- vocabulary, compounds, grammars -----------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "parts"),
    [("koffieochtend", ["koffie", "ochtend"]), ("wandelgroep", ["wandel", "groep"]),
     ("stoelyoga", ["stoel", "yoga"]), ("computerspreekuur", ["computer", "spreekuur"]),
     ("bingomiddag", ["bingo", "middag"]), ("xyzabc", None)],
)  # fmt: skip
def test_compounds_the_model_lacks_are_split_into_known_parts(word, parts) -> None:
    assert split_compound(word, SMALL.knows) == parts


def test_phrases_are_fitted_to_the_vocabulary() -> None:
    assert fit_phrase("Koffieochtend", SMALL.knows) == "koffie ochtend"
    assert fit_phrase("Filosofie-avond", SMALL.knows) == "filosofie avond"
    assert fit_phrase("nummer drie", SMALL.knows) == "nummer drie"
    assert fit_phrase("met z'n tweeën", SMALL.knows) is None  # no word of it is known
    assert fit_phrase("Zumba", SMALL.knows) is None


def choices() -> list[Choice]:
    return [
        Choice(1, "k1", "Koffieochtend", "koffieochtend", "dinsdag 1 december om 10.00 uur"),
        Choice(
            2, "w1", "Wandelgroep Amstelpark", "wandelgroep", "donderdag 3 december om 14.00 uur"
        ),
        Choice(3, "k2", "Koffieochtend", "koffieochtend", "dinsdag 8 december om 10.00 uur"),
        Choice(4, "z1", "Zumba", "zumba", "vrijdag 11 december om 11.00 uur"),
    ]


def test_activity_grammar_has_numbers_and_split_names_in_known_words_only() -> None:
    built = grammar.for_activity(choices(), SMALL, NL)
    assert built.phrases is not None
    assert (
        "drie" in built.phrases and "nummer drie" in built.phrases and "de derde" in built.phrases
    )
    assert "koffie ochtend" in built.phrases
    assert "zumba" not in " ".join(built.phrases)  # unknown, and no known parts
    assert "Zumba".lower() in [d.lower() for d in built.dropped]
    assert built.phrases[-1] == "[unk]"  # the model has it, so the grammar may answer it
    every_word = {w for p in built.phrases for w in p.split()}
    assert all(SMALL.knows(w) for w in every_word)


def test_a_fitted_phrase_never_flips_yes_into_no() -> None:
    """Without "niet", "klopt niet" would fit to "klopt" — which means yes."""
    no_niet = Vocab("ja nee klopt dat goed")
    built = grammar.for_yes_no(no_niet, NL)
    assert built.meanings["klopt"] == (Meaning("yes"),)


def test_grammar_without_unk_when_the_model_lacks_it() -> None:
    built = grammar.for_yes_no(Vocab("ja nee"), NL)
    assert built.phrases == ("ja", "nee")


# --- intents -----------------------------------------------------------------------------------


def parse(text: str, built: grammar.Grammar) -> intents.Intent:
    return intents.parse(text, built, NL)


def test_activity_by_number_name_and_ordinal() -> None:
    built = grammar.for_activity(choices(), SMALL, NL)
    assert parse("nummer twee", built) == intents.Intent("activity", "w1", heard="nummer twee")
    assert parse("de derde", built).value == "k2"
    assert parse("wandel groep", built).value == "w1"
    assert parse("[unk] drie", built).value == "k2"
    among = parse("koffie ochtend", built)
    assert (among.kind, among.options) == ("among", ("k1", "k2"))


def test_unclear_activity_answers() -> None:
    built = grammar.for_activity(choices(), SMALL, NL)
    assert parse("", built).kind == "unclear"
    assert parse("[unk]", built).kind == "unclear"
    assert parse("twee drie", built).kind == "unclear"  # two numbers: ask again, do not guess
    assert parse("stop", built).kind == "stop"
    assert parse("opnieuw", built).kind == "repeat"


@pytest.mark.parametrize(
    ("text", "kind"),
    [("ja", "yes"), ("klopt", "yes"), ("dat klopt", "yes"), ("nee", "no"), ("klopt niet", "no"),
     ("dat klopt niet", "no"), ("ja nee", "unclear"), ("[unk]", "unclear"), ("stoppen", "stop"),
     ("ja ja", "yes")],
)  # fmt: skip
def test_yes_and_no(text: str, kind: str) -> None:
    assert parse(text, grammar.for_yes_no(SMALL, NL)).kind == kind


@pytest.mark.parametrize(
    ("text", "count"),
    [("twee", 2), ("twee personen", 2), ("een persoon", 1), ("alleen", 1), ("tien", 10),
     ("twintig", 20)],
)  # fmt: skip
def test_numbers_of_people(text: str, count: int) -> None:
    intent = parse(text, grammar.for_party_size(10, SMALL, NL))
    assert (intent.kind, intent.value) == ("count", count)


def test_names_are_free_text_but_skip_and_stop_are_understood() -> None:
    built = grammar.for_name(SMALL, NL)
    assert built.free
    assert parse("jan de vries", built) == intents.Intent(
        "name", "Jan de Vries", heard="jan de vries"
    )
    assert parse("overslaan", built).kind == "skip"
    assert parse("stop", built).kind == "stop"
    assert parse("[unk]", built).kind == "unclear"


def test_what_to_change() -> None:
    built = grammar.for_change(SMALL, NL)
    assert parse("naam", built).value == "name"
    assert parse("aantal", built).value == "party_size"
    assert parse("activiteit", built).value == "activity"
