"""Asking for an email alert from a results page, in headless Chromium, checked with axe-core."""

import re
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest

from tests.browser import chromium_page, serious_accessibility_violations

pytestmark = pytest.mark.browser


def assert_good_page(page) -> None:
    """Accessible and free of script errors."""
    assert serious_accessibility_violations(page) == [], page.url
    assert page.errors == [], page.url


def test_founder_asks_for_an_alert_from_search_results_and_confirms_it(app, base_url):
    with chromium_page() as page:
        page.goto(base_url + "/search?q=accelerator+newcastle")
        page.get_by_role(
            "link", name="Email me when new support like this is listed or opens"
        ).click()
        page.wait_for_url(re.compile(r"/alerts/new\?"))
        assert_good_page(page)
        described = page.locator("#alert-search").inner_text()
        assert described.startswith("Search: accelerator newcastle")
        page.get_by_role(
            "button", name="Email me when support like this is listed or opens"
        ).click()
        assert page.locator(".govuk-error-summary").is_visible()  # no address: an error
        assert page.title().startswith("Error: ")
        assert_good_page(page)
        page.get_by_label("Email address").fill("founder@example.org")
        page.get_by_label("Daily, when there is something new").check()
        page.get_by_role(
            "button", name="Email me when support like this is listed or opens"
        ).click()
        page.wait_for_selector("h1:has-text('Check your email')")
        assert_good_page(page)

        outbox = sorted(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))
        message = message_from_bytes(outbox[-1].read_bytes(), policy=default)
        link = re.search(r"http://localhost(/alerts/confirm/\S+)", message.get_content()).group(1)
        page.goto(base_url + link)
        page.wait_for_selector("h1:has-text('Your alert has started')")
        assert_good_page(page)
        page.get_by_role("link", name="See or delete all your alerts").click()
        page.wait_for_selector("h1:has-text('Your alerts')")
        assert_good_page(page)
        assert "Search: accelerator newcastle" in page.locator("main").inner_text()
