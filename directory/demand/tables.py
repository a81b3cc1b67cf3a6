"""The shape of a released demand table: columns, tidy rows, and the notes that explain them.

A table is what every output lays out (directory/demand/exports.py, the insights page), so it
says everything a reader needs: each column's name, heading, datatype and symbols, and the
notes that apply. Its rows are counted and protected in directory/demand/release.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from directory.demand import disclosure
from directory.demand.codes import UNITED_KINGDOM
from directory.demand.periods import INTERVALS

ALL = "all"
NOT_GIVEN = "not-given"
# Dimension -> the taxonomy its values come from.
TAXONOMY_DIMENSIONS = {
    "region": "regions",
    "stage": "stages",
    "support": "support_types",
    "sector": "sectors",
}
# The interface languages a demand event records, in the order tables list them.
LANGUAGE_VALUES = ("en", "cy")

# Notes of the release, numbered in this order in every output that lists them (new notes go
# at the end, so a note keeps its number).
NOTE_KEYS = (
    "unit",
    "suppressed",
    "rounding",
    "free-text",
    "several-values",
    "periods",
    "regions",
    "not-available",
    "gaps",
    "needs",
    "source",
    "language",
)


@dataclass(frozen=True)
class Words:
    """How the outputs name one dimension, in the current language (whole phrases, since
    Welsh mutates a noun after "and" and after numbers)."""

    heading: str  # a column heading: "Region"
    noun: str  # in a title: "Searches by region"
    and_noun: str  # a further noun of a title: "Searches by region and stage"
    all_name: str = ""  # the total's name: "All regions"
    not_given: str = ""  # the name of "not given": "Region not given"
    slug_title: str = ""  # the identifier column's heading: "Region slug"
    slug_description: str = ""
    name_description: str = ""  # the name column's description: "The region's name"
    searches_by: str = ""  # a one-way table's title: "Searches by region"
    one_row_per: str = ""  # a one-way table's row: "One row per region, and one for the total"
    sheet: str = ""  # a one-way table's sheet name: "Regions"


def words(dimension: str) -> Words:
    """The words for a dimension, in the current language."""
    if dimension == "region":
        return Words(
            _("Region"),
            _("region"),
            _("and region"),
            _("All regions"),
            _("Region not given"),
            _("Region slug"),
            _(
                "The region as this service's URLs and API name it; all for all regions, "
                "not-given where the search named none"
            ),
            _("The region's name"),
            _("Searches by region"),
            _("One row per region, and one for the total"),
            _("Regions"),
        )
    if dimension == "stage":
        return Words(
            _("Stage"),
            _("stage"),
            _("and stage"),
            _("All stages"),
            _("Stage not given"),
            _("Stage slug"),
            _(
                "As this service's URLs and API name it; all for all stages, not-given "
                "where the search named none"
            ),
            _("The stage's name"),
            _("Searches by stage"),
            _("One row per stage, and one for the total"),
            _("Stages"),
        )
    if dimension == "support":
        return Words(
            _("Type of support"),
            _("type of support"),
            _("and type of support"),
            _("All types of support"),
            _("Type of support not given"),
            _("Type of support slug"),
            _(
                "As this service's URLs and API name it; all for all types of support, "
                "not-given where the search named none"
            ),
            _("The type of support's name"),
        )
    if dimension == "sector":
        return Words(
            _("Sector"),
            _("sector"),
            _("and sector"),
            _("All sectors"),
            _("Sector not given"),
            _("Sector slug"),
            _(
                "As this service's URLs and API name it; all for all sectors, not-given "
                "where the search named none"
            ),
            _("The sector's name"),
        )
    if dimension == "language":
        return Words(
            _("Language"),
            _("language"),
            _("and language"),
            _("All languages"),
            _("Language not recorded"),
            _("Language code"),
            _(
                "The interface language the search was made in: en (English) or cy (Welsh); "
                "all for all languages"
            ),
            _("The language's name"),
            _("Searches by language"),
            _("One row per interface language, and one for the total"),
            _("Languages"),
        )
    if dimension == "week":
        return Words(
            _("Week"),
            _("week"),
            _("and week"),
            searches_by=_("Searches by week"),
            one_row_per=_("One row per week, and one for the whole period"),
        )
    if dimension == "month":
        return Words(
            _("Month"),
            _("month"),
            _("and month"),
            searches_by=_("Searches by month"),
            one_row_per=_("One row per month, and one for the whole period"),
        )
    if dimension == "quarter":
        return Words(
            _("Quarter"),
            _("quarter"),
            _("and quarter"),
            searches_by=_("Searches by quarter"),
            one_row_per=_("One row per quarter, and one for the whole period"),
        )
    if dimension == "query":
        return Words(_("Search words"), _("search words"), _("and search words"))
    if dimension == "need":
        return Words(_("Need"), _("need"), _("and need"))
    return Words(dimension, dimension, f"and {dimension}")


def language_name(code: str) -> str:
    """An interface language's name in the current language: English, Welsh (Saesneg, Cymraeg)."""
    return {"en": _("English"), "cy": _("Welsh")}.get(code, code)


def notes() -> dict[str, str]:
    """Every note of the release, by key, with the thresholds in force, in the current language."""
    threshold, rounding = disclosure.THRESHOLD, disclosure.ROUNDING
    text = {
        "unit": _(
            "Figures count distinct visitor-days: one network (an IPv4 /24 or IPv6 /48) on "
            "one day counts once in a cell, however many searches it made. No address, browser, "
            "cookie or exact time is kept."
        ),
        "suppressed": _(
            "%(symbol)s = confidential: a figure from 1 to %(largest)s (below the threshold of "
            "%(threshold)s visitor-days) is withheld, because small counts could describe one "
            "founder. Further figures, including totals and sometimes zeros, are withheld where "
            "they would let a withheld figure be worked out by subtraction (secondary "
            "suppression).",
            symbol=disclosure.SUPPRESSED,
            largest=threshold - 1,
            threshold=threshold,
        ),
        "rounding": _(
            "Released figures are rounded to the nearest %(rounding)s. Totals are rounded on "
            "their own, so rows and columns may not add up to them.",
            rounding=rounding,
        ),
        "free-text": _(
            "Search words are shown only when at least %(threshold)s visitor-days used them; "
            "rarer phrases are left out altogether, and there is no total, since it would show "
            "how much the hidden phrases add up to.",
            threshold=threshold,
        ),
        "several-values": _(
            "A search naming several regions, stages or types of support counts in each of "
            "them, so cells can add up to more than their total; totals are distinct "
            "visitor-days in their own right."
        ),
        "periods": _(
            "Days are UTC calendar days; weeks start on Monday; quarters are January to March, "
            "April to June, July to September and October to December. The first and last "
            "periods can be part-periods: the period start and end columns give the days "
            "counted. Weeks older than 13 months are kept only as weekly totals: such a week is "
            "counted whole, in the month and quarter that hold its Thursday."
        ),
        "regions": _(
            "Regions are the English regions (ONS codes E12000001 to E12000009) and the "
            "countries Wales (W92000004), Scotland (S92000003) and Northern Ireland "
            "(N92000002). All regions together have the United Kingdom's code, %(code)s. "
            "The region is the one the founder chose, or the region of the place they searched "
            "near; it is not where they live. Region not given has no code.",
            code=UNITED_KINGDOM,
        ),
        "not-available": _(
            "%(not_available)s = not available: the gap index of a cell whose searches are "
            "withheld. %(not_applicable)s = not applicable: the gap index of a cell with no "
            "listings to divide by, and the code of Region not given.",
            not_available=disclosure.NOT_AVAILABLE,
            not_applicable=disclosure.NOT_APPLICABLE,
        ),
        "gaps": _(
            "Listings are the published, active listings that serve the region (UK-wide "
            "listings serve every region) and the stage, and offer the type of support when one "
            "is chosen. The gap index is the released number of searches divided by the "
            "listings: searches per listing."
        ),
        "needs": _(
            "Founders can choose several needs in one questionnaire, so the needs do not add up "
            "to the number of completed questionnaires."
        ),
        "source": _(
            "The figures come from anonymised demand events recorded by the Start-up Support "
            "Directory: searches on the search page and through its API, and completed "
            "questionnaires. Events made for tests and benchmarks are excluded. Figures include "
            "events up to the minute the release was made."
        ),
        "language": _(
            "The language is the one the founder used the service in: English, or Welsh when "
            "they chose Cymraeg. It is not the language of their search words."
        ),
    }
    return {key: text[key] for key in NOTE_KEYS}


def note_number(key: str) -> int:
    """The number of a note, as the Notes sheet and table titles show it."""
    return NOTE_KEYS.index(key) + 1


@dataclass(frozen=True)
class Column:
    """One column of a table: its name in CSV and JSON, its heading, its CSVW datatype."""

    name: str
    title: str
    datatype: str  # string, integer, decimal or date
    description: str
    # A slug or key for scripts: in CSV and JSON, left out of the page and the spreadsheet.
    identifier: bool = False
    # The symbols that can stand in for a value ([c], [x], [z]).
    symbols: tuple[str, ...] = ()


@dataclass
class Table:
    """One released table: tidy rows, one observation each, that every output lays out."""

    id: str
    sheet: str  # the spreadsheet's sheet name: short, no spaces
    title: str  # what it shows: "Searches by region and stage"
    unit: str
    scope: str  # the days and filters: "1 May 2026 to 28 May 2026, all regions, ..."
    description: str  # what one row is
    dimensions: tuple[str, ...]
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]
    total: int | str | None
    notes: tuple[str, ...]
    measure: str = "visitor_days"
    # Read best as a grid of its two dimensions (with their totals), on the page and in XLSX.
    grid: bool = False
    _index: dict[tuple[str, ...], dict[str, Any]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._index = {tuple(row[d] for d in self.dimensions): row for row in self.rows}

    @property
    def full_title(self) -> str:
        """The title with its unit and scope, as the spreadsheet's A1 and the CSVW title."""
        return f"{self.title}, {self.unit}, {self.scope}"

    def value(self, *key: str) -> Any:
        """The released figure of one row, by its dimensions' values (`all` for a total)."""
        return self._index[key][self.measure]

    def values(self, dimension: str) -> list[str]:
        """A dimension's values in the table's order, totals (`all`) included."""
        return list(dict.fromkeys(row[dimension] for row in self.rows))

    def label(self, dimension: str, value: str) -> str:
        """The name a person reads for one value of a dimension."""
        row = next(row for row in self.rows if row[dimension] == value)
        return str(row[NAME_COLUMNS.get(dimension, dimension)])


# The column holding a dimension's human name.
NAME_COLUMNS: dict[str, str] = {
    "region": "region_name",
    "stage": "stage_name",
    "support": "support_name",
    "sector": "sector_name",
    "language": "language_name",
    "need": "need_name",
    **{interval: "period_name" for interval in INTERVALS},
}


def visitor_days_column() -> Column:
    """The figure of most tables: searches, as released."""
    return Column(
        "visitor_days",
        _("Searches (visitor-days)"),
        "integer",
        _(
            "Distinct visitor-days with a search, rounded to the nearest %(rounding)s; %(symbol)s "
            "where withheld",
            rounding=disclosure.ROUNDING,
            symbol=disclosure.SUPPRESSED,
        ),
        symbols=(disclosure.SUPPRESSED,),
    )


def dimension_columns(dimension: str) -> tuple[Column, ...]:
    """The columns that name one value of a dimension (headings in the current language;
    names, the CSV's and JSON's keys, always the same)."""
    named = words(dimension)
    if dimension == "region":
        return (
            Column(
                "region",
                named.slug_title,
                "string",
                named.slug_description,
                identifier=True,
            ),
            Column(
                "region_code",
                _("Region code"),
                "string",
                _(
                    "ONS code of the region or country; %(code)s (United Kingdom) for all "
                    "regions; %(symbol)s where no region was given",
                    code=UNITED_KINGDOM,
                    symbol=disclosure.NOT_APPLICABLE,
                ),
                symbols=(disclosure.NOT_APPLICABLE,),
            ),
            Column("region_name", named.heading, "string", named.name_description),
        )
    if dimension in (*TAXONOMY_DIMENSIONS, "language"):
        return (
            Column(
                dimension,
                named.slug_title,
                "string",
                named.slug_description,
                identifier=True,
            ),
            Column(f"{dimension}_name", named.heading, "string", named.name_description),
        )
    if dimension in INTERVALS:
        return (
            Column(
                dimension,
                {
                    "week": _("Week key"),
                    "month": _("Month key"),
                    "quarter": _("Quarter key"),
                }[dimension],
                "string",
                _(
                    "The period: the Monday a week starts (YYYY-MM-DD), YYYY-MM for a month, "
                    "YYYY-Qn for a quarter; all for the whole release"
                ),
                identifier=True,
            ),
            Column("period_name", _("Period"), "string", _("The period's name")),
            Column("period_start", _("Period start"), "date", _("The first day counted")),
            Column("period_end", _("Period end"), "date", _("The last day counted")),
        )
    if dimension == "need":
        return (
            Column(
                "need",
                _("Need key"),
                "string",
                _("The questionnaire's answer key; all for all completed questionnaires"),
                identifier=True,
            ),
            Column("need_name", _("Need"), "string", _("The need as the questionnaire words it")),
        )
    return (
        Column(
            "query",
            _("Search words"),
            "string",
            _("The search words, lower-cased, with personal data removed"),
        ),
    )
