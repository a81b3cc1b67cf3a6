"""The JSON API: search, one listing, taxonomy, and 400s that name the parameter."""

import pytest

from tests.helpers import api_search, listing


def test_search_returns_the_documented_shape(client):
    body = api_search(client, q="grant", per_page=5)
    assert set(body) >= {"total", "complete", "page", "per_page", "understood", "place",
                         "results", "facets", "suggestion", "degraded", "links"}  # fmt: skip
    assert body["page"] == 1 and body["per_page"] == 5
    assert 0 < len(body["results"]) <= 5
    result = body["results"][0]
    assert set(result) == {"slug", "name", "organisation", "summary", "support_types", "stages",
                           "sectors", "regions", "availability", "act", "funding", "url", "tier",
                           "distance_km", "located_in", "matches_all"}  # fmt: skip
    assert result["url"].endswith(f"/listings/{result['slug']}")
    assert result["organisation"] == listing(result["slug"]).organisation.name
    assert result["act"]["url"].startswith(("http", "mailto:", "tel:"))
    assert result["availability"]["state"] in ("open", "rolling", "opens", "between_rounds",
                                               "paused", "ended", "unconfirmed")  # fmt: skip
    assert set(body["facets"]) == {"region", "stage", "support", "sector"}
    assert body["understood"]["support"] == ["grant"]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"region": "atlantis"}, "region"),
        ({"stage": "series-b"}, "stage"),
        ({"support": "money"}, "support"),
        ({"sector": "spacefaring"}, "sector"),
        ({"sort": "random"}, "sort"),
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
        ({"per_page": "1000"}, "per_page"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_parameter(client, params, parameter):
    response = client.get("/api/v1/search", query_string=params)
    assert response.status_code == 400
    body = response.get_json()
    assert body["parameter"] == parameter
    assert body["message"]


def test_listing_detail_has_every_public_field(client):
    slug = api_search(client, q="loan")["results"][0]["slug"]
    body = client.get(f"/api/v1/listings/{slug}").get_json()
    for field in ("description", "how_to_apply", "website", "contact", "funding",
                  "application_status", "next_round", "closed_on", "locations", "last_checked_on",
                  "last_checked_how", "sources", "organisation"):  # fmt: skip
        assert field in body
    assert body["sources"] and all(source["url"].startswith("http") for source in body["sources"])
    assert body["slug"] == slug


def test_unknown_listing_is_a_json_404(client):
    response = client.get("/api/v1/listings/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["message"] == "No such listing."


def test_taxonomy_lists_the_fixed_slugs(client, app):
    body = client.get("/api/v1/taxonomy").get_json()
    assert [r["slug"] for r in body["regions"]] == app.extensions["taxonomy"].slugs("regions")
    assert {r["slug"]: r["itl1"] for r in body["regions"]}["eastern"] == "TLH"
    assert len(body["support_types"]) == 15 and len(body["sectors"]) == 18
