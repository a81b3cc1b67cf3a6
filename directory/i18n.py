"""Welsh and English: the interface language, chosen in the address, and text in it.

The language is part of every address (`?lang=cy`; English has none), not a cookie: a founder
needs no consent for it, a link shared in Welsh opens in Welsh, and the page cache and ETags,
keyed by the address, keep each language's page apart. Every link the app builds while
answering in Welsh carries `lang=cy` (`carry_language`), so the choice holds from page to page,
through forms (GET forms carry `language_field()`) and redirects.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_date
from babel.numbers import format_decimal
from flask import Flask, Response, current_app, has_request_context, request
from flask_babel import Babel, get_locale
from markupsafe import Markup

from directory.taxonomy import TAXONOMY_NAMES, UK_WIDE, Term

ENGLISH, WELSH = "en", "cy"
LANGUAGES = (ENGLISH, WELSH)
# Each language named in itself, for the link to it; and the `lang` attribute of its text.
LANGUAGE_NAMES = {ENGLISH: "English", WELSH: "Cymraeg"}
HTML_LANG = {ENGLISH: "en-GB", WELSH: "cy"}
# The query parameter that carries the choice.
PARAMETER = "lang"

babel = Babel()


def requested_language() -> str:
    """The language this request asked for in its address: Welsh, or English by default."""
    if has_request_context() and request.args.get(PARAMETER) == WELSH:
        return WELSH
    return ENGLISH


def current_language() -> str:
    """The language text is being written in now (a request's, or one forced for an email)."""
    locale = get_locale()
    return WELSH if locale is not None and locale.language == WELSH else ENGLISH


def in_welsh() -> bool:
    """Whether text is being written in Welsh now."""
    return current_language() == WELSH


def carry_language(endpoint: str, values: dict[str, Any]) -> None:
    """Keep Welsh on every page link built while answering in Welsh (not on static files)."""
    if endpoint != "static" and PARAMETER not in values and in_welsh():
        values[PARAMETER] = WELSH


def address_in(language: str) -> str:
    """This page's address in another language: the same path and query, `lang` changed."""
    args = request.args.copy()
    args.pop(PARAMETER, None)
    if language != ENGLISH:
        args[PARAMETER] = language
    encoded = urlencode(args.to_dict(flat=False), doseq=True)
    return f"{request.script_root}{request.path}{'?' + encoded if encoded else ''}"


def language_field() -> Markup:
    """The hidden input a GET form needs to keep Welsh (its action's query is replaced)."""
    if in_welsh():
        return Markup('<input type="hidden" name="{}" value="{}">').format(PARAMETER, WELSH)
    return Markup("")


def term_label(term: Any) -> str:
    """A taxonomy term's label (a Term, or a listing's region, stage... row) in the current
    language: Welsh from the taxonomy file's `cy`."""
    if in_welsh():
        return _welsh("label").get(term.slug) or term.label
    return term.label


def term_description(term: Any) -> str:
    """A taxonomy term's description in the current language."""
    english = (term.get("description") if isinstance(term, Term) else term.description) or ""
    if in_welsh():
        return _welsh("description").get(term.slug) or english
    return english


def _welsh(kind: str) -> dict[str, str]:
    """Slug -> Welsh label (or description) across the taxonomies, read once per app."""
    key = f"welsh_{kind}s"
    if key not in current_app.extensions:
        field = WELSH if kind == "label" else f"{kind}_{WELSH}"
        taxonomy = current_app.extensions["taxonomy"]
        current_app.extensions[key] = {
            term.slug: term.get(field)
            for name in TAXONOMY_NAMES
            for term in taxonomy.terms(name)
            if term.get(field)
        }
    return current_app.extensions[key]


def label(taxonomy_terms: tuple[Term, ...], slug: str) -> str:
    """The label of a slug among these terms in the current language (UK-wide too)."""
    if slug == UK_WIDE:
        return "Y DU gyfan" if in_welsh() else "UK-wide"
    term = next((term for term in taxonomy_terms if term.slug == slug), None)
    return term_label(term) if term else slug


def text_in_language(record: Any, field: str) -> tuple[str | None, str]:
    """A record's text field in the current language, and the language it is really in:
    Welsh from `<field>_cy` when there is some, else the English, marked as English."""
    if in_welsh():
        welsh = getattr(record, f"{field}_cy", None)
        if welsh:
            return welsh, WELSH
    return getattr(record, field), ENGLISH


def long_date(value: date | None) -> str:
    """A date in words in the current language: 26 November 2026, 26 Tachwedd 2026."""
    if value is None:
        return ""
    return format_date(value, "d MMMM y", locale=current_language())


def number(value: int | float) -> str:
    """A number grouped the current language's way (both use 1,234)."""
    return format_decimal(value, locale=current_language())


def select_language() -> str:
    """Flask-Babel's locale selector: the address's choice."""
    return requested_language()


def context() -> dict[str, Any]:
    """What every template needs to speak the page's language and offer the other one."""
    language = current_language() if has_request_context() else ENGLISH
    other = ENGLISH if language == WELSH else WELSH
    return {
        "language": language,
        "html_lang": HTML_LANG[language],
        "other_language": {
            "code": other,
            "name": LANGUAGE_NAMES[other],
            "lang": HTML_LANG[other],
        },
    }


def init_app(app: Flask) -> None:
    """Bind Flask-Babel, carry the language on links, and give templates their helpers."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel.init_app(app, locale_selector=select_language)
    app.url_defaults(carry_language)
    app.context_processor(context)
    app.jinja_env.globals.update(
        # The language being written, for macros imported without the page's context (cards):
        # text a listing has only in English is marked lang="en" on a Welsh page.
        page_language=current_language,
        address_in=address_in,
        language_field=language_field,
        term_label=term_label,
        term_description=term_description,
        text_in_language=text_in_language,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        HTML_LANG=HTML_LANG,
        LANGUAGES=LANGUAGES,
    )
    app.after_request(say_language)


def say_language(response: Response) -> Response:
    """Tell clients and caches which language a page is in."""
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Language", HTML_LANG[current_language()])
    return response
