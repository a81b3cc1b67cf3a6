"""The interface in Welsh: chosen in the address, carried on every link, complete."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "directory/translations/cy/LC_MESSAGES/messages.po"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def interface_strings() -> set[str]:
    """Every string the code and templates mark for translation (as `make messages` finds)."""
    method_map = [
        ("**.py", "python"),
        ("templates/**.html", "jinja2"),
        ("templates/**.txt", "jinja2"),
    ]
    jinja = {"trim_blocks": "True", "lstrip_blocks": "True"}
    options = {"templates/**.html": jinja, "templates/**.txt": jinja}
    found = extract_from_dir(ROOT / "directory", method_map, options_map=options, keywords=KEYWORDS)
    return {message[0] if isinstance(message, tuple) else message for _, _, message, _, _ in found}


def welsh_catalogue():
    with CATALOGUE.open("rb") as po:
        return read_po(po, locale="cy")


def test_every_interface_string_has_welsh_text():
    catalogue = welsh_catalogue()
    missing = []
    for msgid in sorted(interface_strings()):
        entry = catalogue.get(msgid)
        strings = entry.string if entry else None
        if not strings or (isinstance(strings, tuple) and not all(strings)):
            missing.append(msgid)
        elif entry.fuzzy:
            missing.append(f"{msgid} (fuzzy)")
    assert not missing, f"{len(missing)} strings have no Welsh: {missing[:20]}"


def test_welsh_text_keeps_every_placeholder():
    errors = [
        f"{message.id!r}: {error}"
        for message, message_errors in welsh_catalogue().check()
        for error in message_errors
    ]
    assert not errors


def test_the_compiled_catalogue_is_current():
    compiled = CATALOGUE.with_suffix(".mo")
    assert compiled.is_file(), "run `make install` to compile the Welsh catalogue"
    assert compiled.stat().st_mtime >= CATALOGUE.stat().st_mtime, "run `make install` again"


def test_english_by_default_and_welsh_when_asked(client):
    english = client.get("/")
    assert english.headers["Content-Language"] == "en-GB"
    assert '<html lang="en-GB"' in english.text
    assert "Skip to main content" in english.text
    welsh = client.get("/?lang=cy")
    assert welsh.headers["Content-Language"] == "cy"
    assert '<html lang="cy"' in welsh.text
    assert "Neidio i’r prif gynnwys" in welsh.text
    assert "Skip to main content" not in welsh.text


@pytest.mark.parametrize("value", ["CY", "fr", "", "cy'><script>"])
def test_an_unknown_language_is_english(client, value):
    page = client.get("/", query_string={"lang": value})
    assert page.status_code == 200
    assert '<html lang="en-GB"' in page.text
    assert "<script>" not in page.text.split("</head>")[0].replace('<script type="module"', "")


def test_each_page_links_to_itself_in_the_other_language(client):
    english = client.get("/search?q=grants&region=wales")
    assert re.search(
        r'<a [^>]*href="/search\?q=grants&amp;region=wales&amp;lang=cy" hreflang="cy" lang="cy">'
        r"Cymraeg</a>",
        english.text,
    )
    assert (
        '<link rel="alternate" hreflang="cy" href="/search?q=grants&amp;region=wales&amp;lang=cy">'
        in english.text
    )
    welsh = client.get("/search?q=grants&region=wales&lang=cy")
    assert re.search(
        r'<a [^>]*href="/search\?q=grants&amp;region=wales" hreflang="en-GB" lang="en-GB">'
        r"English</a>",
        welsh.text,
    )


def test_links_built_in_welsh_stay_in_welsh(client):
    welsh = client.get("/?lang=cy").text
    assert 'href="/about?lang=cy"' in welsh
    assert 'href="/static/' in welsh and "app.css?lang" not in welsh
    assert 'href="/about?lang=cy"' not in client.get("/").text


def test_dates_and_amounts_in_welsh(app):
    from datetime import date

    from flask_babel import force_locale

    from directory.presentation import funding_range, long_date

    with app.test_request_context("/?lang=cy"):
        assert long_date(date(2026, 11, 26)) == "26 Tachwedd 2026"
        assert funding_range(25_000, 1_500_000) == "£25,000 i £1.5 miliwn"
        with force_locale("en"):
            assert long_date(date(2026, 11, 26)) == "26 November 2026"
