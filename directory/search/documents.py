"""The mapping from a listing to the plain search document that search_index/ indexes.

`search_document` reads a listing through a few attributes, so the same mapping serves an ORM
listing (an edit, the fallback search) and the light rows `public_documents` reads in bulk for
a full rebuild, where loading 100,000 ORM objects with their relationships took longer than
indexing them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from directory.catalogue.availability import open_interval
from directory.catalogue.models import (
    Listing,
    Location,
    Organisation,
    Region,
    Sector,
    Stage,
    SupportType,
    listing_region,
    listing_sector,
    listing_stage,
    listing_support_type,
)
from directory.states import ModerationState
from search_index import SearchDocument

# Listings read per round of queries in a bulk read.
BATCH = 5000


class _Term(Protocol):
    @property
    def slug(self) -> str: ...
    @property
    def label(self) -> str: ...


class _Location(Protocol):
    @property
    def town(self) -> str: ...
    @property
    def postcode(self) -> str | None: ...
    @property
    def latitude(self) -> float | None: ...
    @property
    def longitude(self) -> float | None: ...
    @property
    def lad_code(self) -> str | None: ...


class _Named(Protocol):
    @property
    def name(self) -> str: ...


class Indexable(Protocol):
    """What a search document reads of a listing (an ORM Listing or a ListingRow)."""

    @property
    def id(self) -> int: ...
    @property
    def slug(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def name_cy(self) -> str | None: ...
    @property
    def summary_cy(self) -> str | None: ...
    @property
    def description_cy(self) -> str | None: ...
    @property
    def tags(self) -> list[str]: ...
    @property
    def status(self) -> str: ...
    @property
    def application_status(self) -> str: ...
    @property
    def deadline(self) -> date | None: ...
    @property
    def opens_on(self) -> date | None: ...
    @property
    def last_checked_on(self) -> date | None: ...
    @property
    def uk_wide(self) -> bool: ...

    @property
    def organisation(self) -> _Named: ...
    @property
    def support_types(self) -> Sequence[_Term]: ...
    @property
    def stages(self) -> Sequence[_Term]: ...
    @property
    def sectors(self) -> Sequence[_Term]: ...
    @property
    def regions(self) -> Sequence[_Term]: ...
    @property
    def locations(self) -> Sequence[_Location]: ...
    @property
    def region_slugs(self) -> list[str]: ...


def search_document(listing: Indexable) -> SearchDocument:
    """Return the search document of a public listing."""
    interval = open_interval(listing)  # type: ignore[arg-type]  # reads only Indexable's fields
    return {
        "id": str(listing.id),
        "slug": listing.slug,
        "name": listing.name,
        "organisation": listing.organisation.name,
        # A listing's Welsh text is found by Welsh words: its Welsh name counts as summary.
        "summary": _joined(listing.summary, listing.name_cy, listing.summary_cy),
        "description": _joined(listing.description, listing.description_cy),
        # Founders search in the taxonomy's words ("incubator", "loans", "Wales") and by town,
        # so those labels are searchable alongside the listing's own tags.
        "tags": [
            *(listing.tags or []),
            *(term.label for term in listing.support_types),
            *(term.label for term in listing.sectors if term.slug != "any"),
            *(["UK-wide"] if listing.uk_wide else [term.label for term in listing.regions]),
            *(location.town for location in listing.locations),
        ],
        "support_types": [term.slug for term in listing.support_types],
        "stages": [term.slug for term in listing.stages],
        "sectors": [term.slug for term in listing.sectors],
        "regions": listing.region_slugs,
        "status": listing.status,
        "deadline": listing.deadline,
        "application_status": listing.application_status,
        # Where the listing's locations are, for places and near-me; UK-wide support has no
        # place of its own whatever offices it has. A point is precise when a postcode gave it.
        "points": []
        if listing.uk_wide
        else [
            (location.latitude, location.longitude, bool(location.postcode))
            for location in listing.locations
            if location.latitude is not None and location.longitude is not None
        ],
        "lads": []
        if listing.uk_wide
        else sorted({location.lad_code for location in listing.locations if location.lad_code}),
        "open_from": interval[0] if interval else None,
        "open_until": interval[1] if interval else None,
    }


def _joined(*texts: str | None) -> str:
    """Texts in one field, a paragraph each (an empty one left out)."""
    return "\n\n".join(text for text in texts if text)


@dataclass(frozen=True)
class TermRow:
    """A taxonomy term as a search document reads it."""

    slug: str
    label: str


@dataclass(frozen=True)
class LocationRow:
    """A location as a search document reads it."""

    town: str
    postcode: str | None
    latitude: float | None
    longitude: float | None
    lad_code: str | None


@dataclass(frozen=True)
class OrganisationRow:
    """An organisation's name."""

    name: str


@dataclass
class ListingRow:
    """A listing read from plain rows, with just what its search document needs."""

    id: int
    slug: str
    name: str
    summary: str
    description: str
    tags: list[str]
    status: str
    application_status: str
    deadline: date | None
    opens_on: date | None
    last_checked_on: date | None
    uk_wide: bool
    organisation: OrganisationRow
    name_cy: str | None
    summary_cy: str | None
    description_cy: str | None
    support_types: list[TermRow] = field(default_factory=list)
    stages: list[TermRow] = field(default_factory=list)
    sectors: list[TermRow] = field(default_factory=list)
    regions: list[TermRow] = field(default_factory=list)
    locations: list[LocationRow] = field(default_factory=list)

    @property
    def region_slugs(self) -> list[str]:
        """Regions served, with `uk-wide` standing for all of them."""
        return ["uk-wide"] if self.uk_wide else [region.slug for region in self.regions]


# Each taxonomy: its link table, the link table's slug column, and the term model.
_TERMS: tuple[tuple[str, Table, str, Any], ...] = (
    ("support_types", listing_support_type, "support_type_slug", SupportType),
    ("stages", listing_stage, "stage_slug", Stage),
    ("sectors", listing_sector, "sector_slug", Sector),
    ("regions", listing_region, "region_slug", Region),
)


def public_documents(session: Session) -> Iterator[SearchDocument]:
    """The search document of every public listing, read in batches of plain rows."""
    terms = {
        name: {
            row.slug: (row.position, TermRow(row.slug, row.label))
            for row in session.execute(select(model.slug, model.label, model.position))
        }
        for name, _table, _column, model in _TERMS
    }
    last_id = 0
    while True:
        rows = session.execute(
            select(
                Listing.id, Listing.slug, Listing.name, Listing.summary, Listing.description,
                Listing.tags, Listing.status, Listing.application_status, Listing.deadline,
                Listing.opens_on, Listing.last_checked_on, Listing.uk_wide,
                Organisation.name.label("organisation_name"), Listing.name_cy,
                Listing.summary_cy, Listing.description_cy,
            )
            .join(Organisation, Organisation.id == Listing.organisation_id)
            .where(Listing.moderation_state == ModerationState.PUBLISHED, Listing.id > last_id)
            .order_by(Listing.id)
            .limit(BATCH)
        ).all()  # fmt: skip
        if not rows:
            return
        last_id = rows[-1].id
        ids = [row.id for row in rows]
        listings = {
            row.id: ListingRow(
                row.id, row.slug, row.name, row.summary, row.description, row.tags or [],
                row.status, row.application_status, row.deadline, row.opens_on,
                row.last_checked_on, row.uk_wide, OrganisationRow(row.organisation_name),
                row.name_cy, row.summary_cy, row.description_cy,
            )
            for row in rows
        }  # fmt: skip
        for name, table, column, _model in _TERMS:
            linked: dict[int, list[tuple[int, TermRow]]] = defaultdict(list)
            for listing_id, slug in session.execute(
                select(table.c.listing_id, table.c[column]).where(table.c.listing_id.in_(ids))
            ):
                linked[listing_id].append(terms[name][slug])
            for listing_id, found in linked.items():
                # In the taxonomy's order, as the ORM relationships order them.
                setattr(listings[listing_id], name, [term for _position, term in sorted(found)])
        for location in session.execute(
            select(
                Location.listing_id, Location.town, Location.postcode, Location.latitude,
                Location.longitude, Location.lad_code,
            )
            .where(Location.listing_id.in_(ids))
            .order_by(Location.listing_id, Location.position)
        ):  # fmt: skip
            listings[location.listing_id].locations.append(
                LocationRow(
                    location.town,
                    location.postcode,
                    location.latitude,
                    location.longitude,
                    location.lad_code,
                )  # fmt: skip
            )
        for listing in listings.values():
            yield search_document(listing)
