"""Near-me search: a postcode or town becomes a point; results within a radius by distance."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from directory.geo import GeoLookup
from directory.search.params import parse_search_args
from directory.search.service import search_listings
from tests.helpers import api_search, page_text, result_count, result_slugs


def near_search(client, **params) -> dict:
    return api_search(client, per_page=100, **params)


def test_results_within_the_radius_are_sorted_by_distance(client):
    body = near_search(client, near="LS1 4AP")
    assert body["total"] > 0
    distances = [result["distance_km"] for result in body["results"]]
    assert distances == sorted(distances)
    assert all(0 <= distance <= 25 for distance in distances)
    assert body["near"]["label"] == "LS1 4AP" and body["radius_km"] == 25
    assert body["near"]["region"] == "yorkshire-and-the-humber"


def test_uk_wide_and_online_listings_are_listed_apart_without_a_distance(client):
    body = near_search(client, near="Leeds")
    elsewhere = body["elsewhere"]
    assert elsewhere["total"] > 0 and elsewhere["results"]
    for result in elsewhere["results"]:
        assert "distance_km" not in result
        assert set(result["regions"]) & {"uk-wide", "yorkshire-and-the-humber"}
    listed = {result["slug"] for result in body["results"]}
    assert listed.isdisjoint(result["slug"] for result in elsewhere["results"])


def test_a_wider_radius_finds_at_least_as_much(client):
    narrow = near_search(client, near="Sheffield", radius_km=5)
    wide = near_search(client, near="Sheffield", radius_km=100)
    assert wide["total"] >= narrow["total"] > 0
    assert max(r["distance_km"] for r in wide["results"]) > 5


def test_districts_areas_and_places_all_work_as_near(client):
    for near in ("LS1", "LS", "Leeds", "ls14ap"):
        body = near_search(client, near=near, radius_km=50)
        assert body["total"] > 0, near
        assert body["near"]["region"] == "yorkshire-and-the-humber"


def test_text_and_filters_still_apply(client):
    everything = near_search(client, near="Manchester", radius_km=50)
    grants = near_search(client, near="Manchester", radius_km=50, support="workspace")
    assert 0 < grants["total"] < everything["total"]
    assert all("workspace" in result["support_types"] for result in grants["results"])


def test_sort_by_relevance_within_the_radius_keeps_distances(client):
    body = near_search(client, near="London", q="accelerator", sort="relevance")
    assert body["total"] > 0
    assert all(result["distance_km"] <= 25 for result in body["results"])


def test_the_page_shows_distances_and_a_separate_section(client):
    response = client.get("/search?near=LS1+4AP")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = page_text(html)
    assert "within 25 km of LS1 4AP" in text
    assert result_count(html) == html.count("km away") or result_count(html) > 20
    assert result_slugs(html) and result_slugs(html, "elsewhere")
    assert "Also available without a fixed place" in text
    # The form keeps what was typed, and offers nearest-first sorting.
    assert 'value="LS1 4AP"' in html and '<option value="" selected>Nearest first</option>' in html


def test_an_unknown_place_is_explained_and_the_rest_of_the_query_kept(client):
    response = client.get("/search?near=Atlantis+upon+Sea&q=grant")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "We could not find ‘Atlantis upon Sea’" in page_text(html)
    assert result_count(html) > 0 and "for ‘grant’" in page_text(html)
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
    assert chosen["near"]["region"] == "wales"


def test_crown_dependencies_are_explained(client):
    html = client.get("/search?near=JE2+3AB").get_data(as_text=True)
    assert "outside the UK's 12 nations and regions" in page_text(html)
    response = client.get("/api/v1/search", query_string={"near": "IM1 1AD"})
    assert response.status_code == 400 and "Isle of Man" in response.get_json()["message"]


@pytest.mark.parametrize("radius", ["0", "-5", "abc", "5000"])
def test_bad_radius_is_a_400(client, radius):
    response = client.get("/api/v1/search", query_string={"near": "LS1", "radius_km": radius})
    assert response.status_code == 400 and response.get_json()["parameter"] == "radius_km"


def test_distance_sort_without_a_place_is_reported(client):
    response = client.get("/api/v1/search", query_string={"sort": "distance"})
    assert response.status_code == 400 and response.get_json()["parameter"] == "sort"


def test_nothing_nearby_offers_a_wider_search(client):
    html = client.get("/search?near=Whitby&radius_km=5").get_data(as_text=True)
    assert result_count(html) == 0
    assert "Search within 100 km" in page_text(html)
    # UK-wide support is still offered, in its own section.
    assert result_slugs(html, "elsewhere")


def test_the_searchers_region_comes_from_the_filter_or_the_point(app):
    taxonomy = app.extensions["taxonomy"]
    with app.test_request_context():
        params, _ = parse_search_args(MultiDict({"near": "LS1 4AP"}), taxonomy)
        assert search_listings(params).searcher_region == "yorkshire-and-the-humber"
        params, _ = parse_search_args(MultiDict({"near": "LS1 4AP", "region": "wales"}), taxonomy)
        assert search_listings(params).searcher_region == "wales"
        params, _ = parse_search_args(MultiDict({"q": "grant"}), taxonomy)
        assert search_listings(params).searcher_region is None


def test_the_points_region_ranks_first_when_no_region_is_chosen(client):
    body = near_search(client, near="Cardiff", radius_km=10)
    assert body["elsewhere"]["results"]
    regions = [result["regions"] for result in body["elsewhere"]["results"]]
    # Wales-wide listings (if any) come before UK-wide ones.
    seen_uk_wide = False
    for served in regions:
        if "uk-wide" in served:
            seen_uk_wide = True
        else:
            assert not seen_uk_wide and "wales" in served


def test_near_me_works_when_the_index_is_unavailable(app, client):
    from pathlib import Path

    Path(app.config["SEARCH_INDEX_DIR"], "current").unlink()
    app.extensions["search_index"].close()
    body = near_search(client, near="LS1 4AP")
    assert body["degraded"] is True and body["total"] > 0
    distances = [result["distance_km"] for result in body["results"]]
    assert distances == sorted(distances) and max(distances) <= 25
    assert body["elsewhere"]["total"] > 0


def test_near_me_without_a_lookup_degrades_to_a_message(app, client, tmp_path):
    app.extensions["geo"] = GeoLookup(tmp_path / "missing.sqlite3")
    response = client.get("/search?near=LS1+4AP&q=grant")
    assert response.status_code == 200
    assert "not set up yet" in page_text(response.get_data(as_text=True))
    assert client.get("/api/v1/search?near=LS1").status_code == 503
