"""Insights and open data in Welsh, and demand by interface language (issue 17, item 4)."""

import csv
import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from directory.demand import recording
from directory.demand.models import ApiToken, DemandEvent
from directory.demand.service import today
from directory.extensions import db
from tests.demand_helpers import demand_rows, search_as, searches_by
from tests.helpers import make_user, page_text, post_form, sign_in


@pytest.fixture
def analyst(client):
    make_user("analyst@example.org", roles=("analyst",))
    sign_in(client, "analyst@example.org")
    return client


def founders(client):
    """Founders use their own browsers: not the analyst's signed-in session."""
    return client.application.test_client()


def language_table(html: str) -> dict[str, str]:
    """The page's table by language: {language code: figure as shown}."""
    table = re.search(r'id="language-demand">(.*?)</table>', html, re.S).group(1)
    return {
        code: page_text(cells).split()[-1]
        for code, cells in re.findall(r'data-language="([^"]+)">(.*?)</tr>', table, re.S)
    }


# --- recording the interface language --------------------------------------------------------


def test_a_welsh_search_records_welsh_and_an_english_one_english(client):
    search_as(client, 1, q="grant", region="wales", lang="cy")
    search_as(client, 2, q="grant", region="wales")
    assert [row.language for row in demand_rows(source="search_page")] == ["cy", "en"]


def test_a_welsh_questionnaire_and_a_welsh_api_search_record_welsh(client):
    answers = {
        "region": "wales",
        "stage": "start-up",
        "sector": "information-technology-digital-and-creative",
        "need": ["advice"],
        "size": "under-10",
        "about": "none",
        "lang": "cy",
    }
    assert client.get("/check/results", query_string=answers).status_code == 200
    assert client.get("/api/v1/search", query_string={"q": "loan", "lang": "cy"}).status_code == 200
    assert client.get("/api/v1/search", query_string={"q": "loan"}).status_code == 200
    assert {row.language for row in demand_rows(source="questionnaire")} == {"cy"}
    assert [row.language for row in demand_rows(source="search_api")] == ["cy", "en"]


def test_a_kept_welsh_page_records_welsh_each_time_it_is_served(client):
    for number in range(3):
        search_as(client, number, q="grant", lang="cy")
    rows = demand_rows(source="search_page")
    assert len({row.visitor_day_key for row in rows}) == 3
    assert {row.language for row in rows} == {"cy"}


def test_drafts_spooled_before_the_language_existed_read_back_as_english():
    draft = recording.EventDraft("search_page", today(), 9, "203.0.113.0/24", query="grant")
    line = draft.to_json().replace(', "language": "en"', "")
    assert "language" not in line
    assert recording.EventDraft.from_json(line).language == "en"


def test_an_unknown_language_is_stored_as_english(app):
    draft = recording.EventDraft("search_page", today(), 9, "203.0.113.0/24", language="fr")
    recording.write_events(db.session, [draft])
    db.session.commit()
    assert [row.language for row in demand_rows()] == ["en"]


# --- Welsh-language demand for analysts, under the same disclosure control -------------------


def test_the_table_by_language_withholds_a_small_welsh_figure_and_the_english_one(analyst):
    searchers = founders(analyst)
    searches_by(searchers, 14, q="grant", region="london")
    for number in range(100, 103):  # three Welsh visitor-days: under the threshold
        search_as(searchers, number, q="grant", region="wales", lang="cy")
    html = analyst.get("/insights/").get_data(as_text=True)
    figures = language_table(html)
    assert figures["cy"] == "[c]"
    # With the total released, the English figure would give the Welsh one away.
    assert figures["en"] == "[c]"
    assert figures["all"] == "15"  # 17 visitor-days, rounded
    assert "not-given" not in figures  # no week kept without its language
    assert "Demand by language" in page_text(html)


def test_welsh_demand_over_the_threshold_is_released_and_rounded(analyst):
    searchers = founders(analyst)
    searches_by(searchers, 12, q="grant", region="wales", lang="cy")
    for number in range(100, 124):
        search_as(searchers, number, q="loan", region="london")
    figures = language_table(analyst.get("/insights/").get_data(as_text=True))
    assert (figures["cy"], figures["en"], figures["all"]) == ("10", "25", "35")


def test_the_language_filter_and_exports_give_the_same_released_figures(analyst):
    searchers = founders(analyst)
    searches_by(searchers, 12, q="grant", region="wales", lang="cy")
    search_as(searchers, 200, q="grant", region="london", lang="cy")
    for number in range(100, 124):
        search_as(searchers, number, q="loan", region="london")
    html = analyst.get("/insights/?language=cy").get_data(as_text=True)
    assert '<option value="cy" selected>' in html
    heat = re.search(r'id="heat-map">(.*?)</table>', html, re.S).group(1)
    wales = page_text(re.search(r'data-region="wales">(.*?)</tr>', heat, re.S).group(1))
    london = page_text(re.search(r'data-region="london">(.*?)</tr>', heat, re.S).group(1))
    assert wales.split()[-1] == "10" and london.split()[-1] == "[c]"  # Welsh searches only
    assert "loan" not in page_text(re.search(r'id="top-queries">(.*?)</table>', html, re.S)[1])
    # The language table's CSV and a grouping by language and region, with the same cells.
    rows = list(csv.DictReader(io.StringIO(
        analyst.get("/insights/export.csv?table=language").get_data(as_text=True)
    )))  # fmt: skip
    assert [(r["language"], r["language_name"], r["visitor_days"]) for r in rows] == [
        ("en", "English", "25"),
        ("cy", "Welsh", "15"),
        ("all", "All languages", "35"),
    ]
    grouped = analyst.get("/insights/export.json?group_by=language,region").get_json()
    cells = {(r["language"], r["region"]): r["visitor_days"] for r in grouped["rows"]}
    assert cells["cy", "wales"] == 10 and cells["cy", "london"] == "[c]"
    assert analyst.get("/insights/export.csv?language=fr").status_code == 400


def test_weeks_kept_as_weekly_totals_keep_their_language(app, analyst, runner):
    old = today() - timedelta(days=500)
    drafts = [
        recording.EventDraft(
            "search_page",
            old,
            3,
            f"203.0.{n}.0/24",
            query="grant",
            result_count=2,
            language="cy" if n < 12 else "en",
        )  # fmt: skip
        for n in range(30)
    ]
    recording.write_events(db.session, drafts)
    db.session.commit()
    assert runner.invoke(args=["demand", "prune", "--months", "13"]).exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(DemandEvent)) == 0
    since = (old - timedelta(days=7)).isoformat()
    document = analyst.get(f"/insights/export.json?table=language&from={since}").get_json()
    figures = {row["language"]: row["visitor_days"] for row in document["rows"]}
    assert figures == {"en": 20, "cy": 10, "all": 30}
    welsh = analyst.get(f"/insights/export.json?table=language&from={since}&language=cy")
    assert welsh.get_json()["total"] == 10


# --- the pages in Welsh ----------------------------------------------------------------------


def test_the_insights_page_in_welsh(analyst):
    searchers = founders(analyst)
    searches_by(searchers, 12, q="grant", region="wales", stage="start-up", lang="cy")
    response = analyst.get("/insights/?lang=cy&period=month")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = page_text(html)
    assert '<html lang="cy"' in html
    for welsh in (
        "Mewnwelediadau galw",
        "Galw yn ôl rhanbarth a cham",
        "Galw yn ôl iaith",
        "Sylfaenwyr sy’n aros am gymorth",
        "Tuedd fesul mis",
        "Dangos ffigurau",
        "Pob rhanbarth",
    ):
        assert welsh in text, welsh
    for english in ("Demand insights", "Show figures", "Trend by", "Founders waiting"):
        assert english not in text, english
    heat = re.search(r'id="heat-map">(.*?)</table>', html, re.S).group(1)
    assert "Cymru" in heat and "Wales" not in heat  # taxonomy labels in Welsh
    assert language_table(html)["cy"] == "10"
    # The filters keep the page Welsh, and the downloads are Welsh too.
    form = re.search(r'<form method="get".*?</form>', html, re.S).group(0)
    assert '<input type="hidden" name="lang" value="cy">' in form
    assert re.search(r'href="/insights/export\.csv\?[^"]*lang=cy', html)
    filtered = analyst.get("/insights/", query_string={"lang": "cy", "language": "cy"})
    assert "chwiliadau a wnaed yn Gymraeg yn unig" in page_text(filtered.get_data(as_text=True))


def test_an_insights_error_is_in_welsh(analyst):
    response = analyst.get("/insights/?lang=cy&from=2026-13-01")
    assert response.status_code == 400
    text = page_text(response.get_data(as_text=True))
    assert "Mae problem wedi codi" in text and "Rhaid i from fod yn ddyddiad" in text


def test_csv_headings_are_welsh_when_downloaded_from_a_welsh_page(analyst):
    searches_by(founders(analyst), 12, q="grant", region="wales", stage="start-up", lang="cy")
    html = analyst.get("/insights/?lang=cy").get_data(as_text=True)
    link = re.search(r'href="(/insights/export\.csv\?[^"]*table=region-stage[^"]*)"', html)
    response = analyst.get(link.group(1).replace("&amp;", "&"))
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["Dynodwr y rhanbarth", "Cod y rhanbarth", "Rhanbarth", "Dynodwr y cam",
                       "Cam", "Chwiliadau (diwrnodau ymwelwyr)"]  # fmt: skip
    wales = next(row for row in rows if row[0] == "wales" and row[3] == "start-up")
    assert wales[1:3] == ["W92000004", "Cymru"] and wales[-1] == "10"
    # Its metadata describes the Welsh headings, and keeps the stable names.
    metadata_url = re.search(r'<([^>]+)>; rel="describedby"; type="application/csvm\+json"',
                             response.headers["Link"]).group(1)  # fmt: skip
    metadata = analyst.get(metadata_url).get_json(force=True)
    assert metadata["@context"][1] == {"@language": "cy"}
    columns = metadata["tableSchema"]["columns"]
    assert [c["titles"] for c in columns] == rows[0]
    assert [c["name"] for c in columns][:2] == ["region", "region_code"]
    assert metadata["dc:title"].startswith("Chwiliadau yn ôl rhanbarth a cham")
    # The same download from an English page keeps the names as headings.
    english = analyst.get("/insights/export.csv?table=region-stage").get_data(as_text=True)
    assert english.splitlines()[0] == "region,region_code,region_name,stage,stage_name,visitor_days"


def test_the_spreadsheet_from_a_welsh_page_is_in_welsh(analyst):
    searches_by(founders(analyst), 12, q="grant", region="wales", lang="cy")
    response = analyst.get("/insights/export.xlsx?lang=cy&period=month")
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Clawr", "Cynnwys", "Nodiadau", "Chwiliadau",
                                   "Dim_canlyniadau", "Rhanbarth_cam", "Bylchau", "Tuedd",
                                   "Anghenion", "Ieithoedd"]  # fmt: skip
    for sheet in workbook:
        assert " " not in sheet.title and len(sheet.title) <= 31
    cover = [row[0] for row in workbook["Clawr"].iter_rows(values_only=True)]
    assert (
        cover[0] == "Galw am gymorth i fusnesau newydd ar y Cyfeiriadur Cymorth i Fusnesau Newydd"
    )
    assert "Ynghylch yr ystadegau hyn" in cover and "Dyddiad rhyddhau" in cover
    languages = list(workbook["Ieithoedd"].iter_rows(min_row=3, values_only=True))
    assert languages[0] == ("Iaith", "Chwiliadau (diwrnodau ymwelwyr)")
    assert ("Cymraeg", 10) in languages
    notes = " ".join(
        str(row[1]) for row in workbook["Nodiadau"].iter_rows(min_row=4, values_only=True)
    )
    assert "cyfrinachol" in notes and "trothwy o 10" in notes


def test_tokens_page_in_welsh_and_the_api_stays_english(app, analyst):
    searches_by(founders(analyst), 12, q="grant", region="wales", lang="cy")
    page = post_form(analyst, "/insights/tokens?lang=cy", {"name": "Sgript"})
    html = page.get_data(as_text=True)
    assert "Eich tocyn newydd" in page_text(html) and "Tocynnau API" in page_text(html)
    token = re.search(r'id="new-token">([^<]+)<', html).group(1)
    document = (
        app.test_client()
        .get("/api/v1/demand?table=language", headers={"Authorization": f"Bearer {token}"})
        .get_json()
    )
    assert document["title"].startswith("Searches by language")
    names = [row["language_name"] for row in document["rows"]]
    assert names == ["English", "Welsh", "All languages"]
    empty = post_form(analyst, "/insights/tokens?lang=cy", {"name": ""})
    assert "Rhowch enw i’r tocyn" in page_text(empty.get_data(as_text=True))


def test_the_open_data_pages_in_welsh(client):
    page = client.get("/open-data/?lang=cy")
    assert page.status_code == 200
    text = page_text(page.get_data(as_text=True))
    assert "Data agored" in text and "Newidiadau yn y 12 wythnos diwethaf" in text
    assert "Trwydded Llywodraeth Agored v3.0" in text and "Downloads" not in text
    searches_by(client, 30, region="scotland", support="grant", lang="cy")
    from tests.test_open_demand import LAST_MONTH, move_to_last_month

    move_to_last_month()
    demand = client.get("/open-data/demand?lang=cy")
    text = page_text(demand.get_data(as_text=True))
    assert "Beth mae sylfaenwyr yn chwilio amdano: data galw agored" in text
    assert "Yr Alban" in text or "yr Alban" in text
    months = ["Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin", "Gorffennaf", "Awst",
              "Medi", "Hydref", "Tachwedd", "Rhagfyr"]  # fmt: skip
    assert f"{months[LAST_MONTH.month - 1]} {LAST_MONTH.year}" in text
    # The published file keeps its English labels and columns.
    body = client.get("/open-data/demand.csv?lang=cy").get_data(as_text=True)
    assert body.splitlines()[0] == "month,dimension,value,code,label,visitor_days"
    assert ",scotland,S92000003,Scotland," in body


def test_the_method_page_and_api_documentation_in_welsh(client):
    about = client.get("/insights/about-the-data?lang=cy")
    assert about.status_code == 200
    html = about.get_data(as_text=True)
    assert "<title>Ynghylch y data galw" in html
    assert '<h2 class="govuk-heading-m">Rheoli datgelu</h2>' in html  # the method, in Welsh
    assert 'id="demand-data-doc" lang=' not in html and "E12000006" in html
    english = client.get("/insights/about-the-data").get_data(as_text=True)
    assert '<h2 class="govuk-heading-m">Disclosure control</h2>' in english
    docs = client.get("/api/?lang=cy")
    assert docs.status_code == 200
    html = docs.get_data(as_text=True)
    assert "Pwyntiau terfyn" in page_text(html) and "Paramedrau" in page_text(html)
    assert 'lang="en"' in html  # the OpenAPI reference itself stays English, marked so
    assert 'lang="en"' not in client.get("/api/").get_data(as_text=True).split("</head>")[1]


def test_revoking_a_token_says_so_in_welsh(analyst):
    post_form(analyst, "/insights/tokens?lang=cy", {"name": "Nightly"})
    [row] = db.session.scalars(select(ApiToken)).all()
    page = post_form(analyst, f"/insights/tokens/{row.id}/revoke?lang=cy",
                     form_page="/insights/tokens?lang=cy", follow_redirects=True)  # fmt: skip
    text = page_text(page.get_data(as_text=True))
    assert "Mae’r tocyn “Nightly” wedi’i ddirymu." in text and "Wedi’i ddirymu" in text


def test_an_alert_confirmed_from_its_welsh_email_counts_as_welsh_demand(app, client):
    from tests.test_alerts import link_in, messages, text_of

    form = client.get("/alerts/new?kind=search&support=accelerator&region=wales&lang=cy")
    body = form.get_data(as_text=True)
    action = re.search(r'<form method="post" action="([^"]+)"', body).group(1)
    assert "lang=cy" in action
    data = {
        "csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body).group(1),
        "email": "sylfaenydd@example.org",
        "frequency": "daily",
        "kind": "search",
        "query": re.search(r'id="query" name="query" type="hidden" value="([^"]*)"', body)
        .group(1)
        .replace("&amp;", "&"),
    }
    assert client.post(action.replace("&amp;", "&"), data=data).status_code == 200
    confirm = link_in(text_of(messages(app)[-1]), "/alerts/confirm/")
    assert client.get(confirm).status_code == 200
    [event] = demand_rows(source="alert")
    assert (event.region, event.support, event.language) == ("wales", "accelerator", "cy")
