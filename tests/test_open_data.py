"""The open catalogue: its downloads, licence, ETags and weekly change log."""

import csv
import io
import json
import zipfile
from datetime import date, timedelta

from sqlalchemy import select

from directory.catalogue.models import Listing
from directory.extensions import db
from directory.states import ModerationState
from tests.helpers import listing, make_user, page_text, post_form, sign_in, unavailable

OGL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"


def published_slugs() -> set[str]:
    """Slugs of the published listings in the database."""
    return set(
        db.session.scalars(
            select(Listing.slug).where(Listing.moderation_state == ModerationState.PUBLISHED)
        )
    )


def test_the_page_names_the_licence_and_links_every_download(client):
    response = client.get("/open-data/")
    text = page_text(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Open Government Licence v3.0" in text and OGL in response.get_data(as_text=True)
    for path in ("/open-data/catalogue.csv", "/open-data/catalogue.json", "/open-data/changes.csv"):
        assert path in response.get_data(as_text=True)
    assert "/open-data/" in client.get("/").get_data(as_text=True)  # in every page's footer


def test_the_csv_holds_every_published_listing_with_sources_and_last_checks(client):
    draft = listing("start-up-loans")
    draft.moderation_state = ModerationState.DRAFT
    db.session.commit()
    response = client.get("/open-data/catalogue.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert OGL in response.headers["Link"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {row["slug"] for row in rows} == published_slugs()
    assert "start-up-loans" not in {row["slug"] for row in rows}
    assert all(row["sources"].startswith("[") for row in rows)
    assert {"last_checked_on", "last_checked_how", "website", "deadline"} <= set(rows[0])


def test_the_json_holds_listings_and_their_organisations_under_the_licence(client):
    document = client.get("/open-data/catalogue.json").get_json()
    assert document["licence"]["url"] == OGL
    slugs = {item["slug"] for item in document["listings"]}
    assert slugs == published_slugs()
    organisations = {item["slug"] for item in document["organisations"]}
    assert {item["organisation"]["slug"] for item in document["listings"]} == organisations
    loans = next(item for item in document["listings"] if item["slug"] == "start-up-loans")
    assert loans["sources"] and "last_checked_on" in loans


def test_downloads_answer_304_until_the_catalogue_changes(client):
    first = client.get("/open-data/catalogue.csv")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, no-cache"
    unchanged = client.get("/open-data/catalogue.csv", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.get_data() == b""
    found = listing("start-up-loans")
    found.summary = "Loans for wombat founders."
    db.session.commit()
    changed = client.get("/open-data/catalogue.csv", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "wombat founders" in changed.get_data(as_text=True)
    assert changed.headers["ETag"] != etag


def test_the_change_log_counts_additions_edits_and_closures_by_week(app, client):
    make_user("owner@example.org", roles=("owner",))
    from directory.accounts.models import User
    from directory.catalogue.ownership import Membership

    owner_user = db.session.scalars(select(User).filter_by(email="owner@example.org")).one()
    organisation = listing("start-up-loans").organisation
    db.session.add(
        Membership(user_id=owner_user.id, organisation_id=organisation.id, state="approved")
    )
    db.session.commit()
    owner = app.test_client()
    sign_in(owner, "owner@example.org")
    post_form(owner, "/manage/listings/start-up-loans/check", form_page="/manage/")
    post_form(owner, "/manage/listings/start-up-loans/close", form_page="/manage/")
    rows = list(csv.DictReader(io.StringIO(client.get("/open-data/changes.csv").get_data(True))))
    assert len(rows) == 52
    this_week = date.today() - timedelta(days=date.today().weekday())
    assert rows[0]["week_starting"] == this_week.isoformat()
    # The seeded catalogue was loaded this week: every published listing was added.
    assert int(rows[0]["listings_added"]) >= len(published_slugs())
    assert rows[0]["listings_closed"] == "1"
    page = page_text(client.get("/open-data/").get_data(as_text=True))
    assert "Changes in the last 12 weeks" in page


def test_the_hsds_data_package_holds_the_catalogue_in_hsds_tables(client):
    from tests.test_hsds import HSDS

    if not (HSDS / "simple" / "schema.csv").is_file():
        unavailable("REQUIRE_HSDS", f"the HSDS 3.0 tabular schema is not at {HSDS}")
    with (HSDS / "simple" / "schema.csv").open(encoding="utf-8") as schema_file:
        hsds_columns: dict[str, set[str]] = {}
        required: dict[str, set[str]] = {}
        for field in csv.DictReader(schema_file):
            hsds_columns.setdefault(field["table_name"], set()).add(field["name"])
            if field["constraints_tablular_required"] == "true":  # (sic)
                required.setdefault(field["table_name"], set()).add(field["name"])
    response = client.get("/open-data/hsds.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["ETag"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    package = json.loads(archive.read("datapackage.json"))
    assert package["licenses"][0]["path"] == OGL
    tables = {}
    for resource in package["resources"]:
        rows = list(csv.DictReader(io.StringIO(archive.read(resource["path"]).decode())))
        columns = [field["name"] for field in resource["schema"]["fields"]]
        assert rows and list(rows[0]) == columns, resource["name"]
        # Only HSDS's own columns, and every link column its tabular form requires.
        assert set(columns) <= hsds_columns[resource["name"]], resource["name"]
        assert required.get(resource["name"], set()) <= set(columns), resource["name"]
        tables[resource["name"]] = rows
    assert len(tables["service"]) == len(published_slugs())
    # Every link resolves: services to organizations, links to services and locations.
    organizations = {row["id"] for row in tables["organization"]}
    services = {row["id"] for row in tables["service"]}
    locations = {row["id"] for row in tables["location"]}
    assert {row["organization_id"] for row in tables["service"]} <= organizations
    assert {row["service_id"] for row in tables["service_at_location"]} <= services
    assert {row["location_id"] for row in tables["service_at_location"]} <= locations
    terms = {row["id"] for row in tables["taxonomy_term"]}
    assert {row["taxonomy_term_id"] for row in tables["attribute"]} <= terms
