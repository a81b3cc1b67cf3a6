"""Public demand figures with formal differential privacy, released once a month.

Analysts who sign in see exact figures under the disclosure rules; anyone may see these. The unit
of privacy is a network-day: everything one network (an IPv4 /24 or IPv6 /48) searched on one
day, which is what a visitor-day key identifies (keys are salted per day, so days cannot be
linked). A release has three tables of visitor-days for the month: by region, by stage and by
type of support. In each table a network-day counts at most once for any value, and for at most
CELLS_PER_TABLE values (a search for more counts its first few, in the taxonomy's order), so one
network-day changes a table's counts by at most CELLS_PER_TABLE in all (its L1 sensitivity).
Each table gets an equal share of the release's epsilon and exact discrete Laplace noise of
scale CELLS_PER_TABLE / share (noise.py); negative results are shown as 0, which, being done
after the noise, costs no privacy. A network-day falls in one month only, so the release's
epsilon is the whole privacy loss for it; a network active on d days is covered at d x epsilon.

Noise is drawn once, when a month is first released, and the figures are kept: drawing afresh
for each request would let anyone average the noise away.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from sqlalchemy import case, func, or_, select
from sqlalchemy.exc import IntegrityError

from directory.demand.models import SEARCH_SOURCES, DemandEvent
from directory.extensions import db
from directory.opendata.models import OpenDemandFigure, OpenDemandRelease
from directory.opendata.noise import SYSTEM, RandomSource, discrete_laplace, variance
from directory.taxonomy import Taxonomy

# The privacy loss allowed one network-day per monthly release, split over the tables.
EPSILON = Fraction(3)
# Values one network-day may count for in one table.
CELLS_PER_TABLE = 3
# The tables, each a dimension of demand events, and the taxonomy behind its values.
TABLES = {"region": "regions", "stage": "stages", "support": "support_types"}
NOT_GIVEN = "not-given"


@dataclass(frozen=True)
class Budget:
    """The privacy parameters of a release, as stated in its metadata."""

    epsilon: Fraction
    cells_per_table: int
    tables: int

    @property
    def epsilon_per_table(self) -> Fraction:
        """Each table's share of the release's epsilon."""
        return self.epsilon / self.tables

    @property
    def scale(self) -> Fraction:
        """The discrete Laplace scale of every table's noise: sensitivity over epsilon."""
        return self.cells_per_table / self.epsilon_per_table

    @property
    def noise_sd(self) -> float:
        """The noise's standard deviation, for readers judging a figure."""
        return float(variance(self.scale)) ** 0.5


BUDGET = Budget(EPSILON, CELLS_PER_TABLE, len(TABLES))


def month_start(day: date) -> date:
    """The first day of the day's month."""
    return day.replace(day=1)


def next_month(month: date) -> date:
    """The first day of the month after."""
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def bounded_counts(
    month: date, taxonomy: Taxonomy, synthetic: bool = False
) -> dict[str, dict[str, int]]:
    """Each table's visitor-days per value in a month, each network-day counting at most once
    per value and for at most CELLS_PER_TABLE values of a table (the first in taxonomy order).
    `synthetic` counts the benchmarks' synthetic events instead of real ones.

    Visitor-days per value are counted by the database; then the few network-days that asked
    for more than CELLS_PER_TABLE values of some table are read apart, in one pass for every
    table, and what they add beyond their first few values is taken off.
    """
    in_month = (
        DemandEvent.synthetic.is_(synthetic),
        DemandEvent.source.in_(SEARCH_SOURCES),
        DemandEvent.day >= month,
        DemandEvent.day < next_month(month),
    )
    orders = {dimension: table_values(taxonomy, dimension) for dimension in TABLES}
    tables = {dimension: dict.fromkeys(order, 0) for dimension, order in orders.items()}
    columns = [getattr(DemandEvent, dimension) for dimension in TABLES]
    for dimension, column in zip(TABLES, columns, strict=True):
        counts = tables[dimension]
        # Keys are salted per day, so a key is a network-day. Grouped by the column itself,
        # which the covering index holds in order.
        for found, visitor_days in db.session.execute(
            select(column, func.count(func.distinct(DemandEvent.visitor_day_key)))
            .where(*in_month)
            .group_by(column)
        ):
            if (found or NOT_GIVEN) in counts:
                counts[found or NOT_GIVEN] = visitor_days
    # Distinct values of a column, "not given" (NULL, which COUNT DISTINCT skips) among them.
    asked_for = [
        func.count(func.distinct(column)) + func.max(case((column.is_(None), 1), else_=0))
        for column in columns
    ]
    wide = (
        select(DemandEvent.visitor_day_key)
        .where(*in_month)
        .group_by(DemandEvent.visitor_day_key)
        .having(or_(*(many > CELLS_PER_TABLE for many in asked_for)))
        .subquery()
    )
    asked: dict[int, list[set[str]]] = {}
    for key, *values in db.session.execute(
        select(DemandEvent.visitor_day_key, *columns)
        .where(*in_month, DemandEvent.visitor_day_key.in_(select(wide.c.visitor_day_key)))
        .distinct()
    ):
        sets = asked.get(key)
        if sets is None:
            sets = asked[key] = [set() for _ in TABLES]
        for chosen, found in zip(sets, values, strict=True):
            chosen.add(found or NOT_GIVEN)
    for position, dimension in enumerate(TABLES):
        rank = {slug: place for place, slug in enumerate(orders[dimension])}
        counts = tables[dimension]
        for sets in asked.values():
            chosen = sets[position]
            if len(chosen) <= CELLS_PER_TABLE:
                continue
            for dropped in sorted(chosen, key=lambda v: rank.get(v, len(rank)))[CELLS_PER_TABLE:]:
                if dropped in counts:
                    counts[dropped] -= 1
    return tables


def noisy(counts: dict[str, int], budget: Budget, rng: RandomSource = SYSTEM) -> dict[str, int]:
    """Counts with discrete Laplace noise of the budget's scale, then never below zero."""
    return {value: max(0, count + discrete_laplace(budget.scale, rng)) for value, count in
            counts.items()}  # fmt: skip


def table_values(taxonomy: Taxonomy, dimension: str) -> list[str]:
    """A table's rows: the taxonomy's values in order, then searches that gave none."""
    values = [slug for slug in taxonomy.slugs(TABLES[dimension]) if slug != "uk-wide"]
    return [*values, NOT_GIVEN]


def release_month(month: date, taxonomy: Taxonomy) -> OpenDemandRelease:
    """Draw and keep a month's release, or return the one already kept."""
    existing = released(month)
    if existing is not None:
        return existing
    release = OpenDemandRelease(
        month=month,
        epsilon=str(BUDGET.epsilon),
        cells_per_table=BUDGET.cells_per_table,
        tables=BUDGET.tables,
    )
    for dimension, counts in bounded_counts(month, taxonomy).items():
        for value, figure in noisy(counts, BUDGET).items():
            release.figures.append(
                OpenDemandFigure(dimension=dimension, value=value, visitor_days=figure)
            )
    db.session.add(release)
    try:
        db.session.commit()
    except IntegrityError:
        # Another worker released the month first: theirs is the release.
        db.session.rollback()
        kept = released(month)
        assert kept is not None
        return kept
    return release


def released(month: date) -> OpenDemandRelease | None:
    """The kept release of a month, if it was made."""
    return db.session.scalars(
        select(OpenDemandRelease).where(OpenDemandRelease.month == month)
    ).first()


def complete_months(today: date, count: int) -> list[date]:
    """The last `count` whole months before today's, newest first."""
    months = []
    month = month_start(today)
    for _ in range(count):
        month = month_start(month - timedelta(days=1))
        months.append(month)
    return months


def releases(taxonomy: Taxonomy, months: Iterable[date]) -> list[OpenDemandRelease]:
    """The releases of these (complete) months since demand was first recorded, making any
    not yet made; months before the first event are not released (there was no service)."""
    first_day = db.session.scalar(
        select(func.min(DemandEvent.day)).where(DemandEvent.synthetic.is_(False))
    )
    if first_day is None:
        return []
    return [release_month(month, taxonomy) for month in months if month >= month_start(first_day)]
