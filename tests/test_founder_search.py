"""Search as founders type it: places, kinds of support, stages and names read from the words,
local support first, honest distances and headings, results to act on, and bad input."""

import re

import pytest

from tests.helpers import (
    api_search,
    page_text,
    result_count,
    result_headline,
    result_slugs,
)

FUNDING = {"grant", "loan", "equity", "angel", "crowdfunding"}

# The searches that found nothing before: (query, support types, region, stage) a good
# result has; every one of the first five must have them.
FOUNDER_QUERIES = [
    ("accelerator manchester", {"accelerator"}, "north-west", None),
    ("incubator glasgow", {"incubator"}, "scotland", None),
    ("grant Leeds", {"grant"}, "yorkshire-and-the-humber", None),
    ("export help for small business belfast", {"export"}, "northern-ireland", None),
    ("funding for pre-revenue idea", FUNDING, None, "pre-start"),
    ("angel network cornwall", {"angel"}, "south-west", None),
    ("fintech accelerator edinburgh", {"accelerator"}, "scotland", None),
    ("cymorth busnes", {"advice"}, None, None),
]


def serves(result: dict, region: str | None) -> bool:
    """Whether an API result serves a region (UK-wide support serves every region)."""
    return region is None or region in result["regions"] or "uk-wide" in result["regions"]


@pytest.mark.parametrize(("query", "support", "region", "stage"), FOUNDER_QUERIES)
def test_what_founders_type_finds_what_they_asked_for(client, query, support, region, stage):
    body = api_search(client, q=query)
    assert body["complete"] > 0, query
    for result in body["results"][:5]:
        assert set(result["support_types"]) & support, (query, result["name"])
        assert serves(result, region), (query, result["name"])
        assert stage is None or stage in result["stages"], (query, result["name"])
        assert result["matches_all"], (query, result["name"])
    if region:
        assert body["understood"]["region"] == region
    assert set(body["understood"]["support"]) <= FUNDING | support


# Services whose cited descriptions say they help with a business plan (tagged business-plan).
BUSINESS_PLAN_HELP = {
    "start-up-loans", "kings-trust-enterprise", "virgin-startup-support",
    "cwmpas-social-business-support", "young-persons-start-up-grant-wales",
    "locate-east-sussex-business-support", "lyva-labs-innovation-programme", "oui-spin-out-support",
}  # fmt: skip


@pytest.mark.parametrize(
    ("query", "lang"), [("help writing a business plan", "en"), ("help gyda chynllun busnes", "cy")]
)
def test_business_plan_help_comes_before_other_kinds_of_plan(client, query, lang):
    # Before the tag, an HMRC tax payment plan came first: "plan" in its name outweighed the rest.
    body = api_search(client, q=query, lang=lang)
    assert body["understood"]["tags"] == ["business plan"]
    assert body["complete"] == len(BUSINESS_PLAN_HELP)
    assert {result["slug"] for result in body["results"][:8]} == BUSINESS_PLAN_HELP


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("Business Wales", "Business Wales"),
        ("innovate uk smart grant", "Innovate UK Smart grants"),
        ("start up loan", "Start Up Loans"),
        ("seedcamp", "Seedcamp pre-seed and seed investment"),
    ],
)
def test_an_exact_or_near_exact_name_comes_first(client, query, name):
    assert api_search(client, q=query)["results"][0]["name"] == name


def test_a_place_in_the_words_becomes_a_removable_chip(client):
    html = client.get("/search?q=accelerator+manchester").get_data(as_text=True)
    chip = re.search(r'<a class="app-chip" id="place-chip" href="([^"]+)">(.*?)</a>', html, re.S)
    assert chip and page_text(chip.group(2)).startswith("in Manchester")
    assert result_headline(html).endswith("for ‘accelerator’ in Manchester")
    # Removing the chip searches the same words without the place.
    removed = client.get(chip.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert 'id="place-chip"' not in removed
    assert result_headline(removed) == f"{result_count(removed)} results for ‘accelerator’"
    assert 'value="accelerator"' in removed


def test_the_api_says_what_it_understood_and_interpret_0_turns_it_off(client):
    body = api_search(client, q="seed funding in Leeds")
    understood = body["understood"]
    assert understood["place"]["label"] == "Leeds" and understood["region"] == (
        "yorkshire-and-the-humber"
    )
    assert "equity" in understood["support"] and "start-up" in understood["stage"]
    assert body["place"]["label"] == "Leeds"
    literal = api_search(client, q="seed funding in Leeds", interpret=0)
    assert literal["understood"] is None and literal["place"] is None
    # Taken literally, "Leeds" is a word like any other: no place, so no place tiers.
    assert literal["results"] and all(r["tier"] is None for r in literal["results"])
    assert literal["complete"] < body["complete"]


def test_local_support_comes_before_regional_and_regional_before_uk_wide(client):
    body = api_search(client, q="Leeds", per_page=100)
    tiers = [result["tier"] for result in body["results"]]
    order = {"local": 0, "region": 1, "uk": 2}
    assert tiers[0] == "local" and tiers == sorted(tiers, key=order.get)
    for result in body["results"]:
        if "uk-wide" in result["regions"]:
            assert result["tier"] == "uk" and result["distance_km"] is None, result["name"]
    html = client.get("/search?q=Leeds").get_data(as_text=True)
    assert re.search(
        r"\d+ in or near Leeds; \d+ serving Yorkshire and the Humber and \d+ available UK-wide\.",
        page_text(html),
    )


def test_a_single_result_meeting_everything_is_counted_in_the_singular(client):
    html = client.get("/search?q=fintech+sandbox").get_data(as_text=True)
    # Only the FCA's sandbox has both words; other fintech support follows it.
    assert result_headline(html).startswith("1 result matches all of your search")


def test_when_nothing_meets_everything_the_heading_says_so_honestly(client):
    html = client.get("/search?q=accelerator+manchester").get_data(as_text=True)
    # The catalogue has no accelerator located in Manchester itself.
    summary = page_text(re.search(r'id="place-summary">(.*?)</p>', html, re.S).group(1))
    assert re.fullmatch(
        r"None located in or near Manchester; \d+ serving North West and \d+ available UK-wide\.",
        summary,
    )
    assert re.match(r"\d+ results match all of your search", result_headline(html))
    headings = re.findall(r'class="govuk-heading-s app-results__section">(.*?)</h3>', html)
    assert headings[0] == "Serving North West"
    body = api_search(client, q="accelerator manchester", per_page=100)
    complete = [result["matches_all"] for result in body["results"]]
    assert complete == sorted(complete, reverse=True) and not all(complete)
    assert body["complete"] == complete.count(True)


def test_zero_results_only_when_nothing_matches_any_of_the_search(client):
    html = client.get("/search?q=qqqqzzzz").get_data(as_text=True)
    assert result_headline(html) == "No results for ‘qqqqzzzz’"
    assert "Try fewer or more general words" in page_text(html)
    # A word nothing has, beside one something has: the partial matches, under a heading.
    html = client.get("/search?q=grant+qqqqzzzz").get_data(as_text=True)
    assert result_count(html) > 0
    assert result_headline(html).startswith("Nothing matched all of your search")
    assert "Matching part of your search" in html


def test_near_me_without_words_is_nearest_first_then_regional_then_uk_wide(client):
    body = api_search(client, near="LS1 4AP", per_page=100)
    results = body["results"]
    tiers = [result["tier"] for result in results]
    order = {"local": 0, "region": 1, "uk": 2}
    assert tiers == sorted(tiers, key=order.get)
    distances = [r["distance_km"] for r in results if r["distance_km"] is not None]
    assert distances == sorted(distances)
    # A site known only by its town says where it is, never a made-up distance.
    town_only = [r for r in results if r["tier"] == "local" and r["distance_km"] is None]
    assert town_only and all(r["located_in"] for r in town_only)
    assert all(r["distance_km"] is None for r in results if r["tier"] != "local")
    # Every listing serving the place is reachable, page by page.
    seen = set()
    page = 1
    while True:
        body = api_search(client, near="LS1 4AP", per_page=100, page=page)
        seen.update(result["slug"] for result in body["results"])
        if not body["results"]:
            break
        page += 1
    assert len(seen) == body["total"] == sum(body["tiers"]["all"].values())


def test_near_me_in_northern_ireland_puts_its_own_support_first(client):
    body = api_search(client, near="BT1 5GS", per_page=10)
    names = [result["name"] for result in body["results"]]
    assert all("uk-wide" not in r["regions"] for r in body["results"]), names
    assert any("Invest NI" in name for name in names), names


def test_near_aberystwyth_business_wales_is_on_the_first_page(client):
    html = client.get("/search?near=SY23+1AA").get_data(as_text=True)
    assert "business-wales" in result_slugs(html)
    # The rest are a page away, not hidden.
    assert 'rel="next"' in html


def test_every_result_shows_how_to_act_and_whether_it_is_open(client):
    html = client.get("/search?per_page=20").get_data(as_text=True)
    cards = re.findall(r'<li class="app-result">.*?</li>\s*(?=<li class="app-result">|</ul>)',
                       html, re.S)  # fmt: skip
    assert len(cards) == 20
    for card in cards:
        assert 'class="govuk-link app-act"' in card
        assert 'class="govuk-tag' in card
    body = api_search(client, per_page=100)
    for result in body["results"]:
        assert result["act"]["kind"] in ("website", "organisation_website", "form", "email",
                                         "phone"), result["name"]  # fmt: skip
        assert result["availability"]["state"]


def test_open_now_keeps_only_support_taking_applications_today(client):
    everything = api_search(client, q="grant", per_page=100)
    open_now = api_search(client, q="grant", open="now", per_page=100)
    assert 0 < open_now["total"] < everything["total"]
    assert all(result["availability"]["open"] for result in open_now["results"])
    html = client.get("/search?q=grant&open=now").get_data(as_text=True)
    assert re.search(r'id="open" name="open" type="checkbox" value="now" checked', html)


def test_closed_programmes_come_after_open_ones_that_match_as_well(client):
    body = api_search(client, q="accelerator", per_page=100)
    complete = [r for r in body["results"] if r["matches_all"]]
    is_open = [r["availability"]["open"] for r in complete]
    assert True in is_open and False in is_open
    assert is_open == sorted(is_open, reverse=True)


def test_a_listing_opened_from_a_search_links_back_to_that_search(client):
    search = "/search?q=grant+Leeds&page=2"
    html = client.get("/listings/start-up-loans", headers={"Referer": f"http://localhost{search}"})
    back = re.search(r'href="([^"]+)" class="govuk-back-link" id="back-to-search"',
                     html.get_data(as_text=True))  # fmt: skip
    assert back and back.group(1).replace("&amp;", "&") == search
    # A link from another site is not followed back.
    other = client.get(
        "/listings/start-up-loans", headers={"Referer": "https://evil.example/search"}
    )
    assert 'id="back-to-search"' not in other.get_data(as_text=True)


def test_a_misspelt_kind_of_support_is_corrected_and_understood(client):
    body = api_search(client, q="acellerator")
    assert body["suggestion"] == "accelerator"
    assert body["understood"]["support"] == ["accelerator"]
    assert all("accelerator" in r["support_types"] for r in body["results"][:5])


def test_a_real_word_is_not_corrected_into_a_place(client):
    # "ferry" matches no listing and is one letter from "Derry": it is still not a typo of it.
    body = api_search(client, q="island business grant ferry")
    assert body["suggestion"] is None and body["understood"]["place"] is None
    assert "hie-islands-business-resilience-fund" in [r["slug"] for r in body["results"][:10]]


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("grant " * 250, "for ‘grant grant"),  # over 1,000 characters
        ("the and of for", "Your search has no words we can look for"),
        ("!!! ??? ... ***", "Your search has no words we can look for"),
        ("Leeds", "results in Leeds"),
        ("ZZ99 9ZZ", "We could not find the postcode ZZ99 9ZZ"),
        ("LS99 9ZZ accelerator", "We could not find the postcode LS99 9ZZ"),
        ("😀 🚀", "Your search has no words we can look for"),
        ('"unclosed AND (grant OR', "results"),
    ],
)
def test_bad_input_gets_a_clear_answer(client, query, says):
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert says in page_text(html), page_text(html)[:600]
    assert client.get("/api/v1/search", query_string={"q": query}).status_code == 200


def test_a_long_question_is_echoed_in_part_and_still_searched(client):
    html = client.get("/search", query_string={"q": "grant " * 250}).get_data(as_text=True)
    headline = result_headline(html)
    assert len(headline) < 140 and "…’" in headline
    assert result_count(html) > 0 and "Nothing matched" not in headline


def test_a_postcode_that_does_not_exist_is_named_and_left_out(client):
    body = api_search(client, q="ZZ99 9ZZ grant")
    assert body["understood"]["problem"].startswith("We could not find the postcode ZZ99 9ZZ")
    assert body["understood"]["support"] == ["grant"] and body["complete"] > 0
