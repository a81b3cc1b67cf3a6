"""Reading a founder's words: places, concepts and names, and the vocabulary file's checks."""

import pytest

from directory.search.understanding import understand
from directory.search.vocabulary import VocabularyError, load_vocabulary


def read(app, text: str):
    """What the app's vocabulary and geo lookup make of some words."""
    return understand(text, app.extensions["search_vocabulary"], app.extensions["geo"])


@pytest.mark.parametrize(
    ("text", "label", "kind", "region"),
    [
        ("accelerator in Leeds", "Leeds", "place", "yorkshire-and-the-humber"),
        ("grants LS1 4AP", "LS1 4AP", "postcode", "yorkshire-and-the-humber"),
        ("mentoring LS1", "LS1", "district", "yorkshire-and-the-humber"),
        ("Caerdydd grant", "Cardiff", "place", "wales"),
        ("Abertawe", "Swansea", "place", "wales"),
        ("angel network cornwall", "Cornwall", "council", "south-west"),
        ("loans north east", "North East", "region", "north-east"),
        ("support in Newcastle", "Newcastle upon Tyne", "place", "north-east"),
    ],
)
def test_places_are_read_from_the_words(app, text, label, kind, region):
    understood = read(app, text)
    assert understood.place is not None, text
    assert (understood.place.label, understood.place.kind, understood.place.region) == (
        label,
        kind,
        region,
    )


@pytest.mark.parametrize("text", ["reading group", "seed funding", "green grants", "angel"])
def test_words_that_are_also_town_names_stay_words(app, text):
    assert read(app, text).place is None


def test_an_ambiguous_town_asks_which(app):
    understood = read(app, "grants newport")
    assert understood.place is None and understood.ambiguous is not None
    labels = {candidate.label for candidate in understood.ambiguous.candidates}
    assert "Newport, Wales" in labels
    assert understood.without_place() == "grants"


def test_concepts_are_read_and_the_place_and_its_little_word_taken_out(app):
    understood = read(app, "seed funding for a fintech in Edinburgh")
    assert understood.values("support") == ["equity"]
    assert understood.values("stage") == ["start-up"]
    assert "business-and-finance" in understood.values("sector")
    assert understood.without_place() == "seed funding for a fintech"
    assert understood.remaining == ""


@pytest.mark.parametrize(
    ("text", "literal"),
    [
        ("fashion designer grant", "fashion designer"),  # narrower than the creative sector
        ("women founders accelerator", "women founders"),  # a tag's words
        ("accelerator manchester", ""),  # a kind of support says no more than its concept
    ],
)
def test_sector_and_tag_words_are_kept_to_rank_listings_naming_them(app, text, literal):
    assert read(app, text).literal == literal


def test_ignored_words_are_not_searched_and_welsh_words_are_understood(app):
    understood = read(app, "how do I get help with cymorth busnes for bakeries")
    assert understood.values("support") == ["advice"]
    assert understood.values("sector") == ["agriculture-and-food"]
    assert understood.remaining == ""  # common words and ignored ones go


def test_names_are_every_run_of_two_or_more_words_and_the_whole_text(app):
    assert set(read(app, "innovate uk smart grant").names) >= {
        "innovate uk smart grant",
        "innovate uk",
        "smart grant",
    }


def test_a_postcode_that_does_not_exist_is_a_problem_not_a_district(app):
    understood = read(app, "LS99 9ZZ accelerator")
    assert understood.place is None
    assert understood.problem.startswith("We could not find the postcode LS99 9ZZ")
    assert understood.without_place() == "accelerator"


def _vocabulary(tmp_path, text: str):
    path = tmp_path / "vocabulary.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_vocabulary_refuses_a_slug_the_taxonomies_lack(app, tmp_path):
    path = _vocabulary(tmp_path, "support_types:\n  rocket-fuel: [rockets]\n")
    with pytest.raises(VocabularyError, match="rocket-fuel is not a known slug"):
        load_vocabulary(path, app.extensions["taxonomy"])


def test_the_vocabulary_refuses_a_key_given_twice(app, tmp_path):
    # YAML would keep only the second list, silently losing the first's words.
    path = _vocabulary(tmp_path, "support_types:\n  grant: [grant]\n  grant: [grantiau]\n")
    with pytest.raises(VocabularyError, match="grant is given twice"):
        load_vocabulary(path, app.extensions["taxonomy"])


def test_a_phrase_under_several_sections_means_each(app, tmp_path):
    path = _vocabulary(
        tmp_path, "support_types:\n  equity: [series a]\nstages:\n  growth: [series a]\n"
    )
    vocabulary = load_vocabulary(path, app.extensions["taxonomy"])
    understood = understand("series a", vocabulary, None)
    assert understood.values("support") == ["equity"] and understood.values("stage") == ["growth"]
