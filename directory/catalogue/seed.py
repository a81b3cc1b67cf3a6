"""Load the fixed taxonomies and the real catalogue from seed_data/, idempotently by slug."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from directory.catalogue import changes
from directory.catalogue.changes import Tally, save_records
from directory.catalogue.models import (
    BusinessSize,
    Listing,
    Organisation,
    Region,
    Sector,
    Stage,
    SupportType,
)
from directory.catalogue.placing import place_locations
from directory.catalogue.records import (
    ListingRecord,
    OrganisationRecord,
    Problem,
    Record,
    normalise_listing,
    normalise_organisation,
    validate_listing,
    validate_organisation,
)
from directory.geo.lookup import GeoLookup
from directory.states import ModerationState
from directory.taxonomy import Taxonomy, Term
from directory.yamlfiles import read_yaml

WITHDRAWN_REASON = (
    "Back in seed_data/pending/: not complete enough to publish (see the record's note there)."
)

TaxonomyRow = TypeVar("TaxonomyRow", bound=Region | Stage | SupportType | Sector | BusinessSize)
TAXONOMY_MODELS: dict[str, type[Region | Stage | SupportType | Sector | BusinessSize]] = {
    "regions": Region,
    "stages": Stage,
    "support_types": SupportType,
    "sectors": Sector,
    "business_sizes": BusinessSize,
}


class CatalogueInvalid(Exception):
    """The seed data has problems; nothing was loaded."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the catalogue")
        self.problems = problems


@dataclass
class LoadReport:
    """What a catalogue load did, per kind of record."""

    organisations: Tally = field(default_factory=Tally)
    listings: Tally = field(default_factory=Tally)
    # "listing-slug: town (postcode)" for each location the geo lookup could not place.
    unplaced: list[str] = field(default_factory=list)
    # Published listings taken out of view because their record went back to pending/.
    withdrawn: list[str] = field(default_factory=list)
    # Listings withdrawn that way whose records came back to the catalogue.
    republished: list[str] = field(default_factory=list)
    # The same for organisations (one whose only source proved a copy, say).
    withdrawn_organisations: list[str] = field(default_factory=list)
    republished_organisations: list[str] = field(default_factory=list)


@dataclass
class Catalogue:
    """The validated records of seed_data/catalogue/, keyed by slug."""

    organisations: dict[str, OrganisationRecord]
    listings: dict[str, ListingRecord]


def read_catalogue(seed_dir: Path, taxonomy: Taxonomy) -> Catalogue:
    """Read and validate every catalogue file; raise CatalogueInvalid naming each bad record."""
    problems: list[Problem] = []
    raw_organisations: list[tuple[str, Record]] = []
    raw_listings: list[tuple[str, Record]] = []
    files = sorted((Path(seed_dir) / "catalogue").glob("*.yaml"))
    if not files:
        problems.append(Problem(str(seed_dir), "catalogue", "files", "no catalogue/*.yaml found"))
    for path in files:
        source = path.name
        try:
            content = read_yaml(path)
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

    organisations: dict[str, OrganisationRecord] = {}
    for source, raw in raw_organisations:
        organisation = normalise_organisation(raw)
        problems += validate_organisation(organisation, source)
        organisations.setdefault(organisation["slug"], organisation)
    websites = {slug: organisation["website"] for slug, organisation in organisations.items()}
    listings: dict[str, ListingRecord] = {}
    for source, raw in raw_listings:
        record = normalise_listing(raw)
        problems += validate_listing(raw, record, source, taxonomy, websites)
        listings.setdefault(record["slug"], record)
    problems += _duplicate_problems("organisation", raw_organisations)
    problems += _duplicate_problems("listing", raw_listings)
    if problems:
        raise CatalogueInvalid(problems)
    return Catalogue(organisations, listings)


def _duplicate_problems(kind: str, raw_records: list[tuple[str, Record]]) -> list[Problem]:
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
        _load_terms(session, model, taxonomy.terms(name))
    session.flush()


def _load_terms(session: Session, model: type[TaxonomyRow], terms: tuple[Term, ...]) -> None:
    """Insert or update the rows of one taxonomy, in the file's order."""
    existing = {row.slug: row for row in session.scalars(select(model))}
    for position, term in enumerate(terms):
        row = existing.get(term.slug) or model(slug=term.slug)
        row.label = term.label
        row.position = position
        for key, value in term.extra:
            setattr(row, key, value)
        session.add(row)


@dataclass(frozen=True)
class Pending:
    """Slugs of the records waiting in pending/: not complete enough to publish."""

    organisations: frozenset[str] = frozenset()
    listings: frozenset[str] = frozenset()


def pending_slugs(seed_dir: Path) -> Pending:
    """The organisations and listings waiting in pending/."""
    slugs: dict[str, set[str]] = {"organisations": set(), "listings": set()}
    for path in sorted((Path(seed_dir) / "pending").glob("*.yaml")):
        content = read_yaml(path)
        for kind, found in slugs.items():
            for raw in content.get(kind) or []:
                if isinstance(raw, dict) and isinstance(raw.get("slug"), str):
                    found.add(raw["slug"])
    return Pending(frozenset(slugs["organisations"]), frozenset(slugs["listings"]))


def load_catalogue(
    session: Session,
    taxonomy: Taxonomy,
    catalogue: Catalogue,
    progress: Callable[[int], None] | None = None,
    actor: str = "flask seed load",
    geo_lookup: GeoLookup | None = None,
    pending: Pending = Pending(),
) -> LoadReport:
    """Upsert organisations and listings by slug, audited as `actor`, withdraw published records
    whose slugs are `pending` but not in the catalogue, and place locations on the map; report
    what changed."""
    report = LoadReport()
    load_taxonomy_tables(session, taxonomy)
    report.organisations, report.listings = save_records(
        session, catalogue.organisations, catalogue.listings, actor, progress
    )
    # A record moved back to pending/ (a source that no longer holds, say) leaves public view;
    # its history stays for moderators, and moving it back to the catalogue republishes it.
    report.withdrawn, report.republished = _follow_pending(
        session,
        Listing,
        waiting=pending.listings - catalogue.listings.keys(),
        present=catalogue.listings.keys(),
        withdrawn=Listing.moderation_note == WITHDRAWN_REASON,
        withdraw=lambda listing: changes.withdraw(listing, actor, WITHDRAWN_REASON),
        republish=lambda listing: changes.republish(listing, actor),
    )
    # Seed load is the only thing that drafts an organisation, so a draft one was withdrawn.
    report.withdrawn_organisations, report.republished_organisations = _follow_pending(
        session,
        Organisation,
        waiting=pending.organisations - catalogue.organisations.keys(),
        present=catalogue.organisations.keys(),
        withdrawn=true(),
        withdraw=lambda organisation: changes.save_organisation(
            organisation, None, actor=actor, moderation_state=ModerationState.DRAFT
        ),
        republish=lambda organisation: changes.save_organisation(
            organisation, None, actor=actor, moderation_state=ModerationState.PUBLISHED
        ),
    )
    # Each location's postcode, else its town, gives it coordinates, local authority and region.
    report.unplaced = [
        f"{location.listing.slug}: {location.town} ({location.postcode or 'no postcode'})"
        for location in place_locations(session, geo_lookup)
    ]
    return report


def _follow_pending(
    session: Session,
    model: type[Listing] | type[Organisation],
    waiting: AbstractSet[str],
    present: AbstractSet[str],
    withdrawn: ColumnElement[bool],
    withdraw: Callable[[Any], object],
    republish: Callable[[Any], object],
) -> tuple[list[str], list[str]]:
    """Withdraw published records whose slugs wait in pending/, republish withdrawn ones back in
    the catalogue; return the slugs of each."""
    gone: list[Listing | Organisation] = list(
        session.scalars(
            select(model).where(
                model.slug.in_(list(waiting)), model.moderation_state == ModerationState.PUBLISHED
            )
        )
    )
    for record in gone:
        withdraw(record)
    back: list[Listing | Organisation] = list(
        session.scalars(
            select(model).where(
                model.slug.in_(list(present)),
                model.moderation_state == ModerationState.DRAFT,
                withdrawn,
            )
        )
    )
    for record in back:
        republish(record)
    return [record.slug for record in gone], [record.slug for record in back]
