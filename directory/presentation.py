"""Template helpers: taxonomy labels, money, dates and search links."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from flask import Flask, current_app, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from directory import i18n
from directory.catalogue.availability import availability, way_to_act
from directory.taxonomy import FACETS, FILTER_TAXONOMIES, Taxonomy, Term


def taxonomy() -> Taxonomy:
    """The app's fixed taxonomies."""
    return current_app.extensions["taxonomy"]


def money(amount: int | None) -> str:
    """Format whole pounds the GOV.UK way: £25,000, £1.5 million (£1.5 miliwn)."""
    if amount is None:
        return ""
    if amount >= 1_000_000:
        millions = f"£{amount / 1_000_000:,.1f}".replace(".0", "")
        return _("%(amount)s million", amount=millions)
    return f"£{amount:,}"


def funding_range(minimum: int | None, maximum: int | None) -> str:
    """Describe a funding range in words."""
    if minimum and maximum:
        return _("%(minimum)s to %(maximum)s", minimum=money(minimum), maximum=money(maximum))
    if maximum:
        return _("Up to %(amount)s", amount=money(maximum))
    if minimum:
        return _("From %(amount)s", amount=money(minimum))
    return ""


def long_date(value: date | None) -> str:
    """Format a date in words in the page's language: 26 November 2026, 26 Tachwedd 2026."""
    return i18n.long_date(value)


def iso_date(value: date | str | None) -> str:
    """A date stored as ISO text (in a JSON column) or a date, as 26 November 2026."""
    if isinstance(value, str):
        try:
            return long_date(date.fromisoformat(value))
        except ValueError:
            return value
    return long_date(value)


# A query argument's new value: a list or tuple gives it several values; None or "" drops it.
SearchArgument = str | int | list[str] | tuple[str, ...] | None


def search_url(**changes: SearchArgument) -> str:
    """A link to the current search with some parameters changed (None removes one)."""
    args = request.args.copy()
    for name, value in changes.items():
        args.pop(name, None)
        for item in value if isinstance(value, list | tuple) else [value]:
            if item not in (None, ""):
                args.add(name, str(item))
    # Any, as url_for wants: no query argument is one of its own keywords (_external, _anchor).
    query: dict[str, Any] = args.to_dict(flat=False)
    return url_for("search.results", **query)


# Facet -> its taxonomy; status is a filter without a taxonomy.
FACET_TAXONOMIES: dict[str, str | None] = {facet.name: facet.taxonomy for facet in FACETS} | {
    "status": None
}
# Facet -> how a sentence names its filter, and one of its values (whole phrases, as Welsh
# word order and mutation differ from English).
FILTER_NAMES = {
    "region": (_l("the region filter"), _l("the ‘%(label)s’ region filter")),
    "stage": (_l("the stage filter"), _l("the ‘%(label)s’ stage filter")),
    "support": (
        _l("the type of support filter"),
        _l("the ‘%(label)s’ type of support filter"),
    ),
    "sector": (_l("the sector filter"), _l("the ‘%(label)s’ sector filter")),
    "status": (_l("the status filter"), _l("the ‘%(label)s’ status filter")),
}


def filter_description(facet: str, value: str | None = None) -> str:
    """Name a filter in words: the region filter, or the ‘Wales’ region filter."""
    unnamed, named = FILTER_NAMES[facet]
    if value is None:
        return str(unnamed)
    taxonomy_name = FACET_TAXONOMIES[facet]
    label = display_label(taxonomy_name, value) if taxonomy_name else value
    return str(named) % {"label": label}


def display_label(taxonomy_name: str, slug: str) -> str:
    """A taxonomy slug's label in the page's language."""
    return i18n.label(taxonomy().terms(taxonomy_name), slug)


def facet_terms(
    taxonomy_name: str, counts: dict[str, int], selected: Collection[str]
) -> list[Term]:
    """Terms worth offering as filters: those with results, and those already chosen."""
    return [
        term
        for term in taxonomy().terms(taxonomy_name)
        if counts.get(term.slug, 0) > 0 or term.slug in selected
    ]


def init_app(app: Flask) -> None:
    """Register filters and globals on the app's Jinja environment."""
    app.jinja_env.filters.update(money=money, long_date=long_date, iso_date=iso_date)
    app.jinja_env.globals.update(
        funding_range=funding_range,
        search_url=search_url,
        taxonomy=taxonomy,
        filter_description=filter_description,
        facet_terms=facet_terms,
        display_label=display_label,
        availability=availability,
        way_to_act=way_to_act,
        filter_taxonomies=FILTER_TAXONOMIES,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
