"""One spreadsheet-escaping rule for every file the service writes."""

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from directory.extensions import db
from directory.spreadsheets import FORMULA_STARTS, escape_cell, unescape_cell
from tests.helpers import listing


@given(st.text(max_size=20))
def test_no_escaped_cell_starts_like_a_formula_and_escaping_round_trips(text):
    escaped = escape_cell(text)
    assert not escaped.startswith(FORMULA_STARTS)
    assert unescape_cell(escaped) == text


def test_tab_and_carriage_return_starts_are_escaped_too():
    assert escape_cell("\t=1+1") == "'\t=1+1"
    assert escape_cell("\r=cmd") == "'\r=cmd"
    assert escape_cell(42) == 42  # numbers stay numbers


def test_the_questionnaire_csv_escapes_a_tab_led_formula(client):
    answers = {"region": "london", "stage": "start-up", "sector": "skip", "need": "advice",
               "size": "skip", "about": "skip"}  # fmt: skip
    first = csv.DictReader(
        io.StringIO(client.get("/check/results.csv", query_string=answers).get_data(as_text=True))
    )
    slug = next(first)["link"].rsplit("/", 1)[1]
    listing(slug).name = "\t=HYPERLINK(evil)"
    db.session.commit()
    rows = csv.DictReader(
        io.StringIO(client.get("/check/results.csv", query_string=answers).get_data(as_text=True))
    )
    assert any(row["listing"] == "'\t=HYPERLINK(evil)" for row in rows)
