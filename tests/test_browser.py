"""End to end in headless Chromium: the founder's search journeys, checked with axe-core."""

import re

import pytest

from tests.browser import chromium_page, follow, serious_accessibility_violations

pytestmark = pytest.mark.browser


def assert_accessible(page) -> None:
    """No serious or critical axe-core violations, and no script errors, on the page."""
    assert serious_accessibility_violations(page) == [], page.url
    assert page.errors == [], page.url


def fits_the_screen(page) -> bool:
    """Nothing is wider than the screen (no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_founder_types_a_place_removes_its_chip_and_comes_back_from_a_listing(base_url):
    with chromium_page() as page:
        page.goto(base_url + "/")
        assert page.title() == "Start-up Support Directory"
        assert_accessible(page)

        page.get_by_label("Search for support").fill("accelerator manchester")
        page.get_by_role("button", name="Search").click()
        page.wait_for_url(re.compile(r"/search\?q=accelerator\+manchester"))
        chip = page.locator("#place-chip")
        assert chip.inner_text().startswith("in Manchester")
        assert re.match(r"\d+ results match all of your search", page.locator("#result-count")
                        .inner_text())  # fmt: skip
        summary = page.locator("#place-summary").inner_text()
        assert summary.startswith("None located in or near Manchester")
        headings = page.locator(".app-results__section").all_inner_texts()
        assert headings[0] == "Serving North West"
        assert_accessible(page)

        # Partial matches sit under their own heading, after everything that fits.
        page.goto(base_url + "/search?q=accelerator+manchester&page=2")
        assert "Matching part of your search" in page.locator("#results").inner_text()
        page.go_back()

        chip.click()
        page.wait_for_url(re.compile(r"/search\?q=accelerator$"))
        assert page.locator("#place-chip").count() == 0
        assert page.locator("#result-count").inner_text().endswith("for ‘accelerator’")
        search_url = page.url

        first = page.locator("#results .app-result__title a").first
        name = first.inner_text()
        first.click()
        page.wait_for_url(re.compile(r"/listings/"))
        assert page.locator("h1").inner_text() == name
        assert page.locator(".app-act").first.is_visible()
        assert_accessible(page)
        page.get_by_role("link", name="Back to your search results").click()
        page.wait_for_url(search_url)


def test_open_now_filter_on_a_wide_screen(base_url):
    with chromium_page() as page:
        page.goto(base_url + "/search?q=grant")
        # On a wide screen the filters are always shown: no button to press.
        assert page.get_by_label("Open now: applications accepted today").is_visible()
        page.get_by_label("Open now: applications accepted today").check()
        page.get_by_role("button", name="Apply filters").click()
        page.wait_for_url(re.compile(r"open=now"))
        tags = page.locator("#results .app-result__tags .govuk-tag").all_inner_texts()
        assert tags and all(tag.startswith("Open") for tag in tags), tags
        assert page.get_by_label("Open now: applications accepted today").is_checked()
        assert_accessible(page)


def test_on_a_phone_the_first_result_shows_before_the_filters(base_url):
    with chromium_page() as page:
        page.set_viewport_size({"width": 375, "height": 740})
        page.goto(base_url + "/search?q=grant+leeds&region=yorkshire-and-the-humber")
        first = page.locator("#results .app-result").first
        box = first.bounding_box()
        assert box is not None and box["y"] < 740, box  # on the first screen
        # Filters wait behind a button, even with one in use.
        assert not page.get_by_label("Open now: applications accepted today").is_visible()
        assert fits_the_screen(page)
        assert_accessible(page)
        page.get_by_text("Filter results (in use)").click()
        assert page.get_by_label("Open now: applications accepted today").is_visible()
        page.get_by_label("Open now: applications accepted today").check()
        page.get_by_role("button", name="Apply filters").click()
        page.wait_for_url(re.compile(r"open=now"))
        assert "region=yorkshire-and-the-humber" in page.url
        assert fits_the_screen(page)
        assert_accessible(page)


def test_the_filter_button_works_without_javascript(base_url):
    with chromium_page() as page:
        context = page.context.browser.new_context(
            java_script_enabled=False, viewport={"width": 375, "height": 740}
        )
        try:
            plain = context.new_page()
            plain.goto(base_url + "/search?q=mentoring")
            plain.get_by_text("Filter results").click()
            plain.locator("summary", has_text="Region").click()
            plain.locator("label[for='region-wales']").click()
            plain.get_by_role("button", name="Apply filters").click()
            plain.wait_for_url(re.compile(r"region=wales"))
            assert plain.locator("#results .app-result").count() > 0
        finally:
            context.close()


def test_zero_results_offer_a_way_out_on_a_phone(base_url):
    with chromium_page() as page:
        page.set_viewport_size({"width": 375, "height": 740})
        page.goto(base_url + "/search?q=grant&support=award&region=northern-ireland&sector=mining")
        assert page.locator("#result-count").inner_text().startswith("No results")
        assert_accessible(page)
        page.get_by_role("link", name=re.compile(r"^Remove the sector filter")).click()
        page.wait_for_url(re.compile(r"q=grant"))
        assert "sector=" not in page.url
        assert not page.locator("#result-count").inner_text().startswith("No results")
        assert fits_the_screen(page)
        page.goto(base_url + "/search?q=qqqqzzzz")  # nothing at all matches: no filters to offer
        assert page.locator("#result-count").inner_text().startswith("No results")
        assert_accessible(page)


def test_founder_searches_near_a_postcode_and_picks_a_town(base_url):
    with chromium_page() as page:
        page.goto(base_url + "/search")
        page.get_by_label("Near postcode or town").fill("ls1 4ap")
        page.get_by_role("button", name="Apply filters").click()
        page.wait_for_url(re.compile(r"near=ls1\+4ap"))
        assert page.locator("#result-count").inner_text().endswith("near LS1 4AP")
        assert page.locator("#place-chip").inner_text().startswith("near LS1 4AP")
        places = page.locator("#results .app-result__distance").all_inner_texts()
        # Sites known by postcode say how far; those known only by town say which town.
        assert places and all(re.match(r"([\d.]+ km away|In \w+)", text) for text in places)
        assert page.locator(".app-results__section").first.inner_text() == "In or near LS1 4AP"
        assert_accessible(page)

        page.get_by_label("Near postcode or town").fill("Newport")
        page.get_by_role("button", name="Apply filters").click()
        page.wait_for_url(re.compile(r"near=Newport"))
        assert_accessible(page)
        page.locator("#near-choices").get_by_role("link", name="Newport, Wales").click()
        page.wait_for_url(re.compile(r"near=Newport(%2C|,)"))
        assert page.locator("#result-count").inner_text().endswith("near Newport, Wales")

        page.get_by_label("Near postcode or town").fill("Atlantis upon Sea")
        page.get_by_role("button", name="Apply filters").click()
        page.wait_for_url(re.compile(r"near=Atlantis"))
        assert page.locator(".govuk-error-summary").is_visible()
        assert_accessible(page)


def test_service_pages_and_the_feedback_form(base_url):
    with chromium_page() as page:
        page.goto(base_url + "/")
        page.get_by_role("link", name="Accessibility statement").click()
        page.wait_for_url(re.compile(r"/accessibility$"))
        assert_accessible(page)
        page.get_by_role("link", name="Privacy notice").click()
        page.wait_for_url(re.compile(r"/privacy$"))
        assert_accessible(page)

        page.get_by_role("link", name="Give feedback").first.click()
        page.wait_for_url(re.compile(r"/feedback"))
        assert_accessible(page)
        follow(page, "button", "Send feedback")
        assert page.locator(".govuk-error-summary").is_visible()
        assert page.title().startswith("Error: ")
        assert_accessible(page)
        page.get_by_label("What would you like to tell us?").fill("More angels in Kent, please.")
        follow(page, "button", "Send feedback")
        assert page.locator("h1").inner_text().startswith("Thank you")
        assert_accessible(page)
