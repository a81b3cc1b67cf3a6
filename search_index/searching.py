"""Searching: concepts and words matched as document sets, ranked by a bit-sliced score.

A request carries the remaining words of the founder's text, the concepts understood in it
(kinds of support, stages, sectors, tags), the place it is about, an exact name, and the hard
filters the founder chose. With `partial=True` every listing meeting at least one of them is a
result (about a place: every listing serving it), otherwise only those meeting all; the order
is by, most important first:

1. an exact match of the listing's or organisation's name (the longer the name, the higher);
2. how many of the concepts (and words) it meets;
3. for a place: located there, then serving its region, then UK-wide;
4. open to applications today (closed programmes come after open ones);
5. the words' field weights and rarity.

Each is a weight band wide enough that no sum of the lower ones reaches it. See docs/search.md.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .bitsets import add_to_planes, docnums_of, mask_of, score_reader, split_top
from .errors import IndexUnavailable
from .nearby import MAX_RADIUS_KM
from .query import Clause, QueryWord, SynonymTable, parse
from .schema import FACETS, LAD_FIELD, TEXT_FIELDS, UK_WIDE, stem_word
from .snapshot import Snapshot
from .spelling import correct, suggestion
from .synonyms import DEFAULT_SYNONYMS

SORTS = ("relevance", "deadline", "distance")
TIERS = ("local", "region", "uk")

# Weight bands (see the module docstring). Term weights are scaled into TEXT_CEILING.
_SCORE_SCALE = 4
TEXT_CEILING = (1 << 16) - 1
OPEN_WEIGHT = 1 << 16
TIER_WEIGHT = 1 << 17  # x3 located there, x2 serving only its region, x1 serving it with others
CONCEPT_WEIGHT = 1 << 19
NAME_WEIGHT = 1 << 26


@dataclass(frozen=True)
class Concept:
    """Something the founder asked for: values of a facet, or words among the tags."""

    facet: str  # "support", "stage", "sector", or "tags" for tag words
    values: tuple[str, ...]


@dataclass(frozen=True)
class PlaceScope:
    """The place a search is about: a point (near-me), its local authorities, its region."""

    point: tuple[float, float] | None = None
    radius_km: float = 25.0
    lads: tuple[str, ...] = ()
    region: str | None = None


@dataclass(frozen=True)
class SearchRequest:
    """What the user asked for: words, concepts, place, filters, sort order and page."""

    text: str = ""
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sort: str = "relevance"
    # Words that add weight where they appear but are not concepts of their own (the words
    # a founder used for the concepts, so "accelerator" still favours listings saying so).
    boost: str = ""
    page: int = 1
    per_page: int = 20
    concepts: tuple[Concept, ...] = ()
    place: PlaceScope | None = None
    # Normalised names (see schema.name_words) whose listings or organisations come first.
    names: tuple[str, ...] = ()
    # Listings meeting only some concepts are results too, after the complete ones.
    partial: bool = False
    # The day (an ordinal) "open" is judged on; with open_now only open listings are results.
    today: int = 0
    open_now: bool = False

    def __post_init__(self) -> None:
        unknown = set(self.filters) - set(FACETS)
        if unknown:
            raise ValueError(f"unknown filter names: {sorted(unknown)}")
        if self.sort not in SORTS:
            raise ValueError(f"sort must be one of {SORTS}, not {self.sort!r}")
        if self.page < 1 or self.per_page < 1:
            raise ValueError("page and per_page must be at least 1")
        if self.sort == "distance" and (self.place is None or self.place.point is None):
            raise ValueError("sorting by distance needs a point to measure from")
        if self.place is not None:
            if not 0 < self.place.radius_km <= MAX_RADIUS_KM:
                raise ValueError(f"radius_km must be above 0 and at most {MAX_RADIUS_KM:g}")
            if self.place.point is not None:
                lat, lon = (float(value) for value in self.place.point)
                if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                    raise ValueError(f"not a latitude and longitude: {self.place.point!r}")
        if self.open_now and not self.today:
            raise ValueError("open_now needs today")
        # A bare string would otherwise be read as a tuple of its characters.
        filters = {
            name: (values,) if isinstance(values, str) else tuple(values)
            for name, values in self.filters.items()
        }
        object.__setattr__(self, "filters", filters)


@dataclass
class SearchResponse:
    """One page of results with totals, facet counts and how each result relates to the ask."""

    total: int
    ids: list[str]
    facets: dict[str, dict[str, int]]
    suggestion: str | None
    # Results meeting every concept and word; with partial matching they come first.
    complete: int = 0
    # Per result on the page: its place tier ("local", "region", "uk" or None), its distance in
    # km from a precise point within the radius (else None), and the concepts it meets.
    tiers: list[str | None] = field(default_factory=list)
    distances: list[float | None] = field(default_factory=list)
    met: list[int] = field(default_factory=list)
    # Results in each place tier, all of them and the complete ones.
    tier_totals: dict[str, int] = field(default_factory=dict)
    complete_tiers: dict[str, int] = field(default_factory=dict)
    # How many concepts (and word clauses) the request had.
    concepts: int = 0
    # Each misspelt word of `text` and the indexed word it was read as.
    corrections: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Plan:
    """The document sets one request is made of."""

    concept_masks: list[int]
    clauses: list[Clause]
    boost: list[Clause]
    corrections: list[tuple[QueryWord, str]]
    tiers: dict[str, int]
    place_mask: int
    distances: dict[int, float]
    precise: dict[int, float]
    names: int
    # schema.name_strength -> documents whose name matched that strongly.
    name_strengths: dict[int, int]


def _match_words(
    snapshot: Snapshot, clauses: list[Clause], synonyms: SynonymTable
) -> tuple[list[int], list[tuple[QueryWord, str]]]:
    """Each clause's documents, correcting words that match nothing in the index."""
    corrections = []
    masks = []
    for clause in clauses:
        mask = snapshot.clause_mask(clause)
        if not mask and not clause.synonym:
            word = clause.words[0]
            correction = correct(snapshot, word.text)
            if correction is not None:
                corrections.append((word, correction))
                # The corrected word may itself be a synonym: then bring in its whole group.
                found = synonyms.match([stem_word(correction)], 0)
                extra = found[0] if found else [(stem_word(correction),)]
                clause.alternatives.extend(a for a in extra if a not in clause.alternatives)
                mask = snapshot.clause_mask(clause)
        masks.append(mask)
    return masks, corrections


def _concept_mask(snapshot: Snapshot, concept: Concept) -> int:
    """Documents meeting one concept."""
    if concept.facet == "tags":
        mask = 0
        for value in concept.values:
            stems = [stem_word(word) for word in value.split()]
            found = snapshot.live
            for stem in stems:
                found &= snapshot.field_mask("tags", stem)
            mask |= found
        return mask
    return snapshot.values_mask(concept.facet, concept.values)


def _place_tiers(snapshot: Snapshot, place: PlaceScope) -> tuple[dict[str, int], dict, dict]:
    """Documents located at the place, serving its region, and UK-wide; and distances."""
    distances: dict[int, float] = {}
    precise: dict[int, float] = {}
    local = 0
    if place.point is not None:
        precise_points, approximate_points = snapshot.points()
        precise = precise_points.within(*place.point, place.radius_km)
        approximate = approximate_points.within(*place.point, place.radius_km)
        distances = {**approximate, **precise}
        local |= mask_of(distances, snapshot.size)
    if place.lads:
        local |= snapshot.values_mask(LAD_FIELD, place.lads)
    regions = snapshot.facet_masks()["region"]
    uk = regions.get(UK_WIDE, 0)
    region = regions.get(place.region, 0) if place.region else 0
    # UK-wide support has no place of its own, whatever offices it has.
    local &= ~uk
    distances = {d: km for d, km in distances.items() if local >> d & 1}
    precise = {d: km for d, km in precise.items() if local >> d & 1}
    region &= ~local
    elsewhere = 0
    for value, mask in regions.items():
        if value not in (UK_WIDE, place.region):
            elsewhere |= mask
    tiers = {"local": local, "region": region, "uk": uk & ~local & ~region}
    # Support dedicated to the region ranks above support spread over several regions.
    tiers["region_only"] = region & ~elsewhere
    return tiers, distances, precise


def _plan(snapshot: Snapshot, request: SearchRequest, synonyms: SynonymTable) -> _Plan:
    clauses = parse(request.text, synonyms)
    word_masks, corrections = _match_words(snapshot, clauses, synonyms)
    concept_masks = [_concept_mask(snapshot, concept) for concept in request.concepts]
    tiers: dict[str, int] = {}
    distances: dict[int, float] = {}
    precise: dict[int, float] = {}
    place_mask = 0
    if request.place is not None:
        tiers, distances, precise = _place_tiers(snapshot, request.place)
        place_mask = tiers["local"] | tiers["region"] | tiers["uk"]
        concept_masks.append(place_mask)
    name_strengths = snapshot.named(request.names) if request.names else {}
    names = 0
    for mask in name_strengths.values():
        names |= mask
    boost = parse(request.boost, synonyms) if request.boost else []
    return _Plan(concept_masks + word_masks, clauses, boost, corrections, tiers, place_mask,
                 distances, precise, names, name_strengths)  # fmt: skip


def _candidates(snapshot: Snapshot, request: SearchRequest, plan: _Plan) -> tuple[int, int]:
    """(results before filters, complete results before filters)."""
    complete = snapshot.live
    for mask in plan.concept_masks:
        complete &= mask
    complete |= plan.names
    if not request.partial or not plan.concept_masks:
        return complete, complete
    if request.place is not None:
        # About a place: whatever serves it, ranked by the other concepts it meets.
        return plan.place_mask | plan.names, complete
    anything = plan.names
    for mask in plan.concept_masks:
        anything |= mask
    return anything, complete


def _term_weights(snapshot: Snapshot, clauses: list[Clause]) -> Iterator[tuple[int, int]]:
    """(documents, integer weight) for each query stem in each text field, scaled to fit."""
    stems = dict.fromkeys(stem for c in clauses for stems in c.alternatives for stem in stems)
    documents = len(snapshot.live_docs) or 1
    weights = []
    for stem in stems:
        frequency = snapshot.word_mask(stem).bit_count()
        if not frequency:
            continue
        # Rare words say more about a listing than common ones (the idf of BM25).
        rarity = 1.0 + math.log(documents / frequency)
        for fieldname, boost in TEXT_FIELDS:
            mask = snapshot.field_mask(fieldname, stem)
            if mask:
                weights.append((mask, boost * rarity * _SCORE_SCALE))
    total = sum(weight for _mask, weight in weights)
    scale = min(1.0, TEXT_CEILING / total) if total else 1.0
    for mask, weight in weights:
        yield mask, max(1, round(weight * scale))


def _score_planes(
    snapshot: Snapshot, request: SearchRequest, plan: _Plan, results: int
) -> list[int]:
    """Every result's score as bit planes (see the module docstring for the bands)."""
    planes: list[int] = []
    for strength, mask in plan.name_strengths.items():
        add_to_planes(planes, mask & results, strength * NAME_WEIGHT)
    for mask in plan.concept_masks:
        add_to_planes(planes, mask & results, CONCEPT_WEIGHT)
    if request.today:
        add_to_planes(planes, snapshot.open_on(request.today) & results, OPEN_WEIGHT)
    if plan.tiers:
        add_to_planes(planes, plan.tiers["local"] & results, 3 * TIER_WEIGHT)
        add_to_planes(planes, plan.tiers["region"] & results, TIER_WEIGHT)
        add_to_planes(planes, plan.tiers["region_only"] & results, TIER_WEIGHT)
    for mask, weight in _term_weights(snapshot, plan.clauses + plan.boost):
        add_to_planes(planes, mask & results, weight)
    return planes


def _ranked(
    snapshot: Snapshot, planes: list[int], results: int, start: int, stop: int
) -> list[int]:
    """Docnums of results[start:stop] by score, ties by name."""
    above, tied, wanted = split_top(planes, results, stop)
    score = score_reader(planes, snapshot.size)
    rank = snapshot.name_rank()
    ranked = sorted(docnums_of(above, snapshot.nbytes), key=lambda d: (-score(d), rank[d]))
    # Every tied document has the same score, so name order alone decides among them.
    ranked += snapshot.ordered_page("name", tied, 0, wanted)
    return ranked[start:stop]


def _page(
    snapshot: Snapshot, request: SearchRequest, plan: _Plan, results: int, start: int, stop: int
) -> list[int]:
    """Docnums of results[start:stop] in the order the request asks for."""
    if request.sort == "deadline":
        return snapshot.ordered_page("deadline", results, start, stop)
    planes = _score_planes(snapshot, request, plan, results)
    if request.sort != "distance":
        return _ranked(snapshot, planes, results, start, stop)
    # Nearest first among the results located there; the rest follow by score.
    rank = snapshot.name_rank()
    located = results & plan.tiers["local"]
    nearest = sorted(
        docnums_of(located, snapshot.nbytes),
        key=lambda docnum: (plan.distances.get(docnum, math.inf), rank[docnum]),
    )
    page = nearest[start:stop]
    if stop > len(nearest):
        rest = results & ~located
        page += _ranked(snapshot, planes, rest, max(0, start - len(nearest)), stop - len(nearest))
    return page


def _facet_counts(
    snapshot: Snapshot, candidates: int, filter_masks: Mapping[str, int]
) -> dict[str, dict[str, int]]:
    """Disjunctive facet counts: each facet ignores its own filter but honours the others."""
    facets: dict[str, dict[str, int]] = {}
    for facet, value_masks in snapshot.count_masks().items():
        counted = candidates
        for other, mask in filter_masks.items():
            if other != facet:
                counted &= mask
        counts = {}
        for value, mask in value_masks.items():
            count = (counted & mask).bit_count()
            if count:
                counts[value] = count
        facets[facet] = counts
    return facets


def _run(snapshot: Snapshot, request: SearchRequest, synonyms: SynonymTable) -> SearchResponse:
    plan = _plan(snapshot, request, synonyms)
    candidates, complete = _candidates(snapshot, request, plan)
    filter_masks = {
        facet: snapshot.filter_mask(facet, values)
        for facet, values in request.filters.items()
        if values
    }
    if request.open_now:
        filter_masks["open"] = snapshot.open_on(request.today)
    results = candidates
    for mask in filter_masks.values():
        results &= mask
    total = results.bit_count()
    start = (request.page - 1) * request.per_page
    stop = start + request.per_page
    docnums = [] if start >= total else _page(snapshot, request, plan, results, start, stop)

    def tier_of(docnum: int) -> str | None:
        bit = 1 << docnum
        return next((name for name in TIERS if plan.tiers.get(name, 0) & bit), None)

    return SearchResponse(
        total=total,
        ids=[snapshot.document_id(docnum) for docnum in docnums],
        facets=_facet_counts(snapshot, candidates, filter_masks),
        suggestion=suggestion(request.text, plan.corrections),
        complete=(complete & results).bit_count(),
        tiers=[tier_of(docnum) for docnum in docnums],
        distances=[
            round(plan.precise[docnum], 2) if docnum in plan.precise else None for docnum in docnums
        ],
        met=[sum(1 for mask in plan.concept_masks if mask >> docnum & 1) for docnum in docnums],
        tier_totals={
            name: (plan.tiers[name] & results).bit_count() for name in plan.tiers if name in TIERS
        },
        complete_tiers={
            name: (plan.tiers[name] & complete & results).bit_count()
            for name in plan.tiers
            if name in TIERS
        },
        concepts=len(plan.concept_masks),
        corrections=[(word.text, correction) for word, correction in plan.corrections],
    )


class SearchIndex:
    """A reader of the index for one process: keeps one searcher and reopens it when stale."""

    def __init__(
        self, index_dir: str | os.PathLike[str], synonyms: Sequence[Sequence[str]] | None = None
    ) -> None:
        self._index_dir = Path(index_dir)
        self._synonyms = SynonymTable(DEFAULT_SYNONYMS if synonyms is None else synonyms)
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None

    def search(self, request: SearchRequest) -> SearchResponse:
        """Run a search; raise IndexUnavailable if the index is missing or broken."""
        snapshot = self._acquire()
        try:
            return _run(snapshot, request, self._synonyms)
        except Exception as exc:
            # Drop the snapshot so the next search reopens and may find a repaired index.
            self._discard(snapshot)
            if isinstance(exc, IndexUnavailable):
                raise
            raise IndexUnavailable(
                f"search failed on index {snapshot.generation}: {exc!r}"
            ) from exc
        finally:
            self._release(snapshot)

    def warm(self) -> None:
        """Open the searcher and build its sets now, so the first founder does not wait."""
        snapshot = self._acquire()
        try:
            snapshot.count_masks()
            snapshot.name_rank()
            snapshot.points()
            snapshot.names()
        finally:
            self._release(snapshot)

    def close(self) -> None:
        """Release the searcher; a later search opens a new one."""
        with self._lock:
            if self._snapshot is not None:
                self._retire(self._snapshot)
                self._snapshot = None

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _acquire(self) -> Snapshot:
        with self._lock:
            snapshot = self._snapshot
            if snapshot is not None and snapshot.is_stale():
                self._retire(snapshot)
                snapshot = self._snapshot = None
            if snapshot is None:
                try:
                    snapshot = Snapshot(self._index_dir)
                except IndexUnavailable:
                    raise
                except Exception as exc:
                    raise IndexUnavailable(
                        f"cannot open search index in {self._index_dir}: {exc!r}"
                    ) from exc
                self._snapshot = snapshot
            snapshot.users += 1
            return snapshot

    def _release(self, snapshot: Snapshot) -> None:
        with self._lock:
            snapshot.users -= 1
            if snapshot.retired and snapshot.users == 0:
                snapshot.close()

    def _discard(self, snapshot: Snapshot) -> None:
        with self._lock:
            if self._snapshot is snapshot:
                self._snapshot = None
                self._retire(snapshot)

    def _retire(self, snapshot: Snapshot) -> None:
        # Another thread may still be searching with it: close when its last user is done.
        snapshot.retired = True
        if snapshot.users == 0:
            snapshot.close()
