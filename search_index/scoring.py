"""Ranking results by a bit-sliced score, and cutting out the page asked for.

A result's score is a sum of weights in bands, by, most important first:

1. an exact match of the listing's or organisation's name (the longer the name, the higher);
2. how many of the concepts (and words) it meets;
3. for a listing meeting the whole search, how many of the narrow words it holds (the sector
   and tag words as typed: "fashion", read as the creative sector);
4. for a place: located there, then serving its region, then UK-wide;
5. open to applications today (closed programmes come after open ones);
6. the words' field weights and rarity.

Each is a weight band wide enough that no sum of the lower ones reaches it. See docs/search.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from .bitsets import add_to_planes, docnums_of, score_reader, split_top
from .planning import Plan
from .query import Clause
from .requests import SearchRequest
from .schema import TEXT_FIELDS
from .snapshot import Snapshot

# Weight bands (see the module docstring). Term weights are scaled into TEXT_CEILING.
_SCORE_SCALE = 4
TEXT_CEILING = (1 << 16) - 1
OPEN_WEIGHT = 1 << 16
TIER_WEIGHT = 1 << 17  # x3 located there, x2 serving only its region, x1 serving it with others
# A concept's words held in a listing's text refine the concept ("fashion" within the creative
# sector); at most planning.MAX_LITERALS of them count, so their band never reaches one concept.
LITERAL_WEIGHT = 1 << 19
CONCEPT_WEIGHT = 1 << 22
NAME_WEIGHT = 1 << 29


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
    snapshot: Snapshot, request: SearchRequest, plan: Plan, results: int
) -> list[int]:
    """Every result's score as bit planes (see the module docstring for the bands)."""
    planes: list[int] = []
    for strength, mask in plan.name_strengths.items():
        add_to_planes(planes, mask & results, strength * NAME_WEIGHT)
    for mask in plan.concept_masks:
        add_to_planes(planes, mask & results, CONCEPT_WEIGHT)
    for mask in plan.literal_masks:
        add_to_planes(planes, mask & results, LITERAL_WEIGHT)
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


def ranked_page(
    snapshot: Snapshot, request: SearchRequest, plan: Plan, results: int, start: int, stop: int
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
