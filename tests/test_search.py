"""Search over the real catalogue: stemming, synonyms, typos, filters, facets, zero results."""

import re
from datetime import date

import pytest

from directory.extensions import db
from directory.search.documents import search_document
from tests.helpers import api_search, listing, page_text, result_count, result_slugs


def all_results(client, **params) -> list[dict]:
    """Every result of a search, through the API, page by page."""
    results, page = [], 1
    while True:
        body = api_search(client, per_page=100, page=page, **params)
        results += body["results"]
        if len(results) >= body["total"] or not body["results"]:
            return results
        page += 1


def text_of(slug: str) -> str:
    """A listing's searchable words, lower-cased."""
    document = search_document(listing(slug))
    return " ".join(
        [document[key] for key in ("name", "organisation", "summary", "description")]
        + document["tags"]
    ).lower()


def test_stemming_finds_other_forms_of_a_word(client):
    results = all_results(client, q="accelerators")
    assert results
    assert all("accelerat" in text_of(result["slug"]) for result in results)
    assert any("accelerators" not in text_of(result["slug"]) for result in results)


def test_synonyms_find_venture_capital_for_vc(client):
    results = all_results(client, q="VC")
    assert results
    assert any(
        "venture capital" in text_of(r["slug"]) and not re.search(r"\bvc\b", text_of(r["slug"]))
        for r in results
    )


def test_synonyms_find_research_and_development_for_r_and_d(client):
    results = all_results(client, q="R&D")
    assert any("research and development" in text_of(r["slug"]) for r in results)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("accelrator", "accelerator"), ("incubtor", "incubator"), ("mentroing", "mentoring"),
     ("angle investment", "angel investment")],
)  # fmt: skip
def test_typos_are_corrected_and_suggested(client, typed, meant):
    body = api_search(client, q=typed)
    assert body["total"] > 0
    assert body["suggestion"] == meant
    page = client.get("/search", query_string={"q": typed}).get_data(as_text=True)
    assert f"Did you mean {meant} ?" in page_text(page)


def test_a_correct_word_gets_no_suggestion(client):
    assert api_search(client, q="incubator")["suggestion"] is None


def test_region_filter_includes_uk_wide_support(client):
    results = all_results(client, region="wales", support="loan")
    regions = [result["regions"] for result in results]
    assert all("wales" in r or r == ["uk-wide"] for r in regions)
    assert any("wales" in r for r in regions)
    assert any(r == ["uk-wide"] for r in regions)


def test_values_of_one_filter_are_alternatives_and_filters_combine(client):
    wales = {r["slug"] for r in all_results(client, region="wales", stage="growth")}
    scotland = {r["slug"] for r in all_results(client, region="scotland", stage="growth")}
    both = {r["slug"] for r in all_results(client, region=["wales", "scotland"], stage="growth")}
    assert both == wales | scotland
    assert all("growth" in r["stages"] for r in all_results(client, region="wales",
                                                           stage="growth"))  # fmt: skip


def test_facet_counts_are_the_totals_each_choice_would_give(client):
    body = api_search(client, q="business", region="london")
    for region, count in list(body["facets"]["region"].items())[:4]:
        if region != "uk-wide":
            assert api_search(client, q="business", region=region)["total"] == count
    for stage, count in body["facets"]["stage"].items():
        assert api_search(client, q="business", region="london", stage=stage)["total"] == count


def test_sort_by_deadline_puts_the_soonest_deadline_first(app, client):
    later, sooner = listing("start-up-loans"), listing("knowledge-transfer-partnerships")
    later.deadline, sooner.deadline = date(2027, 3, 1), date(2027, 1, 15)
    db.session.commit()
    assert app.test_cli_runner().invoke(args=["search", "sync"]).exit_code == 0
    slugs = [r["slug"] for r in api_search(client, sort="deadline")["results"]]
    assert slugs[:2] == ["knowledge-transfer-partnerships", "start-up-loans"]
    page = client.get("/search?sort=deadline").get_data(as_text=True)
    assert result_slugs(page)[:2] == slugs[:2]


def test_results_page_shows_count_filters_and_results(client):
    page = client.get("/search?q=loan&region=north-east").get_data(as_text=True)
    count = result_count(page)
    assert count > 0
    slugs = result_slugs(page)
    assert len(slugs) == min(count, 20)
    assert 'name="region" type="checkbox" value="north-east" checked' in page
    first = listing(slugs[0])
    text = page_text(page)
    assert first.name in text and first.organisation.name in text and first.summary in text


def test_pagination_pages_through_everything_once(client):
    first = client.get("/search").get_data(as_text=True)
    total = result_count(first)
    seen = []
    for page in range(1, (total + 19) // 20 + 1):
        seen += result_slugs(client.get(f"/search?page={page}").get_data(as_text=True))
    assert len(seen) == total == len(set(seen))
    assert 'rel="next"' in first


def test_zero_results_say_which_filter_emptied_the_list(client):
    page = client.get("/search?q=cockpit&region=wales").get_data(as_text=True)
    assert result_count(page) == 0
    text = page_text(page)
    assert "No results for ‘cockpit’" in text
    assert "Remove the region filter" in text
    link = re.search(r'href="([^"]+)">Remove the region filter', page).group(1)
    assert "region=" not in link and "q=cockpit" in link
    assert result_count(client.get(link.replace("&amp;", "&")).get_data(as_text=True)) > 0


def test_words_nothing_has_get_help_rather_than_an_empty_list(client):
    page = client.get("/search?q=zzyzx+quokkafruit").get_data(as_text=True)
    assert result_count(page) == 0
    assert "Nothing in the directory matches any of your words" in page_text(page)


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ('"', ""),
        ("(((", ""),
        ("AND OR", ""),
        ("*", ""),
        ("NOT", ""),
        ("!@#$%^&*()_+{}|:<>?~`-=[]\\;',./" * 16, ""),
        ("title:", "title"),
        ("title:grant", "title grant"),
        ("grant AND NOT loan", "grant loan"),
        ('"mentoring"', "mentoring"),
        ("grant*", "grant"),
    ],
)
def test_malformed_query_syntax_is_searched_as_plain_words(client, query, words):
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    plain = client.get("/search", query_string={"q": words}).get_data(as_text=True)
    assert result_count(page) == result_count(plain) > 0
    assert result_slugs(page) == result_slugs(plain)
    # Nothing left to look for: the page says so, and lists the whole directory.
    assert ('id="no-words"' in page) == (not words)


def test_words_past_the_length_limit_are_left_out(client):
    # 604 characters: "loan" starts past the 500 a search keeps, so only grants are asked for.
    response = client.get("/search", query_string={"q": "grant " * 100 + "loan"})
    assert response.status_code == 200
    grants = api_search(client, q="grant")["total"]
    assert grants < api_search(client, q="grant loan")["total"]
    assert result_count(response.get_data(as_text=True)) == grants


def test_unknown_filter_value_is_reported_and_the_rest_of_the_search_kept(client):
    page = client.get("/search?q=grant&region=atlantis&stage=start-up").get_data(as_text=True)
    text = page_text(page)
    assert "'atlantis' is not a known region" in text
    assert result_count(page) == api_search(client, q="grant", stage="start-up")["total"]


def test_home_page_links_every_region_and_stage(client, app):
    page = client.get("/").get_data(as_text=True)
    for region in app.extensions["taxonomy"].regions:
        assert f'href="/search?region={region.slug}"' in page
    for stage in app.extensions["taxonomy"].stages:
        assert f'href="/search?stage={stage.slug}"' in page
    assert 'role="search"' in page
