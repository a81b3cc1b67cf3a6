"""The questionnaire end to end in headless Chromium, on a phone, checked with axe-core."""

import re

import pytest

from tests.browser import chromium_page, serious_accessibility_violations

pytestmark = pytest.mark.browser


def assert_good_step(page) -> None:
    """Accessible, free of script errors, and nothing wider than the phone's screen."""
    assert serious_accessibility_violations(page) == [], page.url
    assert page.errors == [], page.url
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


def test_founder_answers_changes_an_answer_and_gets_explained_results_on_a_phone(base_url):
    with chromium_page() as page:
        page.set_viewport_size({"width": 375, "height": 740})
        page.goto(base_url + "/")
        page.get_by_role("link", name="Answer a few questions").click()
        page.wait_for_url(re.compile(r"/check/$"))
        assert_good_step(page)
        page.get_by_role("button", name="Start now").click()

        page.wait_for_url(re.compile(r"/check/location"))
        assert_good_step(page)
        page.get_by_role("button", name="Continue").click()  # nothing given: an error
        assert page.locator(".govuk-error-summary").is_visible()
        assert page.title().startswith("Error: ")
        assert_good_step(page)
        page.get_by_label("Postcode or town").fill("ls1 4ap")
        page.get_by_role("button", name="Continue").click()

        page.wait_for_url(re.compile(r"/check/stage\?place=LS1\+4AP"))
        assert_good_step(page)
        page.get_by_label("Start-up (trading under 2 years").check()
        page.get_by_role("button", name="Continue").click()

        page.wait_for_url(re.compile(r"/check/sector"))
        assert_good_step(page)
        page.get_by_role("link", name="Skip this question").click()

        page.wait_for_url(re.compile(r"/check/need"))
        assert_good_step(page)
        page.get_by_label("Advice and mentoring").check()
        page.get_by_role("button", name="Continue").click()

        page.wait_for_url(re.compile(r"/check/about"))
        page.get_by_role("link", name="Back", exact=True).click()  # back to the needs, answer kept
        page.wait_for_url(re.compile(r"/check/need"))
        assert page.get_by_label("Advice and mentoring").is_checked()
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(re.compile(r"/check/about"))
        assert_good_step(page)
        page.get_by_role("link", name="Skip this question").click()
        page.wait_for_url(re.compile(r"/check/size"))
        assert_good_step(page)
        page.get_by_label("Fewer than 10 employees").check()
        page.get_by_role("button", name="Continue").click()

        page.wait_for_url(re.compile(r"/check/answers"))
        assert page.locator("h1").inner_text() == "Check your answers"
        assert "Funding needed" not in page.locator("#answers").inner_text()
        assert_good_step(page)

        # Change the needs to add funding: its two questions follow, then the summary again.
        page.get_by_role("link", name="Change help you need").click()
        page.wait_for_url(re.compile(r"/check/need\?.*change=1"))
        assert_good_step(page)
        page.get_by_label("Funding or investment").check()
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(re.compile(r"/check/funding-type"))
        assert_good_step(page)
        page.get_by_label("Grants and competitions").check()
        page.get_by_label("Loans").check()
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(re.compile(r"/check/amount"))
        assert_good_step(page)
        page.get_by_label("£25,000 to £100,000").check()
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(re.compile(r"/check/equity"))
        assert_good_step(page)
        page.get_by_label("No, I want to keep full ownership").check()
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(re.compile(r"/check/answers"))
        summary = page.locator("#answers").inner_text()
        assert "Funding or investment" in summary and "£25,000 to £100,000" in summary
        assert "Grants and competitions" in summary and "Loans" in summary
        assert_good_step(page)

        page.get_by_role("button", name="Show support that fits").click()
        page.wait_for_url(re.compile(r"/check/results\?place=LS1\+4AP&stage=start-up"))
        assert page.locator("h1").inner_text() == "Support that fits your answers"
        # Grants and loans are separate lists; no investment, as the founder said no.
        grants = page.locator("#need-funding-grant")
        assert "Why it fits" in grants.inner_text()
        assert page.locator("#need-funding-loan").is_visible()
        assert page.locator("#need-funding-equity").count() == 0
        # Each list shows its best three; the rest wait behind "Show all".
        advice = page.locator("#need-advice")
        assert advice.locator("#results-need-advice > .app-result").count() == 3
        hidden = advice.locator(".app-need__more .app-result").first
        assert not hidden.is_visible()
        advice.locator(".app-need__more > summary").click()
        assert hidden.is_visible()
        assert_good_step(page)

        with page.expect_download() as download:
            page.locator("#download-csv").click()
        assert download.value.suggested_filename == "support-for-your-business.csv"


def test_the_questionnaire_works_without_javascript(base_url):
    with chromium_page() as page:
        browser = page.context.browser
        context = browser.new_context(java_script_enabled=False)
        try:
            plain = context.new_page()
            plain.goto(base_url + "/check/location")
            plain.get_by_label("Region").select_option("wales")
            plain.get_by_role("button", name="Continue").click()
            plain.wait_for_url(re.compile(r"/check/stage\?region=wales"))
            plain.get_by_label("Growth").check()
            plain.get_by_role("button", name="Continue").click()
            plain.wait_for_url(re.compile(r"/check/sector"))
            plain.get_by_label("Manufacturing").check()
            plain.get_by_role("button", name="Continue").click()
            plain.wait_for_url(re.compile(r"/check/need"))
            plain.get_by_label("Selling abroad").check()
            plain.get_by_role("button", name="Continue").click()
            plain.wait_for_url(re.compile(r"/check/about"))
            plain.get_by_label("None of these").check()
            plain.get_by_role("button", name="Continue").click()
            plain.wait_for_url(re.compile(r"/check/size"))
            plain.get_by_role("link", name="Skip this question").click()
            plain.wait_for_url(re.compile(r"/check/answers"))
            plain.get_by_role("button", name="Show support that fits").click()
            plain.wait_for_url(re.compile(r"/check/results"))
            assert "Selling abroad" in plain.locator("#need-export").inner_text()
        finally:
            context.close()
