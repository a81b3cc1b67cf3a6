"""Near-me: a postcode or town in the near box. Listings located there come first (nearest
first), then those serving its region, then UK-wide ones, all of them reachable; distances
only from precise points, and never for UK-wide support."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from directory.geo import GeoLookup
from directory.search.params import parse_search_args
from directory.search.service import search_listings
from tests.helpers import api_search, page_text, result_count, result_headline, result_slugs

TIER_ORDER = {"local": 0, "region": 1, "uk": 2}


def near_search(client, **params) -> dict:
    return api_search(client, per_page=100, **params)


def every_result(client, **params) -> list[dict]:
    """All results of a search through the API, page by page."""
    results, page = [], 1
    while True:
        body = api_search(client, per_page=100, page=page, **params)
        results += body["results"]
        if len(results) >= body["total"] or not body["results"]:
            return results
        page += 1


def test_located_first_then_the_region_then_uk_wide(client):
    body = near_search(client, near="LS1 4AP")
    assert body["place"]["label"] == "LS1 4AP" and body["radius_km"] == 25
    assert body["place"]["region"] == "yorkshire-and-the-humber"
    tiers = [result["tier"] for result in body["results"]]
    assert tiers[0] == "local" and tiers == sorted(tiers, key=TIER_ORDER.__getitem__)
    for result in body["results"]:
        if result["tier"] == "region":
            assert "yorkshire-and-the-humber" in result["regions"]
        if result["tier"] == "uk":
            assert result["regions"] == ["uk-wide"]
    assert body["tiers"]["all"]["local"] > 0 and body["tiers"]["all"]["uk"] > 0


def test_uk_wide_support_never_gets_a_distance_whatever_its_offices(client):
    for near in ("London", "LS1 4AP", "NW1 2DB"):
        for result in every_result(client, near=near):
            if result["regions"] == ["uk-wide"]:
                assert result["tier"] == "uk" and result["distance_km"] is None, result["slug"]


def test_distances_come_only_from_postcodes_and_a_town_says_its_name(client):
    # The British Library's Business & IP Centre has a postcode: a real distance.
    body = near_search(client, near="NW1 2DB", radius_km=5)
    first = body["results"][0]
    assert first["tier"] == "local" and first["distance_km"] == pytest.approx(0, abs=0.2)
    # A listing near Leeds known by its town only says so ("In Leeds"), never a false "0.5 km"; one
    # whose site has a postcode (Nexus, LS2 3AA) gets its real distance instead.
    leeds = [r for r in near_search(client, near="LS1 4AP")["results"] if r["tier"] == "local"]
    by_town = [r for r in leeds if r["distance_km"] is None]
    measured = [r for r in leeds if r["distance_km"] is not None]
    assert by_town and all(r["located_in"] for r in by_town)
    assert measured and all(r["located_in"] is None and r["distance_km"] < 3 for r in measured)
    html = client.get("/search?near=LS1+4AP").get_data(as_text=True)
    assert "In Leeds" in page_text(html) and "km away" in page_text(html)


def test_a_bare_place_lists_everything_reachable_page_by_page(client):
    body = near_search(client, near="SY23 1AA")
    results = every_result(client, near="SY23 1AA")
    assert len(results) == body["total"] == len({r["slug"] for r in results})
    tiers = [result["tier"] for result in results]
    assert tiers == sorted(tiers, key=TIER_ORDER.__getitem__)
    assert "business-wales" in {r["slug"] for r in results}
    # Support dedicated to Wales comes before support spread over several regions.
    regional = [r for r in results if r["tier"] == "region"]
    dedicated = [r["regions"] == ["wales"] for r in regional]
    assert dedicated == sorted(dedicated, reverse=True)


def test_a_wider_radius_moves_more_into_the_located_tier(client):
    narrow = near_search(client, near="Sheffield", radius_km=5)
    wide = near_search(client, near="Sheffield", radius_km=100)
    assert wide["tiers"]["all"]["local"] > narrow["tiers"]["all"]["local"]


def test_districts_areas_and_places_all_work_as_near(client):
    for near in ("LS1", "LS", "Leeds", "ls14ap"):
        body = near_search(client, near=near, radius_km=50)
        assert body["tiers"]["all"]["local"] > 0, near
        assert body["place"]["region"] == "yorkshire-and-the-humber"


def test_filters_still_apply(client):
    workspace = every_result(client, near="Manchester", radius_km=50, support="workspace")
    assert workspace and all("workspace" in r["support_types"] for r in workspace)


def test_the_page_shows_each_tier_under_its_own_heading(client):
    html = client.get("/search?near=LS1+4AP").get_data(as_text=True)
    text = page_text(html)
    assert "near LS1 4AP" in result_headline(html)
    assert "In or near LS1 4AP" in text and "Serving Yorkshire and the Humber" in text
    assert result_slugs(html)
    # The form keeps what was typed, and offers nearest-first sorting.
    assert 'value="LS1 4AP"' in html and '<option value="distance"' in html


def test_nothing_located_there_says_so_and_shows_the_region(client):
    html = client.get("/search?near=Whitby&radius_km=5").get_data(as_text=True)
    assert result_count(html) > 0
    text = page_text(html)
    assert "None located in or near Whitby" in text and "serving Yorkshire and the Humber" in text


def test_an_unknown_place_is_explained_and_the_rest_of_the_query_kept(client):
    response = client.get("/search?near=Atlantis+upon+Sea&q=grant")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "We could not find ‘Atlantis upon Sea’" in page_text(html)
    assert result_count(html) > 0 and "‘grant’" in result_headline(html)
    assert "km away" not in html


def test_the_api_refuses_an_unknown_place_with_a_400(client):
    response = client.get("/api/v1/search", query_string={"near": "ZZ99 9ZZ"})
    assert response.status_code == 400
    body = response.get_json()
    assert body["parameter"] == "near" and "could not find" in body["message"]


def test_an_ambiguous_place_offers_choices(client):
    html = client.get("/search?near=Newport").get_data(as_text=True)
    assert "There is more than one ‘Newport’" in page_text(html)
    assert "near=Newport%2C+Isle+of+Wight" in html or "near=Newport,+Isle+of+Wight" in html
    response = client.get("/api/v1/search", query_string={"near": "Newport"})
    assert response.status_code == 300
    labels = [candidate["label"] for candidate in response.get_json()["candidates"]]
    assert "Newport, Wales" in labels
    chosen = near_search(client, near="Newport, Wales", radius_km=50)
    assert chosen["place"]["region"] == "wales"


def test_crown_dependencies_are_explained(client):
    html = client.get("/search?near=JE2+3AB").get_data(as_text=True)
    assert "outside the UK's 12 nations and regions" in page_text(html)
    response = client.get("/api/v1/search", query_string={"near": "IM1 1AD"})
    assert response.status_code == 400 and "Isle of Man" in response.get_json()["message"]


@pytest.mark.parametrize("radius", ["0", "-5", "abc", "5000"])
def test_bad_radius_is_a_400(client, radius):
    response = client.get("/api/v1/search", query_string={"near": "LS1", "radius_km": radius})
    assert response.status_code == 400 and response.get_json()["parameter"] == "radius_km"


def test_distance_sort_without_a_place_is_the_best_match(client):
    assert api_search(client, sort="distance", q="grant")["total"] > 0


def test_the_searchers_region_comes_from_the_filter_or_the_place(app):
    taxonomy = app.extensions["taxonomy"]
    with app.test_request_context():
        params, _ = parse_search_args(MultiDict({"near": "LS1 4AP"}), taxonomy)
        assert search_listings(params).searcher_region == "yorkshire-and-the-humber"
        params, _ = parse_search_args(MultiDict({"near": "LS1 4AP", "region": "wales"}), taxonomy)
        assert search_listings(params).searcher_region == "wales"
        params, _ = parse_search_args(MultiDict({"q": "grant"}), taxonomy)
        assert search_listings(params).searcher_region is None
        params, _ = parse_search_args(MultiDict({"q": "grant cardiff"}), taxonomy)
        assert search_listings(params).searcher_region == "wales"


def test_near_me_works_when_the_index_is_unavailable(app, client):
    from pathlib import Path

    indexed = every_result(client, near="LS1 4AP")
    Path(app.config["SEARCH_INDEX_DIR"], "current").unlink()
    app.extensions["search_index"].close()
    body = near_search(client, near="LS1 4AP")
    assert body["degraded"] is True
    fallback = every_result(client, near="LS1 4AP")
    # The same listings in the same tiers, whichever answered.
    assert {(r["slug"], r["tier"]) for r in fallback} == {(r["slug"], r["tier"]) for r in indexed}


def test_near_me_without_a_lookup_degrades_to_a_message(app, client, tmp_path):
    app.extensions["geo"] = GeoLookup(tmp_path / "missing.sqlite3")
    response = client.get("/search?near=LS1+4AP&q=grant")
    assert response.status_code == 200
    assert "not set up yet" in page_text(response.get_data(as_text=True))
    assert client.get("/api/v1/search?near=LS1").status_code == 503
