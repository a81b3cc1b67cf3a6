"""End to end in headless Chromium: the founder's search journey, checked with axe-core."""

import re

import pytest

from tests.browser import chromium_page, serious_accessibility_violations

pytestmark = pytest.mark.browser


def assert_accessible(page) -> None:
    """No serious or critical axe-core violations, and no script errors, on the page."""
    assert serious_accessibility_violations(page) == [], page.url
    assert page.errors == [], page.url


def test_founder_searches_filters_and_opens_a_listing(base_url):
    with chromium_page() as page:
        page.goto(base_url + "/")
        assert page.title() == "Start-up Support Directory"
        assert_accessible(page)

        page.get_by_label("Search for support").fill("incubator")
        page.get_by_role("button", name="Search").click()
        page.wait_for_url(re.compile(r"/search\?q=incubator"))
        count = page.locator("#result-count")
        assert re.match(r"\d+ results? for ‘incubator’", count.inner_text())
        assert_accessible(page)

        page.get_by_text("Region", exact=False).first.click()  # opens the Region filter
        page.locator("label[for='region-north-east']").click()
        page.get_by_role("button", name="Search").click()
        page.wait_for_url(re.compile(r"region=north-east"))
        assert page.locator("#region-north-east").is_checked()
        first = page.locator("#results .app-result__title a").first
        name = first.inner_text()
        assert_accessible(page)

        first.click()
        page.wait_for_url(re.compile(r"/listings/"))
        assert page.locator("h1").inner_text() == name
        assert page.get_by_text("How to apply").is_visible()
        assert_accessible(page)


def test_zero_results_offer_a_way_out_on_a_phone(base_url):
    with chromium_page() as page:
        page.set_viewport_size({"width": 375, "height": 740})
        page.goto(base_url + "/search?q=sunderland&region=wales")
        assert page.locator("#result-count").inner_text().startswith("0 results")
        assert_accessible(page)
        page.get_by_role("link", name="Remove the region filter").click()
        page.wait_for_url(re.compile(r"q=sunderland"))
        assert not page.locator("#result-count").inner_text().startswith("0 ")
        # Nothing overflows sideways on a phone.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.goto(base_url + "/search?q=qqqqzzzz")  # nothing at all matches: no filters to offer
        assert page.locator("#result-count").inner_text().startswith("0 results")
        assert_accessible(page)


def test_founder_searches_near_a_postcode_and_picks_a_town(base_url):
    with chromium_page() as page:
        page.goto(base_url + "/search")
        page.get_by_label("Near postcode or town").fill("ls1 4ap")
        page.get_by_role("button", name="Search").click()
        page.wait_for_url(re.compile(r"near=ls1\+4ap"))
        assert "within 25 km of LS1 4AP" in page.locator("#result-count").inner_text()
        distances = [
            float(text.split()[0])
            for text in page.locator("#results .app-result__distance").all_inner_texts()
        ]
        assert distances and distances == sorted(distances) and max(distances) <= 25
        assert page.locator("#elsewhere .app-result").count() > 0
        assert_accessible(page)

        page.get_by_label("Near postcode or town").fill("Newport")
        page.get_by_role("button", name="Search").click()
        page.wait_for_url(re.compile(r"near=Newport"))
        assert_accessible(page)
        page.locator("#near-choices").get_by_role("link", name="Newport, Wales").click()
        page.wait_for_url(re.compile(r"near=Newport(%2C|,)"))
        assert "of Newport, Wales" in page.locator("#result-count").inner_text()

        page.get_by_label("Near postcode or town").fill("Atlantis upon Sea")
        page.get_by_role("button", name="Search").click()
        page.wait_for_url(re.compile(r"near=Atlantis"))
        assert page.locator(".govuk-error-summary").is_visible()
        assert_accessible(page)
