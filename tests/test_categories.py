from kiosk.core.categories import BY_KEY, CATEGORIES, category_for


def test_each_key_and_word_has_one_home():
    assert len(BY_KEY) == len(CATEGORIES)
    seen: dict[str, str] = {}
    for category in CATEGORIES:
        for word in category.words:
            assert word not in seen, f"{word!r} in {seen.get(word)} and {category.key}"
            seen[word] = category.key


def test_feed_category_first_then_the_title_and_its_compounds():
    assert category_for("ontmoeten", "Filmclub").key == "koffie"
    assert category_for("", "Computerspreekuur").key == "computer"
    assert category_for("", "Wandelgroep Amstelpark").key == "wandelen"
    assert category_for("", "Samen koken en eten").key == "eten"
    assert category_for("", "Vergadering") is None
    # Wish-only kinds are never an activity's category.
    assert category_for("boodschappen") is None
