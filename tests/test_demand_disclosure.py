"""Disclosure control: property tests (Hypothesis) of what may leave the service."""

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from directory.demand import disclosure
from directory.demand.disclosure import SUPPRESSED, TOTAL

counts = st.integers(min_value=0, max_value=400)


def released_numbers(values):
    return [value for value in values if value != SUPPRESSED]


@given(counts)
def test_a_single_released_count_is_never_1_to_9_and_always_a_multiple_of_5(count):
    released = disclosure.release_count(count)
    if released != SUPPRESSED:
        assert not 1 <= released <= 9
        assert released % 5 == 0
        assert abs(released - count) <= 2
    else:
        assert 1 <= count <= 9


@given(st.dictionaries(st.text(min_size=1, max_size=3), counts, max_size=12))
def test_one_way_tables_release_no_small_and_no_unrounded_counts(cells):
    table = disclosure.protect_list(cells, sum(cells.values()))
    for value in released_numbers(table.values.values()):
        assert not 1 <= value <= 9
        assert value % 5 == 0


def grids():
    """Two-way tables: (rows, columns, cells) with small counts likely."""
    return st.integers(1, 5).flatmap(
        lambda rows: st.integers(1, 5).flatmap(
            lambda columns: st.tuples(
                st.just(rows),
                st.just(columns),
                st.lists(
                    st.one_of(st.integers(0, 12), st.integers(0, 200)),
                    min_size=rows * columns,
                    max_size=rows * columns,
                ),
            )
        )
    )


def protect(rows, columns, values):
    """Protect a grid whose margins are the sums of its cells (the worst case for subtraction)."""
    row_keys = [f"r{i}" for i in range(rows)]
    column_keys = [f"c{j}" for j in range(columns)]
    cells = {
        (r, c): values[i * columns + j]
        for i, r in enumerate(row_keys)
        for j, c in enumerate(column_keys)
    }
    row_totals = {r: sum(cells[r, c] for c in column_keys) for r in row_keys}
    column_totals = {c: sum(cells[r, c] for r in row_keys) for c in column_keys}
    table = disclosure.protect_grid(
        cells, row_keys, column_keys, row_totals, column_totals, sum(cells.values())
    )
    true = {
        **cells,
        **{(r, TOTAL): v for r, v in row_totals.items()},
        **{(TOTAL, c): v for c, v in column_totals.items()},
        (TOTAL, TOTAL): sum(cells.values()),
    }
    equations = [[(r, TOTAL), [(r, c) for c in column_keys]] for r in row_keys]
    equations += [[(TOTAL, c), [(r, c) for r in row_keys]] for c in column_keys]
    equations.append([(TOTAL, TOTAL), [(r, TOTAL) for r in row_keys]])
    equations.append([(TOTAL, TOTAL), [(TOTAL, c) for c in column_keys]])
    return table, true, equations


@settings(max_examples=300, deadline=None)
@given(grids())
def test_two_way_tables_release_only_rounded_counts_of_10_or_more(grid):
    table, true, _ = protect(*grid)
    for key, value in table.values.items():
        if value != SUPPRESSED:
            assert not 1 <= value <= 9
            assert value % 5 == 0
        if 1 <= true[key] <= 9:
            assert value == SUPPRESSED


def solvable_unknowns(equations, known, unknown):
    """Unknowns an attacker could compute exactly by combining the table's sums.

    Worst case for the table: the attacker is given every released entry's true, unrounded
    value. An unknown is recovered when its unit vector lies in the row space of the equations
    (Gaussian elimination over the rationals, written independently of the module).
    """
    variables = sorted(unknown, key=repr)
    index = {key: i for i, key in enumerate(variables)}
    matrix = []
    for total, cells in equations:
        row = [Fraction(0)] * len(variables)
        for key, sign in [(total, 1), *[(cell, -1) for cell in cells]]:
            if key in index:
                row[index[key]] += sign
        if any(row):
            matrix.append(row)
    rank = _rank(matrix)
    recovered = set()
    for key, i in index.items():
        unit = [Fraction(0)] * len(variables)
        unit[i] = Fraction(1)
        if _rank([*matrix, unit]) == rank:
            recovered.add(key)
    return recovered


def _rank(matrix):
    rows = [list(row) for row in matrix]
    rank = 0
    columns = len(rows[0]) if rows else 0
    for column in range(columns):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][column]), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for i in range(len(rows)):
            if i != rank and rows[i][column]:
                factor = rows[i][column] / rows[rank][column]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[rank], strict=True)]
        rank += 1
    return rank


@settings(max_examples=300, deadline=None)
@given(grids())
def test_no_suppressed_cell_can_be_recovered_from_the_same_table(grid):
    table, true, equations = protect(*grid)
    unknown = {key for key, value in table.values.items() if value == SUPPRESSED}
    known = {key: true[key] for key in true if key not in unknown}
    assert not solvable_unknowns(equations, known, unknown)


@settings(max_examples=300, deadline=None)
@given(st.lists(counts, min_size=1, max_size=15))
def test_no_suppressed_cell_of_a_list_can_be_recovered_from_its_total(values):
    cells = {f"k{i}": value for i, value in enumerate(values)}
    table = disclosure.protect_list(cells, sum(values))
    unknown = {key for key, value in table.values.items() if value == SUPPRESSED}
    assert not solvable_unknowns([(TOTAL, list(cells))], {}, unknown)


@given(st.dictionaries(st.text(min_size=1, max_size=20), counts, max_size=30))
def test_free_text_terms_are_released_only_at_the_threshold(terms):
    released = disclosure.release_terms(terms)
    for term, value in released:
        assert terms[term] >= disclosure.THRESHOLD
        assert value % 5 == 0 and value >= 10
    assert {term for term, _ in released} == {t for t, c in terms.items() if c >= 10}


def test_known_cases():
    assert disclosure.release_count(12) == 10
    assert disclosure.release_count(13) == 15
    assert disclosure.release_count(9) == SUPPRESSED
    assert disclosure.release_count(0) == 0
    table = disclosure.protect_list({"a": 5, "b": 40, "c": 23}, 68)
    assert table["a"] == SUPPRESSED and table["c"] == SUPPRESSED  # c protects a
    assert table["b"] == 40 and table[TOTAL] == 70
    method = disclosure.method((__import__("datetime").date(2026, 1, 1),) * 2, "searches")
    for key in ("threshold", "rounding", "period", "generated_at", "event_count_basis"):
        assert key in method
