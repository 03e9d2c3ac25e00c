"""Sentence templates: what may be said, as data. From one template come both the
sentences the recognizer is given and the matcher that finds the nearest allowed sentence
to what was heard (as in Home Assistant's speech-to-phrase and Rhasspy), so the two cannot
drift apart.

Syntax: words; `[optional words]`; `(one | or another)`; `[one | or another]` (optional
alternatives); `{slot}` (one token that has a reading of that kind: a number, a day, an
activity); `<rule>` (a named list of alternatives, defined once per language).

Matching is a word-level edit distance between the heard tokens and the cheapest path
through the template: an extra word costs its insertion cost (little for "eh" or "graag",
much for "niet"), a template word that was not said costs DELETE, a wrong word SUBSTITUTE.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

DELETE = 1.0
# A different word in a template word's place is a different sentence ("ik weet het niet"
# is not "ik verstond het niet"): as dear as leaving one out and adding the other.
SUBSTITUTE = 2.0
INFINITY = float("inf")


@dataclass(frozen=True)
class Token:
    """One heard word (or a few merged: "half acht", "acht december") with what it can
    mean: {"number": 8}, {"time": ((7, 30), (19, 30))}, {"what": ...}."""

    text: str
    readings: Mapping[str, Any] = field(default_factory=dict)


# --- parsing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    text: str


@dataclass(frozen=True)
class Slot:
    name: str


@dataclass(frozen=True)
class Alternatives:
    options: tuple[Sequence_, ...]
    optional: bool = False


@dataclass(frozen=True)
class Sequence_:
    items: tuple[Node, ...]


Node = Word | Slot | Alternatives | Sequence_

_TOKEN = re.compile(r"\s*(\[|\]|\(|\)|\||\{[a-z_]+\}|<[a-z_]+>|[^\s\[\]()|{}<>]+)")


class TemplateError(ValueError):
    pass


def parse(template: str, rules: Mapping[str, str] | None = None) -> Sequence_:
    """ "[ik wil] (ja | graag) {number}" -> a tree of words, slots and alternatives."""
    tokens: list[str] = []
    position = 0
    text = template.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise TemplateError(f"cannot read {text[position:]!r} in {template!r}")
        tokens.append(match.group(1))
        position = match.end()
    rules = rules or {}
    seen: tuple[str, ...] = ()

    def alternatives(i: int, close: str) -> tuple[list[Sequence_], int]:
        options: list[Sequence_] = []
        items: list[Node] = []
        while i < len(tokens):
            token = tokens[i]
            if token == close:
                options.append(Sequence_(tuple(items)))
                return options, i + 1
            if token == "|":
                options.append(Sequence_(tuple(items)))
                items = []
                i += 1
                continue
            node, i = item(i)
            items.append(node)
        if close:
            raise TemplateError(f"missing {close!r} in {template!r}")
        options.append(Sequence_(tuple(items)))
        return options, i

    def item(i: int) -> tuple[Node, int]:
        nonlocal seen
        token = tokens[i]
        if token in ("[", "("):
            options, i = alternatives(i + 1, "]" if token == "[" else ")")
            return Alternatives(tuple(options), optional=token == "["), i
        if token in ("]", ")"):
            raise TemplateError(f"unexpected {token!r} in {template!r}")
        if token.startswith("{"):
            return Slot(token[1:-1]), i + 1
        if token.startswith("<"):
            name = token[1:-1]
            if name not in rules:
                raise TemplateError(f"unknown rule <{name}> in {template!r}")
            if name in seen:
                raise TemplateError(f"rule <{name}> refers to itself")
            seen = (*seen, name)
            inner = parse_with(rules[name])
            seen = seen[:-1]
            return inner, i + 1
        return Word(token.lower()), i + 1

    def parse_with(text_: str) -> Sequence_:
        nonlocal tokens
        saved = tokens
        tokens = []
        pos = 0
        stripped = text_.strip()
        while pos < len(stripped):
            m = _TOKEN.match(stripped, pos)
            if m is None:
                raise TemplateError(f"cannot read {stripped[pos:]!r}")
            tokens.append(m.group(1))
            pos = m.end()
        options, _ = alternatives(0, "")
        tokens = saved
        return options[0] if len(options) == 1 else Sequence_((Alternatives(tuple(options)),))

    options, _ = alternatives(0, "")
    if len(options) == 1:
        return options[0]
    return Sequence_((Alternatives(tuple(options)),))


# --- the graph the matcher walks -----------------------------------------------------------

EPSILON, WORD, SLOT = 0, 1, 2


@dataclass
class Graph:
    """Nodes 0..end; every edge goes from a lower to a higher node, so one pass in node
    order settles all moves that consume nothing."""

    edges: list[list[tuple[int, int, str]]] = field(default_factory=lambda: [[]])  # per node

    def node(self) -> int:
        self.edges.append([])
        return len(self.edges) - 1

    def add(self, source: int, target: int, kind: int, label: str = "") -> None:
        self.edges[source].append((target, kind, label))

    @property
    def end(self) -> int:
        return len(self.edges) - 1


def _compile(graph: Graph, node: Node, start: int) -> int:
    if isinstance(node, (Word, Slot)):
        target = graph.node()
        if isinstance(node, Word):
            graph.add(start, target, WORD, node.text)
        else:
            graph.add(start, target, SLOT, node.name)
        return target
    if isinstance(node, Sequence_):
        current = start
        for item in node.items:
            current = _compile(graph, item, current)
        return current
    ends = [_compile(graph, option, start) for option in node.options]
    join = graph.node()
    for end in ends:
        graph.add(end, join, EPSILON)
    if node.optional:
        graph.add(start, join, EPSILON)
    return join


def compile_graph(tree: Sequence_) -> Graph:
    graph = Graph()
    _compile(graph, tree, 0)
    return graph


@dataclass(frozen=True)
class Alignment:
    cost: float
    slots: tuple[tuple[str, Token], ...]  # (slot name, the token that filled it), in order
    matched: tuple[str, ...]  # template words that were said


def align(
    graph: Graph,
    tokens: Sequence[Token],
    insert_cost: Callable[[Token], float],
    word_matches: Callable[[Token, str], bool],
    delete_cost: Callable[[str], float] = lambda word: DELETE,
) -> Alignment:
    """The cheapest way to say the tokens along a path of the graph. `delete_cost`: what
    leaving out a template word costs (dear for "niet": without it a sentence says the
    opposite)."""
    n, size = len(tokens), len(graph.edges)
    cost = [[INFINITY] * size for _ in range(n + 1)]
    back: list[list[tuple[int, int, int, str] | None]] = [[None] * size for _ in range(n + 1)]
    cost[0][0] = 0.0
    for i in range(n + 1):
        row = cost[i]
        for node in range(size):  # moves that consume no token: order is topological
            here = row[node]
            if here == INFINITY:
                continue
            for target, kind, label in graph.edges[node]:
                if kind == SLOT:
                    continue  # a slot always takes a word
                step = 0.0 if kind == EPSILON else delete_cost(label)
                if here + step < row[target]:
                    row[target] = here + step
                    back[i][target] = (i, node, -1, "")
        if i == n:
            break
        token = tokens[i]
        extra = insert_cost(token)
        following = cost[i + 1]
        for node in range(size):
            here = row[node]
            if here == INFINITY:
                continue
            if here + extra < following[node]:
                following[node] = here + extra
                back[i + 1][node] = (i, node, -1, "")
            for target, kind, label in graph.edges[node]:
                if kind == WORD:
                    step = 0.0 if word_matches(token, label) else SUBSTITUTE
                    tag = "=" + label if step == 0.0 else ""
                elif kind == SLOT:
                    if label not in token.readings:
                        continue
                    step, tag = 0.0, "{" + label
                else:
                    continue
                if here + step < following[target]:
                    following[target] = here + step
                    back[i + 1][target] = (i, node, i, tag)
    end = graph.end
    total = cost[n][end]
    if total == INFINITY:
        return Alignment(INFINITY, (), ())
    slots: list[tuple[str, Token]] = []
    matched: list[str] = []
    i, node = n, end
    while back[i][node] is not None:
        previous_i, previous_node, consumed, tag = back[i][node]  # type: ignore[misc]
        if tag.startswith("{"):
            slots.append((tag[1:], tokens[consumed]))
        elif tag.startswith("="):
            matched.append(tag[1:])
        i, node = previous_i, previous_node
    return Alignment(total, tuple(reversed(slots)), tuple(reversed(matched)))


# --- sentences for the recognizer -----------------------------------------------------------


def _pick(walk: int, point: int, count: int) -> int:
    """Walk 0 takes every first option; later walks mix, so no two choice points move
    in step (which would leave some combinations, and so word pairs, out)."""
    if walk == 0:
        return 0
    return ((walk * 2654435761 + point * 40503) >> 5) % count


def expand(tree: Node, slot_values: Mapping[str, Sequence[str]], limit: int = 200) -> Iterator[str]:
    """Sentences the template allows, at most `limit`. Vosk builds a small n-gram model
    from the list, so what matters is that every word, slot value and word pair occurs:
    walks through the template pick options at each choice point, several walks per
    option of the widest choice."""

    def widest(node: Node) -> int:
        if isinstance(node, Word):
            return 1
        if isinstance(node, Slot):
            return max(len(slot_values.get(node.name, ()) or ()), 1)
        children = node.items if isinstance(node, Sequence_) else node.options
        own = len(children) + 1 if isinstance(node, Alternatives) else 1
        return max([own, *(widest(child) for child in children)])

    def walk(node: Node, k: int, counter: list[int]) -> list[str]:
        if isinstance(node, Word):
            return [node.text]
        if isinstance(node, Slot):
            values = slot_values.get(node.name, ()) or ()
            counter[0] += 1
            k = max(k, 0)
            # Slot values in turn, so every value occurs within len(values) walks.
            return values[(k + counter[0]) % len(values)].split() if values else []
        if isinstance(node, Sequence_):
            return [word for item in node.items for word in walk(item, k, counter)]
        counter[0] += 1
        if k < 0:  # the shortest sentence: no optional words, first alternatives
            return [] if node.optional else walk(node.options[0], k, counter)
        choices: list[Sequence_ | None] = [*node.options, *([None] if node.optional else [])]
        chosen = choices[_pick(k, counter[0], len(choices))]
        return walk(chosen, k, counter) if chosen is not None else []

    seen: set[str] = set()
    for k in range(-1, 4 * widest(tree)):
        sentence = " ".join(walk(tree, k, [0]))
        if sentence and sentence not in seen:
            seen.add(sentence)
            yield sentence
            if len(seen) >= limit:
                return


def words(tree: Node) -> set[str]:
    """Every literal word of the template."""
    if isinstance(tree, Word):
        return {tree.text}
    if isinstance(tree, Slot):
        return set()
    if isinstance(tree, Sequence_):
        return set().union(*(words(item) for item in tree.items)) if tree.items else set()
    return set().union(*(words(option) for option in tree.options)) if tree.options else set()


def slots(tree: Node) -> set[str]:
    if isinstance(tree, Slot):
        return {tree.name}
    if isinstance(tree, Word):
        return set()
    children = tree.items if isinstance(tree, Sequence_) else tree.options
    return set().union(*(slots(child) for child in children)) if children else set()
