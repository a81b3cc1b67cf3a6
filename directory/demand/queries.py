"""Aggregation queries: distinct visitor-days per cell, straight from the demand table.

Every query excludes synthetic events unless asked, and adds the weekly aggregates that
`flask demand prune` left for weeks whose raw events are gone. Nothing here is released as it
is: callers pass the counts through `directory.demand.disclosure`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import selectinload

from directory.catalogue.models import Listing
from directory.demand.models import SEARCH_SOURCES, DemandAppearance, DemandEvent, DemandWeekly
from directory.demand.periods import INTERVALS, period_key
from directory.demand.recording import week_start
from directory.extensions import db
from directory.states import ListingStatus, ModerationState

GROUPS = ("region", "stage", "support", "sector", "language", *INTERVALS, "query")


@dataclass(frozen=True)
class DemandQuery:
    """Which events to count: days, optionally one region, type of support and interface
    language, zero results only."""

    date_from: date
    date_to: date
    region: str | None = None
    zero_results_only: bool = False
    synthetic: bool = False
    sources: tuple[str, ...] = SEARCH_SOURCES
    support: str | None = None
    language: str | None = None


def _event_filters(
    query: DemandQuery, table: type[DemandEvent | DemandWeekly] = DemandEvent
) -> list[ColumnElement[bool]]:
    """WHERE conditions shared by every count over raw events or weekly aggregates."""
    conditions: list[ColumnElement[bool]] = [
        table.synthetic.is_(query.synthetic),
        table.source.in_(query.sources),
    ]
    if table is DemandEvent:
        conditions += [table.day >= query.date_from, table.day <= query.date_to]
    else:
        conditions += [table.week >= week_start(query.date_from), table.week <= query.date_to]
    if query.region:
        conditions.append(table.region == query.region)
    if query.support:
        conditions.append(table.support == query.support)
    if query.language:
        conditions.append(table.language == query.language)
    if query.zero_results_only:
        conditions.append(table.zero_results.is_(True))
    return conditions


def visitor_days(query: DemandQuery, group_by: tuple[str, ...] = ()) -> dict[tuple[Any, ...], int]:
    """Distinct visitor-days per combination of the grouping columns (a plain GROUP BY).

    Weeks, months and quarters come as their period keys (2026-05-04, 2026-05, 2026-Q2).
    """
    counts: Counter[tuple[Any, ...]] = Counter()
    for table, measure in (
        (DemandEvent, func.count(func.distinct(DemandEvent.visitor_day_key))),
        (DemandWeekly, func.sum(DemandWeekly.visitor_days)),
    ):
        columns = [_group_column(table, name) for name in group_by]
        conditions = _event_filters(query, table)
        if "query" in group_by:
            conditions.append(and_(table.query.is_not(None), table.query != ""))
        statement = select(*columns, measure).where(*conditions)
        if columns:
            statement = statement.group_by(*columns)
        for row in db.session.execute(statement):
            if row[-1]:
                key = tuple(
                    _group_value(query, table, name, value)
                    for name, value in zip(group_by, row[:-1], strict=True)
                )
                counts[key] += int(row[-1])
    return dict(counts)


def _group_column(table: type[DemandEvent | DemandWeekly], name: str) -> Any:
    """The column a group reads: periods are counted per day (per week for aggregates)."""
    if name in INTERVALS:
        # A visitor-day key belongs to one day (its salt is the day's), so distinct keys per
        # day add up exactly to distinct keys per week, month or quarter.
        return DemandEvent.day if table is DemandEvent else DemandWeekly.week
    return getattr(table, name)


def _group_value(
    query: DemandQuery, table: type[DemandEvent | DemandWeekly], name: str, value: Any
) -> Any:
    """A grouped value as released: days and weeks become the key of their period."""
    if name not in INTERVALS:
        return value
    day = value
    if table is DemandWeekly:
        # A week kept only as an aggregate goes to the month or quarter holding most of its
        # days (its Thursday), kept within the query's days so it lands on a listed period.
        day = min(max(value + timedelta(days=3), query.date_from), query.date_to)
    return period_key(name, day)


def total_visitor_days(query: DemandQuery) -> int:
    """Distinct visitor-days over everything the query selects."""
    return visitor_days(query).get((), 0)


def supply_by_region_stage(support: str | None = None) -> dict[tuple[str, str], int]:
    """Published, active listings serving each region and stage (UK-wide ones serve all)."""
    from flask import current_app

    taxonomy = current_app.extensions["taxonomy"]
    regions = taxonomy.slugs("regions")
    statement = (
        select(Listing)
        .where(
            Listing.moderation_state == ModerationState.PUBLISHED,
            Listing.status == ListingStatus.ACTIVE,
        )
        .options(
            selectinload(Listing.regions),
            selectinload(Listing.stages),
            selectinload(Listing.support_types),
        )
    )
    supply: Counter[tuple[str, str]] = Counter()
    for listing in db.session.scalars(statement):
        if support and support not in {s.slug for s in listing.support_types}:
            continue
        served = regions if listing.uk_wide else [region.slug for region in listing.regions]
        for region in served:
            for stage in listing.stages:
                supply[region, stage.slug] += 1
    return dict(supply)


def listing_figures(slugs: list[str], date_from: date, date_to: date) -> dict[str, dict[str, int]]:
    """Appearances in search results and opens from results, per listing (unreleased)."""
    figures = {slug: {"appearances": 0, "opens": 0} for slug in slugs}
    if not slugs:
        return figures
    appearances = (
        select(
            DemandAppearance.listing_slug,
            func.count(func.distinct(DemandAppearance.visitor_day_key)),
        )
        .where(
            DemandAppearance.listing_slug.in_(slugs),
            DemandAppearance.synthetic.is_(False),
            DemandAppearance.day >= date_from,
            DemandAppearance.day <= date_to,
        )
        .group_by(DemandAppearance.listing_slug)
    )
    opens = (
        select(DemandEvent.listing_slug, func.count(func.distinct(DemandEvent.visitor_day_key)))
        .where(
            DemandEvent.listing_slug.in_(slugs),
            DemandEvent.source == "listing_open",
            DemandEvent.synthetic.is_(False),
            DemandEvent.day >= date_from,
            DemandEvent.day <= date_to,
        )
        .group_by(DemandEvent.listing_slug)
    )
    for slug, count in db.session.execute(appearances):
        figures[slug]["appearances"] = count
    # listing_slug IN (slugs) leaves out NULL, which the column's type cannot say.
    for slug, count in db.session.execute(opens):  # type: ignore[assignment]
        figures[slug]["opens"] = count
    return figures


def zero_result_queries(
    regions: list[str] | None, stages: list[str], date_from: date, date_to: date
) -> dict[str, int]:
    """Visitor-days per query that found nothing, in some regions (None: all) and stages."""
    conditions = [
        DemandEvent.synthetic.is_(False),
        DemandEvent.source.in_(SEARCH_SOURCES),
        DemandEvent.zero_results.is_(True),
        DemandEvent.query.is_not(None),
        DemandEvent.day >= date_from,
        DemandEvent.day <= date_to,
    ]
    if regions is not None:
        conditions.append(or_(DemandEvent.region.in_(regions), DemandEvent.region.is_(None)))
    if stages:
        conditions.append(or_(DemandEvent.stage.in_(stages), DemandEvent.stage.is_(None)))
    statement = (
        select(DemandEvent.query, func.count(func.distinct(DemandEvent.visitor_day_key)))
        .where(*conditions)
        .group_by(DemandEvent.query)
    )
    # The query IS NOT NULL condition keeps None out, which the column's type cannot say.
    return {query: count for query, count in db.session.execute(statement)}  # type: ignore[misc]


def questionnaire_needs(query: DemandQuery) -> dict[str, int]:
    """Distinct visitor-days per need chosen in completed questionnaires (raw events only)."""
    questionnaire = replace(query, sources=("questionnaire",))
    rows = db.session.execute(
        select(DemandEvent.visitor_day_key, DemandEvent.answers).where(
            *_event_filters(questionnaire)
        )
    )
    visitors: dict[str, set[int]] = {}
    # Needs are several answers to one question, kept as answer keys in the event's JSON.
    for key, answers in rows:
        for need in (answers or {}).get("need", []):
            visitors.setdefault(need, set()).add(key)
    return {need: len(keys) for need, keys in visitors.items()}
