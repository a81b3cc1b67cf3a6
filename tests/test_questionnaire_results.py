"""Questionnaire results: grouped by need, explained, nearest first, as CSV, and as demand."""

import csv
import io
import re

import pytest
from sqlalchemy import select

from directory.catalogue.models import BusinessSize, Listing, Region, Sector, Stage, SupportType
from directory.demand.models import DemandAppearance, DemandEvent
from directory.extensions import db
from directory.questionnaire.questions import Option
from directory.questionnaire.results import Place, Profile, explain
from tests.demand_helpers import demand_rows, visitor
from tests.helpers import listing, page_text, result_count

LEEDS = {
    "place": "LS1 4AP",
    "stage": "start-up",
    "sector": "skip",
    "need": ["funding", "programme"],
    "funding": ["grant", "equity"],
    "amount": "not-sure",
    "equity": "yes",
    "size": "skip",
    "about": "skip",
}
LONDON = {
    "region": "london",
    "stage": "start-up",
    "sector": "information-technology-digital-and-creative",
    "need": ["advice", "workspace"],
    "size": "under-10",
    "about": "none",
}


def results_page(client, **answers) -> str:
    """The results page's HTML, asserting it worked."""
    response = client.get("/check/results", query_string=answers)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def group_html(html: str, need: str) -> str:
    """The part of a results page for one need."""
    match = re.search(rf'<section class="app-need" id="need-{need}".*?</section>', html, re.S)
    assert match, f"no group for {need}"
    return match.group(0)


def group_slugs(html: str, need: str) -> list[str]:
    """Listing slugs shown for one need, in order."""
    return re.findall(r'href="/listings/([a-z0-9-]+)(?:\?[^"]*)?"', group_html(html, need))


def group_total(html: str, need: str) -> int:
    """The count a need's heading shows."""
    return int(re.search(r'app-need__count">(\d+) result', group_html(html, need)).group(1))


def test_results_are_grouped_by_need_with_a_count_that_full_search_agrees_with(client):
    html = results_page(client, **LONDON)
    for need in ("advice", "workspace"):
        total = group_total(html, need)
        assert total > 0
        link = re.search(
            r'href="(/search\?[^"]+)">See (?:them|it) in full search', group_html(html, need)
        ).group(1)
        link = link.replace("&amp;", "&")
        assert "region=london" in link and "stage=start-up" in link and "sector=any" in link
        search = client.get(link).get_data(as_text=True)
        assert result_count(search) == total, need
        # Every match is on the page: the best three first, the rest behind "Show all".
        assert len(group_slugs(html, need)) == total
        shown = re.search(r'<ol class="govuk-list app-need__results" id="results-need-'
                          + need + r'">(.*?)</ol>', html, re.S).group(1)  # fmt: skip
        assert shown.count('class="app-result"') == min(total, 3)
    assert 'id="full-search"' in html and 'id="download-csv"' in html
    text = page_text(html)
    assert "Advice and mentoring (" in text and "Workspace, offices or labs (" in text


def test_each_result_says_why_it_fits(client):
    html = results_page(client, **LONDON)
    advice = page_text(group_html(html, "advice"))
    assert "Why it fits" in advice
    assert "Offers the help you need: Advice and mentoring" in advice
    assert "For your stage: Start-up" in advice
    assert "Serves London" in advice or "Available anywhere in the UK" in advice
    assert (
        "Specialises in Information technology, digital and creative" in advice
        or "Open to businesses in any sector" in advice
    )
    # Listings that specialise in the founder's sector come before sector-agnostic ones that
    # fit as well otherwise: the same other reasons and the same cautions (apart from their
    # own eligibility and closing date, which do not order them).
    download = client.get("/check/results.csv", query_string=LONDON).get_data(as_text=True)
    specialises = "Specialises in Information technology, digital and creative"
    runs: dict[tuple, list[bool]] = {}
    for row in csv.DictReader(io.StringIO(download)):
        if row["need"] != "Advice and mentoring":
            continue
        reasons = row["why_it_fits"].split("; ")
        others = [r for r in reasons if r not in (specialises, "Open to businesses in any sector")]
        cautions = [
            caution
            for caution in row["may_rule_it_out"].split("; ")
            if caution and not caution.startswith(("Check who can apply", "Closing date"))
        ]
        runs.setdefault((tuple(others), tuple(cautions)), []).append(specialises in reasons)
    compared = [specialists for specialists in runs.values() if len(set(specialists)) > 1]
    assert compared
    for specialists in compared:
        assert specialists == sorted(specialists, reverse=True)


def test_near_me_results_come_best_fit_first_then_nearest(client):
    answers = {**LONDON, "place": "EC2V 7HH", "need": ["advice", "programme"], "sector": "skip"}
    del answers["region"]
    html = results_page(client, **answers)
    # Distances come only from sites with a postcode.
    assert "km from EC2V 7HH" in page_text(group_html(html, "advice"))
    assert "best fit first, then nearest to EC2V 7HH" in page_text(html)
    download = client.get("/check/results.csv", query_string=answers).get_data(as_text=True)
    # Among results that fit equally well (the same reasons and cautions, apart from where
    # they are), the nearer comes first, and placed ones before those without a place.
    runs: dict[tuple, list[float]] = {}
    for row in csv.DictReader(io.StringIO(download)):
        reasons = "; ".join(
            reason
            for reason in row["why_it_fits"].split("; ")
            if not reason.endswith("km from EC2V 7HH") and not reason.startswith("In ")
        )
        key = (row["need"], reasons, row["may_rule_it_out"])
        runs.setdefault(key, []).append(float(row["distance_km"] or "inf"))
    compared = [distances for distances in runs.values() if len(set(distances)) > 1]
    assert compared
    for distances in compared:
        assert distances == sorted(distances)


def test_funding_is_one_list_per_kind_and_the_equity_answer_decides_investment(client):
    keeping = results_page(client, **{**LEEDS, "equity": "no", "need": "funding"})
    sharing = results_page(client, **{**LEEDS, "equity": "yes", "need": "funding"})
    # Grants are never mixed up with investment: each kind chosen is its own list; only the
    # few grants that also take a share (a seed fund's award converting to equity) drop out.
    assert 0 < group_total(keeping, "funding-grant") <= group_total(sharing, "funding-grant")
    assert group_total(sharing, "funding-equity") > 0
    assert 'id="need-funding-equity"' not in keeping
    for slug in group_slugs(keeping, "funding-grant"):
        shown = listing(slug)
        assert shown.equity_taken is not True, slug
        assert "grant" in {t.slug for t in shown.support_types}, slug
    for slug in group_slugs(sharing, "funding-equity"):
        assert {t.slug for t in listing(slug).support_types} & {"angel", "equity"}, slug
    link = re.search(r'href="(/search\?[^"]+)" id="full-search"', keeping).group(1)
    assert "support=angel" not in link and "support=equity" not in link
    assert "support=angel" in re.search(r'href="(/search\?[^"]+)" id="full-search"', sharing).group(
        1
    )


def test_without_a_region_region_bound_support_is_flagged_and_comes_later(client):
    answers = {**LONDON, "region": "skip"}
    html = results_page(client, **answers)
    # UK-wide support fits anyone, so it comes first.
    assert "Available anywhere in the UK" in page_text(group_html(html, "advice"))
    download = client.get("/check/results.csv", query_string=answers).get_data(as_text=True)
    advice = [
        row
        for row in csv.DictReader(io.StringIO(download))
        if row["need"] == "Advice and mentoring"
    ]
    flagged = ["Only for businesses in" in row["may_rule_it_out"] for row in advice]
    # Anything that may rule a listing out puts it after those with nothing against them.
    blockers = ("Only for", "Offers at most", "Starts at", "Paused", "Not taking")
    clear = [not any(b in row["may_rule_it_out"] for b in blockers) for row in advice]
    assert any(flagged) and not flagged[0]
    assert clear == sorted(clear, reverse=True)


def test_a_need_with_nothing_to_show_says_so_and_offers_full_search(app, client):
    # UK-wide export support fits everyone, so take every export listing out of the catalogue.
    exporting = db.session.scalars(
        select(Listing).where(Listing.support_types.any(SupportType.slug == "export"))
    ).all()
    assert exporting
    for found in exporting:
        found.moderation_state = "draft"
    db.session.commit()
    assert app.test_cli_runner().invoke(args=["search", "sync"]).exit_code == 0
    html = results_page(client, **{**LONDON, "need": ["export"]})
    part = group_html(html, "export")
    assert group_total(html, "export") == 0
    assert "We found nothing for this" in page_text(part)
    assert 'href="/search?' in part and "change your answers" in page_text(part)


def _taxonomy_listing(**fields) -> Listing:
    """An unsaved listing with taxonomy terms, for explaining reasons on their own."""
    fields.setdefault("name", "Test fund")
    fields.setdefault("uk_wide", True)
    fields.setdefault("application_status", "rolling")
    fields.setdefault("status", "active")
    terms = {
        "support_types": [SupportType(slug=s) for s in fields.pop("support", ["grant"])],
        "stages": [Stage(slug="start-up")],
        "sectors": [Sector(slug=s) for s in fields.pop("sectors", ["any"])],
        "regions": [Region(slug=r) for r in fields.pop("regions", [])],
        "business_sizes": [BusinessSize(slug=s) for s in fields.pop("sizes", [])],
    }
    return Listing(**fields, **terms)


FUNDING = Option(
    "funding", "Funding", support=("grant", "loan", "angel"), equity_support=("angel",)
)


def _profile(**changes) -> Profile:
    values = {
        "place": Place(region="wales"),
        "stage": "start-up",
        "sector": "health",
        "needs": (FUNDING,),
        "funding": (),
        "amount": Option("500k-2m", "£500,000 to £2 million", minimum=500_000, maximum=2_000_000),
        "equity": "no",
        "size": "under-10",
    }
    values.update(changes)
    return Profile(**values)


@pytest.mark.parametrize(
    ("fields", "reason", "caution"),
    [
        ({"funding_max": 25_000}, None, "Offers at most £25,000, less than you are looking for"),
        ({"funding_min": 5_000_000}, None, "Starts at £5 million, more than you are looking for"),
        (
            {"funding_min": 100_000, "funding_max": 1_000_000},
            "Funding offered (£100,000 to £1 million) fits the amount you need",
            None,
        ),
        ({"equity_taken": False}, "Does not take a share of your business", None),
        ({"equity_taken": True}, None, "Takes a share of your business (equity)"),
        ({"sizes": ["between-10-and-249"]}, None, "Only for businesses with 10 to 249 employees"),
        ({"sizes": ["under-10"]}, "For businesses of your size", None),
        ({"sectors": ["health"]}, "Specialises in Health", None),
        ({"sectors": ["any"]}, "Open to businesses in any sector", None),
        ({"uk_wide": False, "regions": ["wales"]}, "Serves Wales", None),
        ({"uk_wide": True}, "Available anywhere in the UK", None),
        ({"application_status": "closed"}, None, "Not taking applications just now"),
        ({"status": "paused"}, None, "Paused just now"),
        ({"eligibility": "Only for " + "very " * 80 + "small firms"}, None, "Check who can apply"),
    ],
)
def test_reasons_and_what_may_rule_a_listing_out(app, fields, reason, caution):
    taxonomy = app.extensions["taxonomy"]
    match = explain(_taxonomy_listing(**fields), FUNDING, FUNDING.support, _profile(), taxonomy)
    assert "Offers the help you need: Grants" in match.reasons
    assert "For your stage: Start-up (trading under 2 years, pre-seed to seed)" in match.reasons
    if reason:
        assert reason in match.reasons
    if caution:
        assert any(c.startswith(caution) for c in match.cautions), match.cautions
        assert all(len(c) < 260 for c in match.cautions)


def test_a_sector_specific_listing_is_flagged_when_the_sector_was_skipped(app):
    taxonomy = app.extensions["taxonomy"]
    match = explain(
        _taxonomy_listing(sectors=["life-sciences"]),
        FUNDING,
        FUNDING.support,
        _profile(sector=None),
        taxonomy,
    )
    assert "Only for some sectors: Life sciences" in match.cautions


def test_the_csv_has_every_result_with_its_reasons_and_is_spreadsheet_safe(app, client):
    shown = results_page(client, **LONDON)
    first = group_slugs(shown, "advice")[0]
    listing(first).name = "=HYPERLINK(evil)"
    db.session.commit()
    response = client.get("/check/results.csv", query_string=LONDON)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    by_need = {}
    for row in rows:
        by_need.setdefault(row["need"], []).append(row)
    assert len(by_need["Advice and mentoring"]) == group_total(shown, "advice")
    assert len(by_need["Workspace, offices or labs"]) == group_total(shown, "workspace")
    top = by_need["Advice and mentoring"][0]
    assert top["listing"] == "'=HYPERLINK(evil)"
    assert top["rank"] == "1" and top["link"].endswith(f"/listings/{first}")
    assert "For your stage: Start-up" in top["why_it_fits"]
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@")), value


def test_a_completed_questionnaire_records_one_demand_event_without_the_place(client):
    response = client.get("/check/results", query_string=LEEDS, environ_base=visitor(7))
    assert response.status_code == 200
    rows = demand_rows(source="questionnaire")
    assert {row.event_id for row in rows} and len({row.event_id for row in rows}) == 1
    row = rows[0]
    assert row.region == "yorkshire-and-the-humber"  # derived from LS1 4AP
    assert row.stage == "start-up" and row.sector is None
    assert row.answers["need"] == ["funding", "programme"]
    assert row.answers["region"] == ["yorkshire-and-the-humber"]
    assert row.answers["equity"] == ["yes"] and row.answers["amount"] == ["not-sure"]
    assert "place" not in row.answers and "sector" not in row.answers  # skipped
    assert row.result_count == int(
        re.search(r'id="result-count">(\d+) listing', response.get_data(as_text=True)).group(1)
    )
    stored = " ".join(str(getattr(r, c.name)) for r in rows for c in DemandEvent.__table__.columns)
    assert "LS1" not in stored.upper() and "4AP" not in stored.upper()
    assert db.session.scalar(select(DemandAppearance.id).limit(1)) is None


def test_a_region_answer_is_recorded_as_given_with_narrow_support(client):
    client.get("/check/results", query_string=LONDON)
    rows = demand_rows(source="questionnaire")
    assert {row.region for row in rows} == {"london"}
    assert {row.support for row in rows} == {"advice", "workspace"}
    assert {row.sector for row in rows} == {"information-technology-digital-and-creative"}
    assert rows[0].answers["size"] == ["under-10"]


def test_only_the_results_page_of_complete_valid_answers_records_demand(client):
    client.get("/check/")
    client.get("/check/stage", query_string={"region": "london"})
    client.get("/check/answers", query_string=LONDON)
    client.get("/check/results.csv", query_string=LONDON)
    client.get("/check/results", query_string={"stage": "growth"})  # incomplete
    client.get("/check/results", query_string={**LONDON, "stage": "unicorn"})  # invalid
    assert demand_rows() == []


def test_insights_show_questionnaire_needs_under_disclosure_control(app, client):
    from tests.helpers import make_user, page_text, sign_in

    answers = {**LONDON, "need": ["advice", "export"]}
    for number in range(12):
        client.get("/check/results", query_string=answers, environ_base=visitor(number))
    for number in range(3):  # too few visitors for their need to be released
        client.get(
            "/check/results",
            query_string={**answers, "need": ["advice", "skills"]},
            environ_base=visitor(100 + number),
        )
    assert len({row.event_id for row in demand_rows(source="questionnaire")}) == 15
    make_user("analyst@example.org", roles=("analyst",))
    analyst = app.test_client()
    sign_in(analyst, "analyst@example.org")
    html = analyst.get("/insights/").get_data(as_text=True)
    table = html[html.index('id="questionnaire-needs"') :]
    table = page_text(table[: table.index("</table>")])
    assert "Advice and mentoring 15" in table  # 15 visitor-days, a multiple of 5
    assert "Selling abroad 10" in table  # 12, rounded to the nearest 5
    assert "Skills and training [c]" in table  # 3 visitor-days are withheld


def test_opening_a_result_records_a_listing_open_with_its_rank(client):
    html = client.get("/check/results", query_string=LONDON, environ_base=visitor(3))
    link = re.search(r'href="(/listings/[a-z0-9-]+\?[^"]+)"', html.get_data(as_text=True)).group(1)
    response = client.get(link.replace("&amp;", "&"), environ_base=visitor(3))
    assert response.status_code == 303
    opens = demand_rows(source="listing_open")
    assert opens and opens[0].rank == 1
