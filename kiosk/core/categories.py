"""The one table of categories: what an activity is about, or what a resident misses or
offers. The agenda cards and the ticket show its pictogram, voice listens for its words,
the wishes screen shows its tiles. Pictograms are OpenMoji (assets/pictograms/<key>.svg;
the emoji's code point is kept for the attribution in assets/LICENSES.md)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Category:
    key: str
    label: str  # B1 Dutch, as on a card or a tile
    openmoji: str  # the OpenMoji code point(s) of the pictogram
    words: tuple[str, ...]  # what a resident may say, and what a feed may call it
    activity: bool = True  # an agenda card may have it
    wish: bool = True  # a tile on "Wat mist u? Wat wilt u doen?"


CATEGORIES: tuple[Category, ...] = (
    Category("koffie", "Koffie en praten", "2615",
             ("koffie", "koffieochtend", "thee", "praten", "ontmoeten", "ontmoeting", "inloop")),
    Category("wandelen", "Wandelen", "1F6B6",
             ("wandelen", "wandeling", "wandelgroep", "lopen", "natuur")),
    Category("eten", "Samen eten", "1F37D",
             ("eten", "samen eten", "koken", "maaltijd", "lunch", "diner", "eettafel")),
    Category("bewegen", "Bewegen", "1F938",
             ("bewegen", "sport", "gym", "yoga", "stoelyoga", "dansen", "fietsen", "zwemmen")),
    Category("muziek", "Muziek en zingen", "1F3B5",
             ("muziek", "zingen", "koor", "concert", "dans")),
    Category("computer", "Hulp met computer en telefoon", "1F4BB",
             ("computer", "computerhulp", "telefoon", "tablet", "spreekuur", "digitaal")),
    Category("taal", "Taal en lezen", "1F4DA",
             ("taal", "lezen", "boeken", "leesclub", "bibliotheek", "schrijven", "taalcafé")),
    Category("cultuur", "Film en cultuur", "1F3AC",
             ("film", "filmclub", "cultuur", "museum", "theater", "kunst", "uitje")),
    Category("leren", "Lezing en leren", "1F393",
             ("lezing", "leren", "cursus", "filosofie", "workshop", "geschiedenis")),
    Category("spel", "Spelletjes", "1F3B2",
             ("spel", "spelletjes", "bingo", "kaarten", "klaverjassen", "sjoelen", "schaken"),
             wish=False),
    Category("boodschappen", "Boodschappen", "1F6D2",
             ("boodschappen", "winkelen", "supermarkt"), activity=False),
    Category("vervoer", "Vervoer", "1F697",
             ("vervoer", "rijden", "auto", "brengen", "halen", "rijden naar de dokter")),
    Category("klusjes", "Klusjes", "1F528",
             ("klusjes", "klussen", "repareren", "tuin", "klus")),
    Category("gezelschap", "Gezelschap", "1F91D",
             ("gezelschap", "bezoek", "aanspraak", "maatje", "burenhulp")),
    Category("anders", "Iets anders", "1F4A1", ("anders", "iets anders", "overig"),
             activity=False),
)
BY_KEY = {category.key: category for category in CATEGORIES}
OTHER = BY_KEY["anders"]


# The start screen asks this for every card of two weeks at every visit (half its time on
# a Pi core); the answers are few and fixed, as titles repeat week after week.
@lru_cache(maxsize=4096)
def category_for(raw: str, title: str = "") -> Category | None:
    """The category of an activity from what a feed calls it, else from its title's words;
    None when nothing fits (the card then shows no pictogram)."""
    for text in (raw, title):
        words = text.lower().replace("-", " ").replace(":", " ").split()
        joined = " ".join(words)
        for category in CATEGORIES:
            if not category.activity:
                continue
            if category.key == joined or any(
                _says(word, words, joined) for word in category.words
            ):
                return category
    return None


def wish_categories_in(words: list[str]) -> list[Category]:
    """The wish tiles a resident named in these (lower-case) words, in the tiles' order."""
    joined = " ".join(words)
    return [c for c in CATEGORIES if c.wish and (
        c.key == joined or any(_says(word, words, joined) for word in c.words))]


def _says(word: str, words: list[str], joined: str) -> bool:
    """A listed word, a listed phrase, or the start of a Dutch compound
    ("computerspreekuur" is about the computer)."""
    if " " in word:
        return word in joined
    return any(w == word or (len(word) >= 5 and w.startswith(word)) for w in words)
