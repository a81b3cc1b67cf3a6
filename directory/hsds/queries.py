"""Reading the published catalogue for the HSDS API: filtered and paged, in a fixed number of
queries per page whatever its size (relations come in with selectinload, never one by one)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, false, func, or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from directory.catalogue.models import (
    LISTING_RELATIONS,
    BusinessSize,
    Listing,
    Location,
    Organisation,
    Region,
    Sector,
    Stage,
    SupportType,
)
from directory.extensions import db
from directory.hsds.mapping import (
    LOCATION,
    ORGANIZATION,
    SERVICE,
    SERVICE_AT_LOCATION,
    TAXONOMY_TEXT,
    HsdsTaxonomy,
    HsdsTerm,
    Vocabulary,
    canonical_id,
    location_key,
    stable_id,
)
from directory.search.indexing import public_listings_query
from directory.states import ModerationState

T = TypeVar("T")

# Each taxonomy's link from a listing, and the column its slugs are in.
TERM_LINKS: dict[str, tuple[Any, Any]] = {
    "regions": (Listing.regions, Region.slug),
    "stages": (Listing.stages, Stage.slug),
    "support_types": (Listing.support_types, SupportType.slug),
    "sectors": (Listing.sectors, Sector.slug),
    "business_sizes": (Listing.business_sizes, BusinessSize.slug),
}
PUBLISHED = Listing.moderation_state == ModerationState.PUBLISHED


@dataclass(frozen=True)
class Paging:
    """Which page of a list, and how long a page is."""

    page: int
    per_page: int

    @property
    def offset(self) -> int:
        """How many items come before this page."""
        return (self.page - 1) * self.per_page


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list and the length of the whole list."""

    items: list[T]
    total: int
    paging: Paging


@dataclass(frozen=True)
class ServiceFilters:
    """The HSDS filters on services; each given filter must hold (HSDS: cumulative)."""

    words: tuple[str, ...] = ()
    terms: tuple[HsdsTerm, ...] = ()
    taxonomies: tuple[HsdsTaxonomy, ...] = ()
    organization_ids: tuple[str, ...] = ()
    modified_after: datetime | None = None


def services(filters: ServiceFilters, paging: Paging) -> Page[Listing]:
    """A page of published listings that pass the filters, by name."""
    query = public_listings_query().where(*service_conditions(filters))
    return _page(query.order_by(Listing.name, Listing.slug), paging)


def service(hsds_id: str) -> Listing | None:
    """The published listing with this HSDS id, or None."""
    slugs = db.session.scalars(select(Listing.slug).where(PUBLISHED)).all()
    slug = _key_for(hsds_id, SERVICE, slugs)
    if slug is None:
        return None
    return db.session.scalars(public_listings_query().where(Listing.slug == slug)).first()


def service_conditions(filters: ServiceFilters) -> list[ColumnElement[bool]]:
    """SQL conditions on Listing for the HSDS service filters."""
    conditions = [_mentions(word) for word in filters.words]
    conditions += [_carries(term.taxonomy, term.term.slug) for term in filters.terms]
    conditions += [_carries(taxonomy.name) for taxonomy in filters.taxonomies]
    for hsds_id in filters.organization_ids:
        slug = _organisation_slug(hsds_id)
        # An organisation we do not show has no services to show: an empty list, not an error.
        conditions.append(Listing.organisation.has(Organisation.slug == slug) if slug else false())
    if filters.modified_after is not None:
        # Aware UTC: PostgreSQL compares it as timestamptz, SQLite as UTC text.
        since = filters.modified_after.astimezone(UTC)
        # Matches mapping.last_modified: a change to its organisation changes the service.
        conditions.append(
            or_(
                Listing.updated_at >= since,
                Listing.organisation.has(Organisation.updated_at >= since),
            )
        )
    return conditions


def organisations(words: Sequence[str], paging: Paging, with_listings: bool) -> Page[Organisation]:
    """A page of organisations with at least one published listing, by name."""
    query = select(Organisation).where(_shown_organisation(), *map(_organisation_mentions, words))
    if with_listings:
        query = query.options(*_organisation_loads())
    return _page(query.order_by(Organisation.name, Organisation.slug), paging)


def organisation(hsds_id: str) -> Organisation | None:
    """The shown organisation with this HSDS id, with its listings, or None."""
    slug = _organisation_slug(hsds_id)
    if slug is None:
        return None
    query = select(Organisation).where(Organisation.slug == slug).options(*_organisation_loads())
    return db.session.scalars(query).first()


def published_listings_of(organisation: Organisation) -> list[Listing]:
    """An organisation's listings that founders may see."""
    return [listing for listing in organisation.listings if listing.is_public]


def locations(paging: Paging) -> Page[Location]:
    """A page of the sites of published listings, by listing name."""
    return _page(_public_locations(), paging)


def service_at_locations(filters: ServiceFilters, paging: Paging) -> Page[Location]:
    """A page of sites whose listings pass the service filters (one link per site)."""
    return _page(_public_locations().where(*service_conditions(filters)), paging)


def location(hsds_id: str, kind: str = LOCATION) -> Location | None:
    """The site of a published listing whose location (or service_at_location) has this id."""
    pairs = db.session.execute(
        select(Listing.slug, Location.position).join(Location.listing).where(PUBLISHED)
    ).all()
    key = _key_for(hsds_id, kind, (location_key(slug, position) for slug, position in pairs))
    if key is None:
        return None
    slug, position = key.rsplit(":", 1)
    query = _public_locations().where(Listing.slug == slug, Location.position == int(position))
    return db.session.scalars(query).first()


def service_at_location(hsds_id: str) -> Location | None:
    """The site behind a service_at_location id, or None."""
    return location(hsds_id, SERVICE_AT_LOCATION)


def taxonomies(vocabulary: Vocabulary, words: Sequence[str]) -> list[HsdsTaxonomy]:
    """Our taxonomies whose name or description mentions every word."""
    return [
        taxonomy
        for taxonomy in vocabulary.taxonomies
        if _all_in(words, " ".join(TAXONOMY_TEXT[taxonomy.name]))
    ]


def taxonomy_terms(
    vocabulary: Vocabulary,
    words: Sequence[str],
    taxonomies: Sequence[HsdsTaxonomy],
    parent_ids: Sequence[str],
) -> list[HsdsTerm]:
    """Terms that mention every word, in every given taxonomy."""
    if parent_ids:
        return []  # our taxonomies are flat: no term has a parent
    wanted = {taxonomy.name for taxonomy in taxonomies}
    return [
        term
        for term in vocabulary.terms
        if all(term.taxonomy == name for name in wanted) and _all_in(words, _term_text(term))
    ]


def page_of(items: list[T], paging: Paging) -> Page[T]:
    """A page of a list held in memory."""
    return Page(items[paging.offset : paging.offset + paging.per_page], len(items), paging)


def _page(query: Select[T], paging: Paging) -> Page[T]:
    """One page of a query's rows and the count of all of them."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = list(db.session.scalars(query.limit(paging.per_page).offset(paging.offset)))
    return Page(items, total or 0, paging)


def _key_for(hsds_id: str, kind: str, keys: Iterable[str]) -> str | None:
    """The natural key whose uuid5 is this id: ids cannot be reversed, so keys are hashed."""
    wanted = canonical_id(hsds_id)
    if wanted is None:
        return None
    return next((key for key in keys if stable_id(kind, key) == wanted), None)


def _shown_organisation() -> ColumnElement[bool]:
    """Organisations are shown while at least one of their listings is published."""
    return Organisation.listings.any(PUBLISHED)


def _organisation_slug(hsds_id: str) -> str | None:
    """The slug of the shown organisation with this HSDS id, or None."""
    slugs = db.session.scalars(select(Organisation.slug).where(_shown_organisation())).all()
    return _key_for(hsds_id, ORGANIZATION, slugs)


def _organisation_loads() -> list[LoaderOption]:
    """Load an organisation's listings with what their services show, a query per relation."""
    listings = selectinload(Organisation.listings)
    return [listings.selectinload(relation) for relation in LISTING_RELATIONS[1:]]


def _public_locations() -> Select[Location]:
    """The sites of published listings, by listing name, with what a service shows."""
    return (
        select(Location)
        .join(Location.listing)
        .where(PUBLISHED)
        .options(*(selectinload(Location.listing).selectinload(r) for r in LISTING_RELATIONS))
        .order_by(Listing.name, Listing.slug, Location.position)
    )


def _carries(taxonomy: str, slug: str | None = None) -> ColumnElement[bool]:
    """Listings that carry this term (or, without a slug, any term of the taxonomy)."""
    relation, column = TERM_LINKS[taxonomy]
    linked = relation.any(column == slug) if slug else relation.any()
    # A UK-wide listing serves every region, as in search.
    return or_(Listing.uk_wide.is_(True), linked) if taxonomy == "regions" else linked


def _like(word: str) -> str:
    """A LIKE pattern for a word anywhere, with LIKE's own wildcards taken literally."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _mentions(word: str) -> ColumnElement[bool]:
    """Listings whose name, summary, description or organisation's name contain the word."""
    pattern = _like(word)
    return or_(
        *(
            column.ilike(pattern, escape="\\")
            for column in (Listing.name, Listing.summary, Listing.description)
        ),
        Listing.organisation.has(Organisation.name.ilike(pattern, escape="\\")),
    )


def _organisation_mentions(word: str) -> ColumnElement[bool]:
    """Organisations whose name or description contain the word."""
    pattern = _like(word)
    return or_(
        Organisation.name.ilike(pattern, escape="\\"),
        Organisation.description.ilike(pattern, escape="\\"),
    )


def _term_text(term: HsdsTerm) -> str:
    """What a search of terms reads: label, slug, description and any ITL1 code."""
    parts = (term.term.label, term.term.slug, term.term.get("description"), term.term.get("itl1"))
    return " ".join(part for part in parts if part)


def _all_in(words: Sequence[str], text: str) -> bool:
    """Whether every word occurs in the text, ignoring case."""
    text = text.lower()
    return all(word in text for word in words)
