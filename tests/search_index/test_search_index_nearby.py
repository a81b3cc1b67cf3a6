"""Near-me search in the index: a radius, distances, and places-less documents kept apart."""

from __future__ import annotations

import random

import pytest
from geopy.distance import geodesic

from search_index import SearchIndex, SearchRequest, rebuild
from search_index.nearby import PointIndex

LEEDS = (53.7965, -1.5478)
BRADFORD = (53.7960, -1.7594)  # about 14 km west of Leeds
YORK = (53.9590, -1.0815)  # about 34 km north-east of Leeds
SHEFFIELD = (53.3811, -1.4701)  # about 46 km south of Leeds


def document(doc_id: str, name: str, regions: list[str], points=(), **extra) -> dict:
    return {
        "id": doc_id,
        "name": name,
        "organisation": "Test Org",
        "summary": f"{name} helps start-ups.",
        "description": "Support for founders: grants, mentoring and space.",
        "tags": [],
        "support_types": extra.get("support_types", ["advice"]),
        "stages": ["start-up"],
        "sectors": ["any"],
        "regions": regions,
        "status": "active",
        "points": list(points),
    }


DOCUMENTS = [
    document("1", "Leeds Hub", ["yorkshire-and-the-humber"], [LEEDS]),
    document("2", "Bradford Grant Centre", ["yorkshire-and-the-humber"], [BRADFORD],
             support_types=["grant"]),
    document("3", "York Science Park", ["yorkshire-and-the-humber"], [YORK]),
    document("4", "Sheffield Works", ["yorkshire-and-the-humber"], [SHEFFIELD]),
    # Two sites: its distance is that of the nearer one.
    document("5", "Two Cities Accelerator", ["yorkshire-and-the-humber"], [SHEFFIELD, BRADFORD]),
    document("6", "National Online Guide", ["uk-wide"], support_types=["online"]),
    document("7", "Yorkshire Grant Fund", ["yorkshire-and-the-humber"], support_types=["grant"]),
    document("8", "Welsh Grant Fund", ["wales"], support_types=["grant"]),
]  # fmt: skip


@pytest.fixture
def index(tmp_path):
    rebuild(tmp_path / "index", DOCUMENTS, position=1)
    with SearchIndex(tmp_path / "index") as opened:
        yield opened


def test_results_within_the_radius_sorted_by_distance(index):
    response = index.search(SearchRequest(near=LEEDS, radius_km=25, sort="distance"))
    assert response.ids == ["1", "2", "5"]
    assert response.total == 3
    assert response.distances[0] == pytest.approx(0, abs=0.01)
    assert response.distances[1] == pytest.approx(geodesic(LEEDS, BRADFORD).km, rel=0.01)
    assert response.distances[2] == response.distances[1]  # nearest of its two sites


def test_a_wider_radius_takes_in_more(index):
    response = index.search(SearchRequest(near=LEEDS, radius_km=50, sort="distance"))
    assert response.ids == ["1", "2", "5", "3", "4"]
    assert response.distances == sorted(response.distances)


def test_documents_without_a_place_are_reported_apart(index):
    response = index.search(SearchRequest(near=LEEDS, radius_km=25, sort="distance"))
    assert set(response.elsewhere_ids) == {"6", "7", "8"}
    assert response.elsewhere_total == 3
    preferred = index.search(
        SearchRequest(near=LEEDS, radius_km=25, sort="distance",
                      prefer_region="yorkshire-and-the-humber")
    )  # fmt: skip
    # The searcher's own region first, then UK-wide; other regions' listings are left out.
    assert preferred.elsewhere_ids == ["7", "6"]
    assert preferred.elsewhere_total == 2


def test_text_and_filters_apply_to_both_sections(index):
    response = index.search(
        SearchRequest(text="grant", near=LEEDS, radius_km=25, sort="distance",
                      filters={"support": ("grant",)})
    )  # fmt: skip
    assert response.ids == ["2"]
    assert set(response.elsewhere_ids) == {"7", "8"}
    # Facets count nearby documents only (each facet ignoring its own filter).
    assert response.facets["support"] == {"grant": 1, "advice": 2}


def test_facets_count_only_nearby_documents(index):
    response = index.search(SearchRequest(near=YORK, radius_km=5, sort="distance"))
    assert response.ids == ["3"]
    assert response.facets["region"]["yorkshire-and-the-humber"] == 1


def test_nothing_nearby_is_an_empty_page_not_an_error(index):
    response = index.search(SearchRequest(near=(57.48, -4.22), radius_km=10, sort="distance"))
    assert (response.total, response.ids, response.distances) == (0, [], [])
    assert response.elsewhere_total == 3


def test_relevance_and_deadline_sorts_still_work_within_the_radius(index):
    response = index.search(SearchRequest(text="grant", near=LEEDS, radius_km=50))
    assert response.ids[0] == "2"
    assert len(response.distances) == len(response.ids)


def test_preferred_region_ranks_first_without_a_point(index):
    response = index.search(SearchRequest(text="grant fund", prefer_region="wales"))
    assert response.ids[0] == "8"
    response = index.search(
        SearchRequest(text="grant fund", prefer_region="yorkshire-and-the-humber")
    )
    assert response.ids[0] == "7"


@pytest.mark.parametrize(
    "arguments",
    [
        {"sort": "distance"},
        {"near": LEEDS, "radius_km": 0},
        {"near": LEEDS, "radius_km": 5000},
        {"near": (123.0, 0.0)},
    ],
)
def test_bad_near_requests_are_refused(arguments):
    with pytest.raises(ValueError):
        SearchRequest(**arguments)


def test_bounding_box_prefilter_agrees_with_measuring_every_point():
    rng = random.Random(4)
    points = [(n, rng.uniform(50, 58), rng.uniform(-6, 1.5)) for n in range(3000)]
    index = PointIndex(points)
    for origin in [(53.8, -1.5), (51.5, -0.1), (57.5, -4.2), (50.2, -5.0)]:
        found = index.within(*origin, 40)
        expected = {n for n, lat, lon in points if geodesic(origin, (lat, lon)).km <= 40}
        # Great-circle distance differs from the geodesic by under 0.5%: only points right at
        # the edge may disagree.
        edge = {n for n, lat, lon in points if 39.7 <= geodesic(origin, (lat, lon)).km <= 40.3}
        assert set(found) ^ expected <= edge
