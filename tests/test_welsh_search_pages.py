"""The results page, listing pages and organisation pages in Welsh: the interface in Welsh, a
listing's own Welsh text where it has some, its English text marked as English where not."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

from babel.dates import format_date

from directory.extensions import db
from directory.search.indexing import sync_index
from tests.factories import SOURCE, make_listing
from tests.helpers import page_text, result_headline, result_slugs

WORD = "zephyrine"  # in no seeded listing: a search for it finds only the test's listing


def welsh_listing(app, **fields):
    deadline = date(date.today().year + 1, 11, 26)
    welsh_source = {"url": "https://example.org/cy/test-source", "retrieved": date.today(),
                    "supports": ["name_cy", "summary_cy"]}  # fmt: skip
    return make_listing(
        app,
        sources=[SOURCE, welsh_source],
        name_cy="Grant Prawf Cymraeg",
        summary=f"A {WORD} grant for new businesses.",
        summary_cy=f"Grant {WORD} i fusnesau newydd.",
        application_status="open",
        deadline=deadline,
        **fields,
    )


def filter_form(html: str) -> str:
    match = re.search(r'<form [^>]*class="app-filters".*?</form>', html, re.S)
    assert match, "no filters form on the page"
    return match.group(0)


def test_the_results_page_in_welsh(client):
    page = client.get("/search?q=grant&lang=cy")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="cy"' in html
    assert '<h1 class="govuk-heading-l">Chwilio am gymorth</h1>' in html
    assert "Am beth ydych chi’n chwilio, ac ymhle?" in html
    assert "canlyniad ar gyfer ‘grant’" in result_headline(html)
    assert re.search(r'id="result-total">Yn dangos 1 i 20 o [\d,]+ canlyniad', html)
    assert "Yn dangos yn gyntaf: Grantiau" in page_text(html)
    form = filter_form(html)
    # The filters' names are Welsh, and so are the taxonomy's terms under them.
    for legend in ("Rhanbarth", "Cam y busnes", "Math o gymorth", "Sector"):
        assert (
            f'<legend class="govuk-fieldset__legend govuk-visually-hidden">{legend}</legend>'
            in form
        )
    assert re.search(r'for="region-wales">Cymru <span', form)
    assert re.search(r'for="region-scotland">Yr Alban <span', form)
    assert "Hidlo’r canlyniadau" in html and ">Defnyddio’r hidlyddion</button>" in form
    assert "Filter results" not in html and "Search for support" not in html
    # The cards too: their tags, facts and links.
    assert "<dt>Cymorth:</dt>" in html and "<dt>Support:</dt>" not in html
    assert 'href="/listings/' in html and "?from=search&amp;rank=1&amp;lang=cy" in html


def test_submitting_the_filters_in_welsh_keeps_the_page_welsh(client):
    html = client.get("/search?q=grant&lang=cy").get_data(as_text=True)
    form = filter_form(html)
    # A GET form's action loses its query: the language goes as a field of its own.
    assert '<input type="hidden" name="lang" value="cy">' in form
    fields = [
        (unescape(name), unescape(value))
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form)
    ]
    filtered = client.get("/search", query_string=[*fields, ("region", "wales")])
    assert filtered.status_code == 200
    result = filtered.get_data(as_text=True)
    assert '<html lang="cy"' in result
    assert 'name="region" type="checkbox" value="wales" checked' in result
    assert "Rhanbarth (wedi dewis 1)" in result
    assert "Hidlo’r canlyniadau (hidlyddion ar waith)" in result
    assert 'href="/search?q=grant&amp;lang=cy">Clirio’r hidlyddion</a>' in result
    # The search box keeps Welsh too.
    search_box = re.search(r'<form [^>]*role="search".*?</form>', html, re.S).group(0)
    assert '<input type="hidden" name="lang" value="cy">' in search_box
    # In English, no language field is added.
    assert 'name="lang"' not in client.get("/search?q=grant").get_data(as_text=True)


def test_the_results_page_says_what_went_wrong_in_welsh(client):
    html = client.get("/search?q=grant&region=atlantis&page=x&near=zzqqxx&lang=cy").text
    text = page_text(html)
    assert "Nid oeddem yn deall rhan o’ch chwiliad" in text
    assert "Nid yw 'atlantis' yn ranbarth hysbys" in text
    assert "Rhaid i page fod yn rhif cyfan" in text
    assert "Ni allem ddod o hyd i ‘zzqqxx’." in text
    english = page_text(client.get("/search?q=grant&region=atlantis&near=zzqqxx").text)
    assert "'atlantis' is not a known region" in english
    assert "We could not find ‘zzqqxx’. Try a UK postcode" in english


def test_a_welsh_place_and_its_results_in_welsh(client):
    html = client.get("/search?q=loans+wales&lang=cy").text
    assert "ar gyfer ‘loans’ yng Nghymru" in result_headline(html)
    assert "yng Nghymru ×" in page_text(html)  # the place's chip
    near = client.get("/search?q=grant&near=CF10+3AT&lang=cy").text
    assert "ger CF10 3AT" in result_headline(near)
    assert "yn gwasanaethu Cymru" in page_text(near)


def test_a_listing_page_in_welsh(app, client):
    found = welsh_listing(app, eligibility="Businesses trading for under two years.")
    deadline = found.deadline
    html = client.get(f"/listings/{found.slug}?lang=cy").get_data(as_text=True)
    assert '<html lang="cy"' in html
    # The listing's Welsh text, in Welsh; the text it has only in English, marked as English.
    assert '<h1 class="govuk-heading-l">Grant Prawf Cymraeg</h1>' in html
    assert f'<p class="govuk-body-l">Grant {WORD} i fusnesau newydd.</p>' in html
    assert '<p class="govuk-body" lang="en">It exists only for the test' in html
    assert 'lang="en">Businesses trading for under two years.</dd>' in html
    assert '<p class="govuk-body" lang="en">Apply on the website.</p>' in html
    assert f'lang="en">{found.organisation.name}</a></span>' in html
    # Availability and dates in Welsh.
    text = page_text(html)
    assert f"Ar agor nawr, yn cau ar 26 Tachwedd {deadline.year}" in text
    checked = format_date(date.today(), "d MMMM y", locale="cy")
    assert f"Gwiriwyd ddiwethaf ar {checked} yn erbyn ei ffynonellau cyhoeddedig" in text
    assert "Sut i wneud cais" in text and "Math o gymorth Cyngor a mentora" in text
    assert "How to apply" not in text and "Open now" not in text
    # In English, nothing changes.
    english = client.get(f"/listings/{found.slug}").get_data(as_text=True)
    assert f'<h1 class="govuk-heading-l">{found.name}</h1>' in english
    assert f'<p class="govuk-body-l">A {WORD} grant for new businesses.</p>' in english
    assert 'lang="en"' not in english.split("<main")[1]
    assert f"Open now, closes 26 November {deadline.year}" in page_text(english)


def test_an_organisation_page_in_welsh(app, client):
    found = welsh_listing(app)
    found.organisation.name_cy = "Sefydliad Prawf"
    db.session.commit()
    html = client.get(f"/organisations/{found.organisation.slug}?lang=cy").text
    assert '<span class="govuk-caption-l">Sefydliad</span>' in html
    assert '<h1 class="govuk-heading-l">Sefydliad Prawf</h1>' in html
    assert "1 rhestriad" in html
    assert 'lang="en">Grant Prawf Cymraeg' not in html
    assert ">Grant Prawf Cymraeg</a>" in html
    assert "Ar agor: yn cau ar 26 Tachwedd" in html


def test_cards_are_kept_apart_by_language(app, client):
    found = welsh_listing(app)
    english = client.get(f"/search?q={WORD}").get_data(as_text=True)
    assert result_slugs(english) == [found.slug]
    assert f">{found.name}</a>" in english and "<dt>Support:</dt>" in english
    # The same index version and day: the Welsh page must not be given the English cards.
    welsh = client.get(f"/search?q={WORD}&lang=cy").get_data(as_text=True)
    assert result_slugs(welsh) == [found.slug]
    assert ">Grant Prawf Cymraeg</a>" in welsh and found.name not in welsh
    assert f'<p class="govuk-body">Grant {WORD} i fusnesau newydd.</p>' in welsh
    assert "<dt>Cymorth:</dt>" in welsh and "Ar agor: yn cau ar 26 Tachwedd" in welsh
    # And back again: English cards are still English.
    again = client.get(f"/search?q={WORD}&page=1").get_data(as_text=True)
    assert f">{found.name}</a>" in again and "<dt>Support:</dt>" in again


def test_the_card_cache_keys_on_the_language(app):
    found = welsh_listing(app)
    cache = app.extensions["search_cards"]
    today = date.today()

    def cards(address: str):
        # A context of its own, as each request has (the language is kept in it).
        with app.app_context(), app.test_request_context(address):
            return cache.cards([str(found.id)], "version-1", today)[0]

    english, welsh, english_again = cards("/search"), cards("/search?lang=cy"), cards("/search")
    assert english.name == found.name and english.name_language == "en"
    assert welsh.name == "Grant Prawf Cymraeg" and welsh.name_language == "cy"
    assert "Support:" in english.body and "Cymorth:" in welsh.body
    assert english_again is english  # kept, not rebuilt
    # The API's short form is the same data in both (only its link carries the language).
    assert welsh.summary["name"] == english.summary["name"] == found.name


def test_a_welsh_page_marks_a_card_without_welsh_text_as_english(app, client):
    found = make_listing(app, summary=f"A {WORD} listing with no Welsh.")
    sync_index(app.config["SEARCH_INDEX_DIR"])
    html = client.get(f"/search?q={WORD}&lang=cy").get_data(as_text=True)
    assert result_slugs(html) == [found.slug]
    assert f'lang="en">{found.name}</a>' in html
    assert f'<p class="govuk-body" lang="en">A {WORD} listing with no Welsh.</p>' in html
    assert (
        f'<p class="govuk-body-s app-result__meta" lang="en">{found.organisation.name}</p>' in html
    )
