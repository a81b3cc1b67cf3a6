"""Our catalogue as Open Referral HSDS 3.0 objects (docs/hsds.md has the field-by-field table).

Every HSDS id is a uuid5 of a kind and a natural key (slugs), so a listing keeps its id in every
database and after every re-seed. Fields we do not hold are left out rather than guessed: HSDS
types them as plain strings, so an absent value is an absent key, never null.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from flask import url_for

from directory.catalogue.availability import Availability, AvailabilityState, availability
from directory.catalogue.models import Listing, Location, Organisation
from directory.presentation import long_date
from directory.taxonomy import TAXONOMY_NAMES, UK_WIDE, Taxonomy, Term

HSDS_VERSION = "3.0"
# Core HSDS 3.0: we declare no profile (docs/hsds.md says why not Open Referral UK's yet).
PROFILE_URL = "https://github.com/openreferral/specification/tree/3.0/schema"
OPENAPI_URL = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"

# Fixed for good: a new namespace would change every id this API has ever published.
NAMESPACE = uuid.UUID("91e30d39-1a0f-43d2-bfc4-97a100216bf5")

# The kinds that prefix natural keys before hashing; part of every published id.
SERVICE = "listing"
ORGANIZATION = "organisation"
LOCATION = "location"
SERVICE_AT_LOCATION = "service_at_location"
ADDRESS = "address"
PHONE = "phone"
SERVICE_AREA = "service_area"
TAXONOMY = "taxonomy"
TAXONOMY_TERM = "taxonomy_term"
ATTRIBUTE = "attribute"

# Titles and descriptions of our taxonomies as HSDS taxonomies (HSDS requires a description).
TAXONOMY_TEXT = {
    "regions": (
        "Regions",
        "The UK nations and regions a listing serves: the 12 ONS ITL1 regions, each coded by its "
        "ITL1 code. A UK-wide listing carries every region.",
    ),
    "stages": (
        "Business stages",
        "How far along a business a listing is for, from an idea not yet trading to an "
        "established SME.",
    ),
    "support_types": (
        "Types of support",
        "What a listing offers a founder: accelerators, workspace, investment, grants, loans, "
        "advice and more.",
    ),
    "sectors": ("Sectors", "The GOV.UK industries a listing is for, or any sector."),
    "business_sizes": (
        "Business sizes",
        "The sizes of business, by number of employees, a listing is open to (GOV.UK's bands).",
    ),
}

# Local authority codes start with their nation's letter (E06..., W06..., S12..., N09...).
NATION_BY_CODE_PREFIX = {
    "E": "England",
    "W": "Wales",
    "S": "Scotland",
    "N": "Northern Ireland",
}
DEVOLVED_NATIONS = {
    "wales": "Wales",
    "scotland": "Scotland",
    "northern-ireland": "Northern Ireland",
}

HsdsObject = dict[str, Any]


@lru_cache(maxsize=65_536)
def stable_id(kind: str, key: str) -> str:
    """The HSDS id of one thing: a uuid5 of its kind and natural key, the same in every database."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


def canonical_id(text: str) -> str | None:
    """A uuid as this API writes it (lower case, hyphens), or None if the text is not one."""
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return None


def service_id(listing: Listing) -> str:
    """The HSDS id of a listing's service."""
    return stable_id(SERVICE, listing.slug)


def organization_id(organisation: Organisation) -> str:
    """The HSDS id of an organisation."""
    return stable_id(ORGANIZATION, organisation.slug)


def location_key(listing_slug: str, position: int) -> str:
    """A location's natural key: its listing's slug and its place in that listing's list."""
    return f"{listing_slug}:{position}"


def location_id(listing: Listing, location: Location) -> str:
    """The HSDS id of one of a listing's locations."""
    return stable_id(LOCATION, location_key(listing.slug, location.position))


def service_at_location_id(listing: Listing, location: Location) -> str:
    """The HSDS id of the link between a listing's service and one of its locations."""
    return stable_id(SERVICE_AT_LOCATION, location_key(listing.slug, location.position))


@dataclass(frozen=True)
class HsdsTerm:
    """One of our taxonomy terms, with its HSDS id and the taxonomy it belongs to."""

    id: str
    taxonomy: str  # our taxonomy's name, e.g. "regions"
    taxonomy_id: str
    term: Term


@dataclass(frozen=True)
class HsdsTaxonomy:
    """One of our fixed taxonomies as an HSDS taxonomy."""

    id: str
    name: str  # ours, e.g. "regions"
    terms: tuple[HsdsTerm, ...]


class Vocabulary:
    """Our five fixed taxonomies as HSDS taxonomies and terms, found by HSDS id."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.source = taxonomy
        self.taxonomies = tuple(
            HsdsTaxonomy(
                id=stable_id(TAXONOMY, name),
                name=name,
                terms=tuple(
                    HsdsTerm(
                        id=stable_id(TAXONOMY_TERM, f"{name}:{term.slug}"),
                        taxonomy=name,
                        taxonomy_id=stable_id(TAXONOMY, name),
                        term=term,
                    )
                    for term in taxonomy.terms(name)
                ),
            )
            for name in TAXONOMY_NAMES
        )
        self.terms = tuple(term for group in self.taxonomies for term in group.terms)
        self._taxonomies = {group.id: group for group in self.taxonomies}
        self._by_name = {group.name: group for group in self.taxonomies}
        self._terms = {term.id: term for term in self.terms}
        self._by_slug = {(term.taxonomy, term.term.slug): term for term in self.terms}

    def taxonomy(self, hsds_id: str) -> HsdsTaxonomy | None:
        """The taxonomy with this HSDS id, or None."""
        return self._taxonomies.get(canonical_id(hsds_id) or "")

    def named(self, name: str) -> HsdsTaxonomy:
        """One of our taxonomies by its name, e.g. `regions`."""
        return self._by_name[name]

    def term(self, hsds_id: str) -> HsdsTerm | None:
        """The taxonomy term with this HSDS id, or None."""
        return self._terms.get(canonical_id(hsds_id) or "")

    def term_for(self, taxonomy: str, slug: str) -> HsdsTerm:
        """One of our terms by its taxonomy's name and its slug."""
        return self._by_slug[(taxonomy, slug)]


@lru_cache(maxsize=4)
def vocabulary(taxonomy: Taxonomy) -> Vocabulary:
    """The HSDS view of the app's fixed taxonomies, built once per taxonomy."""
    return Vocabulary(taxonomy)


def api_info() -> HsdsObject:
    """What the API root answers: the HSDS version, profile and API definition."""
    return {"version": HSDS_VERSION, "profile": PROFILE_URL, "openapi_url": OPENAPI_URL}


def page_document(contents: list[HsdsObject], total: int, page: int, per_page: int) -> HsdsObject:
    """A page of a list in HSDS's paging object."""
    total_pages = math.ceil(total / per_page)
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= total_pages,
        "empty": not contents,
        "contents": contents,
    }


def taxonomy_object(taxonomy: HsdsTaxonomy) -> HsdsObject:
    """An HSDS taxonomy; its uri is our own taxonomy document, which gives every slug."""
    title, description = TAXONOMY_TEXT[taxonomy.name]
    return {
        "id": taxonomy.id,
        "name": title,
        "description": description,
        "uri": url_for("api.taxonomy", _external=True),
    }


def term_code(term: HsdsTerm) -> str | None:
    """A region's ONS ITL1 code (none rather than a made-up one); any other term's slug."""
    if term.taxonomy == "regions":
        return term.term.get("itl1")
    return term.term.slug


def taxonomy_term(term: HsdsTerm, vocabulary: Vocabulary) -> HsdsObject:
    """An HSDS taxonomy term, with its taxonomy."""
    return _present(
        {
            "id": term.id,
            "code": term_code(term),
            "name": term.term.label,
            # HSDS requires a description; where our taxonomy has none, the label is all we have.
            "description": term.term.get("description") or term.term.label,
            "taxonomy_id": term.taxonomy_id,
            "taxonomy_detail": taxonomy_object(vocabulary.named(term.taxonomy)),
        }
    )


def organization_summary(organisation: Organisation) -> HsdsObject:
    """An organisation's own fields: what the organizations list returns."""
    return _present(
        {
            "id": organization_id(organisation),
            "name": organisation.name,
            # Required by HSDS: an organisation we hold no description for gets an empty one.
            "description": organisation.description or "",
            "website": organisation.website,
        }
    )


def organization_full(
    organisation: Organisation,
    listings: list[Listing],
    vocabulary: Vocabulary,
    full_services: bool = False,
) -> HsdsObject:
    """An organisation with its published listings' locations and services."""
    if full_services:
        services = [
            {
                **service_fields(listing),
                **service_relations(listing, vocabulary),
                "service_at_locations": service_at_locations(listing, vocabulary),
            }
            for listing in listings
        ]
    else:
        services = [service_fields(listing) for listing in listings]
    return {
        **organization_summary(organisation),
        "locations": [
            location_object(listing, location, vocabulary)
            for listing in listings
            for location in listing.locations
        ],
        "services": services,
    }


def service_status(state: Availability) -> str:
    """HSDS status: an ended programme is inactive, a paused one temporarily closed."""
    if state.state == AvailabilityState.ENDED:
        return "inactive"
    if state.state == AvailabilityState.PAUSED:
        return "temporarily closed"
    # Between rounds, not yet open or not checked lately, the programme itself still runs.
    return "active"


def service_alert(state: Availability) -> str | None:
    """Where applications stand, when a founder cannot simply apply today (as our pages say)."""
    match state.state:
        case AvailabilityState.OPEN if state.closes_on:
            return f"Applications close on {long_date(state.closes_on)}."
        case AvailabilityState.OPENS:
            return f"Applications open on {long_date(state.opens_on)}."
        case AvailabilityState.BETWEEN_ROUNDS:
            closed = (
                f"Applications closed on {long_date(state.closes_on)}."
                if state.closes_on
                else "Applications are closed."
            )
            return f"{closed} {state.next_round}" if state.next_round else closed
        case AvailabilityState.ENDED if state.ended_on:
            return f"Ended on {long_date(state.ended_on)}."
        case AvailabilityState.UNCONFIRMED:
            checked = long_date(state.last_checked_on) if state.last_checked_on else "never"
            return (
                f"Not confirmed lately: last checked {checked}. "
                "Check with the organisation before you apply."
            )
    return None


def last_modified(listing: Listing) -> datetime:
    """When the listing or its organisation last changed (HSDS counts related information)."""
    return max(_utc(listing.updated_at), _utc(listing.organisation.updated_at))


def service_fields(listing: Listing) -> HsdsObject:
    """A service's one-to-one fields."""
    state = availability(listing)
    return _present(
        {
            "id": service_id(listing),
            "organization_id": organization_id(listing.organisation),
            "name": listing.name,
            "description": listing.description,
            "url": listing.website,
            "email": listing.contact_email,
            "status": service_status(state),
            "application_process": listing.how_to_apply,
            "fees_description": listing.cost,
            "eligibility_description": listing.eligibility,
            "assured_date": listing.last_checked_on.isoformat()
            if listing.last_checked_on
            else None,
            "alert": service_alert(state),
            "last_modified": _timestamp(last_modified(listing)),
        }
    )


def service_summary(listing: Listing) -> HsdsObject:
    """A service with its organization: what the services list returns."""
    return {**service_fields(listing), "organization": organization_summary(listing.organisation)}


def service_relations(listing: Listing, vocabulary: Vocabulary) -> HsdsObject:
    """A service's phones, service areas and taxonomy attributes."""
    return {
        "phones": phones(listing),
        "service_areas": service_areas(listing, vocabulary),
        "attributes": attributes(listing, vocabulary),
    }


def service_full(listing: Listing, vocabulary: Vocabulary) -> HsdsObject:
    """A fully nested service: organization, locations, phones, areas and attributes."""
    return {
        **service_summary(listing),
        **service_relations(listing, vocabulary),
        "service_at_locations": service_at_locations(listing, vocabulary),
    }


def phones(listing: Listing) -> list[HsdsObject]:
    """The listing's contact phone number, if it gives one."""
    if not listing.contact_phone:
        return []
    return [
        {
            "id": stable_id(PHONE, listing.slug),
            "service_id": service_id(listing),
            "number": listing.contact_phone,
        }
    ]


def service_areas(listing: Listing, vocabulary: Vocabulary) -> list[HsdsObject]:
    """The regions a listing serves, by name; a UK-wide listing has one area, the UK."""
    served = [UK_WIDE] if listing.uk_wide else [region.slug for region in listing.regions]
    return [
        {
            "id": stable_id(SERVICE_AREA, f"{listing.slug}:{slug}"),
            "service_id": service_id(listing),
            "name": vocabulary.source.label("regions", slug),
        }
        for slug in served
    ]


def listing_terms(listing: Listing, vocabulary: Vocabulary) -> list[HsdsTerm]:
    """Every taxonomy term a listing carries; a UK-wide listing serves every region."""
    slugs = {
        "regions": vocabulary.source.slugs("regions")
        if listing.uk_wide
        else [region.slug for region in listing.regions],
        "stages": [term.slug for term in listing.stages],
        "support_types": [term.slug for term in listing.support_types],
        "sectors": [term.slug for term in listing.sectors],
        "business_sizes": [term.slug for term in listing.business_sizes],
    }
    return [vocabulary.term_for(name, slug) for name in TAXONOMY_NAMES for slug in slugs[name]]


def attributes(listing: Listing, vocabulary: Vocabulary) -> list[HsdsObject]:
    """HSDS attributes linking a service to each of its taxonomy terms."""
    return [
        {
            "id": stable_id(ATTRIBUTE, f"{listing.slug}:{term.taxonomy}:{term.term.slug}"),
            "link_id": service_id(listing),
            "link_entity": "service",
            "taxonomy_term_id": term.id,
            "taxonomy_term": taxonomy_term(term, vocabulary),
        }
        for term in listing_terms(listing, vocabulary)
    ]


def location_fields(listing: Listing, location: Location) -> HsdsObject:
    """A physical site's one-to-one fields."""
    # A postcode places a site; a town alone gives the town's centre, which is not where it is.
    precise = bool(location.postcode)
    return _present(
        {
            "id": location_id(listing, location),
            "location_type": "physical",
            "organization_id": organization_id(listing.organisation),
            "name": location.name or location.town,
            "latitude": location.latitude if precise else None,
            "longitude": location.longitude if precise else None,
        }
    )


def location_object(listing: Listing, location: Location, vocabulary: Vocabulary) -> HsdsObject:
    """A physical site of a listing, with its postal address when we hold a full one."""
    return {
        **location_fields(listing, location),
        "addresses": addresses(listing, location, vocabulary),
    }


def addresses(listing: Listing, location: Location, vocabulary: Vocabulary) -> list[HsdsObject]:
    """The site's address, only when we hold every part HSDS requires of one."""
    nation = _nation(location)
    if not (location.address and location.postcode and nation):
        return []
    region = location.region_slug
    return [
        _present(
            {
                "id": stable_id(ADDRESS, location_key(listing.slug, location.position)),
                "location_id": location_id(listing, location),
                "address_1": location.address,
                "city": location.town,
                "region": vocabulary.source.label("regions", region) if region else None,
                "state_province": nation,
                "postal_code": location.postcode,
                "country": "GB",
                "address_type": "physical",
            }
        )
    ]


def service_at_locations(listing: Listing, vocabulary: Vocabulary) -> list[HsdsObject]:
    """The links between a listing's service and each of its sites, with the sites."""
    return [service_at_location(listing, location, vocabulary) for location in listing.locations]


def service_at_location(listing: Listing, location: Location, vocabulary: Vocabulary) -> HsdsObject:
    """The link between a service and one site, with the site."""
    return {
        "id": service_at_location_id(listing, location),
        "service_id": service_id(listing),
        "location_id": location_id(listing, location),
        "location": location_object(listing, location, vocabulary),
    }


def service_at_location_summary(
    listing: Listing, location: Location, vocabulary: Vocabulary
) -> HsdsObject:
    """A service at a site, each with its own fields only: what the list returns."""
    return {
        **service_at_location(listing, location, vocabulary),
        "location": location_fields(listing, location),
        "service": service_summary(listing),
    }


def service_at_location_full(
    listing: Listing, location: Location, vocabulary: Vocabulary
) -> HsdsObject:
    """A service at a site with both fully nested (the service less its other sites)."""
    service = {**service_summary(listing), **service_relations(listing, vocabulary)}
    return {**service_at_location(listing, location, vocabulary), "service": service}


def _nation(location: Location) -> str | None:
    """The UK nation of a site, from its local authority's code, else from its region."""
    if location.lad_code and location.lad_code[0] in NATION_BY_CODE_PREFIX:
        return NATION_BY_CODE_PREFIX[location.lad_code[0]]
    if location.region_slug:
        return DEVOLVED_NATIONS.get(location.region_slug, "England")
    return None


def _utc(moment: datetime) -> datetime:
    """A stored time as aware UTC (SQLite hands times back without their zone)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _timestamp(moment: datetime) -> str:
    """An RFC 3339 UTC time to the millisecond, as HSDS asks of last_modified."""
    return _utc(moment).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _present(fields: HsdsObject) -> HsdsObject:
    """The fields that have a value: HSDS types do not allow null."""
    return {name: value for name, value in fields.items() if value is not None}
