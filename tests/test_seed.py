"""The seed catalogue: real coverage, validation that loads nothing on error, idempotent upserts."""

import shutil
from collections import Counter

import pytest
import yaml
from sqlalchemy import func, select

from directory.catalogue.models import Listing, Organisation
from directory.catalogue.seed import CatalogueInvalid, read_catalogue
from directory.extensions import db
from directory.search.models import SearchOutbox
from tests.conftest import SEED_DIR


def seed_listings(app):
    """The validated listing records of the real seed data."""
    return read_catalogue(SEED_DIR, app.extensions["taxonomy"]).listings.values()


def test_seed_catalogue_is_valid_and_covers_the_taxonomies(app):
    listings = list(seed_listings(app))
    taxonomy = app.extensions["taxonomy"]
    assert len(listings) >= 60
    served = {region for listing in listings for region in listing["regions"]}
    assert set(taxonomy.slugs("regions")) <= served
    assert {stage for listing in listings for stage in listing["stages"]} == set(
        taxonomy.slugs("stages")
    )
    support = Counter(s for listing in listings for s in listing["support_types"])
    assert len(support) >= 10


def test_every_seed_listing_has_honest_provenance_and_no_checked_date(app):
    for listing in seed_listings(app):
        assert listing["provenance"]
        assert len(listing["description"].split()) >= 30
    text = "".join(path.read_text() for path in (SEED_DIR / "catalogue").glob("*.yaml"))
    assert "last_checked" not in text


def test_seed_load_reports_created_then_unchanged(empty_app):
    runner = empty_app.test_cli_runner()
    first = runner.invoke(args=["seed", "load"])
    assert first.exit_code == 0, first.output
    count = len(list(seed_listings(empty_app)))
    assert f"listings: {count} created, 0 updated, 0 unchanged" in first.output
    assert f"search index rebuilt: {count} listings" in first.output

    second = runner.invoke(args=["seed", "load"])
    assert second.exit_code == 0, second.output
    assert f"listings: 0 created, 0 updated, {count} unchanged" in second.output
    assert db.session.scalar(select(func.count()).select_from(Listing)) == count


def copy_seed(tmp_path):
    """A private copy of seed_data/ that a test may break."""
    target = tmp_path / "seed"
    shutil.copytree(SEED_DIR, target)
    return target


def edit_first_listing(seed_dir, change):
    """Apply `change` to the first listing of uk-wide.yaml; return its slug."""
    path = seed_dir / "catalogue" / "uk-wide.yaml"
    content = yaml.safe_load(path.read_text())
    change(content["listings"][0])
    path.write_text(yaml.safe_dump(content, sort_keys=False, allow_unicode=True))
    return content["listings"][0]["slug"]


def test_seed_load_reports_an_update(app, tmp_path):
    seed_dir = copy_seed(tmp_path)
    slug = edit_first_listing(seed_dir, lambda listing: listing.update(summary="A new summary."))
    app.config["SEED_DATA_DIR"] = str(seed_dir)
    result = app.test_cli_runner().invoke(args=["seed", "load", "--no-index"])
    assert result.exit_code == 0, result.output
    assert "listings: 0 created, 1 updated," in result.output
    listing = db.session.scalars(select(Listing).filter_by(slug=slug)).one()
    assert listing.summary == "A new summary."
    # The update reached the outbox in the same transaction.
    assert db.session.scalar(select(SearchOutbox).filter_by(listing_id=listing.id))


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda r: r.update(stages=["series-b"]), "stages", "'series-b' is not one of"),
        (lambda r: r.update(regions=["uk-wide", "london"]), "regions", "not both"),
        (lambda r: r.update(regions=["atlantis"]), "regions", "'atlantis' is not one of"),
        (lambda r: r.update(website="www.example"), "website", "is not a web address"),
        (lambda r: r.update(description="Too short."), "description", "fewer than 30 words"),
        (lambda r: r.update(organisation="nobody"), "organisation", "not a known organisation"),
        (lambda r: r.update(funding_min=10, funding_max=5), "funding_min", "more than"),
        (lambda r: r.update(deadline="soon"), "deadline", "YYYY-MM-DD"),
        (lambda r: r.update(status="maybe"), "status", "must be one of"),
        (lambda r: r.update(slug="Bad Slug"), "slug", "lower-case"),
        (lambda r: r.update(colour="blue"), "colour", "is not a listing field"),
        (lambda r: r.pop("provenance"), "provenance", "is required"),
        (lambda r: r.update(locations=[{"postcode": "SW1A 1AA"}]), "locations[1].town", "required"),
        (lambda r: r.update(locations=[{"town": "Leeds", "postcode": "LS1"}]), "postcode", "not a"),
    ],
)
def test_an_invalid_record_is_named_and_nothing_is_loaded(empty_app, tmp_path, change, field,
                                                          message):  # fmt: skip
    seed_dir = copy_seed(tmp_path)
    slug = edit_first_listing(seed_dir, change)
    empty_app.config["SEED_DATA_DIR"] = str(seed_dir)
    result = empty_app.test_cli_runner().invoke(args=["seed", "load"])
    assert result.exit_code == 1
    error_lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert any(field in line and message in line for line in error_lines), result.output
    if field != "slug":
        assert any(f"uk-wide.yaml: {slug}" in line for line in error_lines)
    assert "nothing was loaded" in result.output
    assert db.session.scalar(select(func.count()).select_from(Listing)) == 0
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 0


def test_every_bad_record_is_reported_at_once(empty_app, tmp_path):
    seed_dir = copy_seed(tmp_path)
    path = seed_dir / "catalogue" / "uk-wide.yaml"
    content = yaml.safe_load(path.read_text())
    content["listings"][0]["stages"] = ["nope"]
    content["listings"][1]["support_types"] = []
    content["listings"].append(dict(content["listings"][2]))  # a duplicate slug
    path.write_text(yaml.safe_dump(content, sort_keys=False))
    with pytest.raises(CatalogueInvalid) as invalid:
        read_catalogue(seed_dir, empty_app.extensions["taxonomy"])
    described = [str(problem) for problem in invalid.value.problems]
    assert any(content["listings"][0]["slug"] in p and "stages" in p for p in described)
    assert any(content["listings"][1]["slug"] in p and "support_types" in p for p in described)
    assert sum("same slug" in p for p in described) == 2


def test_malformed_yaml_is_reported_with_its_file(empty_app, tmp_path):
    seed_dir = copy_seed(tmp_path)
    (seed_dir / "catalogue" / "broken.yaml").write_text("listings: [unclosed\n")
    empty_app.config["SEED_DATA_DIR"] = str(seed_dir)
    result = empty_app.test_cli_runner().invoke(args=["seed", "load"])
    assert result.exit_code == 1
    assert "broken.yaml: (file): yaml:" in result.output


def test_seed_load_names_locations_it_could_not_place(empty_app, tmp_path):
    seed_dir = copy_seed(tmp_path)
    slug = edit_first_listing(
        seed_dir, lambda r: r.update(locations=[{"town": "Nowhereville Parva"}])
    )
    empty_app.config["SEED_DATA_DIR"] = str(seed_dir)
    result = empty_app.test_cli_runner().invoke(args=["seed", "load", "--no-index"])
    assert result.exit_code == 0, result.output
    assert "could not be placed on the map" in result.output
    assert f"{slug}: Nowhereville Parva" in result.output
