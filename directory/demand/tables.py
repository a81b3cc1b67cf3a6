"""The shape of a released demand table: columns, tidy rows, and the notes that explain them.

A table is what every output lays out (directory/demand/exports.py, the insights page), so it
says everything a reader needs: each column's name, heading, datatype and symbols, and the
notes that apply. Its rows are counted and protected in directory/demand/release.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from directory.demand import disclosure
from directory.demand.codes import UNITED_KINGDOM
from directory.demand.periods import INTERVALS

ALL = "all"
NOT_GIVEN = "not-given"
# Dimension -> (taxonomy, heading, plural for "All ...").
TAXONOMY_DIMENSIONS = {
    "region": ("regions", "Region", "regions"),
    "stage": ("stages", "Stage", "stages"),
    "support": ("support_types", "Type of support", "types of support"),
    "sector": ("sectors", "Sector", "sectors"),
}

# Notes of the release, numbered in this order in every output that lists them.
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
)


def notes() -> dict[str, str]:
    """Every note of the release, by key, with the thresholds in force."""
    threshold, rounding = disclosure.THRESHOLD, disclosure.ROUNDING
    text = {
        "unit": "Figures count distinct visitor-days: one network (an IPv4 /24 or IPv6 /48) on "
        "one day counts once in a cell, however many searches it made. No address, browser, "
        "cookie or exact time is kept.",
        "suppressed": f"{disclosure.SUPPRESSED} = confidential: a figure from 1 to "
        f"{threshold - 1} (below the threshold of {threshold} visitor-days) is withheld, because "
        "small counts could describe one founder. Further figures, including totals and "
        "sometimes zeros, are withheld where they would let a withheld figure be worked out by "
        "subtraction (secondary suppression).",
        "rounding": f"Released figures are rounded to the nearest {rounding}. Totals are "
        "rounded on their own, so rows and columns may not add up to them.",
        "free-text": "Search words are shown only when at least "
        f"{threshold} visitor-days used them; rarer phrases are left out altogether, and there "
        "is no total, since it would show how much the hidden phrases add up to.",
        "several-values": "A search naming several regions, stages or types of support counts "
        "in each of them, so cells can add up to more than their total; totals are distinct "
        "visitor-days in their own right.",
        "periods": "Days are UTC calendar days; weeks start on Monday; quarters are January to "
        "March, April to June, July to September and October to December. The first and last "
        "periods can be part-periods: the period start and end columns give the days counted. "
        "Weeks older than 13 months are kept only as weekly totals: such a week is counted "
        "whole, in the month and quarter that hold its Thursday.",
        "regions": "Regions are the English regions (ONS codes E12000001 to E12000009) and the "
        "countries Wales (W92000004), Scotland (S92000003) and Northern Ireland (N92000002). "
        f"All regions together have the United Kingdom's code, {UNITED_KINGDOM}. The region is "
        "the one the founder chose, or the region of the place they searched near; it is not "
        "where they live. Region not given has no code.",
        "not-available": f"{disclosure.NOT_AVAILABLE} = not available: the gap index of a cell "
        f"whose searches are withheld. {disclosure.NOT_APPLICABLE} = not applicable: the gap "
        "index of a cell with no listings to divide by, and the code of Region not given.",
        "gaps": "Listings are the published, active listings that serve the region (UK-wide "
        "listings serve every region) and the stage, and offer the type of support when one is "
        "chosen. The gap index is the released number of searches divided by the listings: "
        "searches per listing.",
        "needs": "Founders can choose several needs in one questionnaire, so the needs do not "
        "add up to the number of completed questionnaires.",
        "source": "The figures come from anonymised demand events recorded by the Start-up "
        "Support Directory: searches on the search page and through its API, and completed "
        "questionnaires. Events "
        "made for tests and benchmarks are excluded. Figures include events up to the minute "
        "the release was made.",
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
    "need": "need_name",
    **{interval: "period_name" for interval in INTERVALS},
}

VISITOR_DAYS = Column(
    "visitor_days",
    "Searches (visitor-days)",
    "integer",
    "Distinct visitor-days with a search, rounded to the nearest 5; [c] where withheld",
    symbols=(disclosure.SUPPRESSED,),
)


def dimension_columns(dimension: str) -> tuple[Column, ...]:
    """The columns that name one value of a dimension."""
    if dimension == "region":
        return (
            Column(
                "region",
                "Region slug",
                "string",
                "The region as this service's URLs and API name it; all for all regions, "
                "not-given where the search named none",
                identifier=True,
            ),
            Column(
                "region_code",
                "Region code",
                "string",
                f"ONS code of the region or country; {UNITED_KINGDOM} (United Kingdom) for all "
                "regions; [z] where no region was given",
                symbols=(disclosure.NOT_APPLICABLE,),
            ),
            Column("region_name", "Region", "string", "The region's name"),
        )
    if dimension in TAXONOMY_DIMENSIONS:
        _, heading, plural = TAXONOMY_DIMENSIONS[dimension]
        return (
            Column(
                dimension,
                f"{heading} slug",
                "string",
                f"As this service's URLs and API name it; all for all {plural}, not-given where "
                "the search named none",
                identifier=True,
            ),
            Column(f"{dimension}_name", heading, "string", f"The {heading.lower()}'s name"),
        )
    if dimension in INTERVALS:
        return (
            Column(
                dimension,
                f"{dimension.capitalize()} key",
                "string",
                "The period: the Monday a week starts (YYYY-MM-DD), YYYY-MM for a month, "
                "YYYY-Qn for a quarter; all for the whole release",
                identifier=True,
            ),
            Column("period_name", "Period", "string", "The period's name"),
            Column("period_start", "Period start", "date", "The first day counted"),
            Column("period_end", "Period end", "date", "The last day counted"),
        )
    if dimension == "need":
        return (
            Column(
                "need",
                "Need key",
                "string",
                "The questionnaire's answer key; all for all completed questionnaires",
                identifier=True,
            ),
            Column("need_name", "Need", "string", "The need as the questionnaire words it"),
        )
    return (
        Column(
            "query",
            "Search words",
            "string",
            "The search words, lower-cased, with personal data removed",
        ),
    )
