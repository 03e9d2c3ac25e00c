"""What a resident meant at one step of the dialog, from the words heard: the nearest
allowed sentence of the step's templates, or nothing ("ask_again") when none is near
enough. Never a guess: a yes needs a yes-sentence and nothing against it.

One pure function, `understand`, serves the kiosk, `buurtkiosk voice-test`, the corpus
test and the bench. It works on text alone; when the recognizer's word confidences are
given, a yes that rests on a word heard with low confidence is asked again.

Why word confidences and not Vosk's alternatives (Vosk gives one or the other): the
step's grammar already limits the recognizer to the template sentences, so its
alternatives are mostly the same sentence with one filler more or less; a per-word
confidence says exactly what matters here, whether the "ja" itself was heard clearly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from voice import templates
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
    REPEAT,
    SKIP,
    SOFTER,
    STOP,
    UNCLEAR,
    YES,
    Intent,
)
from voice.lang import Choice, Language

# "callback": "Mag iemand van het stadsdorp u bellen?" of a wish (voice/wish_dialog.py).
STEPS = ("activity", "confirm_activity", "name", "confirm_name", "party_size", "confirm",
         "change", "callback")  # fmt: skip
YES_NO_STEPS = ("confirm_activity", "confirm_name", "confirm", "callback")
COMMANDS = ("back", "repeat", "help", "louder", "softer", "stop")
_NO_WORDS = ("nee", "neen", "welnee")
MAX_COST = 1.0  # one word too many, or a few "eh"s and "graag"s: further off is not heard
NAME_COMMAND_COST = 0.5  # a name is free text: a command must be said nearly as written
MIN_CONFIDENCE = 0.5  # a yes resting on a word heard less surely than this is asked again
MAX_NAME_WORDS = 6
MAX_PARTY = 10  # the signup rules' limit (kiosk/core/signups.py), as in dialog.py
FILLER_COST, WORD_COST, CRITICAL_COST = 0.25, 1.0, 2.0

_COMMAND_KINDS = {"back": BACK, "repeat": REPEAT, "help": HELP, "louder": LOUDER,
                  "softer": SOFTER, "stop": STOP, "skip": SKIP, "yes": YES, "no": NO}  # fmt: skip


@dataclass(frozen=True)
class Understanding:
    step: str
    text: str
    outcome: str  # "yes", "activity:3", "among:1,8", "party_size:2", "name:Jan", "ask_again"...
    intent: Intent  # what the dialog gets
    cost: float = templates.INFINITY
    missing_words: tuple[str, ...] = ()
    reason: str = ""  # why it was asked again, for volunteers and tests
    confirm: bool = False  # "een stuk of drie": the value is to be confirmed

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "step": self.step,
            "text": self.text,
            "outcome": self.outcome,
            "missing_words": list(self.missing_words),
        }
        if self.reason:
            data["reason"] = self.reason
        if self.confirm:
            data["confirm"] = True
        if self.cost != templates.INFINITY:
            data["cost"] = round(self.cost, 2)
        return data


@dataclass(frozen=True)
class Template:
    meaning: str
    graph: templates.Graph
    tree: templates.Sequence_


@dataclass(frozen=True)
class StepTemplates:
    templates: tuple[Template, ...]
    words: frozenset[str]  # every literal word, for the recognizer and missing_words
    slots: frozenset[str]


@dataclass(frozen=True)
class _Words:
    hesitation: frozenset[str]
    affirmative: frozenset[str]
    filler: frozenset[str]
    critical: frozenset[str]
    negation: frozenset[str]
    subject: frozenset[str]
    doubt: frozenset[str]
    question_start: frozenset[str]
    question_pairs: frozenset[tuple[str, str]]
    question_end: tuple[tuple[str, ...], ...]
    greetings: frozenset[str]
    name_lead_ins: tuple[tuple[str, ...], ...]
    not_a_name: frozenset[str]


@cache
def _word_lists(language: Language) -> _Words:
    data = language.sentences()["words"]

    def fold_all(key: str) -> frozenset[str]:
        return frozenset(w for item in data[key] for w in language.words(item))

    return _Words(
        hesitation=fold_all("hesitation"),
        affirmative=fold_all("affirmative"),
        filler=fold_all("filler"),
        critical=fold_all("critical"),
        negation=fold_all("negation"),
        subject=fold_all("subject"),
        doubt=fold_all("doubt"),
        question_start=fold_all("question_start"),
        question_pairs=frozenset(tuple(language.words(p)[:2]) for p in data["question_pairs"]),  # type: ignore[misc]
        question_end=tuple(tuple(language.words(p)) for p in data["question_end"]),
        greetings=fold_all("greetings"),
        name_lead_ins=tuple(
            sorted((tuple(language.words(p)) for p in data["name_lead_ins"]), key=len, reverse=True)
        ),
        not_a_name=fold_all("not_a_name"),
    )


def _step_sections(step: str) -> list[str]:
    if step in YES_NO_STEPS:
        return ["yes_no", step]
    return [step]


@cache
def step_templates(language: Language, step: str) -> StepTemplates:
    """The step's own sentences and the commands that work everywhere, parsed once."""
    data = language.sentences()
    rules = data["rules"]
    entries: list[tuple[str, str]] = [
        (command, t) for command in COMMANDS for t in data["commands"][command]
    ]
    for section in _step_sections(step):
        for meaning, items in data["steps"].get(section, {}).items():
            entries += [(meaning, t) for t in items]
    built = []
    for meaning, text in entries:
        tree = templates.parse(text, rules)
        # Written forms fold like heard ones: "oké" and "oke" are one word.
        built.append(Template(meaning, templates.compile_graph(_fold_tree(tree, language)), tree))
    all_words = frozenset(
        w for t in built for word in templates.words(t.tree) for w in language.words(word)
    )
    all_slots = frozenset(s for t in built for s in templates.slots(t.tree))
    return StepTemplates(tuple(built), all_words, all_slots)


def _fold_tree(tree: templates.Node, language: Language) -> Any:
    if isinstance(tree, templates.Word):
        folded = language.words(tree.text)
        return templates.Word(folded[0] if folded else tree.text)
    if isinstance(tree, templates.Slot):
        return tree
    if isinstance(tree, templates.Sequence_):
        return templates.Sequence_(tuple(_fold_tree(i, language) for i in tree.items))
    return templates.Alternatives(
        tuple(_fold_tree(o, language) for o in tree.options), tree.optional
    )


def step_vocabulary(language: Language, step: str, choices: Sequence[Choice]) -> frozenset[str]:
    """Every word the step's sentences can produce, slot values included."""
    built = step_templates(language, step)
    values = language.slot_values(choices)
    slot_words = {
        w for slot in built.slots for value in values.get(slot, ()) for w in language.words(value)
    }
    return built.words | slot_words


def recognizer_sentences(
    language: Language, step: str, choices: Sequence[Choice], limit: int = 3000
) -> list[str]:
    """The sentences the recognizer gets for the step (before fitting to the model's
    vocabulary); the name step has none: it is free recognition."""
    if step == "name":
        return []
    built = step_templates(language, step)
    values = language.slot_values(choices)
    sentences: dict[str, None] = {}
    # Each slot value at least once in a plain sentence, so the n-gram model has it; first,
    # so that a step with many sentences never loses a number or an activity to the limit.
    for slot in built.slots:
        for value in values.get(slot, ()):
            sentences[value] = None
    for template in built.templates:
        for sentence in templates.expand(template.tree, values, limit=300):
            sentences[sentence] = None
    return list(sentences)[:limit]


def critical_words(language: Language) -> frozenset[str]:
    """Words a sentence cannot lose when fitted to a model's vocabulary (grammar.py)."""
    return _word_lists(language).critical | _word_lists(language).negation


# --- matching -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Match:
    meaning: str
    alignment: templates.Alignment

    @property
    def cost(self) -> float:
        return self.alignment.cost


def _matches(
    tokens: Sequence[templates.Token], built: StepTemplates, lists: _Words
) -> list[_Match]:
    def insert_cost(token: templates.Token) -> float:
        parts = token.text.split()
        if any(p in lists.critical for p in parts):
            return CRITICAL_COST
        # A second number is never noise ("twee of drie"); "een" is mostly the article.
        if "number" in token.readings and token.text != "een":
            return CRITICAL_COST
        if all(p in lists.filler for p in parts):
            return FILLER_COST
        return WORD_COST

    def insert_in_yes(token: templates.Token) -> float:
        # A word that says "it is right" said along with a yes only agrees with it
        # ("ja die bedoel ik, goed"); elsewhere it may turn a sentence round.
        parts = token.text.split()
        if all(p in lists.affirmative for p in parts):
            return WORD_COST
        return insert_cost(token)

    def word_matches(token: templates.Token, word: str) -> bool:
        return token.text == word

    def delete_cost(word: str) -> float:
        # "de naam is goed" is not "de naam is niet goed" with a word left out, and "het is
        # fout" is not "het aantal is fout": without its subject a sentence says nothing.
        if word in lists.critical or word in lists.negation or word in lists.subject:
            return CRITICAL_COST
        return templates.DELETE

    found = [
        _Match(
            t.meaning,
            templates.align(
                t.graph,
                tokens,
                insert_in_yes if t.meaning == "yes" else insert_cost,
                word_matches,
                delete_cost,
            ),
        )
        for t in built.templates
    ]
    return sorted((m for m in found if m.cost <= MAX_COST), key=lambda m: m.cost)


def _is_question(words: Sequence[str], lists: _Words) -> bool:
    content = [w for w in words if w not in lists.filler or w in ("dat", "het")]
    if not content:
        return False
    if content[0] in lists.question_start:
        return True
    if len(content) >= 2 and (content[0], content[1]) in lists.question_pairs:
        return True
    return any(tuple(words[-len(end) :]) == end for end in lists.question_end)


def understand(
    step: str,
    text: str,
    choices: Sequence[Choice],
    language: Language,
    *,
    today: date,
    vocabulary: frozenset[str] | None = None,
    confidences: Sequence[tuple[str, float]] = (),
) -> Understanding:
    """What `text`, heard at `step`, means. `vocabulary`: the words the recognizer can
    produce at this step (for missing_words); the templates' own words when None."""
    if step not in STEPS:
        raise ValueError(f"unknown step {step!r}; steps: {', '.join(STEPS)}")
    heard = language.words(text)
    known = vocabulary if vocabulary is not None else step_vocabulary(language, step, choices)
    missing = tuple(dict.fromkeys(w for w in heard if w not in known)) if step != "name" else ()
    result = _understand(step, text, heard, choices, language, today, confidences)
    return Understanding(
        step, text, result.outcome, result.intent, result.cost, missing, result.reason,
        result.confirm,
    )  # fmt: skip


@dataclass(frozen=True)
class _Result:
    outcome: str
    intent: Intent
    cost: float = templates.INFINITY
    reason: str = ""
    confirm: bool = False


def _ask_again(
    text: str, reason: str, cost: float = templates.INFINITY, detail: str = ""
) -> _Result:
    return _Result("ask_again", Intent(UNCLEAR, detail or reason, heard=text), cost, reason)


def _understand(
    step: str,
    text: str,
    heard: list[str],
    choices: Sequence[Choice],
    language: Language,
    today: date,
    confidences: Sequence[tuple[str, float]],
) -> _Result:
    lists = _word_lists(language)
    if not heard or all(w in lists.hesitation for w in heard):
        return _ask_again(text, "nothing heard")
    tokens = language.tokens(heard, choices, today)
    built = step_templates(language, step)
    matches = _matches(tokens, built, lists)

    if step == "name":
        command = next((m for m in matches if m.meaning in _COMMAND_KINDS), None)
        if command is not None and command.cost <= NAME_COMMAND_COST:
            return _command(command, text)
        return _name(text, heard, language, lists)

    if not matches:
        if step in YES_NO_STEPS and _starts_with_no(heard, lists):
            # "nee, ik wil stoppen": a command said plainly after the "nee" is what is
            # meant. Not at "Mogen wij u bellen?", where stopping would throw away the
            # wish just given: a "nee" there is a no.
            rest = _after_no(heard, lists) if step != "callback" else []
            said = _matches(language.tokens(rest, choices, today), built, lists) if rest else []
            if (said and said[0].meaning in COMMANDS and said[0].meaning != "repeat"
                    and said[0].cost <= FILLER_COST):
                return _command(said[0], text)
            # "nee, die bedoel ik niet": what follows a plain "nee" only says why.
            return _Result("no", Intent(NO, heard=text), reason="starts with nee")
        return _ask_again(text, "no sentence near enough")
    best = matches[0]
    rivals = [m for m in matches[1:] if m.cost == best.cost and m.meaning != best.meaning]
    if best.meaning in COMMANDS:
        if rivals and any(r.meaning not in COMMANDS for r in rivals):
            return _ask_again(text, "two meanings", best.cost)
        return _command(best, text)

    if step in YES_NO_STEPS:
        return _yes_no(best, matches, text, heard, lists, confidences)
    if rivals:
        values = {_value(r, choices, language, today, text).outcome for r in [best, *rivals]}
        if len(values) > 1:
            return _ask_again(text, "two meanings", best.cost)
    return _value(best, choices, language, today, text)


def _starts_with_no(heard: list[str], lists: _Words) -> bool:
    """A plain "nee" first, and nothing that makes it less plain: nothing that says "it
    is right" after it without a negation of its own ("nee hoor, dat klopt" is unclear,
    "nee, dat klopt niet" is not), no doubt, not a question. Only ever a no: the cost of
    a wrong no is choosing again."""
    content = [w for w in heard if w not in lists.hesitation]
    if not content or content[0] not in _NO_WORDS:
        return False
    after = _after_no(heard, lists)
    rest = set(after)
    # "nee nee, dat klopt wel": the second "nee" is the first one said again, not a
    # negation of "klopt".
    contradicted = bool(rest & lists.affirmative) and not rest & lists.negation
    return not contradicted and not rest & lists.doubt and not _is_question(after, lists)


def _after_no(heard: list[str], lists: _Words) -> list[str]:
    """What is said after the leading "nee" (or "nee nee")."""
    content = [w for w in heard if w not in lists.hesitation]
    first = next((i for i, w in enumerate(content) if w not in _NO_WORDS), len(content))
    return content[first:]


def _command(match: _Match, text: str) -> _Result:
    kind = _COMMAND_KINDS[match.meaning]
    return _Result(match.meaning, Intent(kind, heard=text), match.cost)


def _yes_no(
    best: _Match,
    matches: list[_Match],
    text: str,
    heard: list[str],
    lists: _Words,
    confidences: Sequence[tuple[str, float]],
) -> _Result:
    said = set(heard)
    if "ja" in said and said & {"nee", "neen"}:
        return _ask_again(text, "yes and no", best.cost)
    against = said & lists.negation or ("liever" in said and "niet" in said)
    doubtful = said & lists.doubt
    question = _is_question(heard, lists)
    if best.meaning == "yes":
        if not (against or doubtful or question):
            unsure = [w for w, c in confidences if c < MIN_CONFIDENCE]
            if unsure:
                return _ask_again(text, f"heard unsurely: {' '.join(unsure)}", best.cost)
            return _Result("yes", Intent(YES, heard=text), best.cost)
        no = next((m for m in matches if m.meaning == "no"), None)
        if against and no is not None and not doubtful and not question:
            return _Result("no", Intent(NO, heard=text), no.cost)
        why = "a question" if question else ("doubt" if doubtful else "a negation")
        return _ask_again(
            text, f"{why}: never a yes", best.cost, detail="doubt" if doubtful else ""
        )
    if question and best.meaning == "no" and not against:
        return _ask_again(text, "a question", best.cost)
    if best.meaning == "no":
        return _Result("no", Intent(NO, heard=text), best.cost)
    if best.meaning == "skip":
        return _Result("skip", Intent(SKIP, heard=text), best.cost)
    if best.meaning.startswith("change:"):
        field_ = best.meaning.partition(":")[2]
        return _Result(best.meaning, Intent(CHANGE, field_, heard=text), best.cost)
    return _ask_again(text, f"unexpected meaning {best.meaning}", best.cost)


def _value(
    match: _Match, choices: Sequence[Choice], language: Language, today: date, text: str
) -> _Result:
    """A step's answer with a value: an activity, a number of people, what to change."""
    kind, _, expression = match.meaning.partition(":")
    cost = match.cost
    slot_values = match.alignment.slots
    if kind in ("yes", "no"):
        return _Result(kind, Intent(YES if kind == "yes" else NO, heard=text), cost)
    if kind == "change":
        return _Result(match.meaning, Intent(CHANGE, expression, heard=text), cost)
    if kind == "ask_again":
        return _ask_again(text, "how many", cost, detail="how_many")
    last = kind == "corrected"  # "niet twee maar drie": the last number said is meant
    if last:
        kind = "activity" if expression == "{number}" else "party_size"
    if kind == "activity":
        if expression == "{number}":
            numbers = [t.readings["number"] for s, t in slot_values if s == "number"]
            number = numbers[-1 if last else 0]
            chosen = [c for c in choices if c.number == number and number > 0]
            if not chosen:
                return _ask_again(
                    text, f"number {number} not on the screen", cost, f"no_such_number:{number}"
                )
            return _Result(
                f"activity:{number}", Intent(ACTIVITY, chosen[0].activity_id, heard=text), cost
            )
        pieces = [t.readings["what"] for s, t in slot_values if s == "what"]
        found = language.resolve(pieces, choices, today)
        if len(found) > 1 and any(not c.cancelled for c in found):
            found = [c for c in found if not c.cancelled]
        if not found:
            return _ask_again(text, "no activity fits", cost, "nothing_fits")
        if len(found) == 1:
            return _Result(
                f"activity:{found[0].number}",
                Intent(ACTIVITY, found[0].activity_id, heard=text),
                cost,
            )
        ordered = sorted(found, key=lambda c: c.number)
        numbers_ = ",".join(str(c.number) for c in ordered)
        ids = tuple(c.activity_id for c in ordered)
        return _Result(f"among:{numbers_}", Intent(AMONG, options=ids, heard=text), cost)
    if kind in ("party_size", "about"):
        counts = [t.readings.get("count", t.readings.get("collective")) for s, t in slot_values
                  if s in ("count", "collective")]  # fmt: skip
        base, _, plus = expression.partition("+")
        if base in ("{count}",):
            said = counts[-1 if last else 0] if counts else None
            if said is None:
                return _ask_again(text, "no number", cost)
            value = int(said)
        else:
            value = int(base)
        value += int(plus or 0)
        if not 1 <= value <= MAX_PARTY:
            return _Result(
                "ask_again", Intent(COUNT, value, heard=text), cost, f"{value} people: out of range"
            )
        return _Result(
            f"party_size:{value}", Intent(COUNT, value, heard=text), cost, confirm=kind == "about"
        )
    return _ask_again(text, f"unknown meaning {match.meaning}", cost)


def _name(text: str, heard: list[str], language: Language, lists: _Words) -> _Result:
    """ "eh goedemorgen ik ben kees" -> Kees. Greetings, hesitation and "ik heet" go;
    what is left must look like a name."""
    rest = list(heard)
    while rest and (rest[0] in lists.filler or rest[0] in lists.greetings or rest[0] == "ja"):
        if rest[0] in ("de", "het") and len(rest) > 1 and rest[1] not in ("naam",):
            break  # "de Jong"
        rest.pop(0)
    for lead in lists.name_lead_ins:
        if tuple(rest[: len(lead)]) == lead and len(rest) > len(lead):
            rest = rest[len(lead) :]
            break
    while rest and rest[-1] in lists.filler and rest[-1] not in ("de", "het"):
        rest.pop()
    if rest[-1:] == ["dank"]:
        rest.pop()
    if not rest:
        return _ask_again(text, "no name heard")
    if any(w in lists.not_a_name or w in lists.negation or w in lists.doubt for w in rest):
        return _ask_again(text, "not a name")
    if len(rest) > MAX_NAME_WORDS:
        return _ask_again(text, "too long for a name")
    name = language.tidy_name(" ".join(rest))
    return _Result(f"name:{name}", Intent(NAME, name, heard=text), 0.0)
