"""Insights in headless Chromium: axe-clean, the chart drawn from the table, tokens."""

import pytest

from directory.demand import recording
from directory.demand.service import today
from directory.extensions import db
from tests.browser import chromium_page, follow, sign_in
from tests.helpers import make_user
from tests.test_browser import assert_accessible

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def analyst_and_searches(app):
    """An analyst, and a day of searches to see."""
    make_user("analyst@example.org", roles=("analyst",))
    for number in range(12):
        recording.write_events(
            db.session,
            [
                recording.EventDraft(
                    "search_page",
                    today(),
                    11,
                    f"203.0.{number}.0/24",
                    query="grant",
                    filters={"region": ["london"], "stage": ["start-up"]},
                    result_count=0,
                )
            ],
        )
    db.session.commit()


def test_an_analyst_sees_accessible_insights_with_a_chart_and_creates_a_token(base_url):
    with chromium_page() as page:
        sign_in(page, base_url, "analyst@example.org")
        follow(page, "link", "Insights")
        assert page.locator("h1").inner_text() == "Demand insights"
        assert page.locator("#top-zero-queries").inner_text().count("grant") == 1
        assert page.locator("#trend-chart svg rect").count() == 1  # drawn from the table
        assert page.locator("#trend td[data-value='10']").count() == 1
        assert_accessible(page)
        page.get_by_label("Region", exact=True).select_option("london")
        follow(page, "button", "Show figures")
        assert "region=london" in page.url
        assert_accessible(page)
        page.get_by_role("link", name="API tokens for scripts").click()
        page.get_by_label("Name of the token").fill("Dashboard")
        follow(page, "button", "Create a token")
        assert page.locator("#new-token").inner_text().startswith("ssd_")
        assert_accessible(page)
        assert not page.errors
