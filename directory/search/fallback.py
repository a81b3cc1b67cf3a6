"""A plain search of the database, used only while the search index is unavailable.

It reads every public listing's search document and applies the index's own rules in Python:
the same words (stems and synonyms, without spelling correction), concepts, place tiers, names,
filters and disjunctive facet counts, so a founder gets the same results in the same bands of
order, only more slowly; within a band they go A to Z, where the index weighs the words.
tests/test_fallback_agreement.py holds the two to that. It works within a budget; past it the
request gets a 503.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app, g
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from directory.errors import TemporarilyUnavailable
from directory.search.documents import search_document
from directory.search.indexing import public_listings_query
from search_index import (
    FACET_SOURCES,
    FACETS,
    TIERS,
    Concept,
    SearchRequest,
    SearchResponse,
    name_words,
)
from search_index.nearby import PointIndex
from search_index.planning import literal_clauses
from search_index.query import SynonymTable, parse, words_of
from search_index.schema import REGIONS, UK_WIDE, loose_name, name_prefixes, name_strength
from search_index.synonyms import DEFAULT_SYNONYMS

SYNONYMS = SynonymTable(DEFAULT_SYNONYMS)
TEXT_FIELDS = ("name", "organisation", "summary", "description")


class FallbackBudget:
    """The time one request may spend searching the database while the index is away.

    Without the index every search scans the catalogue, and a search that finds nothing tries
    each filter removed in turn; past the budget the request gets a 503 instead of tying up a
    worker that other founders are waiting for.
    """

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def check(self) -> None:
        """Raise TemporarilyUnavailable once the budget is spent."""
        if time.monotonic() > self.deadline:
            raise TemporarilyUnavailable(
                _l(
                    "Search is running in a simpler mode and this search needs more work than it "
                    "can do just now. Try fewer filters, or try again in a minute."
                )
            )


def request_budget() -> FallbackBudget:
    """This request's budget, started by its first fallback search."""
    if "fallback_budget" not in g:
        g.fallback_budget = FallbackBudget(current_app.config["FALLBACK_BUDGET_SECONDS"])
    return g.fallback_budget


@dataclass
class _Document:
    """A search document with the stems of its text and tags, worked out once per request."""

    # Read by field name, as the index reads a stored document.
    fields: Mapping[str, Any]
    stems: frozenset[str]
    tag_stems: frozenset[str]
    names: frozenset[str]


def _documents(session: Session, budget: FallbackBudget) -> list[_Document]:
    """Every public listing's document, once per request."""
    if "fallback_documents" not in g:
        documents = []
        for number, listing in enumerate(session.scalars(public_listings_query())):
            if number % 100 == 0:
                budget.check()
            fields: Mapping[str, Any] = search_document(listing)
            text = " ".join(str(fields[name] or "") for name in TEXT_FIELDS)
            tags = " , ".join(fields["tags"])
            documents.append(
                _Document(
                    fields,
                    frozenset(w.stem for w in words_of(f"{text} {tags}")),
                    frozenset(w.stem for w in words_of(tags)),
                    frozenset(
                        loose_name(name_words(fields[name])) for name in ("name", "organisation")
                    ),
                )
            )
        g.fallback_documents = documents
    return g.fallback_documents


def _values(document: _Document, facet: str) -> set[str]:
    value = document.fields[FACET_SOURCES[facet]]
    return set(value) if isinstance(value, list) else {value}


def _meets(document: _Document, concept: Concept) -> bool:
    if concept.facet == "tags":
        return any(
            {w.stem for w in words_of(value)} <= document.tag_stems for value in concept.values
        )
    return bool(_values(document, concept.facet) & set(concept.values))


def _passes(
    document: _Document, filters: Mapping[str, Sequence[str]], skip: str | None = None
) -> bool:
    """Filters AND across facets and OR within one; a region filter also takes UK-wide."""
    for facet, wanted in filters.items():
        if facet == skip or not wanted:
            continue
        have = _values(document, facet)
        if facet == "region" and UK_WIDE in have:
            continue
        if not have & set(wanted):
            return False
    return True


def _is_open(document: _Document, today: int) -> bool:
    start, end = document.fields["open_from"], document.fields["open_until"]
    return bool(end) and start.toordinal() <= today <= end.toordinal()


def database_search(
    session: Session, request: SearchRequest, budget: FallbackBudget | None = None
) -> SearchResponse:
    """The index's search, answered from the database."""
    budget = budget or FallbackBudget(current_app.config["FALLBACK_BUDGET_SECONDS"])
    budget.check()
    documents = _documents(session, budget)
    clauses = parse(request.text, SYNONYMS)
    # Each test is called with a document's number and the document.
    tests: list[Callable[..., bool]] = [lambda n, d, c=c: _meets(d, c) for c in request.concepts]
    tests += [
        lambda n, d, c=c: any(set(stems) <= d.stems for stems in c.alternatives) for c in clauses
    ]
    tiers: dict[int, str] = {}
    # The place tier band: located there, serving only its region, serving it among others.
    tier_weights: dict[int, int] = {}
    distances: dict[int, float] = {}
    precise: dict[int, float] = {}
    if request.place is not None:
        place = request.place
        if place.point is not None:
            exact = PointIndex(
                (n, lat, lon) for n, d in enumerate(documents)
                for lat, lon, sure in d.fields["points"] if sure
            )  # fmt: skip
            rough = PointIndex(
                (n, lat, lon) for n, d in enumerate(documents)
                for lat, lon, sure in d.fields["points"] if not sure
            )  # fmt: skip
            precise = exact.within(*place.point, place.radius_km)
            distances = {**rough.within(*place.point, place.radius_km), **precise}
        for number, document in enumerate(documents):
            regions = set(document.fields["regions"])
            if UK_WIDE in regions:
                tiers[number] = "uk"
            elif number in distances or set(place.lads) & set(document.fields["lads"]):
                tiers[number] = "local"
                tier_weights[number] = 3
            elif place.region in regions:
                tiers[number] = "region"
                tier_weights[number] = 2 if regions == {place.region} else 1
        tests.append(lambda n, d: n in tiers)
    met = [sum(test(n, document) for test in tests) for n, document in enumerate(documents)]
    meets_all = {n for n in range(len(documents)) if met[n] == len(tests)}
    literals = literal_clauses(request.literal, SYNONYMS)
    # Narrow words rank only among the listings meeting every concept, word and the place.
    held = [
        sum(any(set(stems) <= document.stems for stems in c.alternatives) for c in literals)
        if n in meets_all
        else 0
        for n, document in enumerate(documents)
    ]
    named = [_name_strength(request.names, document.names) for document in documents]
    budget.check()
    complete = meets_all | {n for n in range(len(documents)) if named[n]}
    if request.place is not None and request.partial:
        candidates = set(tiers) | {n for n in range(len(documents)) if named[n]}
    elif request.partial and tests:
        candidates = {n for n in range(len(documents)) if met[n] or named[n]}
    else:
        candidates = complete
    filters = dict(request.filters)
    results = [
        n for n in sorted(candidates)
        if _passes(documents[n], filters)
        and (not request.open_now or _is_open(documents[n], request.today))
    ]  # fmt: skip
    if request.sort == "deadline":
        results.sort(key=lambda n: (documents[n].fields["deadline"] is None,
                                    documents[n].fields["deadline"] or 0,
                                    documents[n].fields["name"].casefold()))  # fmt: skip
    else:
        # The index's bands, most important first (docs/search.md); ties by name.
        results.sort(key=lambda n: (
            -named[n], -met[n], -held[n], -tier_weights.get(n, 0),
            not (request.today and _is_open(documents[n], request.today)),
            documents[n].fields["name"].casefold(),
        ))  # fmt: skip
    if request.sort == "distance":
        # Nearest first among the results located there; the rest follow by band.
        located = sorted(
            (n for n in results if tiers.get(n) == "local"),
            key=lambda n: (distances.get(n, math.inf), documents[n].fields["name"].casefold()),
        )
        results = located + [n for n in results if tiers.get(n) != "local"]
    start = (request.page - 1) * request.per_page
    page = results[start : start + request.per_page]
    budget.check()
    return SearchResponse(
        total=len(results),
        ids=[documents[n].fields["id"] for n in page],
        facets=_facet_counts(documents, sorted(candidates), request),
        suggestion=None,
        complete=len([n for n in results if n in complete]),
        tiers=[tiers.get(n) for n in page],
        distances=[round(precise[n], 2) if n in precise else None for n in page],
        met=[met[n] for n in page],
        tier_totals={t: sum(1 for n in results if tiers.get(n) == t) for t in TIERS}
        if request.place is not None else {},
        complete_tiers={t: sum(1 for n in results if tiers.get(n) == t and n in complete)
                        for t in TIERS} if request.place is not None else {},
        concepts=len(tests),
    )  # fmt: skip


def _facet_counts(
    documents: list[_Document], candidates: list[int], request: SearchRequest
) -> dict[str, dict[str, int]]:
    """Disjunctive counts: results for each value of a facet with the other filters kept."""
    facets: dict[str, dict[str, int]] = {}
    for facet in FACETS:
        counts: dict[str, int] = {}
        for number in candidates:
            document = documents[number]
            if not _passes(document, request.filters, skip=facet):
                continue
            if request.open_now and not _is_open(document, request.today):
                continue
            for value in _values(document, facet):
                counts[value] = counts.get(value, 0) + 1
        if facet == "region":
            uk_wide = counts.get(UK_WIDE, 0)
            for value in REGIONS:
                if value in counts or uk_wide:
                    counts[value] = counts.get(value, 0) + uk_wide
        facets[facet] = counts
    return facets


def _name_strength(asked: tuple[str, ...], names: frozenset[str]) -> int:
    """How strongly a document's names match the names asked for (0: not at all), as the
    index's Snapshot.named does: a whole name, or the whole text starting a longer name."""
    strength = max(
        (name_strength(len(key.split()), True) for key in asked if loose_name(key) in names),
        default=0,
    )
    if asked:
        whole = max(asked, key=lambda key: len(key.split()))
        if any(loose_name(whole) in name_prefixes(name) for name in names):
            strength = max(strength, name_strength(len(whole.split()), False))
    return strength
