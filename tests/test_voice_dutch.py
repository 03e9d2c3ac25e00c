"""Everything Dutch, on text: number words both ways, spoken dates and times, compound
splitting against a vocabulary, grammars, and what an utterance means at each step."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from kiosk.core.dutch import AMSTERDAM
from voice import grammar, understand
from voice.grammar import fit_phrase, split_compound
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
     ("◀ Terug", "Terug"),
     # Free text from feeds (the issue's examples).
     ("Kosten: € 2.50.", "Kosten: twee euro vijftig."),
     ("€ 1.200,50", "twaalfhonderd euro vijftig"),
     ("Vorig jaar kwamen er 1.200 bezoekers.", "Vorig jaar kwamen er twaalfhonderd bezoekers."),
     ("De 1e keer en de 2de keer.", "De eerste keer en de tweede keer."),
     ("Op 01-12-2026.", "Op één december tweeduizend zesentwintig."),
     ("10.00 - 12.00 uur", "van tien tot twaalf uur"),
     ("10.00-12.00 uur", "van tien tot twaalf uur"),
     ("14.00 – 15.30", "van twee tot half vier 's middags"),
     ("Start 10.00u.", "Start tien uur."),
     ("o.a. koffie, bijv. thee, ca. 20 mensen", "onder andere koffie, bijvoorbeeld thee, "
      "ongeveer twintig mensen"),
     ("t/m 12 december", "tot en met twaalf december"),
     ("In 2026.", "In tweeduizend zesentwintig.")],
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
    [("jan de vries", "Jan de Vries"), ("fatma yilmaz", "Fatma Yilmaz"),
     ("[unk] piet van der berg", "Piet van der Berg"), ("de jong", "De Jong")],
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
    def at(day: int, hour: int) -> datetime:
        return datetime(2026, 12, day, hour, tzinfo=AMSTERDAM)

    return [
        Choice(1, "k1", "Koffieochtend", "koffieochtend", "dinsdag 1 december om 10.00 uur",
               starts_at=at(1, 10), categories=("koffie",)),
        Choice(2, "w1", "Wandelgroep Amstelpark", "wandelgroep",
               "donderdag 3 december om 14.00 uur", starts_at=at(3, 14),
               categories=("wandelen",)),
        Choice(3, "k2", "Koffieochtend", "koffieochtend", "dinsdag 8 december om 10.00 uur",
               starts_at=at(8, 10), categories=("koffie",)),
        Choice(4, "z1", "Zumba", "zumba", "vrijdag 11 december om 11.00 uur",
               starts_at=at(11, 11), categories=("bewegen",)),
    ]  # fmt: skip


def fitted(step: str, vocabulary: Vocab = SMALL) -> grammar.Fitted:
    sentences = understand.recognizer_sentences(NL, step, choices())
    return grammar.fit_sentences(sentences, vocabulary, keep=understand.critical_words(NL))


def test_activity_sentences_have_numbers_and_split_names_in_known_words_only() -> None:
    built = fitted("activity")
    assert {"drie", "koffie ochtend", "wandel groep"} <= set(built.phrases)
    assert any("nummer drie" in p for p in built.phrases)
    assert any("de derde" in p for p in built.phrases)
    assert "zumba" not in " ".join(built.phrases)  # unknown, and no known parts
    assert "zumba" in built.dropped_words
    assert built.phrases[-1] == "[unk]"  # the model has it, so the grammar may answer it
    assert all(SMALL.knows(w) for p in built.phrases for w in p.split())


def test_a_fitted_sentence_never_flips_no_into_yes() -> None:
    """Without "niet", "dat klopt niet" would fit to "dat klopt" — which means yes."""
    no_niet = Vocab("ja nee klopt dat goed")
    built = fitted("confirm", no_niet)
    assert "niet" in built.dropped_words
    sentences = understand.recognizer_sentences(NL, "confirm", choices())
    critical = understand.critical_words(NL)
    lost = [w for w in critical if not no_niet.knows(w)]
    without = [s for s in sentences if not any(w in lost for w in s.split())]
    assert set(built.phrases) == set(grammar.fit_sentences(without, no_niet).phrases)


def test_sentences_without_unk_when_the_model_lacks_it() -> None:
    built = fitted("confirm", Vocab("ja nee"))
    assert {"ja", "nee"} <= set(built.phrases) and "[unk]" not in built.phrases
    assert all(set(p.split()) <= {"ja", "nee"} for p in built.phrases)


# --- what an answer means -------------------------------------------------------------------


def outcome(step: str, text: str) -> str:
    return understand.understand(step, text, choices(), NL, today=date(2026, 12, 1)).outcome


def test_activity_by_number_name_and_ordinal() -> None:
    assert outcome("activity", "nummer twee") == "activity:2"
    assert outcome("activity", "de derde") == "activity:3"
    assert outcome("activity", "wandel groep") == "activity:2"  # split by the fitting
    assert outcome("activity", "[unk] drie") == "activity:3"
    assert outcome("activity", "koffie ochtend") == "among:1,3"


def test_unclear_activity_answers() -> None:
    assert outcome("activity", "") == "ask_again"
    assert outcome("activity", "[unk]") == "ask_again"
    assert outcome("activity", "twee drie") == "ask_again"  # two numbers: never a guess
    assert outcome("activity", "nummer twintig") == "ask_again"
    assert outcome("activity", "stop") == "stop"
    assert outcome("activity", "opnieuw") == "repeat"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("ja", "yes"), ("klopt", "yes"), ("dat klopt", "yes"), ("nee", "no"), ("klopt niet", "no"),
     ("dat klopt niet", "no"), ("ja nee", "ask_again"), ("[unk]", "ask_again"),
     ("stoppen", "stop"), ("ja ja", "yes"), ("klopt dat wel", "ask_again"),
     ("nee hoor dat klopt", "ask_again"), ("ja dat klopt niet", "no"),
     ("nee die bedoel ik niet", "no"), ("nee maar is het gratis", "ask_again"),
     ("eh nee misschien wel", "ask_again")],
)  # fmt: skip
def test_yes_and_no(text: str, expected: str) -> None:
    assert outcome("confirm", text) == expected


def test_a_yes_heard_unsurely_is_asked_again() -> None:
    sure = understand.understand(
        "confirm", "ja", choices(), NL, today=date(2026, 12, 1), confidences=[("ja", 0.95)]
    )
    unsure = understand.understand(
        "confirm", "ja", choices(), NL, today=date(2026, 12, 1), confidences=[("ja", 0.3)]
    )
    assert (sure.outcome, unsure.outcome) == ("yes", "ask_again")


@pytest.mark.parametrize(
    ("text", "count"),
    [("twee", 2), ("twee personen", 2), ("een persoon", 1), ("alleen", 1), ("tien", 10)],
)
def test_numbers_of_people(text: str, count: int) -> None:
    assert outcome("party_size", text) == f"party_size:{count}"


def test_a_number_of_people_out_of_range_is_told_not_taken() -> None:
    heard = understand.understand("party_size", "twintig", choices(), NL, today=date(2026, 12, 1))
    assert heard.outcome == "ask_again"
    assert (heard.intent.kind, heard.intent.value) == ("count", 20)  # the dialog says 1 to 10


def test_names_are_free_text_but_commands_are_understood() -> None:
    assert outcome("name", "jan de vries") == "name:Jan de Vries"
    assert outcome("name", "overslaan") == "skip"
    assert outcome("name", "stop") == "stop"
    assert outcome("name", "[unk]") == "ask_again"


def test_what_to_change() -> None:
    assert outcome("change", "naam") == "change:name"
    assert outcome("change", "aantal") == "change:party_size"
    assert outcome("change", "activiteit") == "change:activity"


@pytest.mark.parametrize(
    ("step", "text", "not_this"),
    [("change", "de naam is goed", "change:name"), ("change", "de dag is goed", "change:activity"),
     ("change", "het aantal klopt", "change:party_size"), ("confirm", "dat klopt wel", "no"),
     ("confirm", "ik wil me aanmelden", "no")],
)  # fmt: skip
def test_a_left_out_niet_does_not_keep_the_meaning(step: str, text: str, not_this: str) -> None:
    """Leaving out "niet" turns a sentence round ("de naam is niet goed"): it costs as
    much as saying a "niet" that is not there, so the sentence without it is not near."""
    assert outcome(step, text) != not_this
    from voice import templates
    graph = templates.compile_graph(templates.parse("de naam is niet goed"))
    said = [templates.Token(w) for w in ["de", "naam", "is", "goed"]]
    plain = templates.align(graph, said, lambda t: 1.0, lambda t, w: t.text == w)
    dear = templates.align(graph, said, lambda t: 1.0, lambda t, w: t.text == w,
                           lambda w: 2.0 if w == "niet" else templates.DELETE)
    assert (plain.cost, dear.cost) == (1.0, 2.0)


@pytest.mark.parametrize(
    "text", ["het is niet goed", "het is fout", "het klopt niet", "klopt niet", "is niet goed",
             "ik wil een andere", "mijn is verkeerd"],
)  # fmt: skip
def test_what_to_change_without_saying_what_is_asked_again(text: str) -> None:
    """Without its subject ("aantal", "naam", "dag", ...) a sentence says nothing: leaving
    the subject out costs more than an answer may be off, whichever template it is in."""
    assert outcome("change", text) == "ask_again"
    heard = understand.understand("change", text, choices(), NL, today=date(2026, 12, 1))
    assert heard.reason == "no sentence near enough"


@pytest.mark.parametrize(
    "text", ["ik zonder mijn man en dochter", "ik behalve mijn man en dochter",
             "ik maar mijn man en dochter", "mijn man zonder mijn dochter en ik",
             "ik maar mijn twee kleinkinderen"],
)  # fmt: skip
def test_people_one_does_not_come_with_are_not_counted(text: str) -> None:
    assert outcome("party_size", text) == "ask_again"


def test_people_named_one_by_one_still_count() -> None:
    assert outcome("party_size", "ik met mijn man en dochter") == "party_size:3"
    assert outcome("party_size", "mijn man mijn dochter en ik") == "party_size:3"


@pytest.mark.parametrize(
    ("step", "text", "meaning"),
    [("confirm", "ja doe maar goed", "yes"), ("confirm_activity", "ja die bedoel ik goed", "yes"),
     ("confirm_activity", "ja die bedoel ik niet goed", "ask_again"),
     ("confirm", "ja zonder mijn man", "ask_again"),
     ("change", "het aantal klopt", "ask_again")],
)  # fmt: skip
def test_a_good_said_along_with_a_yes_only_agrees(step: str, text: str, meaning: str) -> None:
    assert outcome(step, text) == meaning


def test_missing_words_are_the_words_no_sentence_of_the_step_has() -> None:
    heard = understand.understand(
        "confirm", "ja zeker weten joh", choices(), NL, today=date(2026, 12, 1)
    )
    assert heard.missing_words == ("joh",)
