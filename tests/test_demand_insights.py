"""Insights for analysts: the page, exports, the token API, owners' figures and the CLI."""

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from directory.demand import recording
from directory.demand.models import ApiToken, DemandEvent, DemandWeekly
from directory.demand.service import today
from directory.extensions import db
from tests.demand_helpers import search_as, searches_by
from tests.helpers import make_user, page_text, post_form, sign_in


@pytest.fixture
def analyst(client):
    make_user("analyst@example.org", roles=("analyst",))
    sign_in(client, "analyst@example.org")
    return client


def busy_day(client):
    """12 visitors look for grants in London at start-up; 11 search for something missing."""
    # Founders use their own browsers: a signed-in session seen from another address ends.
    client = client.application.test_client()
    searches_by(client, 12, q="grant", region="london", stage="start-up")
    for number in range(20, 31):
        search_as(client, number, q="=cmd|calc nothing-qzx", region="wales")
    search_as(client, 40, q="rare private words", region="london", stage="growth")


def test_insights_are_for_analysts_and_admins_only(app, client):
    assert client.get("/insights/").status_code == 302
    make_user("owner@example.org", roles=("owner",))
    sign_in(client, "owner@example.org")
    assert client.get("/insights/").status_code == 403
    assert client.get("/insights/export.csv").status_code == 403
    assert "Insights" not in client.get("/search").get_data(as_text=True)
    make_user("admin@example.org", roles=("admin",))
    other = app.test_client()
    sign_in(other, "admin@example.org")
    assert other.get("/insights/").status_code == 200


def test_the_page_shows_live_released_figures(analyst):
    busy_day(analyst)
    response = analyst.get("/insights/")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    text = page_text(html)
    assert 'href="/insights/"' in html  # the navigation item
    top = page_text(re.search(r'id="top-queries">(.*?)</table>', html, re.S).group(1))
    assert "grant 10" in top
    assert "rare private words" not in text  # free text only at the threshold
    zero = page_text(re.search(r'id="top-zero-queries">(.*?)</table>', html, re.S).group(1))
    assert "=cmd|calc nothing-qzx 10" in zero
    heat = re.search(r'id="heat-map">(.*?)</table>', html, re.S).group(1)
    london = page_text(re.search(r"London</th>(.*?)</tr>", heat, re.S).group(1))
    assert london.split()[1] == "10"  # start-up column
    assert "[c]" in london  # the single growth search
    assert "app-heat-" in heat
    gaps = page_text(re.search(r'id="gaps">(.*?)</table>', html, re.S).group(1))
    first = re.search(r'id="gaps">.*?<tbody[^>]*>(.*?)</tr>', html, re.S).group(1)
    assert page_text(first).startswith("London Start-up")
    assert page_text(first).split()[-3:][0] == "10"  # demand, listings, index
    assert "London" in gaps
    assert "How the gap index is worked out" in text
    trend = page_text(re.search(r'id="trend">(.*?)</table>', html, re.S).group(1))
    monday = today() - timedelta(days=today().weekday())
    assert f"Week starting {monday.day} {monday:%B %Y}" in trend
    assert "insights-chart.js" in html and 'href="/insights/about-the-data"' in html


def test_the_page_filters_by_region_and_rejects_bad_dates(analyst):
    busy_day(analyst)
    text = page_text(analyst.get("/insights/?region=wales").get_data(as_text=True))
    assert "grant" not in text.split("Top searches that found nothing")[0].split("Top searches")[1]
    response = analyst.get("/insights/?from=2026-13-01")
    assert response.status_code == 400
    assert "from must be a date" in response.get_data(as_text=True)
    assert analyst.get("/insights/?from=2026-02-01&to=2026-01-01").status_code == 400


def test_csv_export_links_its_method_and_escapes_formulas(analyst):
    busy_day(analyst)
    response = analyst.get("/insights/export.csv?group_by=query&zero_results_only=true")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    # The method moved from "#" lines into the CSVW metadata the Link header names.
    assert not any(line.startswith("#") for line in body.splitlines())
    metadata_url = re.search(r"<([^>]+)>; rel=\"describedby\"; type=\"application/csvm\+json\"",
                             response.headers["Link"]).group(1)  # fmt: skip
    metadata = analyst.get(metadata_url).get_json(force=True)
    comments = " ".join(metadata["rdfs:comment"])
    assert "at least 10 visitor-days" in comments and "rounded to the nearest 5" in comments
    assert metadata["dc:temporal"] and metadata["dc:issued"]["@value"]
    assert metadata["rdfs:seeAlso"]["@id"].endswith("/insights/about-the-data")
    rows = list(csv.reader(body.splitlines()))
    assert rows[0] == ["query", "visitor_days"]
    assert rows[1] == ["'=cmd|calc nothing-qzx", "10"]
    assert len(rows) == 2  # no total for free text, and nothing under the threshold


def test_json_export_groups_by_several_columns(analyst):
    busy_day(analyst)
    document = analyst.get("/insights/export.json?group_by=region,stage").get_json()
    assert document["method"]["group_by"] == ["region", "stage"]
    cells = {(row["region"], row["stage"]): row["visitor_days"] for row in document["rows"]}
    assert cells["london", "start-up"] == 10
    assert cells["london", "growth"] == "[c]"
    for value in [*cells.values(), document["total"]]:
        assert value == "[c]" or (value % 5 == 0 and not 1 <= value <= 9)


def test_xlsx_export_of_one_grouping_is_a_release_of_one_table(analyst):
    busy_day(analyst)
    response = analyst.get("/insights/export.xlsx?group_by=week,region")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    # The "About this data" sheet became a cover, contents and notes (see test_demand_release).
    assert workbook.sheetnames == ["Cover", "Contents", "Notes", "Demand"]
    notes = " ".join(
        str(row[1]) for row in workbook["Notes"].iter_rows(min_row=4, values_only=True)
    )
    assert "threshold of 10" in notes
    demand = list(workbook["Demand"].iter_rows(min_row=3, values_only=True))
    assert demand[0] == ("Period", "Period start", "Period end", "Region code", "Region",
                         "Searches (visitor-days)")  # fmt: skip
    for row in demand[1:]:
        for cell in row:
            assert not str(cell).startswith(("=", "+", "-", "@"))


@pytest.mark.parametrize(
    "query",
    [
        "group_by=postcode",
        "from=yesterday",
        "zero_results_only=maybe",
        "region=atlantis",
        "from=2026-05-01&to=2026-04-01",
    ],
)
def test_bad_export_parameters_are_a_400_with_a_message(analyst, query):
    response = analyst.get(f"/insights/export.csv?{query}")
    assert response.status_code == 400
    assert response.get_data(as_text=True).strip()


def test_api_tokens_are_shown_once_stored_hashed_and_revocable(app, analyst):
    busy_day(analyst)
    assert analyst.get("/api/v1/demand").status_code == 401
    page = post_form(analyst, "/insights/tokens", {"name": "Nightly script"})
    token = re.search(r'id="new-token">([^<]+)<', page.get_data(as_text=True)).group(1)
    [row] = db.session.scalars(select(ApiToken)).all()
    assert token not in row.token_hash and row.name == "Nightly script"
    assert token not in analyst.get("/insights/tokens").get_data(as_text=True)

    caller = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    document = caller.get("/api/v1/demand?group_by=region", headers=headers).get_json()
    london = next(row for row in document["rows"] if row["region"] == "london")
    assert london["visitor_days"] == 15 and london["region_code"] == "E12000007"  # 13 visitors
    assert document["method"]["threshold"] == 10
    bad = caller.get("/api/v1/demand?group_by=nonsense", headers=headers)
    assert bad.status_code == 400 and bad.get_json()["parameter"] == "group_by"
    wrong = caller.get("/api/v1/demand", headers={"Authorization": "Bearer ssd_wrong"})
    assert wrong.status_code == 401

    post_form(analyst, f"/insights/tokens/{row.id}/revoke", form_page="/insights/tokens")
    assert caller.get("/api/v1/demand", headers=headers).status_code == 401


def test_owners_see_their_listings_demand_under_disclosure_control(app, client):
    from directory.catalogue.ownership import Membership
    from tests.helpers import listing

    found = listing("start-up-loans")
    owner = make_user("owner@example.org", roles=("owner",))
    db.session.add(
        Membership(user_id=owner.id, organisation_id=found.organisation_id, state="approved")
    )
    db.session.commit()
    for number in range(12):
        recording.write_events(
            db.session,
            [
                recording.EventDraft(
                    "search_page",
                    today(),
                    10,
                    f"203.0.{number}.0/24",
                    query="loan",
                    result_count=3,
                    appearances=[found.slug],
                )
            ],
        )
        recording.write_events(
            db.session,
            [
                recording.EventDraft(
                    "search_page",
                    today(),
                    10,
                    f"203.0.{number}.0/24",
                    query="tractor finance",
                    result_count=0,
                )
            ],
        )
    recording.write_events(
        db.session,
        [
            recording.EventDraft(
                "listing_open", today(), 10, "203.0.1.0/24", listing_slug=found.slug, rank=1
            )
        ],
    )
    db.session.commit()
    sign_in(client, "owner@example.org")
    html = client.get("/manage/").get_data(as_text=True)
    block = page_text(re.search(rf'id="demand-{found.slug}">(.*?)</details>', html, re.S).group(1))
    assert "Shown in search results on 10 visitor-days" in block
    assert "opened from results on [c] visitor-days" in block
    assert "tractor finance (10)" in block


def test_prune_folds_old_events_into_weekly_aggregates(app, runner):
    old = today() - timedelta(days=500)
    for number in range(11):
        recording.write_events(
            db.session,
            [
                recording.EventDraft(
                    "search_page",
                    old,
                    3,
                    f"203.0.{number}.0/24",
                    query="grant",
                    filters={"region": ["wales"]},
                    result_count=2,
                )
            ],
        )
        recording.write_events(
            db.session,
            [
                recording.EventDraft(
                    "search_page",
                    today(),
                    3,
                    f"203.0.{number}.0/24",
                    query="grant",
                    filters={"region": ["wales"]},
                    result_count=2,
                )
            ],
        )
    db.session.commit()
    result = runner.invoke(args=["demand", "prune", "--months", "13"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(DemandEvent)) == 11
    [weekly] = db.session.scalars(select(DemandWeekly)).all()
    assert (weekly.visitor_days, weekly.events, weekly.region) == (11, 11, "wales")
    from directory.demand.queries import DemandQuery, visitor_days

    counts = visitor_days(DemandQuery(old - timedelta(days=7), today()), ("week",))
    assert sorted(counts.values()) == [11, 11]


def test_simulated_events_are_marked_and_never_counted_as_real(analyst, runner):
    result = runner.invoke(args=["demand", "simulate", "--events", "500", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert "SYNTHETIC" in result.output
    assert (
        db.session.scalar(
            select(func.count()).select_from(DemandEvent).where(DemandEvent.synthetic.is_(False))
        )
        == 0
    )
    since = (today() - timedelta(days=400)).isoformat()
    document = analyst.get(f"/insights/export.json?group_by=region&from={since}").get_json()
    # Every region is listed, with a true zero.
    assert {row["visitor_days"] for row in document["rows"]} == {0} and document["total"] == 0


def test_the_method_page_is_the_documentation(client):
    html = client.get("/insights/about-the-data").get_data(as_text=True)
    assert "Disclosure control" in html and "never stored" in html.lower()


def test_exports_name_their_documentation(analyst):
    document = analyst.get("/insights/export.json").get_json()
    assert document["method"]["documentation"].endswith("/insights/about-the-data")
    assert json.dumps(document)
