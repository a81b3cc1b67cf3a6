"""The seed catalogue: real coverage, validation that loads nothing on error, idempotent upserts."""

import shutil
from collections import Counter
from datetime import date

import pytest
import yaml
from sqlalchemy import func, select

from directory.catalogue.models import Listing, Organisation
from directory.catalogue.seed import CatalogueInvalid, read_catalogue
from directory.extensions import db
from directory.search.models import SearchOutbox
from directory.yamlfiles import read_yaml
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


def test_every_seed_record_cites_a_dated_source_and_has_a_way_to_act(app):
    catalogue = read_catalogue(SEED_DIR, app.extensions["taxonomy"])
    for record in [*catalogue.listings.values(), *catalogue.organisations.values()]:
        assert record["sources"], record["slug"]
        for source in record["sources"]:
            assert source["url"].startswith(("http://", "https://"))
            assert source["retrieved"] <= date.today() and source["supports"]
    for listing in catalogue.listings.values():
        organisation = catalogue.organisations[listing["organisation"]]
        assert listing["website"] or listing["contact"] or organisation["website"], listing["slug"]
        assert len(listing["description"].split()) >= 30
        if listing["application_status"] == "closed" and listing["status"] != "closed":
            assert listing["opens_on"] or listing["next_round"], listing["slug"]
        if listing["status"] == "closed":
            assert listing["closed_on"], listing["slug"]
    text = "".join(path.read_text() for path in (SEED_DIR / "catalogue").glob("*.yaml"))
    # A check date comes from the sources' dates, an owner or a moderator, never typed in.
    assert "last_checked" not in text and "provenance" not in text


def test_a_loaded_listing_is_checked_as_of_its_latest_source(client):
    from tests.helpers import listing, page_text

    found = listing("start-up-loans")
    latest = max(date.fromisoformat(source["retrieved"]) for source in found.sources)
    assert (found.last_checked_on, found.last_checked_how) == (latest, "source")
    text = page_text(client.get("/listings/start-up-loans").get_data(as_text=True))
    assert f"Last checked on {latest.day} {latest:%B %Y} against its published sources" in text
    assert found.sources[0]["url"] in client.get("/listings/start-up-loans").get_data(as_text=True)


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


def dump_yaml(content) -> str:
    """Seed file content as YAML, written by libyaml as the loader reads it (much faster)."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(content, Dumper=dumper, sort_keys=False, allow_unicode=True)


def copy_seed(tmp_path):
    """A private copy of seed_data/ that a test may break."""
    target = tmp_path / "seed"
    shutil.copytree(SEED_DIR, target)
    return target


def edit_first_listing(seed_dir, change):
    """Apply `change` to the first listing of uk-wide.yaml; return its slug."""
    path = seed_dir / "catalogue" / "uk-wide.yaml"
    content = read_yaml(path)
    change(content["listings"][0])
    path.write_text(dump_yaml(content))
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
        (lambda r: r.pop("sources"), "sources", "at least one source is required"),
        (
            lambda r: r.update(
                sources=[
                    {"url": "javascript:x", "retrieved": date(2026, 1, 1), "supports": ["name"]}
                ]
            ),
            "sources[1].url",
            "web address",
        ),
        (
            lambda r: r.update(
                sources=[
                    {"url": "https://example.org/a", "retrieved": "last week", "supports": ["name"]}
                ]
            ),
            "sources[1].retrieved",
            "date",
        ),
        (
            lambda r: r.update(
                sources=[
                    {
                        "url": "https://example.org/a",
                        "retrieved": date(2026, 1, 1),
                        "supports": ["colour"],
                    }
                ]
            ),
            "sources[1].supports",
            "unknown",
        ),
        (lambda r: r.update(status="closed", closed_on=None), "closed_on", "when did it end"),
        (
            lambda r: r.update(
                application_status="closed", status="active", opens_on=None, next_round=None
            ),
            "next_round",
            "between rounds",
        ),
        (lambda r: r.update(contact={"email": "not an address"}), "contact.email", "not an email"),
        (lambda r: r.update(contact={"fax": "0113"}), "contact.fax", "not a contact field"),
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
    content = read_yaml(path)
    content["listings"][0]["stages"] = ["nope"]
    content["listings"][1]["support_types"] = []
    content["listings"].append(dict(content["listings"][2]))  # a duplicate slug
    path.write_text(dump_yaml(content))
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


def test_a_listing_moved_back_to_pending_leaves_public_view_and_returns_with_it(app, tmp_path):
    seed_dir = copy_seed(tmp_path)
    catalogue_file = seed_dir / "catalogue" / "uk-wide.yaml"
    content = read_yaml(catalogue_file)
    record = content["listings"].pop(0)
    catalogue_file.write_text(dump_yaml(content))
    pending_file = seed_dir / "pending" / "uk-wide.yaml"
    pending = read_yaml(pending_file)
    pending["listings"].append({**record, "note": "Its only source no longer holds."})
    pending_file.write_text(dump_yaml(pending))
    app.config["SEED_DATA_DIR"] = str(seed_dir)
    client, runner = app.test_client(), app.test_cli_runner()
    assert client.get(f"/listings/{record['slug']}").status_code == 200

    result = runner.invoke(args=["seed", "load", "--no-index"])
    assert result.exit_code == 0, result.output
    assert "1 published listing(s) withdrawn to draft" in result.output
    assert f"  {record['slug']}\n" in result.output
    assert client.get(f"/listings/{record['slug']}").status_code == 404
    again = runner.invoke(args=["seed", "load", "--no-index"])
    assert "withdrawn" not in again.output  # once is enough

    # Back in the catalogue, it is public again.
    catalogue_file.write_text(dump_yaml({**content, "listings": [record, *content["listings"]]}))
    back = runner.invoke(args=["seed", "load", "--no-index"])
    assert f"1 withdrawn listing(s) back in the catalogue, republished:\n  {record['slug']}" in (
        back.output
    )
    assert client.get(f"/listings/{record['slug']}").status_code == 200


def _move_to_pending(seed_dir, organisation_slug):
    """Move an organisation and its listings from catalogue/uk-wide.yaml to pending/; return
    the catalogue file's content before the move."""
    catalogue_file = seed_dir / "catalogue" / "uk-wide.yaml"
    content = read_yaml(catalogue_file)
    moved = {
        "organisations": [r for r in content["organisations"] if r["slug"] == organisation_slug],
        "listings": [r for r in content["listings"] if r["organisation"] == organisation_slug],
    }
    kept = {kind: [r for r in content[kind] if r not in moved[kind]] for kind in moved}
    catalogue_file.write_text(dump_yaml(kept))
    pending_file = seed_dir / "pending" / "uk-wide.yaml"
    pending = read_yaml(pending_file)
    for kind, records in moved.items():
        pending[kind] += [{**record, "note": "Its only source was a copy."} for record in records]
    pending_file.write_text(dump_yaml(pending))
    return content


def test_an_organisation_moved_back_to_pending_leaves_public_view_and_returns_with_it(
    app, tmp_path
):
    seed_dir = copy_seed(tmp_path)
    records = read_yaml(seed_dir / "catalogue" / "uk-wide.yaml")
    everywhere = Counter(
        record["organisation"]
        for path in (seed_dir / "catalogue").glob("*.yaml")
        for record in read_yaml(path).get("listings") or []
    )
    here = Counter(record["organisation"] for record in records["listings"])
    # An organisation whose every listing is in the same file, so all of it can move.
    slug = next(
        r["slug"] for r in records["organisations"] if here[r["slug"]] == everywhere[r["slug"]]
    )
    content = _move_to_pending(seed_dir, slug)
    app.config["SEED_DATA_DIR"] = str(seed_dir)
    client, runner = app.test_client(), app.test_cli_runner()
    assert client.get(f"/organisations/{slug}").status_code == 200

    result = runner.invoke(args=["seed", "load", "--no-index"])
    assert result.exit_code == 0, result.output
    withdrawn = (
        "1 organisation(s) withdrawn from public view, their records being back in pending/:"
    )
    assert f"{withdrawn}\n  {slug}\n" in result.output
    assert client.get(f"/organisations/{slug}").status_code == 404
    assert (
        "organisation(s) withdrawn" not in runner.invoke(args=["seed", "load", "--no-index"]).output
    )

    (seed_dir / "catalogue" / "uk-wide.yaml").write_text(dump_yaml(content))
    back = runner.invoke(args=["seed", "load", "--no-index"])
    assert (
        f"1 withdrawn organisation(s) back in the catalogue, republished:\n  {slug}\n"
        in back.output
    )
    assert client.get(f"/organisations/{slug}").status_code == 200
