"""Founders waiting: confirmed alerts counted by what they ask for, released only through the
same disclosure control as search demand (distinct addresses, under 10 withheld, rounded to 5).

An alert waits for a listing when, for each of region, stage, support type and sector it
names, the listing offers one of its values (a UK-wide listing serves every region; a
sector-agnostic one every sector). Alerts naming none of the four wait for nothing in particular
and are not counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from directory.alerts.models import Alert, AlertTerm
from directory.catalogue.models import Listing, listing_region, listing_support_type
from directory.demand import disclosure
from directory.extensions import db
from directory.i18n import label as term_label
from directory.states import ListingStatus, ModerationState
from directory.taxonomy import Taxonomy

ANY_SECTOR = "any"


def _live() -> list[ColumnElement[bool]]:
    """Confirmed, real alerts."""
    return [Alert.confirmed_at.is_not(None), Alert.synthetic.is_(False)]


def _facet_fits(facet: str, values: Sequence[str]) -> ColumnElement[bool]:
    """The alert names nothing for the facet, or names one of the values."""
    names_facet = exists().where(AlertTerm.alert_id == Alert.id, AlertTerm.facet == facet)
    names_value = exists().where(
        AlertTerm.alert_id == Alert.id, AlertTerm.facet == facet, AlertTerm.value.in_(values)
    )
    return or_(~names_facet, names_value)


def waiting_for(listing: Listing) -> int:
    """Distinct addresses whose confirmed alerts wait for support like this listing (raw)."""
    conditions = [*_live(), exists().where(AlertTerm.alert_id == Alert.id)]
    conditions.append(_facet_fits("support", [t.slug for t in listing.support_types]))
    conditions.append(_facet_fits("stage", [s.slug for s in listing.stages]))
    if not listing.uk_wide:
        conditions.append(_facet_fits("region", [r.slug for r in listing.regions]))
    sectors = [s.slug for s in listing.sectors]
    if ANY_SECTOR not in sectors:
        conditions.append(_facet_fits("sector", sectors))
    statement = select(func.count(func.distinct(Alert.subscriber_id))).where(and_(*conditions))
    return db.session.scalar(statement) or 0


def released_waiting(listings: Sequence[Listing]) -> dict[str, int | str]:
    """Per listing, founders waiting for support like it, as released ([c] under 10)."""
    return {listing.slug: disclosure.release_count(waiting_for(listing)) for listing in listings}


@dataclass
class WaitingCell:
    """Founders waiting for one kind of support in one region, beside what is listed there."""

    region: str
    region_name: str
    support: str
    support_name: str
    waiting: int | str
    listings: int


def waiting_by_region_support(taxonomy: Taxonomy) -> list[WaitingCell]:
    """Released waiting demand per region and support type, with supply; no-supply cells first."""
    region_term, support_term = aliased(AlertTerm), aliased(AlertTerm)
    statement = (
        select(
            region_term.value, support_term.value, func.count(func.distinct(Alert.subscriber_id))
        )
        .join(region_term, and_(region_term.alert_id == Alert.id, region_term.facet == "region"))
        .join(
            support_term, and_(support_term.alert_id == Alert.id, support_term.facet == "support")
        )
        .where(*_live())
        .group_by(region_term.value, support_term.value)
    )
    supply = supply_by_region_support(taxonomy)
    cells = []
    for region, support, count in db.session.execute(statement):
        released = disclosure.release_count(count)
        if not disclosure.is_released(released):
            continue  # a withheld cell is not shown at all: its absence says "under 10"
        cells.append(
            WaitingCell(
                region,
                term_label(taxonomy.terms("regions"), region),
                support,
                term_label(taxonomy.terms("support_types"), support),
                released,
                supply.get((region, support), 0),
            )
        )
    cells.sort(key=lambda cell: (cell.listings > 0, -int(cell.waiting), cell.region, cell.support))
    return cells


def supply_by_region_support(taxonomy: Taxonomy) -> dict[tuple[str, str], int]:
    """Published, active listings serving each region with each support type (counted in SQL:
    UK-wide listings count in every region)."""
    live = (
        Listing.moderation_state == ModerationState.PUBLISHED,
        Listing.status == ListingStatus.ACTIVE,
    )
    support = listing_support_type.c.support_type_slug
    supply: Counter[tuple[str, str]] = Counter()
    regional = (
        select(listing_region.c.region_slug, support, func.count())
        .select_from(Listing)
        .join(listing_region, listing_region.c.listing_id == Listing.id)
        .join(listing_support_type, listing_support_type.c.listing_id == Listing.id)
        .where(*live, Listing.uk_wide.is_(False))
        .group_by(listing_region.c.region_slug, support)
    )
    for region, kind, count in db.session.execute(regional):
        supply[region, kind] += count
    national = (
        select(support, func.count())
        .select_from(Listing)
        .join(listing_support_type, listing_support_type.c.listing_id == Listing.id)
        .where(*live, Listing.uk_wide.is_(True))
        .group_by(support)
    )
    for kind, count in db.session.execute(national):
        for region in taxonomy.slugs("regions"):
            supply[region, kind] += count
    return dict(supply)
