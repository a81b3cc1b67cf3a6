"""The demand release: page, CSV, XLSX, JSON and API give the same figures, cell for cell.

Issue 15 found the page showing `[c]` where the CSV showed 20 for the same cell. Every output
now lays out the same released table; these tests build each output from the same events and
compare every cell, then check the spreadsheet against the Government Analysis Function's
guidance and the CSV against its CSVW metadata.
"""

import csv
import io
import re
from datetime import date, datetime, timedelta
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook

from directory.demand import recording
from directory.demand.codes import REGION_CODES, UNITED_KINGDOM
from directory.demand.periods import time_periods
from directory.demand.release import RELEASE_TABLES
from directory.demand.service import today
from directory.demand.tokens import create_token
from directory.demand.views import markdown_html
from directory.extensions import db
from directory.spreadsheets import unescape_cell
from tests.demand_helpers import search_as, searches_by, visitor
from tests.helpers import make_user, sign_in

SHEETS = {
    "searches": "Searches",
    "nothing-found": "Nothing_found",
    "region-stage": "Region_stage",
    "gaps": "Gaps",
    "trend": "Trend",
    "needs": "Needs",
    "language": "Languages",
}
QUESTIONNAIRE = {
    "region": "london",
    "stage": "start-up",
    "sector": "information-technology-digital-and-creative",
    "need": ["advice", "workspace"],
    "size": "under-10",
    "about": "none",
}


@pytest.fixture
def analyst(app, client):
    user = make_user("analyst@example.org", roles=("analyst",))
    _row, token = create_token(user, "release tests")
    db.session.commit()
    sign_in(client, "analyst@example.org")
    client.token = {"Authorization": f"Bearer {token}"}
    return client


def visitors_from(start: int):
    """Visitor numbers that no other group of searches uses."""
    return iter(range(start, start + 1000))


def record_demand(app) -> None:
    """Searches with small and large cells, several periods, zero results and questionnaires."""
    founders = app.test_client()  # founders are not signed in
    searches_by(founders, 14, q="grant", region="london", stage="start-up", support="grant")
    numbers = visitors_from(100)
    for _ in range(3):  # under the threshold: withheld, and so are cells that would reveal it
        search_as(
            founders, next(numbers), q="grant", region="london", stage="growth", support="grant"
        )
    for _ in range(12):
        search_as(
            founders,
            next(numbers),
            q="angel investment",
            region="wales",
            stage="pre-start",
            support="angel",
        )
    for _ in range(11):
        search_as(founders, next(numbers), q="=cmd|calc qzxnothing", region="scotland")
    for _ in range(2):
        search_as(founders, next(numbers), region="eastern", stage="established", support="loan")
    for _ in range(12):
        founders.get(
            "/check/results", query_string=QUESTIONNAIRE, environ_base=visitor(next(numbers))
        )
    # Earlier weeks, months and quarters, written as the recorder writes them.
    for days_ago, networks, stage in ((40, 13, "start-up"), (65, 4, "growth")):
        drafts = [
            recording.EventDraft(
                "search_page",
                today() - timedelta(days=days_ago),
                11,
                f"198.51.{n}.0/24",
                query="loan",
                filters={"region": ["north-east"], "stage": [stage]},
                result_count=3,
            )
            for n in range(networks)
        ]
        recording.write_events(db.session, drafts)
    db.session.commit()


def parameters(**extra) -> dict:
    """A period of 70 days up to today, and any filters."""
    start = (today() - timedelta(days=69)).isoformat()
    return {"from": start, "to": today().isoformat(), **extra}


CASES = [
    parameters(),
    parameters(support="grant", period="month"),
    parameters(region="north-east", period="quarter"),
    parameters(region="london", support="grant", period="week"),
]


# --- reading each output into the same shape -------------------------------------------------


class Tables(HTMLParser):
    """Every <table> of a page: its rows, each a list of (attributes, text) cells."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[dict]] = {}
        self._table = self._row = self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table = self.tables.setdefault(attrs.get("id", ""), [])
        elif tag == "tr" and self._table is not None:
            self._row = {"attrs": attrs, "cells": []}
            self._table.append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = {"attrs": attrs, "text": ""}
            self._row["cells"].append(self._cell)

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self._cell = None
        elif tag == "tr":
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell["text"] += data


def figure(value):
    """A released value as comparable: a symbol as it is, a number as a float."""
    if isinstance(value, str):
        value = " ".join(value.split())
        if value.startswith("["):
            return value
    return float(value)


def from_rows(table_id: str, rows: list[dict]) -> dict:
    """Tidy rows (CSV, JSON, API) as {key: figures}; search words keep their order."""
    if table_id in ("searches", "nothing-found"):
        return {"order": [(unescape_cell(r["query"]), figure(r["visitor_days"])) for r in rows]}
    if table_id == "region-stage":
        return {(r["region"], r["stage"]): figure(r["visitor_days"]) for r in rows}
    if table_id == "gaps":
        return {
            (r["region"], r["stage"]): tuple(
                figure(r[name]) for name in ("visitor_days", "listings", "gap_index")
            )
            for r in rows
        }
    if table_id == "needs":
        return {r["need"]: figure(r["visitor_days"]) for r in rows}
    if table_id == "language":
        return {r["language"]: figure(r["visitor_days"]) for r in rows}
    interval = next(name for name in ("week", "month", "quarter") if name in rows[0])
    return {r[interval]: figure(r["visitor_days"]) for r in rows}


def from_page(html: str) -> dict[str, dict]:
    """The page's tables as {table: {key: figures}}, the same shape as from_rows."""
    parser = Tables()
    parser.feed(html)
    tables = parser.tables
    result: dict[str, dict] = {}
    for table_id, element in (("searches", "top-queries"), ("nothing-found", "top-zero-queries")):
        body = [row["cells"] for row in tables[element][1:] if len(row["cells"]) == 2]
        result[table_id] = {"order": [(c[0]["text"], figure(c[1]["text"])) for c in body]}
    heat = tables["heat-map"]
    stages = [cell["attrs"]["data-stage"] for cell in heat[0]["cells"][1:]]
    result["region-stage"] = {
        (row["cells"][0]["attrs"]["data-region"], stage): figure(cell["text"])
        for row in heat[1:]
        for stage, cell in zip(stages, row["cells"][1:], strict=True)
    }
    result["gaps"] = {
        (row["attrs"]["data-region"], row["attrs"]["data-stage"]): tuple(
            figure(cell["text"]) for cell in row["cells"][2:]
        )
        for row in tables["gaps"][1:]
    }
    result["needs"] = {
        row["attrs"]["data-need"]: figure(row["cells"][1]["text"])
        for row in tables["questionnaire-needs"][1:]
    }
    result["language"] = {
        row["attrs"]["data-language"]: figure(row["cells"][1]["text"])
        for row in tables["language-demand"][1:]
    }
    trend = {}
    for row in tables["trend"][1:]:
        key = row["cells"][0]["attrs"].get("data-period", "all")  # the total row has none
        trend[key] = figure(row["cells"][1]["text"])
    result["trend"] = trend
    return result


def from_workbook(workbook, names: dict[str, dict[str, str]]) -> dict[str, dict]:
    """The spreadsheet's tables in the same shape; `names` maps what people read to keys."""
    result: dict[str, dict] = {}
    for table_id, sheet_name in SHEETS.items():
        rows = list(workbook[sheet_name].iter_rows(min_row=3, values_only=True))
        header, body = rows[0], rows[1:]
        if table_id in ("searches", "nothing-found"):
            result[table_id] = {"order": [(unescape_cell(q), figure(v)) for q, v in body]}
        elif table_id == "region-stage":
            stages = [names["stage"][title] for title in header[2:]]
            result[table_id] = {
                (names["region"][row[1]], stage): figure(value)
                for row in body
                for stage, value in zip(stages, row[2:], strict=True)
            }
        elif table_id == "gaps":
            result[table_id] = {
                (names["region"][row[1]], names["stage"][row[2]]): tuple(map(figure, row[3:]))
                for row in body
            }
        elif table_id == "needs":
            result[table_id] = {names["need"][row[0]]: figure(row[1]) for row in body}
        elif table_id == "language":
            result[table_id] = {names["language"][row[0]]: figure(row[1]) for row in body}
        else:
            result[table_id] = {names["period"][row[0]]: figure(row[3]) for row in body}
    return result


def names_from(rows_by_table: dict[str, list[dict]]) -> dict[str, dict[str, str]]:
    """What the spreadsheet shows for each key, from the CSV's name columns."""
    names: dict[str, dict[str, str]] = {
        "region": {},
        "stage": {},
        "need": {},
        "period": {},
        "language": {},
    }
    for row in rows_by_table["region-stage"] + rows_by_table["gaps"]:
        names["region"][row["region_name"]] = row["region"]
        names["stage"][row["stage_name"]] = row["stage"]
    for row in rows_by_table["needs"]:
        names["need"][row["need_name"]] = row["need"]
    for row in rows_by_table["language"]:
        names["language"][row["language_name"]] = row["language"]
    for row in rows_by_table["trend"]:
        key = next(row[name] for name in ("week", "month", "quarter") if name in row)
        names["period"][row["period_name"]] = key
    return names


def csv_rows(client, table_id: str, params: dict) -> tuple[list[str], list[dict]]:
    """One table's CSV: its header and its rows."""
    response = client.get("/insights/export.csv", query_string={**params, "table": table_id})
    assert response.status_code == 200, response.get_data(as_text=True)
    reader = csv.DictReader(io.StringIO(response.get_data(as_text=True)))
    return list(reader.fieldnames), list(reader)


# --- the same figures everywhere -------------------------------------------------------------


@pytest.mark.parametrize("params", CASES, ids=lambda p: p.get("period", "week"))
def test_page_csv_xlsx_json_and_api_give_the_same_figures_in_every_cell(app, analyst, params):
    record_demand(app)
    page = analyst.get("/insights/", query_string=params)
    assert page.status_code == 200
    outputs = {"page": from_page(page.get_data(as_text=True))}
    tidy = {table_id: csv_rows(analyst, table_id, params)[1] for table_id in RELEASE_TABLES}
    outputs["csv"] = {table_id: from_rows(table_id, rows) for table_id, rows in tidy.items()}
    for name, path, headers in (
        ("json", "/insights/export.json", {}),
        ("api", "/api/v1/demand", analyst.token),
    ):
        outputs[name] = {}
        for table_id in RELEASE_TABLES:
            response = analyst.get(
                path, query_string={**params, "table": table_id}, headers=headers
            )
            assert response.status_code == 200, response.get_data(as_text=True)
            document = response.get_json()
            outputs[name][table_id] = from_rows(table_id, document["rows"])
            all_rows = [row for row in document["rows"] if "all" in row.values()]
            if document["total"] is not None:  # the total is the table's "all" row
                assert figure(document["total"]) == figure(all_rows[-1]["visitor_days"])
    workbook = load_workbook(
        io.BytesIO(analyst.get("/insights/export.xlsx", query_string=params).data)
    )
    outputs["xlsx"] = from_workbook(workbook, names_from(tidy))

    expected = outputs["csv"]
    for name, tables in outputs.items():
        for table_id in RELEASE_TABLES:
            got, want = tables[table_id], expected[table_id]
            if name == "page" and table_id in ("searches", "nothing-found"):
                want = {"order": want["order"][:20]}  # the page shows the top 20
            assert got == want, f"{name} differs from the CSV in {table_id}"

    cells = expected["region-stage"]
    # The grand total is shared by the grid and the trend, and released the same in both
    # (under a region filter, that region's row is the total).
    assert cells[params.get("region", "all"), "all"] == expected["trend"]["all"]
    if params == CASES[0]:
        assert list(cells.values()).count("[c]") >= 2  # a withheld cell and its partner
        assert expected["nothing-found"]["order"] == [("=cmd|calc qzxnothing", 10.0)]


def test_the_reported_disagreement_is_gone(app, analyst):
    """The page filtered by a type of support, and the CSV of the same cells, now agree."""
    record_demand(app)
    params = parameters(support="grant")
    page = from_page(analyst.get("/insights/", query_string=params).get_data(as_text=True))
    _, rows = csv_rows(analyst, "region-stage", params)
    grouped = analyst.get(
        "/insights/export.csv", query_string={**params, "group_by": "region,stage"}
    )
    by_group = list(csv.DictReader(io.StringIO(grouped.get_data(as_text=True))))
    for output in (rows, by_group):
        assert from_rows("region-stage", output) == page["region-stage"]
    # The three withheld London searches stay withheld everywhere, with their partners.
    assert page["region-stage"]["london", "growth"] == "[c]"


def test_one_way_tables_are_the_margins_of_the_grid(app, analyst):
    record_demand(app)
    params = parameters()
    _, grid = csv_rows(analyst, "region-stage", params)
    region = analyst.get("/insights/export.json", query_string={**params, "group_by": "region"})
    totals = {r["region"]: figure(r["visitor_days"]) for r in grid if r["stage"] == "all"}
    rows = region.get_json()["rows"]
    assert {r["region"]: figure(r["visitor_days"]) for r in rows} == totals


# --- periods ---------------------------------------------------------------------------------


def test_weeks_months_and_quarters_count_only_the_days_asked_for():
    quarters = time_periods("quarter", date(2026, 2, 15), date(2026, 5, 10))
    assert [(p.key, p.label, p.start, p.end) for p in quarters] == [
        ("2026-Q1", "Jan to Mar 2026", date(2026, 2, 15), date(2026, 3, 31)),
        ("2026-Q2", "Apr to Jun 2026", date(2026, 4, 1), date(2026, 5, 10)),
    ]
    months = time_periods("month", date(2025, 12, 31), date(2026, 1, 1))
    assert [p.key for p in months] == ["2025-12", "2026-01"]
    weeks = time_periods("week", date(2026, 5, 6), date(2026, 5, 12))
    assert [(p.key, p.label, p.start) for p in weeks] == [
        ("2026-05-04", "Week starting 4 May 2026", date(2026, 5, 6)),
        ("2026-05-11", "Week starting 11 May 2026", date(2026, 5, 11)),
    ]


@pytest.mark.parametrize("interval", ["week", "month", "quarter"])
def test_series_by_week_month_and_quarter_add_up_to_the_whole_period(app, analyst, interval):
    record_demand(app)
    query = parameters(period=interval, table="trend")
    document = analyst.get("/api/v1/demand", headers=analyst.token, query_string=query).get_json()
    rows = document["rows"]
    assert [row[interval] for row in rows[:-1]] == [
        p.key for p in time_periods(interval, today() - timedelta(days=69), today())
    ]
    assert rows[-1][interval] == "all" and document["method"]["trend_period"] == interval
    # 42 searches and 12 questionnaires today, 17 searches earlier: 71 visitor-days.
    assert rows[-1]["visitor_days"] == document["total"] == 70


@pytest.mark.parametrize(
    "query",
    [
        "period=fortnight",
        "group_by=week&period=month",
        "group_by=week,month",
        "table=secret",
        "table=trend&group_by=region",
        "support=teleport",
    ],
)
def test_bad_release_parameters_are_a_400_naming_the_parameter(analyst, query):
    response = analyst.get(f"/insights/export.csv?{query}")
    assert response.status_code == 400
    api = analyst.get(f"/api/v1/demand?{query}", headers=analyst.token)
    assert api.status_code == 400 and api.get_json()["parameter"] in query


# --- the spreadsheet against the guidance ----------------------------------------------------


def test_the_spreadsheet_follows_the_guidance_for_releasing_statistics(app, analyst):
    record_demand(app)
    params = parameters(period="month")
    response = analyst.get("/insights/export.xlsx", query_string=params)
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Cover", "Contents", "Notes", *SHEETS.values()]
    for sheet in workbook:
        assert " " not in sheet.title and len(sheet.title) <= 31
        assert not sheet.merged_cells.ranges, sheet.title
        for row in sheet.iter_rows(values_only=True):
            for value in row:
                assert "None" not in str(value if value is not None else ""), sheet.title
                assert not str(value or "").startswith(("=", "+", "-", "@"))

    cover = [row[0] for row in workbook["Cover"].iter_rows(values_only=True)]
    assert cover[0].startswith("Demand for start-up support")
    for heading in (
        "About these statistics",
        "Period and coverage",
        "Source",
        "Release date",
        "More information",
    ):
        assert heading in cover
    period = cover[cover.index("Period and coverage") + 1]
    assert "to" in period and "all regions" in period and "month" in period
    released = cover[cover.index("Release date") + 1]
    assert datetime.strptime(released.split(",")[0], "%d %B %Y").date() == today()
    link = workbook["Cover"].cell(workbook["Cover"].max_row, 1)
    assert link.hyperlink.target.endswith("/insights/about-the-data")
    assert all(value for value in cover)  # no blank rows on the cover either

    contents = list(workbook["Contents"].iter_rows(min_row=3, values_only=True))
    assert contents[0] == ("Sheet name", "Table title")
    assert [row[0] for row in contents[1:]] == ["Notes", *SHEETS.values()]

    notes = {row[0]: row[1] for row in workbook["Notes"].iter_rows(min_row=4, values_only=True)}
    assert list(notes) == [f"note {n}" for n in range(1, len(notes) + 1)]
    text = " ".join(notes.values())
    for needed in (
        "[c] = confidential",
        "threshold of 10",
        "nearest 5",
        "[x] = not available",
        "[z] = not applicable",
        UNITED_KINGDOM,
    ):
        assert needed in text

    for (sheet_name, title), sheet in zip(contents[2:], list(workbook)[3:], strict=True):
        a1 = sheet["A1"].value
        assert sheet.title == sheet_name and a1.startswith(title)
        assert re.search(r"number of (searches|completed questionnaires)", a1)
        assert " to " in a1 and "[note " in a1  # the period, and the notes that apply
        rows = list(sheet.iter_rows(min_row=3, values_only=True))
        header, body = rows[0], rows[1:]
        assert all(isinstance(heading, str) and heading for heading in header)
        for row in body:  # no blank rows, and no blank cells, inside a table
            assert all(value is not None and value != "" for value in row), (sheet.title, row)
        if body:
            [marked] = sheet.tables.values()
            assert marked.ref.startswith("A3:")

    grid = list(workbook["Region_stage"].iter_rows(min_row=3, values_only=True))
    assert grid[0][:2] == ("Region code", "Region") and grid[0][-1] == "All stages"
    codes = [row[0] for row in grid[1:]]
    assert codes == [*REGION_CODES.values(), "[z]", UNITED_KINGDOM]
    assert dict(zip(codes, (row[1] for row in grid[1:]), strict=True))["E12000006"] == (
        "East of England"
    )
    gaps = list(workbook["Gaps"].iter_rows(min_row=4, values_only=True))
    assert {row[0] for row in gaps} == set(REGION_CODES.values())
    trend = list(workbook["Trend"].iter_rows(min_row=4, values_only=True))
    assert all(isinstance(row[1], datetime) for row in trend)  # dates as dates


def test_every_region_slug_has_its_ons_code(app):
    taxonomy = app.extensions["taxonomy"]
    assert set(taxonomy.slugs("regions")) == set(REGION_CODES)
    assert REGION_CODES["eastern"] == "E12000006" and REGION_CODES["wales"] == "W92000004"


# --- CSV and its CSVW metadata ---------------------------------------------------------------


@pytest.mark.parametrize("table_id", RELEASE_TABLES)
def test_each_csv_is_tidy_and_described_by_valid_csvw_metadata(app, analyst, table_id):
    record_demand(app)
    params = parameters(period="quarter", table=table_id)
    response = analyst.get("/insights/export.csv", query_string=params)
    body = response.get_data(as_text=True)
    assert not body.startswith("#") and "\n#" not in body
    rows = list(csv.reader(io.StringIO(body)))
    header = rows[0]
    assert len(set(header)) == len(header) and all(len(row) == len(header) for row in rows)

    link = re.search(
        r'<([^>]+)>; rel="describedby"; type="application/csvm\+json"', response.headers["Link"]
    ).group(1)
    csv_url = f"http://localhost/insights/export.csv?{response.request.query_string.decode()}"
    assert link == csv_url.replace("export.csv?", "export.csv-metadata.json?")
    metadata_response = analyst.get(link)
    assert metadata_response.mimetype == "application/csvm+json"
    metadata = metadata_response.get_json(force=True)
    assert metadata["@context"][0] == "http://www.w3.org/ns/csvw"
    assert metadata["url"] == csv_url
    assert metadata["dc:title"] and metadata["dc:description"]
    assert metadata["dc:temporal"] == f"{params['from']}/{params['to']}"
    assert "dc:license" not in metadata  # no licence is set for demand data yet
    columns = metadata["tableSchema"]["columns"]
    assert [c["name"] for c in columns] == header == [c["titles"] for c in columns]
    assert set(metadata["tableSchema"]["primaryKey"]) <= set(header)
    comments = " ".join(metadata["rdfs:comment"])
    if table_id in ("region-stage", "gaps", "trend", "needs"):
        assert "[c] = confidential" in comments and "threshold of 10" in comments
    # Every value is of its column's datatype, or one of the column's symbols.
    for row in rows[1:]:
        for column, value in zip(columns, row, strict=True):
            if value in column.get("null", []):
                continue
            datatype = column["datatype"]
            base = datatype if isinstance(datatype, str) else datatype["base"]
            if base == "integer":
                assert int(value) >= 0
            elif base == "decimal":
                assert float(value) >= 0
            elif base == "date":
                date.fromisoformat(value)
            else:
                assert value, (column["name"], row)


def test_the_metadata_needs_an_analyst_like_the_csv(app, client):
    assert client.get("/insights/export.csv-metadata.json").status_code == 302


# --- the method page -------------------------------------------------------------------------


def test_the_method_page_is_rendered_markdown(client):
    html = client.get("/insights/about-the-data").get_data(as_text=True)
    assert '<h2 class="govuk-heading-m">Disclosure control</h2>' in html
    assert '<table class="govuk-table">' in html and "E12000006" in html
    assert "## " not in html  # no Markdown left raw


def test_markdown_never_passes_html_or_script_links_through():
    html = str(markdown_html("<script>alert(1)</script>\n\n[click](javascript:alert(1)) *ok*"))
    assert "<script" not in html and "&lt;script&gt;" in html
    assert "javascript:" not in html.replace("[click](javascript:alert(1))", "")
    assert "<em>ok</em>" in html
