"""Load the fixed taxonomies and the real catalogue from seed_data/, idempotently by slug."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
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
    LOCATION_FIELDS,
    Problem,
    normalise_listing,
    normalise_organisation,
    validate_listing,
    validate_organisation,
)
from directory.taxonomy import UK_WIDE, Taxonomy

TAXONOMY_MODELS = {
    "regions": Region,
    "stages": Stage,
    "support_types": SupportType,
    "sectors": Sector,
    "business_sizes": BusinessSize,
}


class CatalogueInvalid(Exception):
    """The seed data has problems; nothing was loaded."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s) in the catalogue")
        self.problems = problems


@dataclass
class Tally:
    """How many records of one kind were created, updated or left unchanged."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class LoadReport:
    """What a catalogue load did, per kind of record."""

    organisations: Tally = field(default_factory=Tally)
    listings: Tally = field(default_factory=Tally)


@dataclass
class Catalogue:
    """The validated records of seed_data/catalogue/, keyed by slug."""

    organisations: dict[str, dict]
    listings: dict[str, dict]


def read_catalogue(seed_dir: Path, taxonomy: Taxonomy) -> Catalogue:
    """Read and validate every catalogue file; raise CatalogueInvalid naming each bad record."""
    problems: list[Problem] = []
    raw_organisations: list[tuple[str, dict]] = []
    raw_listings: list[tuple[str, dict]] = []
    files = sorted((Path(seed_dir) / "catalogue").glob("*.yaml"))
    if not files:
        problems.append(Problem(str(seed_dir), "catalogue", "files", "no catalogue/*.yaml found"))
    for path in files:
        source = path.name
        try:
            content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as error:
            problems.append(Problem(source, "(file)", "yaml", str(error).replace("\n", " ")))
            continue
        if not isinstance(content, dict) or set(content) - {"organisations", "listings"}:
            problems.append(
                Problem(source, "(file)", "layout", "must hold only organisations: and listings:")
            )
            continue
        for kind, bucket in (("organisations", raw_organisations), ("listings", raw_listings)):
            for position, raw in enumerate(content.get(kind) or [], start=1):
                if isinstance(raw, dict):
                    bucket.append((source, raw))
                else:
                    problems.append(Problem(source, f"{kind}[{position}]", "-", "not a mapping"))

    organisations: dict[str, dict] = {}
    for source, raw in raw_organisations:
        record = normalise_organisation(raw)
        problems += validate_organisation(record, source)
        organisations.setdefault(record["slug"], record)
    listings: dict[str, dict] = {}
    for source, raw in raw_listings:
        record = normalise_listing(raw)
        problems += validate_listing(raw, record, source, taxonomy, set(organisations))
        listings.setdefault(record["slug"], record)
    problems += _duplicate_problems("organisation", raw_organisations)
    problems += _duplicate_problems("listing", raw_listings)
    if problems:
        raise CatalogueInvalid(problems)
    return Catalogue(organisations, listings)


def _duplicate_problems(kind: str, raw_records: list[tuple[str, dict]]) -> list[Problem]:
    """Slugs must be unique across all files."""
    counts = Counter(raw.get("slug") for _, raw in raw_records)
    return [
        Problem(source, str(raw.get("slug")), "slug", f"another {kind} has the same slug")
        for source, raw in raw_records
        if raw.get("slug") and counts[raw.get("slug")] > 1
    ]


def load_taxonomy_tables(session: Session, taxonomy: Taxonomy) -> None:
    """Insert or update the fixed taxonomy rows from the taxonomies file."""
    for name, model in TAXONOMY_MODELS.items():
        existing = {row.slug: row for row in session.scalars(select(model))}
        for position, term in enumerate(taxonomy.terms(name)):
            row = existing.get(term.slug) or model(slug=term.slug)
            row.label = term.label
            row.position = position
            for key, value in term.extra:
                setattr(row, key, value)
            session.add(row)
    session.flush()


def organisation_record(organisation: Organisation) -> dict:
    """Read an organisation back into the seed record shape."""
    return normalise_organisation(
        {
            "slug": organisation.slug,
            "name": organisation.name,
            "website": organisation.website,
            "description": organisation.description,
            "provenance": organisation.provenance,
        }
    )


def listing_record(listing: Listing) -> dict:
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
            "how_to_apply": listing.how_to_apply,
            "cost": listing.cost,
            "funding_min": listing.funding_min,
            "funding_max": listing.funding_max,
            "equity_taken": listing.equity_taken,
            "eligibility": listing.eligibility,
            "application_status": listing.application_status,
            "opens_on": listing.opens_on,
            "deadline": listing.deadline,
            "status": listing.status,
            "provenance": listing.provenance,
        }
    )


def _sorted_like_seed(record: dict) -> dict:
    """Compare taxonomy lists as sets: the database returns them in display order."""
    return {
        key: sorted(value) if key in ("support_types", "stages", "sectors", "regions",
                                      "business_sizes") else value
        for key, value in record.items()
    }  # fmt: skip


def apply_listing_record(session: Session, listing: Listing, record: dict) -> None:
    """Copy a validated listing record onto a listing, replacing its taxonomy links."""
    # A half-built listing must not be flushed by the look-ups below.
    with session.no_autoflush:
        scalar_fields = (
            "name", "summary", "description", "website", "how_to_apply", "cost", "funding_min",
            "funding_max", "equity_taken", "eligibility", "application_status", "opens_on",
            "deadline", "status", "provenance",
        )  # fmt: skip
        for name in scalar_fields:
            setattr(listing, name, record[name])
        listing.slug = record["slug"]
        listing.tags = list(record["tags"])
        listing.organisation = session.scalars(
            select(Organisation).filter_by(slug=record["organisation"])
        ).one()
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


def load_catalogue(
    session: Session,
    taxonomy: Taxonomy,
    catalogue: Catalogue,
    progress: Callable[[int], None] | None = None,
) -> LoadReport:
    """Upsert organisations and listings by slug and report what changed; only flushes."""
    report = LoadReport()
    load_taxonomy_tables(session, taxonomy)
    existing_organisations = {row.slug: row for row in session.scalars(select(Organisation))}
    for slug, record in catalogue.organisations.items():
        organisation = existing_organisations.get(slug)
        if organisation is None:
            session.add(Organisation(**record))
            report.organisations.created += 1
        elif organisation_record(organisation) == record:
            report.organisations.unchanged += 1
        else:
            for key, value in record.items():
                setattr(organisation, key, value)
            report.organisations.updated += 1
    session.flush()

    existing_listings = {row.slug: row for row in session.scalars(select(Listing))}
    for done, (slug, record) in enumerate(catalogue.listings.items(), start=1):
        listing = existing_listings.get(slug)
        if listing is None:
            listing = Listing(moderation_state="published")
            session.add(listing)
            apply_listing_record(session, listing, record)
            report.listings.created += 1
        elif _sorted_like_seed(listing_record(listing)) == _sorted_like_seed(record):
            report.listings.unchanged += 1
        else:
            apply_listing_record(session, listing, record)
            report.listings.updated += 1
        if progress:
            progress(done)
    session.flush()
    return report
