"""Disclosure control: the one place every demand figure passes through before it leaves.

Modelled on official statistics practice (DESIGN section 8):
- figures are distinct visitor-days (counted by the queries; one person searching 50 times in a
  day is one visitor-day);
- a cell under THRESHOLD is suppressed and shown as `[c]`; released cells are rounded to the
  nearest ROUNDING;
- a total or margin that would let a suppressed cell be worked out by subtraction is suppressed
  too, and so are further cells until no suppressed cell is determined by the table's sums
  (secondary suppression, checked by exact linear algebra);
- free-text query terms are released only when they reach THRESHOLD; the others are left out;
- spreadsheet cells never start with =, +, - or @;
- every output carries its method as metadata.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from fractions import Fraction
from typing import Any, TypeGuard, TypeVar

THRESHOLD = 10
ROUNDING = 5
SUPPRESSED = "[c]"
# The other symbols of the Government Analysis Function's guidance that the release uses.
NOT_AVAILABLE = "[x]"
NOT_APPLICABLE = "[z]"
DOCS_PATH = "docs/demand-data.md"

Key = TypeVar("Key", bound=Hashable)
# Reduced rows of a matrix, as (pivot column, row) pairs.
Basis = list[tuple[int, list[Fraction]]]


def round_count(count: int) -> int:
    """Round to the nearest ROUNDING, halves up (12 -> 10, 13 -> 15)."""
    return int((count + ROUNDING // 2) // ROUNDING * ROUNDING) if ROUNDING > 1 else count


def release_count(count: int | None) -> int | str:
    """One figure on its own: `[c]` under the threshold, otherwise rounded."""
    if count is None or count == 0:
        return 0
    return SUPPRESSED if count < THRESHOLD else round_count(count)


def is_released(value: int | str) -> TypeGuard[int]:
    """Whether a released value is a number rather than `[c]`."""
    return value != SUPPRESSED


@dataclass
class Line:
    """An additive relation: `total` is (at most) the sum of `cells`."""

    total: Hashable
    cells: list[Hashable]


@dataclass
class ReleasedTable:
    """Entries (cells and totals) after disclosure control, keyed as they came in."""

    values: dict[Hashable, int | str]
    primary: set[Hashable] = field(default_factory=set)
    secondary: set[Hashable] = field(default_factory=set)

    def __getitem__(self, key: Hashable) -> int | str:
        return self.values[key]


def protect_table(counts: dict[Hashable, int], lines: Iterable[Line] = ()) -> ReleasedTable:
    """Suppress, then secondarily suppress, then round every entry of a table.

    `counts` holds every entry (cells and totals, zero where nothing was counted); `lines` say
    which totals are sums of which cells. Zero cells are true zeros and are released, but they
    may be chosen for secondary suppression like any other cell.
    """
    lines = [line for line in lines if line.cells]
    primary = {key for key, count in counts.items() if 0 < count < THRESHOLD}
    suppressed = set(primary)
    while True:
        added = _complete_lines(counts, lines, suppressed)
        determined = _determined_entries(counts, lines, suppressed)
        if not determined:
            if not added:
                break
            continue
        _suppress_partner(counts, lines, suppressed, next(iter(sorted(determined, key=repr))))
    values = {
        key: SUPPRESSED if key in suppressed else round_count(count)
        for key, count in counts.items()
    }
    return ReleasedTable(values, primary, suppressed - primary)


def _complete_lines(
    counts: dict[Hashable, int], lines: list[Line], suppressed: set[Hashable]
) -> bool:
    """Where a line has exactly one suppressed entry, suppress its smallest other entry."""
    added = False
    changed = True
    while changed:
        changed = False
        for line in lines:
            entries = [line.total, *line.cells]
            hidden = [key for key in entries if key in suppressed]
            if len(hidden) == 1:
                candidates = [key for key in line.cells if key not in suppressed] or [line.total]
                choice = min(candidates, key=lambda key: (counts[key], repr(key)))
                suppressed.add(choice)
                added = changed = True
    return added


def _suppress_partner(
    counts: dict[Hashable, int],
    lines: list[Line],
    suppressed: set[Hashable],
    determined_key: Hashable,
) -> None:
    """Break a determined entry's equations by suppressing the smallest released cell next to it."""
    candidates = [
        key
        for line in lines
        if determined_key == line.total or determined_key in line.cells
        for key in [line.total, *line.cells]
        if key not in suppressed
    ]
    if not candidates:  # cannot happen for a determined entry, but never loop forever
        candidates = [key for key in counts if key not in suppressed]
    suppressed.add(min(candidates, key=lambda key: (counts[key], repr(key))))


def _determined_entries(
    counts: dict[Hashable, int], lines: list[Line], suppressed: set[Hashable]
) -> set[Hashable]:
    """Suppressed entries whose value the table's sums pin down exactly."""
    return {key for key in determined_by_sums(lines, suppressed) if key in counts}


def determined_by_sums(lines: list[Line], unknown: set[Hashable]) -> set[Hashable]:
    """Unknown entries fixed by the lines' equations (exact rank test over the rationals)."""
    involved = [line for line in lines if any(k in unknown for k in (line.total, *line.cells))]
    if len(involved) <= 1:
        # One equation pins an unknown only when it is the equation's only unknown.
        return {
            key
            for line in involved
            for key in [line.total, *line.cells]
            if key in unknown and sum(k in unknown for k in (line.total, *line.cells)) == 1
        }
    variables = sorted(
        {k for line in involved for k in (line.total, *line.cells) if k in unknown}, key=repr
    )
    position = {key: index for index, key in enumerate(variables)}
    matrix = []
    for line in involved:
        row = [Fraction(0)] * len(variables)
        if line.total in position:
            row[position[line.total]] += 1
        for cell in line.cells:
            if cell in position:
                row[position[cell]] -= 1
        matrix.append(row)
    basis = _row_reduce(matrix)
    determined = set()
    for key, index in position.items():
        unit = [Fraction(0)] * len(variables)
        unit[index] = Fraction(1)
        if _in_row_space(basis, unit):
            determined.add(key)
    return determined


def _row_reduce(rows: list[list[Fraction]]) -> Basis:
    """Reduced row echelon form, as (pivot column, row) pairs."""
    basis: Basis = []
    for row in rows:
        row = _reduce(basis, list(row))
        pivot = next((i for i, value in enumerate(row) if value), None)
        if pivot is None:
            continue
        row = [value / row[pivot] for value in row]
        basis = [(p, [a - r[pivot] * b for a, b in zip(r, row, strict=True)]) for p, r in basis]
        basis.append((pivot, row))
    return basis


def _reduce(basis: Basis, row: list[Fraction]) -> list[Fraction]:
    """Subtract basis rows to clear their pivot columns from a row."""
    for pivot, base in basis:
        if row[pivot]:
            factor = row[pivot]
            row = [a - factor * b for a, b in zip(row, base, strict=True)]
    return row


def _in_row_space(basis: Basis, vector: list[Fraction]) -> bool:
    """Whether the vector is a combination of the basis rows."""
    return not any(_reduce(basis, list(vector)))


# --- the shapes every output uses ----------------------------------------------------------


def protect_list(cells: Mapping[Key, int], total: int | None = None) -> ReleasedTable:
    """A one-way table (cells and, if given, their total) under disclosure control."""
    counts: dict[Hashable, int] = {key: count for key, count in cells.items()}
    lines = []
    if total is not None:
        counts[TOTAL] = total
        lines.append(Line(TOTAL, list(cells)))
    return protect_table(counts, lines)


def protect_grid(
    cells: dict[tuple[Hashable, Hashable], int],
    rows: Sequence[Hashable],
    columns: Sequence[Hashable],
    row_totals: dict[Hashable, int],
    column_totals: dict[Hashable, int],
    grand_total: int,
) -> ReleasedTable:
    """A two-way table with row and column totals and a grand total."""
    counts: dict[Hashable, int] = {(r, c): cells.get((r, c), 0) for r in rows for c in columns}
    counts.update({(r, TOTAL): row_totals.get(r, 0) for r in rows})
    counts.update({(TOTAL, c): column_totals.get(c, 0) for c in columns})
    counts[TOTAL, TOTAL] = grand_total
    lines = [Line((r, TOTAL), [(r, c) for c in columns]) for r in rows]
    lines += [Line((TOTAL, c), [(r, c) for r in rows]) for c in columns]
    lines.append(Line((TOTAL, TOTAL), [(r, TOTAL) for r in rows]))
    lines.append(Line((TOTAL, TOTAL), [(TOTAL, c) for c in columns]))
    return protect_table(counts, lines)


TOTAL = "__total__"


def release_terms(counts: dict[str, int], limit: int | None = None) -> list[tuple[str, int]]:
    """Free-text terms at or above the threshold, most frequent first, rounded; others left out."""
    released = sorted(
        (
            (term, round_count(count))
            for term, count in counts.items()
            if term and count >= THRESHOLD
        ),
        key=lambda item: (-counts[item[0]], item[0]),
    )
    return released[:limit] if limit else released


def method(period: tuple[date, date], basis: str, **extra: Any) -> dict[str, Any]:
    """The method metadata attached to every output."""
    return {
        "unit": "distinct visitor-days",
        "threshold": THRESHOLD,
        "suppressed_marker": SUPPRESSED,
        "rounding": f"nearest {ROUNDING}",
        "secondary_suppression": "totals and cells that would reveal a suppressed cell "
        "by subtraction are suppressed too",
        "free_text": f"query terms are released only when they reach {THRESHOLD} visitor-days",
        "period": {"from": period[0].isoformat(), "to": period[1].isoformat()},
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "event_count_basis": basis,
        "synthetic_events": "excluded",
        "documentation": DOCS_PATH,
        **extra,
    }
