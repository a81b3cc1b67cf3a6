"""Catalogue tools: the CSV round trip and all-or-nothing import, and `flask catalogue check`."""

import csv
import io
import shutil

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from directory.catalogue.coverage import (
    FORMER_LEP_AREAS,
    TARGETS,
    duplicate_problems,
    growth_hub_areas,
    growth_hub_problems,
    mission_shortfalls,
    near_copy_problems,
    untrusted_source_problems,
)
from directory.catalogue.seed import read_catalogue
from directory.extensions import db
from tests.conftest import SEED_DIR
from tests.helpers import csrf_token, listing, page_text, signed_in


@pytest.fixture
def admin(app):
    """A signed-in admin."""
    return signed_in(app, "admin@example.org", ("admin",))


def upload(client, text: str):
    """Import a CSV through the admin page, as a browser posts a file."""
    token = csrf_token(client, "/admin/catalogue")
    # Encoded in memory: the test client's own encoder leaves a temporary file open for
    # bodies this large.
    boundary, body = encode_multipart(
        {"csrf_token": token, "file": FileStorage(io.BytesIO(text.encode()), "catalogue.csv")}
    )
    return client.post("/admin/catalogue/import", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")  # fmt: skip


def exported(client) -> str:
    """The catalogue export as text."""
    response = client.get("/admin/catalogue/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return response.get_data(as_text=True)


def test_export_reimports_to_the_same_state(admin):
    found = listing("start-up-loans")
    found.summary = "=HYPERLINK('evil') is just text here"
    found.moderation_state = "draft"
    db.session.commit()
    text = exported(admin)
    rows = list(csv.DictReader(io.StringIO(text)))
    row = next(r for r in rows if r["slug"] == "start-up-loans")
    assert row["summary"].startswith("'=")  # a spreadsheet will not run it
    assert row["moderation_state"] == "draft"
    response = upload(admin, text)
    assert response.status_code == 302
    message = page_text(admin.get(response.headers["Location"]).get_data(as_text=True))
    assert f"0 created, 0 updated, {len(rows)} unchanged" in message
    assert listing("start-up-loans").summary == "=HYPERLINK('evil') is just text here"
    assert exported(admin) == text


def test_an_import_with_any_bad_row_changes_nothing_and_lists_every_problem(admin):
    rows = list(csv.reader(io.StringIO(exported(admin))))
    header = rows[0]
    rows[1][header.index("summary")] = "A changed summary that must not be applied."
    rows[2][header.index("stages")] = "series-b"
    rows[4][header.index("website")] = "not a website"
    rows[5][header.index("locations")] = "{broken json"
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    response = upload(admin, buffer.getvalue())
    assert response.status_code == 400
    text = page_text(response.get_data(as_text=True))
    assert "Nothing was imported" in text
    assert "line 3, stages: 'series-b' is not one of the fixed stages" in text
    assert "line 5, website: 'not a website' is not a web address" in text
    assert "line 6, locations: is not a JSON list" in text
    assert listing(rows[1][0]).summary != "A changed summary that must not be applied."


def test_an_import_with_missing_columns_says_so(admin):
    response = upload(admin, "slug,name\nx,y\n")
    assert response.status_code == 400
    assert "line 1, header: missing column(s)" in page_text(response.get_data(as_text=True))


def test_catalogue_check_validates_the_real_catalogue_and_prints_every_table(app):
    result = app.test_cli_runner().invoke(args=["catalogue", "check", "--no-strict"])
    assert result.exit_code == 0, result.output
    assert "catalogue check passed" in result.output
    assert "Region x stage" in result.output and "Region x support type" in result.output
    assert "What founders come for" in result.output
    for target in TARGETS:
        assert target.label[:49] in result.output


def test_strict_check_fails_below_the_mission_targets_and_names_each(app, tmp_path):
    taxonomy = app.extensions["taxonomy"]
    catalogue = read_catalogue(SEED_DIR, taxonomy)
    # Keep only the first ten listings: every target is then short.
    small = type(catalogue)(catalogue.organisations, dict(list(catalogue.listings.items())[:10]))
    shortfalls = mission_shortfalls(small, taxonomy)
    assert any(s.startswith("venture capital and equity funds:") for s in shortfalls)
    assert any("angel networks and syndicates: london has" in s for s in shortfalls)
    assert any(s.startswith("Growth Hubs in England:") for s in shortfalls)
    full = mission_shortfalls(catalogue, taxonomy)
    strict = app.test_cli_runner().invoke(args=["catalogue", "check"])
    assert strict.exit_code == (1 if full else 0)
    for shortfall in full:
        assert f"error: coverage: {shortfall}" in strict.output


def test_growth_hubs_are_counted_by_the_former_lep_areas_they_serve(app):
    catalogue = read_catalogue(SEED_DIR, app.extensions["taxonomy"])
    assert growth_hub_problems(catalogue) == []
    areas = growth_hub_areas(catalogue)
    assert areas <= FORMER_LEP_AREAS.keys() and len(FORMER_LEP_AREAS) == 38
    # Three hubs shared the South East LEP's area: they cover one area, not three.
    hubs = [hub for hub in catalogue.listings.values() if "lep-south-east" in hub["tags"]]
    assert len(hubs) == 3
    for hub in hubs[1:]:
        hub["tags"].remove("lep-south-east")
        hub["tags"].append("lep-hull-and-east-yorkshire")
    assert "hull-and-east-yorkshire" in growth_hub_areas(catalogue)
    # A hub naming no area, or an area that never was, is an error.
    hubs[1]["tags"] = [tag for tag in hubs[1]["tags"] if not tag.startswith("lep-")]
    hubs[2]["tags"].append("lep-atlantis")
    problems = {(p.record, p.message) for p in growth_hub_problems(catalogue)}
    assert problems == {
        (hubs[1]["slug"], "a Growth Hub needs a lep-<area> tag"),
        (hubs[2]["slug"], "no former LEP area is called lep-atlantis"),
    }
    shortfall = next(s for s in mission_shortfalls(catalogue, app.extensions["taxonomy"])
                     if s.startswith("Growth Hubs in England:"))  # fmt: skip
    assert "Cambridgeshire and Peterborough" in shortfall


def test_near_copies_of_descriptions_are_errors(app):
    catalogue = read_catalogue(SEED_DIR, app.extensions["taxonomy"])
    assert near_copy_problems(catalogue) == []
    listings = list(catalogue.listings.values())
    first = listings[0]
    second = next(other for other in listings if other["organisation"] != first["organisation"])
    second["description"] = first["description"].replace(" the ", " a ", 1) + " Also in Leeds."
    problems = {(p.record, p.field) for p in near_copy_problems(catalogue)}
    assert (second["slug"], "description") in problems or (first["slug"], "description") in problems
    # The same organisation's editions of one programme may share their account of it.
    same = next(
        other
        for other in listings
        if other["organisation"] == first["organisation"] and other is not first
    )
    same["description"] = first["description"]
    second["description"] = "Written afresh for this listing, " * 6
    assert near_copy_problems(catalogue) == []


def test_sources_on_hosts_that_copy_other_pages_are_errors(app, tmp_path):
    catalogue = read_catalogue(SEED_DIR, app.extensions["taxonomy"])
    assert untrusted_source_problems(catalogue) == []
    listing = next(iter(catalogue.listings.values()))
    listing["sources"].append(
        {"url": "https://www.wallpaperswave.com/news/some-copied-story.amp", "supports": ["name"]}
    )
    problems = untrusted_source_problems(catalogue)
    assert [(p.record, p.field) for p in problems] == [(listing["slug"], "sources")]
    assert "wallpaperswave.com copies other sites' pages" in problems[0].message
    # The check command fails on it.
    seed_dir = tmp_path / "seed"
    shutil.copytree(SEED_DIR, seed_dir)
    path = seed_dir / "catalogue" / "uk-wide.yaml"
    text = path.read_text().replace(
        "  sources:\n",
        "  sources:\n  - url: https://brumdaily.uk/business/a-copy.html\n"
        "    retrieved: 2026-11-30\n    supports: [name]\n",
        1,
    )
    path.write_text(text)
    app.config["SEED_DATA_DIR"] = str(seed_dir)
    result = app.test_cli_runner().invoke(args=["catalogue", "check", "--no-strict"])
    assert result.exit_code == 1
    assert "brumdaily.uk copies other sites' pages; cite the page it copied" in result.output


def test_a_listing_needs_a_way_to_act_here_or_on_its_organisation(app):
    from directory.catalogue.records import normalise_listing, validate_listing

    catalogue = read_catalogue(SEED_DIR, app.extensions["taxonomy"])
    raw = dict(next(iter(catalogue.listings.values())))
    raw.update(website=None, contact=None)
    record = normalise_listing(raw)
    taxonomy = app.extensions["taxonomy"]
    without = validate_listing(raw, record, "t", taxonomy, {raw["organisation"]: None})
    assert any("a way to act is required" in p.message for p in without)
    through_organisation = validate_listing(
        raw, record, "t", taxonomy, {raw["organisation"]: "https://example.org"}
    )
    assert not any("a way to act" in p.message for p in through_organisation)
    raw["contact"] = {"phone": "0300 123 4567"}
    with_phone = validate_listing(raw, normalise_listing(raw), "t", taxonomy,
                                  {raw["organisation"]: None})  # fmt: skip
    assert not any("a way to act" in p.message for p in with_phone)


def test_duplicate_names_and_shared_websites_are_errors(app):
    catalogue = read_catalogue(SEED_DIR, app.extensions["taxonomy"])
    assert duplicate_problems(catalogue) == []
    first, second = list(catalogue.listings.values())[:2]
    second["name"] = first["name"]
    first["website"] = second["website"] = "https://www.same.example/"
    if first["organisation"] == second["organisation"]:
        second["organisation"] = "another-organisation"
    problems = {(p.record, p.field) for p in duplicate_problems(catalogue)}
    assert (second["slug"], "name") in problems
    assert (first["slug"], "website") in problems and (second["slug"], "website") in problems


def make_synthetic(app, out, count=300):
    """Run `flask catalogue synth` into a folder."""
    result = app.test_cli_runner().invoke(
        args=["catalogue", "synth", "--count", str(count), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out


def test_synthetic_catalogue_is_valid_and_marked(app, tmp_path):
    out = make_synthetic(app, tmp_path / "synthetic")
    assert (out / "SYNTHETIC").exists()
    taxonomy = app.extensions["taxonomy"]
    catalogue = read_catalogue(out, taxonomy)
    assert len(catalogue.listings) == 300
    assert all(slug.startswith("synthetic-") for slug in catalogue.listings)
    # Every web address of synthetic data is on the reserved .invalid domain.
    assert all(
        r["website"].startswith("https://synthetic.invalid/")
        and all(s["url"].startswith("https://synthetic.invalid/") for s in r["sources"])
        for r in catalogue.listings.values()
    )
    used = {s for r in catalogue.listings.values() for s in r["support_types"]}
    assert used == set(taxonomy.slugs("support_types"))
    # Never into a database that holds real listings.
    app.config["SEED_DATA_DIR"] = str(out)
    refused = app.test_cli_runner().invoke(args=["seed", "load", "--synthetic"])
    assert refused.exit_code == 1 and "refusing" in refused.output


def test_synthetic_listings_load_only_on_request_and_never_mix(empty_app, tmp_path):
    out = make_synthetic(empty_app, tmp_path / "synthetic")
    empty_app.config["SEED_DATA_DIR"] = str(out)
    runner = empty_app.test_cli_runner()
    assert "pass --synthetic" in runner.invoke(args=["seed", "load"]).output
    loaded = runner.invoke(args=["seed", "load", "--synthetic", "--no-index"])
    assert loaded.exit_code == 0, loaded.output
    assert "listings: 300 created" in loaded.output
    empty_app.config["SEED_DATA_DIR"] = str(SEED_DIR)
    assert "holds synthetic listings" in runner.invoke(args=["seed", "load"]).output
