"""What the insights pages, exports, API and owners' page show, all through disclosure control."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypedDict

from werkzeug.datastructures import MultiDict

from directory.catalogue.models import Listing
from directory.demand import disclosure
from directory.demand.exports import Export
from directory.demand.queries import (
    GROUPS,
    DemandQuery,
    listing_figures,
    questionnaire_needs,
    supply_by_region_stage,
    total_visitor_days,
    visitor_days,
    zero_result_queries,
)
from directory.taxonomy import UK_WIDE, Taxonomy

DEFAULT_DAYS = 28
MAX_DAYS = 800
NOT_GIVEN = "not-given"
TOP_TERMS = 20
BASIS = "searches on the search page and the API (listing opens are counted separately)"


class ParameterError(ValueError):
    """A bad export or API parameter, with the message to show."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message


@dataclass(frozen=True)
class ExportRequest:
    """A validated export: the events to count and how to group them."""

    query: DemandQuery
    group_by: tuple[str, ...]


def today() -> date:
    """Today in UTC, the calendar demand days follow."""
    return datetime.now(UTC).date()


def parse_period(args: Mapping[str, str]) -> tuple[date, date]:
    """Read `from` and `to` (YYYY-MM-DD); the default is the last 28 days up to today."""
    date_to = _date(args, "to") or today()
    date_from = _date(args, "from") or date_to - timedelta(days=DEFAULT_DAYS - 1)
    if date_from > date_to:
        raise ParameterError("from", "from must be on or before to")
    if (date_to - date_from).days > MAX_DAYS:
        raise ParameterError("from", f"the period can be at most {MAX_DAYS} days")
    return date_from, date_to


def _date(args: Mapping[str, str], name: str) -> date | None:
    """One optional ISO date parameter."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ParameterError(name, f"{name} must be a date as YYYY-MM-DD") from None


def parse_region(args: Mapping[str, str], taxonomy: Taxonomy) -> str | None:
    """An optional region slug."""
    region = (args.get("region") or "").strip()
    if region and region not in taxonomy.slugs("regions"):
        raise ParameterError("region", f"'{region[:60]}' is not a known region")
    return region or None


def parse_export_args(args: MultiDict[str, str], taxonomy: Taxonomy) -> ExportRequest:
    """Validate from, to, group_by, zero_results_only and region; raises ParameterError."""
    date_from, date_to = parse_period(args)
    names = [n.strip() for raw in args.getlist("group_by") for n in raw.split(",") if n.strip()]
    for name in names:
        if name not in GROUPS:
            raise ParameterError("group_by", f"group_by must be any of {', '.join(GROUPS)}")
    group_by = tuple(dict.fromkeys(names)) or ("region",)
    zero = (args.get("zero_results_only") or "false").strip().lower()
    if zero not in ("1", "0", "true", "false", "yes", "no"):
        raise ParameterError("zero_results_only", "zero_results_only must be true or false")
    query = DemandQuery(
        date_from,
        date_to,
        region=parse_region(args, taxonomy),
        zero_results_only=zero in ("1", "true", "yes"),
    )
    return ExportRequest(query, group_by)


def _label(value: object) -> str:
    """A grouping value as text: dates as ISO, missing values as not-given."""
    if value is None:
        return NOT_GIVEN
    return value.isoformat() if isinstance(value, date) else str(value)


def build_export(request: ExportRequest) -> Export:
    """The released table for an export or the API, with its method."""
    query = request.query
    counts = {
        tuple(_label(v) for v in key): count
        for key, count in visitor_days(query, request.group_by).items()
    }
    extra = {
        "group_by": list(request.group_by),
        "zero_results_only": query.zero_results_only,
        "region": query.region,
    }
    if "query" in request.group_by:
        # Free text: only rows at the threshold are released at all, and no total is given,
        # since it would reveal how much the hidden terms add up to.
        rows = [
            {**dict(zip(request.group_by, key, strict=True)), "visitor_days": value}
            for key, value in _release_rows_at_threshold(counts)
        ]
        return {"method": _method(query, **extra), "rows": rows, "total": None}
    released = disclosure.protect_list(counts, total_visitor_days(query))
    rows = [
        {**dict(zip(request.group_by, key, strict=True)), "visitor_days": released[key]}
        for key in sorted(counts)
    ]
    return {"method": _method(query, **extra), "rows": rows, "total": released[disclosure.TOTAL]}


def _release_rows_at_threshold(
    counts: dict[tuple[str, ...], int],
) -> list[tuple[tuple[str, ...], int]]:
    """Rows with free text, released only at the threshold, most frequent first."""
    by_text = {"\x1f".join(key): count for key, count in counts.items()}
    return [(tuple(text.split("\x1f")), value) for text, value in disclosure.release_terms(by_text)]


def _method(query: DemandQuery, **extra: Any) -> dict[str, Any]:
    """Method metadata for one output."""
    return disclosure.method((query.date_from, query.date_to), BASIS, **extra)


class Gap(TypedDict):
    """Demand and supply in one region and stage; index is demand per listing."""

    region: str
    stage: str
    demand: int | str
    supply: int
    index: float | None


class ListingFigures(TypedDict):
    """One listing's released demand figures, for its owners."""

    appearances: int | str
    opens: int | str
    zero_queries: list[tuple[str, int]]
    regions: list[str]


@dataclass
class Insights:
    """Everything the insights page shows, already released."""

    period: tuple[date, date]
    region: str | None
    support: str | None
    top_queries: list[tuple[str, int]]
    top_zero_queries: list[tuple[str, int]]
    rows: list[str]
    columns: list[str]
    heat: disclosure.ReleasedTable
    gaps: list[Gap]
    weeks: list[tuple[str, int | str]]
    weeks_total: int | str
    method: dict[str, Any]
    # Needs chosen in completed questionnaires, alongside what searches show.
    needs: list[tuple[str, int | str]] = field(default_factory=list)
    needs_total: int | str = 0


def insights(
    taxonomy: Taxonomy, period: tuple[date, date], region: str | None, support: str | None
) -> Insights:
    """Top queries, the region x stage heat map, the gap index and weekly trends."""
    base = DemandQuery(*period, region=region)
    top = disclosure.release_terms(_terms(visitor_days(base, ("query",))), TOP_TERMS)
    zero = DemandQuery(*period, region=region, zero_results_only=True)
    top_zero = disclosure.release_terms(_terms(visitor_days(zero, ("query",))), TOP_TERMS)

    rows = [region] if region else [*taxonomy.slugs("regions"), NOT_GIVEN]
    columns = [*taxonomy.slugs("stages"), NOT_GIVEN]
    cells = {
        (key[0] or NOT_GIVEN, key[1] or NOT_GIVEN): count
        for key, count in _narrowed(base, ("region", "stage"), support).items()
    }
    # Margins are distinct visitor-days in their own right, not sums of the cells.
    by_region = {
        key[0] or NOT_GIVEN: count for key, count in _narrowed(base, ("region",), support).items()
    }
    by_stage = {
        key[0] or NOT_GIVEN: count for key, count in _narrowed(base, ("stage",), support).items()
    }
    grand = _narrowed(base, (), support).get((), 0)
    heat = disclosure.protect_grid(cells, rows, columns, by_region, by_stage, grand)

    supply = supply_by_region_stage(support)
    gaps: list[Gap] = []
    for row in [row for row in rows if row != NOT_GIVEN]:
        for column in columns[:-1]:
            demand = heat[row, column]
            listings = supply.get((row, column), 0)
            index = None
            if disclosure.is_released(demand) and demand:
                index = round(demand / listings, 1) if listings else None
            gaps.append(
                {
                    "region": row,
                    "stage": column,
                    "demand": demand,
                    "supply": listings,
                    "index": index,
                }
            )
    gaps.sort(key=_gap_order)

    weekly = visitor_days(base, ("week",))
    week_counts = {_label(key[0]): count for key, count in weekly.items()}
    released_weeks = disclosure.protect_list(week_counts, total_visitor_days(base))
    weeks = [(week, released_weeks[week]) for week in sorted(week_counts)]
    # Several needs can be chosen at once, so the needs do not add up to a total that could
    # give a withheld cell away; the total is released on its own.
    need_counts = questionnaire_needs(base)
    released_needs = disclosure.protect_list(need_counts)
    questionnaire_total = total_visitor_days(replace(base, sources=("questionnaire",)))
    return Insights(
        period,
        region,
        support,
        top,
        top_zero,
        rows,
        columns,
        heat,
        gaps,
        weeks,
        released_weeks[disclosure.TOTAL],
        _method(base, region=region, support=support),
        needs=sorted(
            ((need, released_needs[need]) for need in need_counts),
            key=lambda item: -item[1] if isinstance(item[1], int) else 1,
        ),
        needs_total=disclosure.release_count(questionnaire_total),
    )


def _terms(counts: dict[tuple[Any, ...], int]) -> dict[str, int]:
    """Counts keyed by a one-column group, as plain text keys."""
    return {key[0]: count for key, count in counts.items() if key and key[0]}


def _narrowed(
    query: DemandQuery, group_by: tuple[str, ...], support: str | None
) -> dict[tuple[Any, ...], int]:
    """Visitor-days grouped by some columns, for one support type or for any."""
    if support is None:
        return visitor_days(query, group_by)
    counts = visitor_days(query, (*group_by, "support"))
    return {key[:-1]: count for key, count in counts.items() if key[-1] == support}


def _gap_order(gap: Gap) -> tuple[int, float]:
    """Cells with released demand and no supply first, then by demand per listing."""
    demand = gap["demand"]
    if not (disclosure.is_released(demand) and demand):
        return (2, 0)
    if gap["supply"] == 0:
        return (0, -demand)
    return (1, -(gap["index"] or 0))


def owner_figures(
    listings: Sequence[Listing], taxonomy: Taxonomy, period: tuple[date, date]
) -> dict[str, ListingFigures]:
    """Per listing: released appearances and opens, and zero-result queries where it serves."""
    slugs = [listing.slug for listing in listings]
    raw = listing_figures(slugs, *period)
    result: dict[str, ListingFigures] = {}
    for listing in listings:
        regions = None if listing.uk_wide else [r.slug for r in listing.regions]
        stages = [s.slug for s in listing.stages]
        zero = zero_result_queries(regions, stages, *period)
        result[listing.slug] = {
            "appearances": disclosure.release_count(raw[listing.slug]["appearances"]),
            "opens": disclosure.release_count(raw[listing.slug]["opens"]),
            "zero_queries": disclosure.release_terms(zero, 5),
            "regions": regions or [UK_WIDE],
        }
    return result
