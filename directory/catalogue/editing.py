"""The mapping between catalogue records (plain dicts) and the database models, both ways."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.catalogue.models import (
    BusinessSize,
    Listing,
    Location,
    Organisation,
    Region,
    Sector,
    Stage,
    SupportType,
)
from directory.catalogue.records import (
    CONTACT_FIELDS,
    LOCATION_FIELDS,
    WELSH_LISTING_FIELDS,
    WELSH_ORGANISATION_FIELDS,
    ListingRecord,
    OrganisationRecord,
    Record,
    normalise_listing,
    normalise_organisation,
)
from directory.taxonomy import UK_WIDE


def organisation_record(organisation: Organisation) -> OrganisationRecord:
    """Read an organisation back into the seed record shape."""
    return normalise_organisation(
        {
            "slug": organisation.slug,
            "name": organisation.name,
            "website": organisation.website,
            "description": organisation.description,
            **{field: getattr(organisation, field) for field in WELSH_ORGANISATION_FIELDS},
            "sources": organisation.sources,
        }
    )


def listing_record(listing: Listing) -> ListingRecord:
    """Read a listing back into the seed record shape."""
    return normalise_listing(
        {
            "slug": listing.slug,
            "name": listing.name,
            "organisation": listing.organisation.slug,
            "summary": listing.summary,
            "description": listing.description,
            "support_types": [term.slug for term in listing.support_types],
            "stages": [term.slug for term in listing.stages],
            "sectors": [term.slug for term in listing.sectors],
            "regions": listing.region_slugs,
            "business_sizes": [term.slug for term in listing.business_sizes],
            "tags": list(listing.tags or []),
            "locations": [
                {field: getattr(location, field) for field in LOCATION_FIELDS}
                for location in listing.locations
            ],
            "website": listing.website,
            "contact": {
                "email": listing.contact_email,
                "phone": listing.contact_phone,
                "form": listing.contact_form,
            },
            "how_to_apply": listing.how_to_apply,
            "cost": listing.cost,
            "funding_min": listing.funding_min,
            "funding_max": listing.funding_max,
            "equity_taken": listing.equity_taken,
            "eligibility": listing.eligibility,
            "application_status": listing.application_status,
            "opens_on": listing.opens_on,
            "deadline": listing.deadline,
            "next_round": listing.next_round,
            "status": listing.status,
            "closed_on": listing.closed_on,
            **{field: getattr(listing, field) for field in WELSH_LISTING_FIELDS},
            "sources": listing.sources,
        }
    )


def stored_sources(sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sources as the JSON column keeps them: retrieval dates as ISO text."""
    return [
        {**source, "retrieved": source["retrieved"].isoformat()}
        if isinstance(source.get("retrieved"), date)
        else dict(source)
        for source in sources
    ]


def note_source_check(listing: Listing, sources: list[dict[str, Any]]) -> None:
    """Reading a listing's sources is a check of it, dated by the latest reading.

    An owner's or moderator's later check stays: only a newer reading replaces it.
    """
    read = [s["retrieved"] for s in sources if isinstance(s.get("retrieved"), date)]
    if read and (listing.last_checked_on is None or max(read) > listing.last_checked_on):
        listing.last_checked_on = max(read)
        listing.last_checked_how = "source"
        listing.last_checked_by = "its published sources"


def apply_organisation_record(organisation: Organisation, record: Mapping[str, Any]) -> None:
    """Copy a validated organisation record onto an organisation."""
    for key, value in record.items():
        setattr(organisation, key, stored_sources(value) if key == "sources" else value)


def comparable(record: Mapping[str, Any]) -> Record:
    """A record whose taxonomy lists compare as sets: the database returns display order."""
    return {
        key: sorted(value) if key in ("support_types", "stages", "sectors", "regions",
                                      "business_sizes") else value
        for key, value in record.items()
    }  # fmt: skip


def apply_listing_record(
    session: Session,
    listing: Listing,
    record: Mapping[str, Any],
    organisations: dict[str, Organisation] | None = None,
) -> None:
    """Copy a validated listing record onto a listing, replacing its taxonomy links.

    `organisations` (slug -> organisation) saves a query per listing when loading many.
    """
    # A half-built listing must not be flushed by the look-ups below.
    with session.no_autoflush:
        scalar_fields = (
            "name", "summary", "description", "website", "how_to_apply", "cost", "funding_min",
            "funding_max", "equity_taken", "eligibility", "application_status", "opens_on",
            "deadline", "next_round", "status", "closed_on", *WELSH_LISTING_FIELDS,
        )  # fmt: skip
        for name in scalar_fields:
            setattr(listing, name, record[name])
        contact = record["contact"] or {}
        for part in CONTACT_FIELDS:
            setattr(listing, f"contact_{part}", contact.get(part))
        listing.sources = stored_sources(record["sources"])
        note_source_check(listing, record["sources"])
        listing.slug = record["slug"]
        listing.tags = list(record["tags"])
        organisation = (organisations or {}).get(record["organisation"])
        listing.organisation = (
            organisation
            or session.scalars(select(Organisation).filter_by(slug=record["organisation"])).one()
        )
        listing.uk_wide = record["regions"] == [UK_WIDE]
        regions = [] if listing.uk_wide else record["regions"]
        for attribute, model, slugs in (
            ("regions", Region, regions),
            ("stages", Stage, record["stages"]),
            ("support_types", SupportType, record["support_types"]),
            ("sectors", Sector, record["sectors"]),
            ("business_sizes", BusinessSize, record["business_sizes"]),
        ):
            setattr(listing, attribute, [session.get(model, slug) for slug in slugs])
        listing.locations = [
            Location(position=position, **location)
            for position, location in enumerate(record["locations"])
        ]
