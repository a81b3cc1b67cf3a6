"""Parameters of the insights page, exports and API, and owners' figures, all released."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypedDict

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from directory.catalogue.models import Listing
from directory.demand import disclosure
from directory.demand.periods import INTERVALS, Interval
from directory.demand.queries import (
    GROUPS,
    DemandQuery,
    listing_figures,
    zero_result_queries,
)
from directory.demand.release import (
    RELEASE_TABLES,
    Context,
    Table,
    build_release,
    grouped_table,
    release_table,
)
from directory.demand.tables import LANGUAGE_VALUES
from directory.taxonomy import UK_WIDE, Taxonomy

DEFAULT_DAYS = 28
MAX_DAYS = 800
# group_by's name for the time dimension at the `period` parameter's interval.
PERIOD = "period"


class ParameterError(ValueError):
    """A bad export or API parameter, with the message to show (in the request's language:
    the API, which takes no language, answers in English)."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message


@dataclass(frozen=True)
class ExportRequest:
    """A validated export: the events to count, and the table (or grouping) to release."""

    query: DemandQuery
    group_by: tuple[str, ...] = ()
    interval: Interval = "week"
    table: str | None = None


@dataclass(frozen=True)
class TableExport:
    """One released table and the method of the release it comes from."""

    table: Table
    method: dict[str, Any]


def today() -> date:
    """Today in UTC, the calendar demand days follow."""
    return datetime.now(UTC).date()


def parse_period(args: Mapping[str, str]) -> tuple[date, date]:
    """Read `from` and `to` (YYYY-MM-DD); the default is the last 28 days up to today."""
    date_to = _date(args, "to") or today()
    date_from = _date(args, "from") or date_to - timedelta(days=DEFAULT_DAYS - 1)
    if date_from > date_to:
        raise ParameterError("from", _("from must be on or before to"))
    if (date_to - date_from).days > MAX_DAYS:
        raise ParameterError("from", _("the period can be at most %(days)s days", days=MAX_DAYS))
    return date_from, date_to


def _date(args: Mapping[str, str], name: str) -> date | None:
    """One optional ISO date parameter."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ParameterError(
            name, _("%(parameter)s must be a date as YYYY-MM-DD", parameter=name)
        ) from None


def parse_region(args: Mapping[str, str], taxonomy: Taxonomy) -> str | None:
    """An optional region slug."""
    return _slug(args, "region", "regions", taxonomy)


def _slug(args: Mapping[str, str], parameter: str, name: str, taxonomy: Taxonomy) -> str | None:
    """An optional slug of one taxonomy."""
    value = (args.get(parameter) or "").strip()
    if value and value not in taxonomy.slugs(name):
        if parameter == "region":
            message = _("'%(value)s' is not a known region", value=value[:60])
        else:
            message = _("'%(value)s' is not a known type of support", value=value[:60])
        raise ParameterError(parameter, message)
    return value or None


def parse_language(args: Mapping[str, str]) -> str | None:
    """The optional interface language to count searches of: en or cy. (`lang`, the page's
    own language, is another parameter: a Welsh page can show English-language demand.)"""
    value = (args.get("language") or "").strip()
    if value and value not in LANGUAGE_VALUES:
        raise ParameterError(
            "language",
            _("language must be one of %(values)s", values=", ".join(LANGUAGE_VALUES)),
        )
    return value or None


def parse_interval(args: Mapping[str, str]) -> Interval | None:
    """The optional `period` of the trend: week, month or quarter."""
    value = (args.get(PERIOD) or "").strip()
    if not value:
        return None
    if value not in INTERVALS:
        raise ParameterError(
            PERIOD, _("period must be one of %(values)s", values=", ".join(INTERVALS))
        )
    return value


def parse_release_args(args: Mapping[str, str], taxonomy: Taxonomy) -> tuple[DemandQuery, Interval]:
    """What the page and every export count: from, to, region, support, language and period."""
    date_from, date_to = parse_period(args)
    query = DemandQuery(
        date_from,
        date_to,
        region=parse_region(args, taxonomy),
        support=_slug(args, "support", "support_types", taxonomy),
        language=parse_language(args),
    )
    return query, parse_interval(args) or "week"


def parse_export_args(args: MultiDict[str, str], taxonomy: Taxonomy) -> ExportRequest:
    """Validate the release's parameters, and table or group_by and zero_results_only."""
    query, interval = parse_release_args(args, taxonomy)
    chosen = parse_interval(args)
    names = [n.strip() for raw in args.getlist("group_by") for n in raw.split(",") if n.strip()]
    for name in names:
        if name not in (*GROUPS, PERIOD):
            raise ParameterError(
                "group_by",
                _("group_by must be any of %(values)s", values=", ".join((*GROUPS, PERIOD))),
            )
    group_by = tuple(dict.fromkeys(interval if name == PERIOD else name for name in names))
    times = [name for name in group_by if name in INTERVALS]
    if len(times) > 1 or (times and chosen and times[0] != chosen):
        raise ParameterError("group_by", _("group_by can hold one period, the same as period="))
    if times:
        interval = times[0]
    table = (args.get("table") or "").strip() or None
    if table and table not in RELEASE_TABLES:
        raise ParameterError(
            "table", _("table must be one of %(values)s", values=", ".join(RELEASE_TABLES))
        )
    if table and group_by:
        raise ParameterError("table", _("give table or group_by, not both"))
    zero = (args.get("zero_results_only") or "false").strip().lower()
    if zero not in ("1", "0", "true", "false", "yes", "no"):
        raise ParameterError("zero_results_only", _("zero_results_only must be true or false"))
    query = replace(query, zero_results_only=zero in ("1", "true", "yes"))
    return ExportRequest(query, group_by, interval, table)


def build_export(request: ExportRequest) -> TableExport:
    """The one released table a CSV, JSON or API response carries (by region by default)."""
    context = Context(current_app.extensions["taxonomy"], request.query, request.interval)
    if request.table:
        table = release_table(context, request.table)
        extra: dict[str, Any] = {"table": table.id}
    else:
        group_by = request.group_by or ("region",)
        table = grouped_table(context, group_by)
        extra = {"table": table.id, "group_by": list(group_by)}
    return TableExport(table, context.method(**extra))


def build_workbook(request: ExportRequest) -> tuple[list[Table], dict[str, Any]]:
    """The tables a spreadsheet carries: the one asked for, or the whole release."""
    if request.table or request.group_by:
        export = build_export(request)
        return [export.table], export.method
    release = build_release(current_app.extensions["taxonomy"], request.query, request.interval)
    return list(release.tables.values()), release.method


class ListingFigures(TypedDict):
    """One listing's released demand figures, for its owners."""

    appearances: int | str
    opens: int | str
    zero_queries: list[tuple[str, int]]
    regions: list[str]


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
