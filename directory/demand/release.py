"""The demand release: every table the insights page, CSV, XLSX, JSON and API show.

Each table is counted and put through disclosure control once, here, as tidy rows (one
observation each, totals as rows whose dimension is `all`). The outputs only lay those rows
out: a grid on the page and in the spreadsheet, rows in CSV and JSON. So a figure is `[c]` in
all of them or in none. The region by stage table, the trend and the table by interface
language share their grand total and are protected together, so a figure withheld in one is
withheld in the others.

Titles, headings and names are written in the current language (a download from a Welsh page
is in Welsh); slugs, codes and keys never change.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from directory.demand import disclosure
from directory.demand.codes import UNITED_KINGDOM, region_code
from directory.demand.periods import INTERVALS, Interval, TimePeriod, time_periods
from directory.demand.queries import (
    DemandQuery,
    questionnaire_needs,
    supply_by_region_stage,
    total_visitor_days,
    visitor_days,
)
from directory.demand.tables import (
    ALL,
    LANGUAGE_VALUES,
    NOT_GIVEN,
    TAXONOMY_DIMENSIONS,
    Column,
    Table,
    dimension_columns,
    language_name,
    visitor_days_column,
    words,
)
from directory.i18n import label, long_date
from directory.taxonomy import Taxonomy

# The method's basis, in the metadata (which stays in English: it is read by scripts).
BASIS = (
    "searches on the search page and the API, and completed questionnaires "
    "(listing opens are counted separately)"
)
# The tables of a release, in the order of the page and the spreadsheet.
RELEASE_TABLES = (
    "searches",
    "nothing-found",
    "region-stage",
    "gaps",
    "trend",
    "needs",
    "language",
)
# Unreleased visitor-days per group.
Counts = dict[tuple[Any, ...], int]


def searches_unit() -> str:
    """The unit of most tables, in the current language."""
    return _("number of searches (distinct visitor-days)")


def _long_date(day: date) -> str:
    """A date as 4 May 2026, in the current language."""
    return long_date(day)


@dataclass
class Context:
    """What every table of one release is counted over, and how its values are named."""

    taxonomy: Taxonomy
    query: DemandQuery
    interval: Interval
    periods: list[TimePeriod] = field(init=False)

    def __post_init__(self) -> None:
        self.periods = time_periods(self.interval, self.query.date_from, self.query.date_to)

    @property
    def scope(self) -> str:
        """The days and filters, in words, for titles (in the current language)."""
        query = self.query
        parts = [
            _(
                "%(start)s to %(end)s",
                start=_long_date(query.date_from),
                end=_long_date(query.date_to),
            ),
            label(self.taxonomy.terms("regions"), query.region)
            if query.region
            else _("all regions"),
            label(self.taxonomy.terms("support_types"), query.support)
            if query.support
            else _("any type of support"),
        ]
        if query.language == "cy":
            parts.append(_("searches made in Welsh only"))
        elif query.language == "en":
            parts.append(_("searches made in English only"))
        if query.zero_results_only:
            parts.append(_("searches that found nothing only"))
        return ", ".join(parts)

    def method(self, **extra: Any) -> dict[str, Any]:
        """The method metadata of this release."""
        return disclosure.method(
            (self.query.date_from, self.query.date_to),
            BASIS,
            region=self.query.region,
            support=self.query.support,
            zero_results_only=self.query.zero_results_only,
            trend_period=self.interval,
            language=self.query.language,
            **extra,
        )

    def values(self, dimension: str) -> list[str]:
        """Every value a dimension takes in a complete table, totals left out."""
        if dimension in INTERVALS:
            return [period.key for period in self.periods]
        chosen = {
            "region": self.query.region,
            "support": self.query.support,
            "language": self.query.language,
        }.get(dimension)
        if chosen:
            return [chosen]
        if dimension == "language":
            return list(LANGUAGE_VALUES)  # every event has its language
        return [*self.taxonomy.slugs(TAXONOMY_DIMENSIONS[dimension]), NOT_GIVEN]

    def counted(self, group_by: tuple[str, ...], query: DemandQuery | None = None) -> Counts:
        """Unreleased visitor-days per group, with missing values as not-given."""
        return {
            tuple(NOT_GIVEN if value is None else value for value in key): count
            for key, count in visitor_days(query or self.query, group_by).items()
        }

    def cells(self, dimension: str, value: str) -> dict[str, Any]:
        """The naming columns of one value of a dimension."""
        if dimension == "region":
            code = UNITED_KINGDOM if value == ALL else region_code(value)
            return {
                "region": value,
                "region_code": code or disclosure.NOT_APPLICABLE,
                "region_name": self._name(dimension, value),
            }
        if dimension in (*TAXONOMY_DIMENSIONS, "language"):
            return {dimension: value, f"{dimension}_name": self._name(dimension, value)}
        if dimension in INTERVALS:
            if value == ALL:
                name, start, end = _("Whole period"), self.query.date_from, self.query.date_to
            else:
                period = next(period for period in self.periods if period.key == value)
                name, start, end = period.label, period.start, period.end
            return {
                dimension: value,
                "period_name": name,
                "period_start": start.isoformat(),
                "period_end": end.isoformat(),
            }
        if dimension == "need":
            name = _("All completed questionnaires") if value == ALL else need_labels().get(value)
            return {"need": value, "need_name": name or value}
        return {dimension: value}

    def _name(self, dimension: str, value: str) -> str:
        """A value's label (a taxonomy's, or a language's name), or the words for its total
        and for not given, in the current language."""
        if value == ALL:
            return words(dimension).all_name
        if value == NOT_GIVEN:
            return words(dimension).not_given
        if dimension == "language":
            return language_name(value)
        return label(self.taxonomy.terms(TAXONOMY_DIMENSIONS[dimension]), value)


def need_labels() -> dict[str, str]:
    """The questionnaire's needs, in its order, with its own words for them."""
    question = current_app.extensions["questionnaire"].by_key("need")
    return {option.value: option.label for option in question.options} if question else {}


def _key(**values: str) -> tuple[tuple[str, str], ...]:
    """One entry of the jointly protected tables: its dimensions' values, totals left out."""
    return tuple(sorted((name, value) for name, value in values.items() if value != ALL))


@dataclass
class Release:
    """Every table of one release, for one set of parameters, with its method."""

    context: Context
    tables: dict[str, Table]

    @property
    def method(self) -> dict[str, Any]:
        """The release's method metadata."""
        return self.context.method()


def build_release(taxonomy: Taxonomy, query: DemandQuery, interval: Interval) -> Release:
    """Every table of the release, each counted and protected once."""
    context = Context(taxonomy, query, interval)
    region_stage, trend, by_language = region_stage_and_trend(context)
    tables = {
        "searches": terms_table(context, "searches"),
        "nothing-found": terms_table(context, "nothing-found"),
        "region-stage": region_stage,
        "gaps": gaps_table(context, region_stage),
        "trend": trend,
        "needs": needs_table(context),
        "language": by_language,
    }
    return Release(context, tables)


def release_table(context: Context, table_id: str) -> Table:
    """One table of the release, computing only what it needs."""
    if table_id in ("searches", "nothing-found"):
        return terms_table(context, table_id)
    if table_id == "needs":
        return needs_table(context)
    region_stage, trend, by_language = region_stage_and_trend(context)
    if table_id == "gaps":
        return gaps_table(context, region_stage)
    if table_id == "region":
        return margin(region_stage, "region")
    if table_id == "stage":
        return margin(region_stage, "stage")
    if table_id == "language":
        return by_language
    return trend if table_id == "trend" else region_stage


def region_stage_and_trend(context: Context) -> tuple[Table, Table, Table]:
    """Searches by region and stage (with totals), by period and by interface language,
    protected together: they share the grand total, so a figure withheld in one cannot be
    worked out from another."""
    interval = context.interval
    regions, stages = context.values("region"), context.values("stage")
    periods = context.values(interval)
    languages = context.values("language")
    cells = context.counted(("region", "stage"))
    # Margins are distinct visitor-days in their own right, not sums of the cells.
    by_region = context.counted(("region",))
    by_stage = context.counted(("stage",))
    by_period = context.counted((interval,))
    by_language = context.counted(("language",))
    # A visitor-day key belongs to one day, so the periods' distinct counts add up exactly to
    # the grand total: one query fewer on the export's path.
    counts: dict[Hashable, int] = {(): sum(by_period.values())}
    for region in regions:
        counts[_key(region=region)] = by_region.get((region,), 0)
        for stage in stages:
            counts[_key(region=region, stage=stage)] = cells.get((region, stage), 0)
    for stage in stages:
        counts[_key(stage=stage)] = by_stage.get((stage,), 0)
    for period in periods:
        counts[_key(**{interval: period})] = by_period.get((period,), 0)
    for language in languages:
        counts[_key(language=language)] = by_language.get((language,), 0)
    lines = [
        disclosure.Line(_key(region=r), [_key(region=r, stage=s) for s in stages]) for r in regions
    ]
    lines += [
        disclosure.Line(_key(stage=s), [_key(region=r, stage=s) for r in regions]) for s in stages
    ]
    lines += [
        disclosure.Line((), [_key(region=r) for r in regions]),
        disclosure.Line((), [_key(stage=s) for s in stages]),
        disclosure.Line((), [_key(**{interval: p}) for p in periods]),
        disclosure.Line((), [_key(language=language) for language in languages]),
    ]
    released = disclosure.protect_table(counts, lines)

    # Under a region filter the "all regions" row would repeat that region's row.
    row_values = regions if context.query.region else [*regions, ALL]
    grid_rows = [
        {
            **context.cells("region", region),
            **context.cells("stage", stage),
            "visitor_days": released[_key(region=region, stage=stage)],
        }
        for region in row_values
        for stage in [*stages, ALL]
    ]
    region_stage = Table(
        "region-stage",
        _("Region_stage"),
        _("Searches by region and stage"),
        searches_unit(),
        context.scope,
        _("One row per region and stage, with rows for all regions and all stages"),
        ("region", "stage"),
        (*dimension_columns("region"), *dimension_columns("stage"), visitor_days_column()),
        grid_rows,
        released[()],
        ("unit", "suppressed", "rounding", "several-values", "regions"),
        grid=True,
    )
    trend_rows = [
        {
            **context.cells(interval, period),
            "visitor_days": released[_key(**{interval: period})],
        }
        for period in [*periods, ALL]
    ]
    trend = Table(
        "trend",
        _("Trend"),
        words(interval).searches_by,
        searches_unit(),
        context.scope,
        words(interval).one_row_per,
        (interval,),
        (*dimension_columns(interval), visitor_days_column()),
        trend_rows,
        released[()],
        ("unit", "suppressed", "rounding", "periods"),
    )
    language_rows = [
        {
            **context.cells("language", language),
            "visitor_days": released[_key(language=language)],
        }
        for language in [*languages, ALL]
    ]
    named = words("language")
    by_language_table = Table(
        "language",
        named.sheet,
        named.searches_by,
        searches_unit(),
        context.scope,
        named.one_row_per,
        ("language",),
        (*dimension_columns("language"), visitor_days_column()),
        language_rows,
        released[()],
        ("unit", "suppressed", "rounding", "language"),
    )
    return region_stage, trend, by_language_table


def margin(table: Table, dimension: str) -> Table:
    """One dimension's totals of a grid, as their own table (the same released figures)."""
    other = next(d for d in table.dimensions if d != dimension)
    dropped = {column.name for column in dimension_columns(other)}
    rows = [
        {name: value for name, value in row.items() if name not in dropped}
        for row in table.rows
        if row[other] == ALL
    ]
    named = words(dimension)
    return replace(
        table,
        id=dimension,
        sheet=named.sheet,
        title=named.searches_by,
        description=named.one_row_per,
        dimensions=(dimension,),
        columns=tuple(column for column in table.columns if column.name not in dropped),
        rows=rows,
        grid=False,
    )


def terms_table(context: Context, table_id: str) -> Table:
    """The search words at or above the threshold, most used first; the others left out."""
    query = context.query
    if table_id == "nothing-found":
        query = replace(query, zero_results_only=True)
    counts = {key[0]: count for key, count in visitor_days(query, ("query",)).items() if key[0]}
    rows = [
        {"query": term, "visitor_days": value} for term, value in disclosure.release_terms(counts)
    ]
    found_nothing = table_id == "nothing-found"
    return Table(
        table_id,
        _("Nothing_found") if found_nothing else _("Searches"),
        _("Search words of searches that found nothing") if found_nothing else _("Search words"),
        searches_unit(),
        context.scope,
        _(
            "One row per search phrase used on at least %(threshold)s visitor-days, most used "
            "first",
            threshold=disclosure.THRESHOLD,
        ),
        ("query",),
        (*dimension_columns("query"), visitor_days_column()),
        rows,
        None,
        ("unit", "free-text", "rounding"),
    )


def gaps_table(context: Context, region_stage: Table) -> Table:
    """Released searches against listings per region and stage, most under-served first."""
    supply = supply_by_region_stage(context.query.support)
    rows = []
    for region in context.values("region"):
        for stage in context.values("stage"):
            if NOT_GIVEN in (region, stage):
                continue
            demand = region_stage.value(region, stage)
            listings = supply.get((region, stage), 0)
            rows.append(
                {
                    **context.cells("region", region),
                    **context.cells("stage", stage),
                    "visitor_days": demand,
                    "listings": listings,
                    "gap_index": gap_index(demand, listings),
                }
            )
    rows.sort(key=_gap_order)
    return Table(
        "gaps",
        _("Gaps"),
        _("Searches against listings, by region and stage"),
        _("number of searches (distinct visitor-days), listings and searches per listing"),
        context.scope,
        _(
            "One row per region and stage: searches, listings and the gap index, cells with "
            "searches and no listings first"
        ),
        ("region", "stage"),
        (
            *dimension_columns("region"),
            *dimension_columns("stage"),
            visitor_days_column(),
            Column(
                "listings",
                _("Listings"),
                "integer",
                _("Published, active listings serving the region and stage"),
            ),
            Column(
                "gap_index",
                _("Gap index (searches per listing)"),
                "decimal",
                _(
                    "Released searches divided by listings, to one decimal place; "
                    "%(not_available)s where the searches are withheld, %(not_applicable)s "
                    "where there are no listings",
                    not_available=disclosure.NOT_AVAILABLE,
                    not_applicable=disclosure.NOT_APPLICABLE,
                ),
                symbols=(disclosure.NOT_AVAILABLE, disclosure.NOT_APPLICABLE),
            ),
        ),
        rows,
        None,
        ("unit", "suppressed", "rounding", "not-available", "gaps", "regions"),
    )


def gap_index(demand: int | str, listings: int) -> float | str:
    """Searches per listing, or the symbol that says why there is none."""
    if not disclosure.is_released(demand):
        return disclosure.NOT_AVAILABLE
    if not listings:
        return disclosure.NOT_APPLICABLE
    return round(demand / listings, 1)


def _gap_order(row: dict[str, Any]) -> tuple[int, float]:
    """Cells with released searches and no listings first, then by searches per listing."""
    demand = row["visitor_days"]
    if not (disclosure.is_released(demand) and demand):
        return (2, 0)
    if row["listings"] == 0:
        return (0, -demand)
    return (1, -row["gap_index"])


def needs_table(context: Context) -> Table:
    """Needs chosen in completed questionnaires, most chosen first, and the questionnaires."""
    counts = questionnaire_needs(context.query)
    needs = [*need_labels(), *sorted(set(counts) - set(need_labels()))]
    # Several needs can be chosen at once, so the needs do not add up to a total that could
    # give a withheld cell away; the total is released on its own.
    released = disclosure.protect_list({need: counts.get(need, 0) for need in needs})
    total = disclosure.release_count(
        total_visitor_days(replace(context.query, sources=("questionnaire",)))
    )
    rows = [
        {**context.cells("need", need), "visitor_days": released[need]}
        for need in sorted(needs, key=lambda need: _rank(released[need]))
    ]
    rows.append({**context.cells("need", ALL), "visitor_days": total})
    return Table(
        "needs",
        _("Needs"),
        _("Needs chosen in completed questionnaires"),
        _("number of completed questionnaires (distinct visitor-days)"),
        context.scope,
        _("One row per need, and one for all completed questionnaires"),
        ("need",),
        (
            *dimension_columns("need"),
            replace(
                visitor_days_column(),
                title=_("Questionnaires (visitor-days)"),
                description=_(
                    "Distinct visitor-days with a completed questionnaire choosing the need, "
                    "rounded to the nearest %(rounding)s; %(symbol)s where withheld",
                    rounding=disclosure.ROUNDING,
                    symbol=disclosure.SUPPRESSED,
                ),
            ),
        ),
        rows,
        total,
        ("unit", "suppressed", "rounding", "needs"),
    )


def _rank(value: int | str) -> int:
    """Most chosen first; a withheld figure (1 to 9) ranks between 10 and 0."""
    return -value if disclosure.is_released(value) else -5


def grouped_table(context: Context, group_by: tuple[str, ...]) -> Table:
    """A table for any grouping, from the release when the release has that table."""
    dimensions = set(group_by)
    if dimensions == {"region", "stage"}:
        return release_table(context, "region-stage")
    if group_by in (("region",), ("stage",), ("language",)):
        return release_table(context, group_by[0])
    if group_by == (context.interval,):
        return release_table(context, "trend")
    if group_by == ("query",):
        return release_table(context, "searches")
    if "query" in dimensions:
        return _grouped_terms(context, group_by)
    return _grouped_counts(context, group_by)


def _grouped_counts(context: Context, group_by: tuple[str, ...]) -> Table:
    """Cells of any grouping with the overall total, under disclosure control.

    Tables of up to two dimensions list every cell, zeros included; larger ones list the
    cells with any searches, since most of their cells are empty.
    """
    counted = context.counted(group_by)
    if len(group_by) <= 2:
        keys: list[tuple[str, ...]] = [()]
        for dimension in group_by:
            keys = [(*key, value) for key in keys for value in context.values(dimension)]
        counts = {key: counted.get(key, 0) for key in keys}
    else:
        counts = dict(sorted(counted.items(), key=lambda item: repr(item[0])))
    released = disclosure.protect_list(counts, total_visitor_days(context.query))
    entries = [*((key, released[key]) for key in counts)]
    entries.append(((ALL,) * len(group_by), released[disclosure.TOTAL]))
    return Table(
        "grouped",
        _("Demand"),
        _grouped_title(group_by),
        searches_unit(),
        context.scope,
        _("One row per combination, and one for the total"),
        group_by,
        (*(c for d in group_by for c in dimension_columns(d)), visitor_days_column()),
        [_row(context, group_by, key, value) for key, value in entries],
        released[disclosure.TOTAL],
        ("unit", "suppressed", "rounding", "several-values", "periods", "regions"),
    )


def _grouped_terms(context: Context, group_by: tuple[str, ...]) -> Table:
    """Search words with other groupings, released only at the threshold, without a total."""
    # Keys joined into one text, since the threshold applies to the whole combination.
    by_text = {"\x1f".join(key): count for key, count in context.counted(group_by).items()}
    entries = [
        (tuple(text.split("\x1f")), value) for text, value in disclosure.release_terms(by_text)
    ]
    return Table(
        "grouped",
        _("Demand"),
        _grouped_title(group_by),
        searches_unit(),
        context.scope,
        _(
            "One row per combination used on at least %(threshold)s visitor-days",
            threshold=disclosure.THRESHOLD,
        ),
        group_by,
        (*(c for d in group_by for c in dimension_columns(d)), visitor_days_column()),
        [_row(context, group_by, key, value) for key, value in entries],
        None,
        ("unit", "free-text", "rounding", "several-values", "periods", "regions"),
    )


def _row(
    context: Context, group_by: tuple[str, ...], key: tuple[str, ...], value: int | str
) -> dict[str, Any]:
    """A tidy row: each dimension's naming columns, then the figure."""
    row: dict[str, Any] = {}
    for dimension, item in zip(group_by, key, strict=True):
        row.update(context.cells(dimension, item))
    row["visitor_days"] = value
    return row


def _grouped_title(group_by: tuple[str, ...]) -> str:
    """Searches by region and stage and ...: the first noun, then each further one with its
    "and" (a whole phrase, since Welsh mutates a noun after "a": "rhanbarth a cham")."""
    first, *others = (words(dimension) for dimension in group_by)
    names = " ".join([first.noun, *(other.and_noun for other in others)])
    return _("Searches by %(dimensions)s", dimensions=names)
