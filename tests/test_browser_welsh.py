"""A Welsh-speaking founder in headless Chromium: search, a listing and the questionnaire in
Welsh, every page axe-clean, with `lang` right on the page and on English text inside it."""

import re

import pytest

from tests.browser import chromium_page, serious_accessibility_violations

pytestmark = pytest.mark.browser


def assert_welsh_page(page) -> None:
    """In Welsh, accessible, free of script errors, and still in Welsh in its address."""
    assert page.locator("html").get_attribute("lang") == "cy", page.url
    assert "lang=cy" in page.url, page.url
    assert serious_accessibility_violations(page) == [], page.url
    assert page.errors == [], page.url
    # The way back to English is there, marked as English for screen readers.
    english = page.get_by_role("link", name="English", exact=True)
    assert english.get_attribute("lang") == "en-GB"


def test_a_founder_searches_and_opens_a_listing_in_welsh(base_url):
    with chromium_page() as page:
        page.goto(base_url + "/")
        page.get_by_role("link", name="Cymraeg", exact=True).click()
        page.wait_for_url(re.compile(r"/\?lang=cy$"))
        assert_welsh_page(page)
        assert page.locator("h1").inner_text() == "Dod o hyd i gymorth i’ch busnes newydd"

        page.get_by_label("Chwilio am gymorth").first.fill("grantiau busnes yng Nghaerdydd")
        page.get_by_role("button", name="Chwilio", exact=True).first.click()
        page.wait_for_url(re.compile(r"/search\?.*lang=cy"))
        assert_welsh_page(page)
        assert "Cardiff" in page.locator("#result-count").inner_text()

        # Filters keep the language too (on a wide screen they are always shown).
        page.get_by_label("Ar agor nawr: yn derbyn ceisiadau heddiw").check()
        page.get_by_role("button", name="Defnyddio’r hidlyddion").click()
        page.wait_for_url(re.compile(r"open=now"))
        assert_welsh_page(page)

        # A Welsh programme shows its own Welsh text; English-only text is marked English.
        page.goto(base_url + "/listings/young-persons-start-up-grant-wales?lang=cy")
        assert_welsh_page(page)
        assert page.locator("h1").inner_text() == "Grant Dechrau Busnes Pobl Ifanc"
        assert "hyd at £2,000" in page.locator("main").inner_text()
        page.goto(base_url + "/listings/start-up-loans?lang=cy")
        assert_welsh_page(page)
        assert page.locator("main [lang=en]").count() > 0

        page.get_by_role("link", name="English", exact=True).click()
        page.wait_for_url(re.compile(r"/listings/start-up-loans$"))
        assert page.locator("html").get_attribute("lang") == "en-GB"


def test_a_founder_answers_the_questionnaire_in_welsh(base_url):
    with chromium_page() as page:
        page.set_viewport_size({"width": 375, "height": 740})
        page.goto(base_url + "/check/?lang=cy")
        assert_welsh_page(page)
        page.get_by_role("button", name="Dechrau nawr").click()

        page.wait_for_url(re.compile(r"/check/location"))
        assert_welsh_page(page)
        page.get_by_role("button", name="Parhau").click()  # nothing given: a Welsh error
        assert page.title().startswith("Gwall: ")
        assert_welsh_page(page)
        page.get_by_label("Cod post neu dref").fill("Caerdydd")
        page.get_by_role("button", name="Parhau").click()

        page.wait_for_url(re.compile(r"/check/stage"))
        assert_welsh_page(page)
        assert page.locator("h1").inner_text() == "Ar ba gam mae eich busnes?"
        page.get_by_label("Busnes newydd (yn masnachu").check()
        page.get_by_role("button", name="Parhau").click()
        page.wait_for_url(re.compile(r"/check/sector"))
        page.get_by_role("link", name="Hepgor y cwestiwn hwn").click()
        page.wait_for_url(re.compile(r"/check/need"))
        assert_welsh_page(page)
        page.get_by_label("Cyngor a mentora").check()
        page.get_by_role("button", name="Parhau").click()
        page.wait_for_url(re.compile(r"/check/about"))
        page.get_by_role("link", name="Hepgor y cwestiwn hwn").click()
        page.wait_for_url(re.compile(r"/check/size"))
        page.get_by_label("Llai na 10 o weithwyr").check()
        page.get_by_role("button", name="Parhau").click()

        page.wait_for_url(re.compile(r"/check/answers"))
        assert_welsh_page(page)
        assert page.locator("h1").inner_text() == "Gwirio eich atebion"
        page.get_by_role("button", name="Dangos cymorth sy’n addas").click()
        page.wait_for_url(re.compile(r"/check/results\?.*lang=cy"))
        assert_welsh_page(page)
        assert page.locator("h1").inner_text() == "Cymorth sy’n addas i’ch atebion"
