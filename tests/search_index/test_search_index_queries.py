"""Query behaviour: stemming, synonyms, typos, filters, facets, sorting and paging."""

from __future__ import annotations

import datetime

import pytest
from search_index_corpus import CORPUS, CORPUS_BY_ID

from search_index import FACETS, SearchIndex, SearchRequest

REGIONS = (
    "north-east",
    "north-west",
    "yorkshire-and-the-humber",
    "east-midlands",
    "west-midlands",
    "eastern",
    "london",
    "south-east",
    "south-west",
    "wales",
    "scotland",
    "northern-ireland",
)

FACET_KEYS = {
    "region": "regions",
    "stage": "stages",
    "support": "support_types",
    "sector": "sectors",
    "status": "status",
}


def found(index: SearchIndex, text: str = "", **options) -> set[str]:
    """Ids of every result for a query (one big page)."""
    response = index.search(SearchRequest(text=text, per_page=100, **options))
    assert response.total == len(response.ids)
    return set(response.ids)


def values_of(document: dict, facet: str) -> list[str]:
    value = document[FACET_KEYS[facet]]
    return [value] if isinstance(value, str) else list(value)


def passes(document: dict, filters: dict[str, tuple[str, ...]]) -> bool:
    """Brute-force filter semantics: AND across facets, OR within one, UK-wide in every region."""
    for facet, wanted in filters.items():
        if not wanted:
            continue
        have = set(values_of(document, facet))
        if facet == "region" and "uk-wide" in have:
            continue
        if not have & set(wanted):
            return False
    return True


# Stemming


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("accelerators", {"1", "18"}),
        ("accelerator", {"1", "18"}),
        ("investing", {"1", "6", "9", "10", "11", "15", "17", "18", "19"}),
        ("loan", {"2", "4", "17", "19"}),
        ("funds", {"15", "17", "19"}),
    ],
)
def test_stemming_finds_other_word_forms(search_index: SearchIndex, text, expected) -> None:
    results = found(search_index, text)
    assert expected <= results


def test_plural_finds_singular(search_index: SearchIndex) -> None:
    assert found(search_index, "incubators") == found(search_index, "incubator") == {"7", "21"}


def test_words_are_and_combined(search_index: SearchIndex) -> None:
    assert found(search_index, "accelerator") == {"1", "18"}
    assert found(search_index, "accelerator london") == {"1"}
    assert found(search_index, "accelerator north east") == {"18"}
    assert found(search_index, "accelerator wales") == set()


def test_name_match_ranks_first(search_index: SearchIndex) -> None:
    response = search_index.search(SearchRequest(text="angels"))
    assert set(response.ids[:2]) == {"5", "6"}


# Synonyms


@pytest.mark.parametrize(
    ("text", "must_find"),
    [
        ("VC", {"10"}),  # "venture capital"
        ("venture capital", {"10"}),
        ("angel", {"5", "6"}),
        ("business angel", {"5", "6"}),
        ("R&D grant", {"3"}),  # "research and development" + "grants"
        ("research and development", {"3"}),
        ("debt finance in wales", {"4"}),  # "loans" in Wales
        ("co-working", {"8", "14"}),  # "Co-working desks", "office space"
        ("coworking", {"8", "14"}),
        ("workspace", {"8", "14"}),
        ("mentoring", {"1", "2", "16", "20"}),  # mentors, coaching, mentor
        ("startup", {"2"}),  # "Start Up Loans"
        ("incubation", {"7", "21"}),
        ("export", {"11"}),  # "international trade"
        ("crowd funding", {"9"}),
        ("AI", {"12"}),  # "artificial intelligence"
        ("medtech", {"13"}),  # "medical technology"
        ("fintech", {"14", "21"}),  # "financial technology" and the tag
        ("cleantech", {"15"}),  # "clean technology"
        ("funding award", {"3", "20"}),  # grants
    ],
)
def test_synonyms_match_any_member_of_the_group(search_index, text, must_find) -> None:
    assert must_find <= found(search_index, text)


def test_synonym_phrase_does_not_match_loose_words(search_index: SearchIndex) -> None:
    # "debt finance in wales" must not pull in Start Up Loans, which is not in Wales.
    assert found(search_index, "debt finance in wales") == {"4"}
    assert found(search_index, "VC") == {"10"}


def test_synonyms_can_be_replaced(index_dir) -> None:
    with SearchIndex(index_dir, synonyms=[["vc", "crowdfunding"]]) as index:
        assert found(index, "vc") == {"9"}
        assert found(index, "angel") == {"5", "6"}


# Typo tolerance


@pytest.mark.parametrize(
    ("typo", "correction", "document_id"),
    [
        ("accelrator", "accelerator", "18"),  # missing letter
        ("incubtor", "incubator", "7"),  # missing letter
        ("mentroing", "mentoring", "2"),  # swapped letters
        ("grnat", "grant", "20"),  # swapped letters
        ("crowdfundnig", "crowdfunding", "9"),  # swapped letters
        ("cambrdige", "cambridge", "6"),  # swapped letters
        ("techstarz", "techstars", "1"),  # wrong letter
        ("catapullt", "catapult", "12"),  # extra letter
    ],
)
def test_typos_find_the_intended_listing(search_index, typo, correction, document_id) -> None:
    response = search_index.search(SearchRequest(text=typo, per_page=50))
    assert document_id in response.ids
    assert response.suggestion == correction


def test_suggestion_keeps_the_rest_of_the_text(search_index: SearchIndex) -> None:
    response = search_index.search(SearchRequest(text="Cambrdige Angels"))
    assert response.ids == ["6"]
    assert response.suggestion == "cambridge Angels"


@pytest.mark.parametrize("text", ["accelerator", "Cambridge", "loans", "VC", "R&D", "grant", ""])
def test_correct_words_get_no_suggestion(search_index: SearchIndex, text: str) -> None:
    assert search_index.search(SearchRequest(text=text)).suggestion is None


def test_a_correction_keeps_the_first_letter_unless_the_first_two_were_swapped(
    search_index: SearchIndex,
) -> None:
    # "moans" is one letter from "loans", but a typist seldom misses the first letter.
    assert search_index.search(SearchRequest(text="moans")).suggestion is None
    assert search_index.search(SearchRequest(text="olans")).suggestion == "loans"


def test_unknown_word_without_correction_finds_nothing(search_index: SearchIndex) -> None:
    response = search_index.search(SearchRequest(text="xylophone"))
    assert (response.total, response.ids, response.suggestion) == (0, [], None)


# Filters


@pytest.mark.parametrize(
    "filters",
    [
        {"region": ("wales",)},
        {"region": ("london",)},
        {"region": ("wales", "scotland")},
        {"region": ("uk-wide",)},
        {"stage": ("pre-start",)},
        {"stage": ("growth", "established")},
        {"support": ("loan",)},
        {"support": ("grant", "angel")},
        {"sector": ("life-sciences",)},
        {"sector": ("any",), "stage": ("growth",)},
        {"status": ("closed", "paused")},
        {"status": ("active",), "region": ("north-east",), "support": ("accelerator", "loan")},
        {"region": ("atlantis",)},
        {"region": ()},
    ],
)
def test_filters_match_brute_force(search_index: SearchIndex, filters) -> None:
    expected = {document["id"] for document in CORPUS if passes(document, filters)}
    assert found(search_index, filters=filters) == expected


def test_region_filter_includes_uk_wide(search_index: SearchIndex) -> None:
    assert found(search_index, filters={"region": ("wales",)}) == {
        "2",
        "3",
        "4",
        "9",
        "15",
        "16",
        "20",
    }


def test_unknown_filter_value_matches_nothing(search_index: SearchIndex) -> None:
    assert found(search_index, filters={"support": ("teleportation",)}) == set()


def test_filters_combine_with_text(search_index: SearchIndex) -> None:
    assert found(search_index, "loans", filters={"region": ("wales",)}) == {"2", "4"}
    assert found(
        search_index, "loans", filters={"region": ("wales",), "stage": ("established",)}
    ) == {"4"}


def test_unknown_filter_name_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown filter"):
        SearchRequest(filters={"colour": ("red",)})


# Facet counts


def brute_force_counts(text_ids: set[str], filters: dict) -> dict[str, dict[str, int]]:
    """For each facet value, the results with that facet's filter set to just that value."""
    counts: dict[str, dict[str, int]] = {}
    for facet in FACETS:
        others = {name: values for name, values in filters.items() if name != facet}
        candidates = [
            document
            for document in CORPUS
            if document["id"] in text_ids and passes(document, others)
        ]
        values = {value for document in CORPUS for value in values_of(document, facet)}
        if facet == "region":
            values |= set(REGIONS)
        facet_counts = {}
        for value in values:
            count = sum(1 for document in candidates if passes(document, {facet: (value,)}))
            if count:
                facet_counts[value] = count
        counts[facet] = facet_counts
    return counts


@pytest.mark.parametrize(
    ("text", "filters"),
    [
        ("", {}),
        ("", {"region": ("london",)}),
        ("", {"region": ("london",), "support": ("accelerator", "network")}),
        ("", {"stage": ("growth",), "status": ("active",)}),
        ("investment", {}),
        ("investment", {"support": ("equity",), "region": ("scotland", "north-east")}),
        ("loans", {"sector": ("any",)}),
    ],
)
def test_facet_counts_are_disjunctive(search_index: SearchIndex, text, filters) -> None:
    text_ids = found(search_index, text)
    response = search_index.search(SearchRequest(text=text, filters=filters))
    assert set(response.facets) == set(FACETS)
    expected = brute_force_counts(text_ids, filters)
    assert response.facets == expected


def test_facet_count_equals_total_after_selecting_it(search_index: SearchIndex) -> None:
    base = {"support": ("loan", "equity")}
    response = search_index.search(SearchRequest(filters=base))
    for facet in FACETS:
        for value, count in response.facets[facet].items():
            filters = {**base, facet: (value,)}
            assert search_index.search(SearchRequest(filters=filters)).total == count


def test_region_counts_include_uk_wide(search_index: SearchIndex) -> None:
    regions = search_index.search(SearchRequest()).facets["region"]
    uk_wide = sum(1 for document in CORPUS if "uk-wide" in document["regions"])
    assert regions["uk-wide"] == uk_wide
    assert regions["wales"] == uk_wide + 1
    assert regions["west-midlands"] == uk_wide + 1
    # A region no listing names still offers every UK-wide listing.
    assert regions["south-east"] == uk_wide


# Sorting and paging


def test_empty_query_returns_everything_by_name(search_index: SearchIndex) -> None:
    response = search_index.search(SearchRequest(per_page=100))
    by_name = sorted(CORPUS, key=lambda document: document["name"].casefold())
    assert response.ids == [document["id"] for document in by_name]
    assert response.total == len(CORPUS)


def test_deadline_sort_puts_soonest_first_then_undated(search_index: SearchIndex) -> None:
    response = search_index.search(SearchRequest(sort="deadline", per_page=100))
    dated = sorted(
        (document for document in CORPUS if document["deadline"]),
        key=lambda document: (document["deadline"], document["name"].casefold()),
    )
    undated = sorted(
        (document for document in CORPUS if not document["deadline"]),
        key=lambda document: document["name"].casefold(),
    )
    assert response.ids == [document["id"] for document in dated + undated]
    # Same deadline: ties broken by name.
    assert response.ids[1:3] == ["20", "3"]
    assert (
        CORPUS_BY_ID["20"]["deadline"]
        == CORPUS_BY_ID["3"]["deadline"]
        == datetime.date(2026, 1, 20)
    )


def test_deadline_sort_with_text_and_filters(search_index: SearchIndex) -> None:
    response = search_index.search(SearchRequest(text="accelerator", sort="deadline"))
    assert response.ids == ["18", "1"]


@pytest.mark.parametrize("sort", ["relevance", "deadline"])
@pytest.mark.parametrize("text", ["", "investment"])
def test_pages_partition_the_results(search_index: SearchIndex, sort: str, text: str) -> None:
    everything = search_index.search(SearchRequest(text=text, sort=sort, per_page=100))
    pages = []
    for page in range(1, 10):
        response = search_index.search(SearchRequest(text=text, sort=sort, page=page, per_page=4))
        assert response.total == everything.total
        pages.extend(response.ids)
    assert pages == everything.ids


def test_page_past_the_end_is_empty_with_total(search_index: SearchIndex) -> None:
    response = search_index.search(SearchRequest(page=50, per_page=10))
    assert response.ids == []
    assert response.total == len(CORPUS)


# Malformed input


@pytest.mark.parametrize(
    "text",
    [
        '"',
        '"unclosed phrase',
        "(((",
        ")))",
        "AND OR",
        "NOT",
        "*",
        "accel*",
        "title:",
        "name:loans",
        "~2",
        "loans~",
        "loans^5",
        "[a TO z]",
        "{}",
        "\\",
        "' OR 1=1 --",
        "!@#$%^&*()_+-=[]{}|;':\",./<>?" * 18,
        "a" * 500,
        "loans " * 200,
        "\x00\n\t",
        "ünïcödé café",
        "\u200b",
        "🚀 startup",
    ],
)
def test_malformed_text_never_raises(search_index: SearchIndex, text: str) -> None:
    response = search_index.search(SearchRequest(text=text))
    assert response.total >= 0
    assert set(response.facets) == set(FACETS)


@pytest.mark.parametrize("text", ["(((", "AND OR", "*", "the and of", "!!! ???", "   "])
def test_stop_words_or_punctuation_behave_like_empty_query(search_index, text) -> None:
    assert found(search_index, text) == found(search_index, "") == set(CORPUS_BY_ID)


def test_operators_are_plain_words(search_index: SearchIndex) -> None:
    assert found(search_index, "title: loans") == found(search_index, "title loans")
    assert found(search_index, "name:loans") == found(search_index, "name loans")
    assert found(search_index, "(micro) loans") == {"4"}
