"""Searching the catalogue as founders ask: read the words, search the index, explain results.

`search_listings` reads a search (a place, kinds of support, stages, sectors, names, other
words), asks the search index (or, while it is away, the database) for every listing meeting
any of it, best first, and returns what a results page or the API shows: each result with its
place tier and distance, how many results meet everything, and which filter to drop when the
founder's own filters leave nothing.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from datetime import date

from flask import current_app

from directory.catalogue.models import Listing
from directory.extensions import db
from directory.search.cards import Card
from directory.search.fallback import database_search, request_budget
from directory.search.indexing import listings_in_order
from directory.search.params import SearchParams
from directory.search.places import NearMe, Place, from_near, from_words, locate
from directory.search.understanding import Understanding, understand
from directory.taxonomy import UK_WIDE
from search_index import IndexUnavailable, SearchRequest, SearchResponse

log = logging.getLogger(__name__)

# When nothing is within the radius, how far a wider search looks.
WIDER_RADIUS_KM = 100


@dataclass
class Result:
    """One listing in a page of results, with how it relates to the search."""

    card: Card
    tier: str | None  # local, region, uk; None when the search had no place
    distance_km: float | None  # from a precise point (a postcode) only
    met: int  # concepts (and words) it meets
    complete: bool  # it meets every one

    @property
    def located_in(self) -> str | None:
        """The town it is in, for a nearby listing known only by its town."""
        if self.tier != "local" or self.distance_km is not None:
            return None
        return self.card.towns[0] if self.card.towns else None


@dataclass
class Relaxation:
    """A filter that emptied the results, and what removing it would give."""

    facet: str
    value: str | None
    params: SearchParams
    total: int


@dataclass
class SearchOutcome:
    """Everything a results page or the API shows for one search."""

    params: SearchParams
    understanding: Understanding
    total: int
    results: list[Result]
    facets: dict[str, dict[str, int]]
    suggestion: str | None
    degraded: bool = False
    relaxations: list[Relaxation] = field(default_factory=list)
    # Where the search is about (typed near, or read from the words), and the near box's
    # own resolution (for its problems: not found, ambiguous, outside the UK's regions).
    place: Place | None = None
    near: NearMe | None = None
    complete: int = 0
    concepts: int = 0
    tier_totals: dict[str, int] = field(default_factory=dict)
    complete_tiers: dict[str, int] = field(default_factory=dict)
    # The searcher's region: the one region filtered on, else the region of the place.
    searcher_region: str | None = None
    # The page's listing ids in rank order (results hold their cards, when asked for).
    ids: list[int] = field(default_factory=list)

    @property
    def slugs(self) -> list[str]:
        """The page's listings' slugs in order, as shown."""
        return [result.card.slug for result in self.results]

    def load_listings(self) -> list[Listing]:
        """The page's listings from the database, in order (public ones only)."""
        return listings_in_order([str(listing_id) for listing_id in self.ids])

    @property
    def partial(self) -> bool:
        """Whether some results meet only part of the search."""
        return self.complete < self.total


def _understand(params: SearchParams) -> Understanding:
    """Read the words, unless the client asked for them to be taken literally."""
    if not params.interpret:
        return Understanding(params.text, remaining=params.text)
    return understand(
        params.text,
        current_app.extensions["search_vocabulary"],
        current_app.extensions.get("geo"),
        # A place typed in the near box wins over one in the words.
        find_place=not params.near,
    )


def _request(params: SearchParams, understood: Understanding, place: Place | None) -> SearchRequest:
    """The search index's request for a search."""
    sort = params.sort
    if not sort:
        # Just a place ("near LS1", "manchester"): nearest first; otherwise the best match.
        bare = not understood.remaining and not understood.concepts
        sort = "distance" if place is not None and place.point is not None and bare else "relevance"
    if sort == "distance" and (place is None or place.point is None):
        sort = "relevance"  # the place was not found: search without it
    return SearchRequest(
        text=understood.remaining,
        boost=understood.boost,
        literal=understood.literal,
        filters={**params.filters, "status": params.status_filter},
        sort=sort,
        page=params.page,
        per_page=params.per_page,
        concepts=tuple(understood.concepts),
        place=place.scope(params.radius_km) if place else None,
        names=understood.names,
        partial=True,
        today=date.today().toordinal(),
        open_now=params.open_now,
    )


def run(request: SearchRequest) -> tuple[SearchResponse, bool]:
    """Search the index; fall back to the database when the index is unavailable."""
    try:
        return current_app.extensions["search_index"].search(request), False
    except IndexUnavailable as error:
        log.warning("search index unavailable, using the database", extra={"error": str(error)})
        return database_search(db.session(), request, request_budget()), True


def search_request(params: SearchParams) -> tuple[SearchRequest, Understanding, NearMe | None]:
    """The search index's request for a search, with how its words and near box were read."""
    understood = _understand(params)
    near = locate(params.near) if params.near else None
    place = from_near(near) if near else from_words(understood.place)
    return _request(params, understood, place), understood, near


def search_listings(params: SearchParams, with_cards: bool = True) -> SearchOutcome:
    """Run a search and, when the founder's filters leave nothing, work out what would help."""
    request, understood, near = search_request(params)
    place = from_near(near) if near else from_words(understood.place)
    response, degraded = run(request)
    suggestion = _suggestion(params.text, response.corrections)
    if suggestion and params.interpret:
        # "acellerator" corrected is a kind of support: read the corrected words again so
        # it ranks accelerators first, as "accelerator" would.
        corrected = _understand(replace(params, text=suggestion))
        if len(corrected.concepts) > len(understood.concepts) or (
            corrected.place and not understood.place and not near
        ):
            understood = corrected
            place = from_near(near) if near else from_words(understood.place)
            request = _request(params, understood, place)
            response, degraded = run(request)
    ids = [int(listing_id) for listing_id in response.ids]
    results = []
    if with_cards:
        cards = current_app.extensions["search_cards"].cards(
            response.ids, response.version, date.today()
        )
        by_id = {card.id: card for card in cards}
        results = [
            Result(by_id[listing_id], tier, distance, met, met >= response.concepts)
            for listing_id, tier, distance, met in zip(
                ids, response.tiers, response.distances, response.met, strict=True
            )
            if listing_id in by_id
        ]
    chosen_regions = [r for r in params.filters.get("region", ()) if r != UK_WIDE]
    outcome = SearchOutcome(
        params=params,
        understanding=understood,
        total=response.total,
        results=results,
        facets=response.facets,
        suggestion=suggestion,
        degraded=degraded,
        place=place,
        near=near,
        complete=response.complete,
        concepts=response.concepts,
        tier_totals=response.tier_totals,
        complete_tiers=response.complete_tiers,
        searcher_region=chosen_regions[0] if len(chosen_regions) == 1
        else (place.region if place else None),
        ids=ids,
    )  # fmt: skip
    if response.total == 0:
        outcome.relaxations = _relaxations(params, request)
    return outcome


def _suggestion(text: str, corrections: list[tuple[str, str]]) -> str | None:
    """The founder's whole text with each misspelt word replaced by its correction."""
    if not corrections:
        return None
    for typed, corrected in corrections:
        text = re.sub(rf"(?i)\b{re.escape(typed)}\b", corrected, text, count=1)
    return text


def _relaxations(params: SearchParams, request: SearchRequest) -> list[Relaxation]:
    """For each filter in use (and the radius), how many results there would be without it."""
    relaxations = []
    for facet, values in params.filters.items():
        candidates = [(facet, None)] + ([(facet, v) for v in values] if len(values) > 1 else [])
        for name, value in candidates:
            relaxed = params.without(name, value)
            filters = {**relaxed.filters, "status": relaxed.status_filter}
            response, _ = run(replace(request, filters=filters, page=1, per_page=1))
            if response.total:
                relaxations.append(Relaxation(name, value, relaxed, response.total))
    if params.open_now:
        relaxed = replace(params, open_now=False, page=1)
        response, _ = run(replace(request, open_now=False, page=1, per_page=1))
        if response.total:
            relaxations.append(Relaxation("open", None, relaxed, response.total))
    place = request.place
    if place is not None and place.point is not None and params.radius_km < WIDER_RADIUS_KM:
        wider = replace(params, page=1, radius_km=WIDER_RADIUS_KM)
        response, _ = run(
            replace(request, place=replace(place, radius_km=WIDER_RADIUS_KM), per_page=1)
        )
        if response.total:
            relaxations.append(Relaxation("radius", None, wider, response.total))
    return relaxations
