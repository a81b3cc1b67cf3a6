"""The Open Referral HSDS 3.0 API: every kind of response against the HSDS schemas, paging,
filters, 400s that name the parameter, 404s, stable ids, and nothing that is not published."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import event, func, select

from directory.catalogue.models import Listing, Location, Organisation
from directory.extensions import db
from directory.states import ListingStatus, ModerationState
from tests.factories import make_listing
from tests.helpers import listing, unavailable

HSDS = Path(__file__).resolve().parents[2] / "shared" / "reference" / "hsds-3.0"
# The namespace docs/hsds.md publishes: ids are uuid5(NAMESPACE, "<kind>:<natural key>").
NAMESPACE = uuid.UUID("91e30d39-1a0f-43d2-bfc4-97a100216bf5")
# A well-formed id of no record; fixed, so parallel test workers collect the same tests.
UNKNOWN_ID = str(uuid.uuid5(NAMESPACE, "nothing:no-such-record"))
PAGING_FIELDS = ("total_items", "total_pages", "page_number", "size", "first_page",
                 "last_page", "empty")  # fmt: skip


# --- the HSDS schemas, read from the shared reference at test time ---------------------------


class Schemas:
    """The HSDS 3.0 JSON Schemas, with validators that check formats (uuid, uri, email...)."""

    # The compiled schemas the API's responses are checked against; top-level ones load too.
    COMPILED = ("service", "service_list", "organization", "organization_list",
                "service_at_location", "service_at_location_list")  # fmt: skip

    def __init__(self, folder: Path) -> None:
        import jsonschema
        from referencing import Registry
        from referencing.jsonschema import DRAFT202012

        def resource(path: Path):
            return DRAFT202012.create_resource(json.loads(path.read_text(encoding="utf-8")))

        openapi = json.loads((folder / "openapi.json").read_text(encoding="utf-8"))
        self.page = openapi["components"]["schemas"]["Page"]
        root = openapi["paths"]["/"]["get"]["responses"]["200"]["content"]["application/json"]
        self.api_info = root["schema"]
        # Top-level schemas refer to each other by file name ("attribute.json").
        resources = [(path.name, resource(path)) for path in folder.glob("*.json")
                     if path.name != "openapi.json"]  # fmt: skip
        resources += [(f"compiled/{name}.json", resource(folder / "compiled" / f"{name}.json"))
                      for name in self.COMPILED]  # fmt: skip
        self.registry = Registry().with_resources(resources)
        self.validator_class = jsonschema.Draft202012Validator
        self.format_checker = _format_checker(jsonschema.FormatChecker())

    def errors(self, instance: Any, schema: dict) -> list[str]:
        """Every way the instance breaks the schema, with where."""
        validator = self.validator_class(
            schema, registry=self.registry, format_checker=self.format_checker
        )
        return [
            f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
            for error in validator.iter_errors(instance)
        ]

    def undeclared(self, instance: Any, schema: dict, path: str = "") -> list[str]:
        """Fields the schema does not declare: HSDS allows them, but we promise to add none."""
        if "$ref" in schema:
            schema = self.registry.resolver().lookup(schema["$ref"]).contents
        found: list[str] = []
        if isinstance(instance, dict):
            declared = schema.get("properties", {})
            for name, value in instance.items():
                if name not in declared:
                    found.append(f"{path}.{name}")
                else:
                    found += self.undeclared(value, declared[name], f"{path}.{name}")
        elif isinstance(instance, list) and "items" in schema:
            for number, item in enumerate(instance):
                found += self.undeclared(item, schema["items"], f"{path}[{number}]")
        return found

    def check(self, instance: Any, schema_name: str) -> None:
        """Assert one object conforms to a named schema and adds no field of its own."""
        schema = {"$ref": schema_name}
        assert not self.errors(instance, schema), self.errors(instance, schema)[:10]
        assert not self.undeclared(instance, schema), self.undeclared(instance, schema)[:10]

    def check_page(self, document: dict, item_schema: str) -> None:
        """Assert a list response is a paging object whose contents conform to a schema."""
        # As the API reference's list responses are built: the Page schema, and its items.
        schema = {
            "allOf": [self.page],
            "required": [*PAGING_FIELDS, "contents"],
            "properties": {"contents": {"type": "array", "items": {"$ref": item_schema}}},
        }
        assert not self.errors(document, schema), self.errors(document, schema)[:10]
        assert set(document) == {*PAGING_FIELDS, "contents"}
        for item in document["contents"]:
            undeclared = self.undeclared(item, {"$ref": item_schema})
            assert not undeclared, undeclared[:10]


def _format_checker(checker):
    """Check the formats jsonschema leaves to extra packages with the standard library."""

    @checker.checks("uri")
    def is_uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parts = urlsplit(value)
        return bool(parts.scheme and parts.netloc) and " " not in value

    @checker.checks("date-time", raises=ValueError)
    def is_date_time(value: object) -> bool:
        # RFC 3339: a date, a time and an offset.
        return not isinstance(value, str) or (
            "T" in value and datetime.fromisoformat(value).tzinfo is not None
        )

    return checker


@pytest.fixture(scope="session")
def hsds_schemas() -> Schemas:
    """The HSDS 3.0 schemas; tests that need them skip without them, unless REQUIRE_HSDS=1."""
    if not (HSDS / "compiled" / "service.json").is_file():
        unavailable("REQUIRE_HSDS", f"the HSDS 3.0 reference schemas are not here ({HSDS})")
    try:
        import jsonschema  # noqa: F401
        import referencing  # noqa: F401
    except ImportError:
        unavailable("REQUIRE_HSDS", "jsonschema (with referencing) is not installed")
    return Schemas(HSDS)


# --- helpers ----------------------------------------------------------------------------------


def get_json(client, path: str, status: int = 200, **params) -> Any:
    """GET an HSDS path and return its JSON, asserting the status."""
    response = client.get(f"/api/hsds{path}", query_string=params)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response.get_json()


def every_item(client, path: str, **params) -> list[dict]:
    """Every item of a list endpoint, page by page."""
    items: list[dict] = []
    page = 1
    while True:
        document = get_json(client, path, page=page, per_page=500, **params)
        items += document["contents"]
        if document["last_page"]:
            return items
        page += 1


def expected_id(kind: str, key: str) -> str:
    """The id docs/hsds.md promises for a kind and natural key."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


def published_count() -> int:
    """How many listings are published, read from the database."""
    return db.session.scalar(
        select(func.count(Listing.id)).where(Listing.moderation_state == ModerationState.PUBLISHED)
    )


def term_id(client, taxonomy: str, code: str) -> str:
    """The HSDS id of a taxonomy term, found through the API by its taxonomy's name and code."""
    taxonomy_id = next(
        item["id"]
        for item in get_json(client, "/taxonomies")["contents"]
        if item["name"] == taxonomy
    )
    terms = get_json(client, "/taxonomy_terms", taxonomy_id=taxonomy_id)["contents"]
    return next(term["id"] for term in terms if term["code"] == code)


def one_listing(*conditions) -> Listing:
    """A published listing that meets the conditions, the first by name."""
    query = (
        select(Listing)
        .where(Listing.moderation_state == ModerationState.PUBLISHED, *conditions)
        .order_by(Listing.name)
    )
    return db.session.scalars(query).first()


# --- the schemas ------------------------------------------------------------------------------


def test_the_root_says_hsds_3_0_and_its_profile(client, hsds_schemas):
    body = get_json(client, "/")
    assert not hsds_schemas.errors(body, hsds_schemas.api_info)
    assert body["version"] == "3.0"
    assert body["profile"].startswith("https://") and body["openapi_url"].startswith("https://")


@pytest.mark.parametrize(
    ("path", "params", "item_schema"),
    [
        ("/services", {}, "compiled/service_list.json"),
        ("/services", {"full": "true"}, "compiled/service.json"),
        ("/organizations", {}, "compiled/organization_list.json"),
        ("/organizations", {"full": "true"}, "compiled/organization.json"),
        ("/organizations", {"full_service": "true"}, "compiled/organization.json"),
        ("/locations", {}, "location.json"),
        ("/service_at_locations", {}, "compiled/service_at_location_list.json"),
        ("/service_at_locations", {"full": "true"}, "compiled/service_at_location.json"),
        ("/taxonomies", {}, "taxonomy.json"),
        ("/taxonomy_terms", {}, "taxonomy_term.json"),
    ],
)
def test_every_page_of_every_list_conforms_to_the_schemas(
    client, hsds_schemas, path, params, item_schema
):
    page, seen = 1, 0
    while True:
        document = get_json(client, path, page=page, per_page=500, **params)
        hsds_schemas.check_page(document, item_schema)
        seen += document["size"]
        if document["last_page"]:
            break
        page += 1
    assert seen == document["total_items"] > 0


def test_single_objects_conform_to_the_schemas(client, hsds_schemas):
    # The richest of each kind: a site with a full address, a phone, an ended programme.
    samples = [
        one_listing(
            Listing.locations.any(Location.postcode.is_not(None) & Location.address.is_not(None))
        ),
        one_listing(Listing.contact_phone.is_not(None)),
        one_listing(Listing.status == ListingStatus.CLOSED),
        one_listing(Listing.uk_wide.is_(True)),
    ]
    addresses_seen = 0
    for found in samples:
        service = get_json(client, f"/services/{expected_id('listing', found.slug)}")
        hsds_schemas.check(service, "compiled/service.json")
        organization = service["organization"]["id"]
        for params in ({}, {"full_service": "true"}):
            body = get_json(client, f"/organizations/{organization}", **params)
            hsds_schemas.check(body, "compiled/organization.json")
        for link in service["service_at_locations"]:
            body = get_json(client, f"/service_at_locations/{link['id']}")
            hsds_schemas.check(body, "compiled/service_at_location.json")
            body = get_json(client, f"/locations/{link['location_id']}")
            hsds_schemas.check(body, "location.json")
            addresses_seen += len(body["addresses"])
        for attribute in service["attributes"][:3]:
            term = get_json(client, f"/taxonomy_terms/{attribute['taxonomy_term_id']}")
            hsds_schemas.check(term, "taxonomy_term.json")
            taxonomy = get_json(client, f"/taxonomies/{term['taxonomy_id']}")
            hsds_schemas.check(taxonomy, "taxonomy.json")
    assert addresses_seen  # a full address was among them


# --- paging -----------------------------------------------------------------------------------


def test_pages_follow_on_and_count_every_published_listing(client):
    total = published_count()
    first = get_json(client, "/services", per_page=10)
    second = get_json(client, "/services", per_page=10, page=2)
    assert first["total_items"] == second["total_items"] == total
    assert first["total_pages"] == -(-total // 10)
    assert (first["page_number"], first["size"], first["first_page"], first["last_page"]) == (
        1, 10, True, False)  # fmt: skip
    assert second["page_number"] == 2 and not second["first_page"]
    first_ids = {service["id"] for service in first["contents"]}
    second_ids = {service["id"] for service in second["contents"]}
    assert len(second_ids) == 10 and not first_ids & second_ids
    assert len({service["id"] for service in every_item(client, "/services")}) == total


def test_the_last_page_and_beyond(client):
    total = published_count()
    last_number = -(-total // 100)
    last = get_json(client, "/services", per_page=100, page=last_number)
    assert last["last_page"] and last["size"] == total - 100 * (last_number - 1)
    beyond = get_json(client, "/services", per_page=100, page=last_number + 1)
    assert beyond["empty"] and beyond["contents"] == [] and beyond["total_items"] == total


# --- filters ----------------------------------------------------------------------------------


def test_services_filter_by_a_taxonomy_term(client):
    grants = term_id(client, "Types of support", "grant")
    found = every_item(client, "/services", taxonomy_term_id=grants, full="true")
    expected = db.session.scalar(
        select(func.count(Listing.id)).where(
            Listing.moderation_state == ModerationState.PUBLISHED,
            Listing.support_types.any(slug="grant"),
        )
    )
    assert len(found) == expected > 0
    assert all(grants in {a["taxonomy_term_id"] for a in s["attributes"]} for s in found)


def test_a_region_term_finds_that_regions_listings_and_uk_wide_ones(client):
    north_east = term_id(client, "Regions", "TLC")
    found = {s["name"]: s for s in every_item(client, "/services", taxonomy_term_id=north_east,
                                              full="true")}  # fmt: skip
    regional = one_listing(Listing.regions.any(slug="north-east"))
    uk_wide = one_listing(Listing.uk_wide.is_(True))
    london_only = one_listing(
        Listing.regions.any(slug="london"), ~Listing.regions.any(slug="north-east")
    )
    assert regional.name in found and uk_wide.name in found and london_only.name not in found
    assert [area["name"] for area in found[uk_wide.name]["service_areas"]] == ["UK-wide"]


def test_filters_add_up(client):
    grants = term_id(client, "Types of support", "grant")
    wales = term_id(client, "Regions", "TLL")
    both = {s["id"] for s in every_item(client, "/services", taxonomy_term_id=[grants, wales])}
    grant_ids = {s["id"] for s in every_item(client, "/services", taxonomy_term_id=grants)}
    wales_ids = {s["id"] for s in every_item(client, "/services", taxonomy_term_id=wales)}
    assert both == grant_ids & wales_ids and both


def test_services_filter_by_taxonomy_organization_text_and_date(client):
    found = one_listing(Listing.business_sizes.any())
    organisation = expected_id("organisation", found.organisation.slug)
    by_organisation = every_item(client, "/services", organization_id=organisation)
    assert {s["organization_id"] for s in by_organisation} == {organisation}
    assert len(by_organisation) == len(
        [item for item in found.organisation.listings if item.is_public]
    )

    sizes = next(t["id"] for t in get_json(client, "/taxonomies")["contents"]
                 if t["name"] == "Business sizes")  # fmt: skip
    with_sizes = every_item(client, "/services", taxonomy_id=sizes)
    assert expected_id("listing", found.slug) in {s["id"] for s in with_sizes}
    assert len(with_sizes) < published_count()

    word = found.name.split()[0]
    assert found.name in {s["name"] for s in every_item(client, "/services", search=word)}
    assert get_json(client, "/services", search="zzzqqq nothing like it")["empty"]

    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert get_json(client, "/services", modified_after=tomorrow)["total_items"] == 0
    assert get_json(client, "/services", modified_after="2000-01-01T00:00:00Z")["total_items"] == (
        published_count()
    )


def test_an_edit_shows_in_modified_after(client):
    before = datetime.now(UTC).isoformat()
    edited = listing("start-up-loans")
    edited.how_to_apply = "Apply online through the British Business Bank's website."
    db.session.commit()
    found = get_json(client, "/services", modified_after=before)["contents"]
    assert [s["application_process"] for s in found] == [edited.how_to_apply]


def test_taxonomy_terms_filter_by_taxonomy_and_regions_carry_their_itl1_code(client):
    regions = next(t for t in get_json(client, "/taxonomies")["contents"] if t["name"] == "Regions")
    terms = get_json(client, "/taxonomy_terms", taxonomy_id=regions["id"])["contents"]
    assert {term["name"]: term["code"] for term in terms}["East of England"] == "TLH"
    assert len(terms) == 12 and {term["taxonomy_id"] for term in terms} == {regions["id"]}
    assert get_json(client, "/taxonomy_terms", parent_id=str(uuid.uuid4()))["empty"]
    assert get_json(client, "/taxonomy_terms")["total_items"] == 12 + 4 + 15 + 18 + 4


def test_service_at_locations_filter_like_services(client):
    found = one_listing(Listing.locations.any())
    organisation = expected_id("organisation", found.organisation.slug)
    links = every_item(client, "/service_at_locations", organization_id=organisation)
    assert {link["service"]["organization_id"] for link in links} == {organisation}
    assert expected_id("listing", found.slug) in {link["service_id"] for link in links}


# --- what a service says ----------------------------------------------------------------------


def test_a_service_carries_our_facts_and_no_others(client):
    found = one_listing(Listing.contact_phone.is_not(None), Listing.contact_email.is_not(None))
    service = get_json(client, f"/services/{expected_id('listing', found.slug)}")
    assert service["name"] == found.name and service["description"] == found.description
    assert service["application_process"] == found.how_to_apply
    assert service.get("url") == found.website and service["email"] == found.contact_email
    assert [phone["number"] for phone in service["phones"]] == [found.contact_phone]
    assert service.get("fees_description") == found.cost
    assert service.get("eligibility_description") == found.eligibility
    assert service["assured_date"] == found.last_checked_on.isoformat()
    assert service["organization"]["name"] == found.organisation.name
    unheld = ("schedules", "languages", "funding", "cost_options", "program", "contacts",
              "required_documents", "accreditations", "minimum_age", "assurer_email")  # fmt: skip
    assert not set(unheld) & set(service)


def test_status_follows_whether_the_programme_runs(client):
    ended = one_listing(Listing.status == ListingStatus.CLOSED)
    paused = one_listing(Listing.status == ListingStatus.PAUSED)
    statuses = {s["id"]: s for s in every_item(client, "/services")}
    assert statuses[expected_id("listing", ended.slug)]["status"] == "inactive"
    assert statuses[expected_id("listing", paused.slug)]["status"] == "temporarily closed"
    assert {s["status"] for s in statuses.values()} == {"active", "inactive", "temporarily closed"}
    if ended.closed_on:
        assert "Ended" in statuses[expected_id("listing", ended.slug)]["alert"]


def test_a_site_without_a_postcode_has_no_made_up_point_or_address(client):
    found = one_listing(Listing.locations.any(Location.postcode.is_(None)))
    site = next(item for item in found.locations if item.postcode is None)
    body = get_json(
        client, f"/locations/{expected_id('location', f'{found.slug}:{site.position}')}"
    )
    assert body["name"] in (site.name, site.town)
    assert "latitude" not in body and body["addresses"] == []


def test_ids_are_uuid5_of_the_kind_and_slug(client):
    found = listing("start-up-loans")
    service = get_json(client, f"/services/{expected_id('listing', 'start-up-loans')}")
    assert service["organization_id"] == expected_id("organisation", found.organisation.slug)
    eastern = expected_id("taxonomy_term", "regions:eastern")
    assert get_json(client, f"/taxonomy_terms/{eastern}")["name"] == "East of England"
    # Ids are found however a client writes the uuid.
    assert get_json(client, f"/taxonomy_terms/{eastern.upper()}")["id"] == eastern


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "parameter"),
    [
        ("/services", {"page": "0"}, "page"),
        ("/services", {"page": "two"}, "page"),
        ("/organizations", {"per_page": "1000"}, "per_page"),
        ("/services", {"taxonomy_term_id": "grant"}, "taxonomy_term_id"),
        ("/services", {"taxonomy_term_id": UNKNOWN_ID}, "taxonomy_term_id"),
        ("/taxonomy_terms", {"taxonomy_id": UNKNOWN_ID}, "taxonomy_id"),
        ("/services", {"organization_id": "acme"}, "organization_id"),
        ("/services", {"full": "yes"}, "full"),
        ("/services", {"modified_after": "last week"}, "modified_after"),
        ("/services", {"minimal": "true"}, "minimal"),
        ("/services", {"format": "ndjson"}, "format"),
        ("/service_at_locations", {"postcode": "LS1 4AP"}, "postcode"),
        ("/taxonomies", {"page": "-1"}, "page"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_parameter(client, path, params, parameter):
    body = get_json(client, path, status=400, **params)
    assert body["error"] == "invalid_parameter"
    assert body["parameter"] == parameter and body["message"]
    assert body["errors"] == [{"parameter": parameter, "message": body["message"]}]


@pytest.mark.parametrize(
    "kind",
    ["services", "organizations", "locations", "service_at_locations", "taxonomies",
     "taxonomy_terms"],
)  # fmt: skip
@pytest.mark.parametrize("unknown", [UNKNOWN_ID, "not-a-uuid"])
def test_unknown_ids_are_a_json_404(client, kind, unknown):
    body = get_json(client, f"/{kind}/{unknown}", status=404)
    assert body["error"] == "Not Found" and body["message"].startswith("No such")


def test_an_organizations_id_is_not_a_services_id(client):
    found = listing("start-up-loans")
    get_json(
        client, f"/services/{expected_id('organisation', found.organisation.slug)}", status=404
    )


def test_browser_apps_anywhere_may_read_it(client):
    for path in ("/", "/services", f"/services/{uuid.uuid4()}"):
        response = client.get(f"/api/hsds{path}")
        assert response.headers["Access-Control-Allow-Origin"] == "*"


# --- only what is published -------------------------------------------------------------------


def test_drafts_and_their_organisations_are_not_exposed(app, client):
    draft = make_listing(app, locations=[{"name": "Test hub", "town": "Leeds"}])
    service_path = f"/services/{expected_id('listing', draft.slug)}"
    organization_path = f"/organizations/{expected_id('organisation', draft.organisation.slug)}"
    location_key = f"{draft.slug}:{draft.locations[0].position}"
    location_path = f"/locations/{expected_id('location', location_key)}"
    link_path = f"/service_at_locations/{expected_id('service_at_location', location_key)}"
    for path in (service_path, organization_path, location_path, link_path):
        get_json(client, path)  # published: there

    draft.moderation_state = ModerationState.DRAFT
    db.session.commit()
    for path in (service_path, organization_path, location_path, link_path):
        get_json(client, path, status=404)
    assert draft.name not in {s["name"] for s in every_item(client, "/services")}
    assert draft.organisation.name not in {o["name"] for o in every_item(client, "/organizations")}
    assert get_json(client, "/services")["total_items"] == published_count()
    search = get_json(client, "/services", search=draft.name)
    assert search["empty"]


def test_an_organisation_shows_only_its_published_listings(client):
    organisation = db.session.scalars(
        select(Organisation)
        .join(Organisation.listings)
        .group_by(Organisation.id)
        .having(func.count(Listing.id) > 1)
        .order_by(Organisation.name)
    ).first()
    hidden, shown = organisation.listings[0], organisation.listings[1:]
    hidden.moderation_state = ModerationState.SUBMITTED
    db.session.commit()
    body = get_json(client, f"/organizations/{expected_id('organisation', organisation.slug)}")
    assert {s["name"] for s in body["services"]} == {item.name for item in shown if item.is_public}


# --- queries ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/services", {"full": "true"}),
        ("/organizations", {"full_service": "true"}),
        ("/locations", {}),
        ("/service_at_locations", {"full": "true"}),
    ],
)
def test_lists_take_as_many_queries_for_a_long_page_as_a_short_one(client, path, params):
    def queries_for(per_page: int) -> int:
        statements: list[str] = []

        def count(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            get_json(client, path, per_page=per_page, **params)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    assert queries_for(2) == queries_for(200)


def test_a_programme_not_yet_open_is_active_with_an_alert_saying_when(app, client):
    opens = date.today() + timedelta(days=30)
    found = make_listing(app, application_status="opens", opens_on=opens)
    service = get_json(client, f"/services/{expected_id('listing', found.slug)}")
    assert service["status"] == "active"
    assert service["alert"] == f"Applications open on {opens.day} {opens:%B %Y}."
    # UK-wide: one service area, and every region's term among its attributes.
    assert [area["name"] for area in service["service_areas"]] == ["UK-wide"]
    regions = [
        a
        for a in service["attributes"]
        if a["taxonomy_term"]["taxonomy_detail"]["name"] == "Regions"
    ]
    assert len(regions) == 12
