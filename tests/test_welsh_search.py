"""Searching in Welsh: the Welsh column of the vocabulary, mutated words and mutated places."""

import pytest

from directory.search.welsh import forms, phrase_forms, radicals
from tests.helpers import api_search, result_headline


def test_every_mutation_of_a_word_is_a_form_of_it():
    assert forms("busnes") == {"busnes", "fusnes", "musnes"}
    assert forms("cyllid") == {"cyllid", "gyllid", "nghyllid", "chyllid"}
    assert forms("grant") == {"grant", "ngrant"}  # "rant" is English: never read as Welsh
    assert forms("llety") == {"llety", "lety"}
    assert forms("allforio") == {"allforio", "hallforio"}
    assert "cymorth i fusnes" in phrase_forms("cymorth i busnes")


def test_a_mutated_word_leads_back_to_its_dictionary_form():
    assert "Caerdydd" in radicals("Nghaerdydd")
    assert "Bangor" in radicals("Mangor")
    assert "Gwynedd" in radicals("Ngwynedd")
    assert "Caerfyrddin" in radicals("Gaerfyrddin")
    assert radicals("busnes") == ["pusnes"]


@pytest.mark.parametrize(
    ("query", "support"),
    [
        ("cymorth busnes", ["advice"]),
        ("cymorth i fusnesau", ["advice"]),
        ("grant busnes", ["grant"]),
        ("fy ngrant", ["grant"]),
        ("benthyciadau", ["loan"]),
        ("buddsoddwyr angel", ["angel"]),
        ("allforio", ["export"]),
        ("hyfforddiant", ["skills"]),
    ],
)
def test_welsh_words_in_any_mutation_mean_their_kind_of_support(client, query, support):
    body = api_search(client, q=query)
    assert body["understood"]["support"] == support
    assert body["understood"]["words"] == ""
    assert body["total"] > 0


def test_welsh_stages_and_sectors_are_understood(client):
    body = api_search(client, q="cyllid i ddechrau busnes amaeth")
    assert body["understood"]["stage"] == ["pre-start"]
    assert body["understood"]["sector"] == ["agriculture-and-food"]


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ("grantiau yng Nghaerdydd", "Cardiff"),
        ("cyngor busnes ym Mangor", "Bangor, Gwynedd"),
        ("benthyciad busnes i Gaerfyrddin", "Carmarthen"),
    ],
)
def test_a_mutated_welsh_place_is_the_place_in_wales(client, query, label):
    understood = api_search(client, q=query)["understood"]
    assert understood["place"]["label"] == label
    assert understood["place"]["region"] == "wales"
    assert understood["words"] == ""  # "yng", "ym", "i" go with the place


def test_english_words_are_not_read_as_mutated_places(client):
    assert api_search(client, q="farm grants")["understood"]["place"] is None
    assert api_search(client, q="fishing grants")["understood"]["place"] is None


def test_the_results_heading_leaves_the_welsh_word_tying_the_place_out(client):
    heading = result_headline(
        client.get("/search?q=cyngor+busnes+ym+Mangor").get_data(as_text=True)
    )
    assert "for ‘cyngor busnes’ in Bangor, Gwynedd" in heading


def test_a_listings_welsh_text_is_found_by_its_welsh_words(app, client):
    from tests.factories import SOURCE, make_listing

    welsh = make_listing(
        app,
        name_cy="Rhaglen Gwenyn Mêl Gwledig",
        summary_cy="Cymorth i wenynwyr sy’n dechrau gwerthu mêl.",
        description_cy="Mae’r rhaglen yn helpu gwenynwyr ym mhob sir.",
        sources=[{**SOURCE, "supports": ["name", "name_cy", "summary_cy", "description_cy"]}],
    )
    for query in ("gwenynwyr", "Gwenyn Mêl", "sir gwenynwyr"):
        assert welsh.slug in [r["slug"] for r in api_search(client, q=query)["results"]], query
    listing = client.get(f"/api/v1/listings/{welsh.slug}").get_json()
    assert listing["welsh"]["name"] == "Rhaglen Gwenyn Mêl Gwledig"
    assert listing["welsh"]["eligibility"] is None


def test_welsh_text_in_the_catalogue_must_cite_the_page_it_is_from(app):
    from directory.catalogue.records import normalise_listing, validate_listing

    raw = {
        "slug": "uncited-welsh", "name": "Uncited", "organisation": "org",
        "summary": "A summary.", "description": " ".join(["word"] * 40),
        "support_types": ["advice"], "stages": ["start-up"], "sectors": ["any"],
        "regions": ["wales"], "website": "https://example.org", "how_to_apply": "Online.",
        "summary_cy": "Crynodeb.",
        "sources": [{"url": "https://example.org", "retrieved": "2026-11-30",
                     "supports": ["name"]}],
    }  # fmt: skip
    taxonomy = app.extensions["taxonomy"]
    problems = validate_listing(raw, normalise_listing(raw), "test", taxonomy, {"org": None})
    assert [(p.field, p.message[:22]) for p in problems] == [
        ("summary_cy", "needs a source whose `")
    ]
