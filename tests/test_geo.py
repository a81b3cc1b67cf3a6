"""Offline geography: postcodes, sectors, districts, areas and places, and the LAD25 table."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from urllib.parse import quote

import brotli
import msgpack
import pytest
from geopy.distance import great_circle
from sqlalchemy import select

from directory.catalogue.models import Location
from directory.catalogue.placing import geocode
from directory.extensions import db
from directory.geo.authorities import CROWN_DEPENDENCIES, local_authorities, region_of
from directory.geo.build import postcode_files
from directory.geo.lookup import Ambiguous, GeoLookup, NotFound, Unavailable
from directory.geo.postcodes import read_postcode
from tests.geo_lookup import CROWN_DEPENDENCY_POSTCODES, REGION_POSTCODES
from tests.helpers import unavailable

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "ons"
ITL1_REGIONS = {
    "TLC": "north-east", "TLD": "north-west", "TLE": "yorkshire-and-the-humber",
    "TLF": "east-midlands", "TLG": "west-midlands", "TLH": "eastern", "TLI": "london",
    "TLJ": "south-east", "TLK": "south-west", "TLL": "wales", "TLM": "scotland",
    "TLN": "northern-ireland",
}  # fmt: skip
LEEDS_CENTRE = (53.7965, -1.5478)


def geo(client, text: str):
    """Call the geo API with text, URL-encoded as a path segment."""
    return client.get(f"/api/v1/geo/{quote(text, safe='')}")


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return great_circle(a, b).km


# --- the local authority table --------------------------------------------------------------


def test_the_table_has_361_authorities_in_the_12_regions():
    table = local_authorities()
    assert len(table) == 361
    assert {authority.region for authority in table.values()} == set(ITL1_REGIONS.values())
    prefixes = {code[:3] for code in table}
    assert prefixes == {"E06", "E07", "E08", "E09", "W06", "S12", "N09"}
    for code, authority in table.items():
        nation = {"W": "wales", "S": "scotland", "N": "northern-ireland"}.get(code[0])
        if nation:
            assert authority.region == nation, code
        if code.startswith("E09"):
            assert authority.region == "london", code


def test_districts_of_one_upper_tier_authority_share_a_region():
    regions_by_upper_tier: dict[str, set[str]] = {}
    for authority in local_authorities().values():
        regions_by_upper_tier.setdefault(authority.upper_tier, set()).add(authority.region)
    assert all(len(regions) == 1 for regions in regions_by_upper_tier.values())


def test_the_table_agrees_with_the_official_ons_lookup():
    reference = REFERENCE / "lad25_region_itl1.csv"
    if not reference.exists():
        unavailable("REQUIRE_ONS", f"the ONS reference lookup is not here ({reference})")
    with reference.open(encoding="utf-8-sig", newline="") as handle:
        official = {row["LAD25CD"]: row for row in csv.DictReader(handle)}
    table = local_authorities()
    assert set(official) == set(table), "every LAD25 code present, and no others"
    wrong = {
        code: (table[code].region, ITL1_REGIONS[row["ITL125CD"]])
        for code, row in official.items()
        if table[code].region != ITL1_REGIONS[row["ITL125CD"]]
    }
    assert wrong == {}


def test_every_authority_in_the_postcode_directory_is_in_the_table():
    codes: set[str] = set()
    for path in postcode_files():
        data = msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)["data"]
        codes.update(code for code in data["laua"] if isinstance(code, str))
    assert codes - set(local_authorities()) == set(CROWN_DEPENDENCIES)
    assert region_of("E08000035") == "yorkshire-and-the-humber"
    assert region_of("L99999999") is None


# --- reading postcodes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "key"),
    [
        ("ls14ap", "postcode", "LS14AP"),
        (" LS1   4AP ", "postcode", "LS14AP"),
        ("sw1a1aa", "postcode", "SW1A1AA"),
        ("LS1 4", "sector", "LS1 4"),
        ("SW1A1", "sector", "SW1A 1"),
        ("ls1", "district", "LS1"),
        ("EC2V", "district", "EC2V"),
        ("ls", "area", "LS"),
        ("E", "area", "E"),
    ],
)
def test_postcode_shapes_are_read_in_any_spacing_and_case(text, kind, key):
    query = read_postcode(text)
    assert (query.kind, query.key) == (kind, key)


@pytest.mark.parametrize("text", ["Sheffield", "12345", "LS1 4APX", "", "L S 1"])
def test_other_text_is_not_a_postcode(text):
    assert read_postcode(text) is None


# --- the API, with real postcodes -------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "postcode", "lad_code"),
    [
        (region, postcode, lad)
        for region, pairs in REGION_POSTCODES.items()
        for postcode, lad in pairs
    ],
)
def test_real_postcodes_in_every_region(client, region, postcode, lad_code):
    response = geo(client, postcode)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["kind"] == "postcode"
    assert (body["lad_code"], body["region"]) == (lad_code, region)
    assert body["lad_name"] == local_authorities()[lad_code].name
    assert 49.8 < body["lat"] < 60.9 and -8.7 < body["lon"] < 1.8
    assert body["query"] == postcode


def test_every_region_has_at_least_two_test_postcodes():
    assert set(REGION_POSTCODES) == set(ITL1_REGIONS.values())
    assert all(len(pairs) >= 2 for pairs in REGION_POSTCODES.values())


@pytest.mark.parametrize("text", ["ls14ap", "LS14AP", "ls1 4ap", "  Ls1   4aP "])
def test_spacing_and_case_do_not_matter(client, text):
    body = geo(client, text).get_json()
    assert body["kind"] == "postcode" and body["label"] == "LS1 4AP"
    assert km((body["lat"], body["lon"]), LEEDS_CENTRE) < 1


def test_coordinates_are_converted_from_both_grids(client):
    # Leeds is on the British National Grid, Belfast on the Irish Grid.
    leeds = geo(client, "LS1 4AP").get_json()
    assert km((leeds["lat"], leeds["lon"]), (53.7955, -1.5557)) < 0.2
    belfast = geo(client, "BT1 5GS").get_json()
    assert km((belfast["lat"], belfast["lon"]), (54.5966, -5.9301)) < 0.5


@pytest.mark.parametrize(
    ("text", "kind", "region", "near", "within_km"),
    [
        ("LS1 4", "sector", "yorkshire-and-the-humber", LEEDS_CENTRE, 2),
        ("ls1", "district", "yorkshire-and-the-humber", LEEDS_CENTRE, 2),
        ("LS14", "district", "yorkshire-and-the-humber", LEEDS_CENTRE, 12),
        ("LS", "area", "yorkshire-and-the-humber", LEEDS_CENTRE, 15),
        ("SW1A 1", "sector", "london", (51.501, -0.141), 2),
        ("CF10", "district", "wales", (51.476, -3.177), 3),
        ("EH", "area", "scotland", (55.95, -3.19), 30),
        ("BT", "area", "northern-ireland", (54.6, -6.4), 70),
    ],
)
def test_sectors_districts_and_areas_resolve_to_their_centroid(
    client, text, kind, region, near, within_km
):
    body = geo(client, text).get_json()
    assert (body["kind"], body["region"]) == (kind, region)
    assert km((body["lat"], body["lon"]), near) < within_km


@pytest.mark.parametrize(
    ("text", "label", "region", "near"),
    [
        ("Sheffield", "Sheffield", "yorkshire-and-the-humber", (53.38, -1.47)),
        ("Milton Keynes", "Milton Keynes", "south-east", (52.04, -0.76)),
        ("St Andrews", "Saint Andrews", "scotland", (56.34, -2.80)),
        ("st. andrews", "Saint Andrews", "scotland", (56.34, -2.80)),
        ("Newcastle upon Tyne", "Newcastle upon Tyne", "north-east", (54.97, -1.61)),
        ("newcastle-upon-tyne", "Newcastle upon Tyne", "north-east", (54.97, -1.61)),
        ("Hull", "Kingston upon Hull", "yorkshire-and-the-humber", (53.74, -0.33)),
        ("Caerdydd", "Cardiff", "wales", (51.48, -3.18)),
        ("Belfast", "Belfast", "northern-ireland", (54.60, -5.93)),
        ("Kirklees", "Kirklees", "yorkshire-and-the-humber", (53.6, -1.75)),
        ("Sheffield, UK", "Sheffield", "yorkshire-and-the-humber", (53.38, -1.47)),
    ],
)
def test_towns_and_cities_resolve_to_a_point(client, text, label, region, near):
    response = geo(client, text)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["kind"], body["label"], body["region"]) == ("place", label, region)
    assert km((body["lat"], body["lon"]), near) < 15


def test_an_ambiguous_name_offers_a_choice(client):
    response = geo(client, "Newport")
    assert response.status_code == 300
    body = response.get_json()
    labels = [candidate["label"] for candidate in body["candidates"]]
    assert "Newport, Wales" in labels and "Newport, Isle of Wight" in labels
    assert "more than one" in body["message"]
    # Each choice's label resolves to that place.
    for candidate in body["candidates"]:
        chosen = geo(client, candidate["label"]).get_json()
        assert (chosen["lat"], chosen["lon"]) == (candidate["lat"], candidate["lon"])
    assert geo(client, "Newport, Isle of Wight").get_json()["region"] == "south-east"
    assert geo(client, "Newport, Wales").get_json()["lad_code"] == "W06000022"


def test_a_town_that_dwarfs_its_namesakes_is_not_ambiguous(client):
    # There are villages called London and Leeds too, but nobody means them.
    assert geo(client, "London").get_json()["region"] == "london"
    assert geo(client, "Leeds").get_json()["region"] == "yorkshire-and-the-humber"


@pytest.mark.parametrize("text", ["ZZ99 9ZZ", "LS99 9ZZ", "Paris", "75001", "Atlantis upon Sea"])
def test_unknown_and_non_uk_input_is_a_json_404(client, text):
    response = geo(client, text)
    assert response.status_code == 404
    body = response.get_json()
    assert body["error"] == "not_found" and "could not find" in body["message"]


@pytest.mark.parametrize("postcode", CROWN_DEPENDENCY_POSTCODES + ["JE9 9ZZ", "IM2", "GY"])
def test_crown_dependencies_are_recognised_as_outside_the_regions(client, postcode):
    response = geo(client, postcode)
    assert response.status_code == 200
    body = response.get_json()
    assert body["outside_regions"] is True and body["region"] is None
    assert "outside the UK's 12 nations and regions" in body["message"]
    assert ("Channel Islands" in body["message"]) != ("Isle of Man" in body["message"])


def test_missing_lookup_is_a_503_not_a_crash(app, client, tmp_path):
    app.extensions["geo"] = GeoLookup(tmp_path / "missing.sqlite3")
    response = geo(client, "LS1 4AP")
    assert response.status_code == 503
    assert "flask geo build" in response.get_json()["message"]


def test_lookup_is_fast_and_thread_safe(geo_lookup):
    from concurrent.futures import ThreadPoolExecutor

    lookup = GeoLookup(geo_lookup)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lookup.resolve, ["LS1 4AP", "S1 2HH", "Sheffield", "EH"] * 25))
    assert {result.region for result in results} == {"yorkshire-and-the-humber", "scotland"}
    with pytest.raises(Ambiguous):
        lookup.resolve("Richmond")
    with pytest.raises(NotFound):
        lookup.resolve("")
    with pytest.raises(Unavailable):
        GeoLookup(Path(geo_lookup).with_name("nothing-here")).resolve("LS1")


# --- the command line and the catalogue -------------------------------------------------------


def test_geo_build_is_skipped_when_the_lookup_exists(runner):
    result = runner.invoke(args=["geo", "build"])
    assert result.exit_code == 0 and "already built" in result.output


def test_geo_lookup_prints_json(runner):
    result = runner.invoke(args=["geo", "lookup", "LS1", "4AP"])
    assert result.exit_code == 0, result.output
    assert '"region": "yorkshire-and-the-humber"' in result.output
    result = runner.invoke(args=["geo", "lookup", "Nowhere-in-particular"])
    assert result.exit_code == 1 and "could not find" in result.output


def located_at(postcode: str) -> Location:
    """The seed catalogue's location with this postcode."""
    return db.session.scalars(select(Location).filter_by(postcode=postcode)).first()


def test_seed_locations_are_placed_from_postcode_or_town(app):
    british_library = located_at("NW1 2DB")
    assert (british_library.lad_code, british_library.region_slug) == ("E09000007", "london")
    assert km((british_library.latitude, british_library.longitude), (51.5299, -0.1276)) < 0.5
    placed_by_town = db.session.scalars(
        select(Location).where(Location.postcode.is_(None), Location.latitude.is_not(None))
    ).all()
    assert len(placed_by_town) > 20
    for location in placed_by_town:
        assert location.region_slug in ITL1_REGIONS.values()
        assert not math.isnan(location.latitude)


def test_a_town_found_only_in_another_region_places_nothing(app):
    lookup = app.extensions["geo"]
    # The only Pool in the lookup is in Leeds; Pool Innovation Centre is in Pool, Cornwall.
    in_leeds = geocode(lookup, None, "Pool", ["yorkshire-and-the-humber"])
    assert in_leeds is not None and in_leeds.lad_code == "E08000035"
    assert geocode(lookup, None, "Pool", ["south-west"]) is None
    assert geocode(lookup, None, "Pool", ["uk-wide"]) == in_leeds  # UK-wide support: anywhere
    # A postcode is where the place is, whatever the listing's regions.
    assert geocode(lookup, "LS1 4AP", "Pool", ["south-west"]).region == "yorkshire-and-the-humber"
    cornish = db.session.scalars(select(Location).filter_by(town="Pool")).one()
    assert cornish.listing.region_slugs == ["south-west"] and cornish.latitude is None


def test_unplaced_locations_are_listed(app, runner):
    location = located_at("NW1 2DB")
    slug = location.listing.slug
    location.postcode, location.town = None, "Nowhere-in-particular"
    location.latitude = location.longitude = None
    db.session.commit()
    result = runner.invoke(args=["geo", "unplaced"])
    assert result.exit_code == 1
    assert f"{slug}: " in result.output and "Nowhere-in-particular" in result.output
