"""Result cards: what a search result shows of a listing, worked out once per index version.

A card's parts that do not depend on the search (the organisation line, the availability tag,
the summary, facts and way to act, and the API's short form of the listing) are rendered once
per language (English and Welsh cards differ) and kept in each worker until the index changes
or the day does (a listing's availability depends on the date). An edit reaches search through
the outbox, which changes the index's version, so an edited listing's card is rebuilt for the
very search that first shows it.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app, url_for
from markupsafe import Markup

from directory.catalogue.availability import availability, way_to_act
from directory.catalogue.models import Listing
from directory.i18n import current_language, text_in_language
from directory.search.indexing import listings_in_order

# Cards kept per worker; the seeded catalogue is a few hundred, so only a very large catalogue
# ever evicts (whole, since a version's cards are rebuilt cheaply on demand).
MAX_CARDS = 50_000


@dataclass(frozen=True)
class Card:
    """A public listing as a search result shows it, whatever the search."""

    id: int
    slug: str
    name: str  # in the page's language when the listing has it, else English
    towns: tuple[str, ...]
    meta: Markup
    tag: Markup
    body: Markup
    summary: dict[str, Any]  # the API's short form
    name_language: str = "en"  # the language `name` is really in


def listing_summary(listing: Listing) -> dict[str, Any]:
    """The short form of a listing used in search results and the API."""
    state = availability(listing)
    act = way_to_act(listing)
    return {
        "slug": listing.slug,
        "name": listing.name,
        "organisation": listing.organisation.name,
        "summary": listing.summary,
        "support_types": [term.slug for term in listing.support_types],
        "stages": [term.slug for term in listing.stages],
        "sectors": [term.slug for term in listing.sectors],
        "regions": listing.region_slugs,
        "availability": {
            "state": state.state,
            "open": state.is_open,
            "opens_on": _iso(state.opens_on),
            "closes_on": _iso(state.closes_on),
            "ended_on": _iso(state.ended_on),
            "next_round": state.next_round,
            "last_checked_on": _iso(state.last_checked_on),
        },
        "act": {"kind": act.kind, "url": act.href} if act else None,
        "funding": {
            "min_gbp": listing.funding_min,
            "max_gbp": listing.funding_max,
            "equity_taken": listing.equity_taken,
        },
        "url": url_for("catalogue.listing", slug=listing.slug, _external=True),
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def card_macros() -> Any:
    """The card templates' macros (in an app context, for the templates' helpers)."""
    # Macros of an autoescaping environment return Markup; mypy cannot see a template's names.
    return current_app.jinja_env.get_template("macros/listing.html").module


def build_card(listing: Listing, macros: Any = None) -> Card:
    """Render a listing's card parts in the current language."""
    macros = macros or card_macros()
    name, name_language = text_in_language(listing, "name")
    return Card(
        id=listing.id,
        slug=listing.slug,
        name=name or listing.name,
        towns=tuple(location.town for location in listing.locations if location.town),
        meta=macros.card_meta(listing),
        tag=macros.card_tag(listing),
        body=macros.card_body(listing),
        summary=listing_summary(listing),
        name_language=name_language,
    )


class CardCache:
    """Cards of one index version and day, for one worker, in each language (a Welsh page
    must never show a card rendered in English, nor the other way round); any other version
    or day starts afresh."""

    def __init__(self, limit: int = MAX_CARDS) -> None:
        self.limit = limit
        self._key: tuple[str, date] | None = None
        self._cards: dict[tuple[str, int], Card] = {}
        self._lock = threading.Lock()

    def cards(self, ids: Sequence[str], version: str | None, today: date) -> list[Card]:
        """The cards of public listings with these index ids, in order (any since unpublished
        are left out), in the current language. Without a version (the index away) nothing is
        kept."""
        language = current_language()
        wanted = [int(listing_id) for listing_id in ids]
        key = (version, today) if version else None
        with self._lock:
            if key is None or key != self._key or len(self._cards) > self.limit:
                self._cards = {}
                self._key = key
            known = {
                listing_id: card
                for listing_id in wanted
                if (card := self._cards.get((language, listing_id))) is not None
            }
        missing = [str(listing_id) for listing_id in wanted if listing_id not in known]
        if missing:
            macros = card_macros()
            listings = listings_in_order(missing)
            built = {listing.id: build_card(listing, macros) for listing in listings}
            known.update(built)
            if key is not None:
                with self._lock:
                    if self._key == key:
                        self._cards.update(
                            ((language, listing_id), card) for listing_id, card in built.items()
                        )
        return [known[listing_id] for listing_id in wanted if listing_id in known]
