"""Places in the index: listings located there first, then those serving its region, then
UK-wide ones; distances only from precise points; concepts, partial matches, names, open now."""

from __future__ import annotations

import datetime
import random

import pytest
from geopy.distance import geodesic

from search_index import Concept, PlaceScope, SearchIndex, SearchRequest, rebuild
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
        "support_types": extra.get("support_types", ["advice"]),
        "stages": ["start-up"],
        "sectors": ["any"],
        "regions": regions,
        "status": "active",
        "points": list(points),
        "lads": extra.get("lads", []),
        "tags": extra.get("tags", []),
        "open_from": extra.get("open_from"),
        "open_until": extra.get("open_until"),
    }


DOCUMENTS = [
    document("1", "Leeds Hub", ["yorkshire-and-the-humber"], [(*LEEDS, True)],
             lads=["E08000035"]),
    document("2", "Bradford Grant Centre", ["yorkshire-and-the-humber"], [(*BRADFORD, True)],
             support_types=["grant"]),
    document("3", "York Science Park", ["yorkshire-and-the-humber"], [(*YORK, True)]),
    document("4", "Sheffield Works", ["yorkshire-and-the-humber"], [(*SHEFFIELD, True)]),
    # Two sites: its distance is that of the nearer one.
    document("5", "Two Cities Accelerator", ["yorkshire-and-the-humber"],
             [(*SHEFFIELD, True), (*BRADFORD, True)], support_types=["accelerator"]),
    document("6", "National Online Guide", ["uk-wide"], support_types=["online"]),
    document("7", "Yorkshire Grant Fund", ["yorkshire-and-the-humber"], support_types=["grant"]),
    document("8", "Welsh Grant Fund", ["wales"], support_types=["grant"]),
    # A UK-wide programme with a Leeds office: it still has no distance and no local tier.
    document("9", "UK Accelerator", ["uk-wide"], [(*LEEDS, True)],
             support_types=["accelerator"], lads=["E08000035"]),
    # Known only by its town: inside the radius, but with no distance to show.
    document("10", "Leeds Town Workspace", ["yorkshire-and-the-humber"], [(*LEEDS, False)],
             support_types=["workspace"], tags=["women"],
             open_from=datetime.date(2026, 1, 1), open_until=datetime.date(2026, 12, 31)),
]  # fmt: skip

YORKSHIRE = "yorkshire-and-the-humber"


@pytest.fixture
def index(tmp_path):
    rebuild(tmp_path / "index", DOCUMENTS, position=1)
    with SearchIndex(tmp_path / "index") as opened:
        yield opened


def near(point=LEEDS, radius=25.0, region=YORKSHIRE, **extra) -> SearchRequest:
    return SearchRequest(place=PlaceScope(point, radius, region=region), **extra)


def test_located_then_region_then_uk_wide_nearest_first(index):
    response = index.search(near(sort="distance"))
    # Located within 25 km (nearest first; the town-only one measured from the town centre).
    assert response.ids[:4] == ["1", "10", "2", "5"]
    assert response.tiers[:4] == ["local"] * 4
    assert response.distances[0] == pytest.approx(0, abs=0.01)
    assert response.distances[1] is None  # known only by town: no false "0.0 km"
    assert response.distances[2] == pytest.approx(geodesic(LEEDS, BRADFORD).km, rel=0.01)
    assert response.distances[3] == response.distances[2]  # nearest of its two sites
    # Then the rest of Yorkshire, then UK-wide; Wales is not served.
    assert set(response.ids[4:7]) == {"3", "4", "7"} and response.tiers[4:7] == ["region"] * 3
    assert set(response.ids[7:]) == {"6", "9"} and response.tiers[7:] == ["uk", "uk"]
    assert response.distances[4:] == [None] * 5
    assert response.tier_totals == {"local": 4, "region": 3, "uk": 2}
    assert "8" not in response.ids


def test_a_wider_radius_moves_more_into_the_located_tier(index):
    response = index.search(near(radius=50, sort="distance"))
    assert response.ids[:6] == ["1", "10", "2", "5", "3", "4"]


def test_a_council_area_matches_listings_located_in_it(index):
    response = index.search(
        SearchRequest(place=PlaceScope(None, lads=("E08000035",), region=YORKSHIRE))
    )
    assert response.tiers[0] == "local" and response.ids[0] == "1"
    assert response.tier_totals["local"] == 1  # the UK-wide one's Leeds office does not count


def test_concepts_rank_complete_matches_first_then_partial_ones(index):
    accelerators = Concept("support", ("accelerator",))
    strict = index.search(near(concepts=(accelerators,)))
    assert strict.ids == ["5", "9"]  # serves Leeds and is an accelerator; local before UK-wide
    partial = index.search(near(concepts=(accelerators,), partial=True))
    assert partial.ids[:2] == ["5", "9"] and partial.complete == 2
    assert partial.total == 9 and set(partial.ids[2:]) >= {"1", "10", "2"}
    assert partial.met[:2] == [2, 2] and all(met == 1 for met in partial.met[2:])
    assert partial.complete_tiers == {"local": 1, "region": 0, "uk": 1}


def test_nothing_serving_the_place_meets_a_concept_still_shows_the_place(index):
    crowdfunding = Concept("support", ("crowdfunding",))
    response = index.search(near(concepts=(crowdfunding,), partial=True))
    assert response.complete == 0 and response.total == 9


def test_tag_concepts_and_open_today(index):
    women = Concept("tags", ("women",))
    response = index.search(SearchRequest(concepts=(women,)))
    assert response.ids == ["10"]
    today = datetime.date(2026, 11, 30).toordinal()
    opened = index.search(SearchRequest(today=today, open_now=True))
    assert opened.ids == ["10"]
    later = datetime.date(2027, 1, 1).toordinal()
    assert index.search(SearchRequest(today=later, open_now=True)).total == 0


def test_an_exact_name_comes_first(index):
    response = index.search(SearchRequest(text="grant fund", names=("welsh grant fund",)))
    assert response.ids[0] == "8"


def test_facets_count_the_place_results(index):
    response = index.search(near(point=YORK, radius=5))
    # Region counts include UK-wide listings, which serve every region.
    assert response.facets["region"]["yorkshire-and-the-humber"] == response.total == 9


@pytest.mark.parametrize(
    "arguments",
    [
        {"sort": "distance"},
        {"place": PlaceScope(LEEDS, 0)},
        {"place": PlaceScope(LEEDS, 5000)},
        {"place": PlaceScope((123.0, 0.0))},
        {"open_now": True},
    ],
)
def test_bad_place_requests_are_refused(arguments):
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
