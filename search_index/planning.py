"""Turning a request into document sets: its words, concepts, place tiers and names."""

from __future__ import annotations

from dataclasses import dataclass

from .bitsets import mask_of
from .query import Clause, QueryWord, SynonymTable, parse, words_of
from .requests import Concept, PlaceScope, SearchRequest
from .schema import LAD_FIELD, UK_WIDE, stem_word
from .snapshot import Snapshot
from .spelling import correct

# At most this many of a search's literal words count toward their band, so that band
# (scoring.LITERAL_WEIGHT each) never reaches one concept.
MAX_LITERALS = 7


@dataclass
class Plan:
    """The document sets one request is made of."""

    concept_masks: list[int]
    clauses: list[Clause]
    boost: list[Clause]
    # Documents meeting every concept, word and the place (the complete results, before names).
    meets_all: int
    # Those of them holding each of the request's literal words (the first MAX_LITERALS).
    literal_masks: list[int]
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
            # The tag words as the indexing analyzer splits them ("women-led": women, led).
            stems = [word.stem for word in words_of(value)]
            if not stems:
                continue
            found = snapshot.live
            for stem in stems:
                found &= snapshot.field_mask("tags", stem)
            mask |= found
        return mask
    return snapshot.values_mask(concept.facet, concept.values)


def _place_tiers(
    snapshot: Snapshot, place: PlaceScope
) -> tuple[dict[str, int], dict[int, float], dict[int, float]]:
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


def plan(snapshot: Snapshot, request: SearchRequest, synonyms: SynonymTable) -> Plan:
    """The document sets of a request's words, concepts, place and names."""
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
    meets_all = snapshot.live
    for mask in concept_masks + word_masks:
        meets_all &= mask
    # Narrow words rank only among the listings that meet the whole search: a food business
    # asking for export help wants export support first, whichever mentions food.
    literal_masks = [
        snapshot.clause_mask(clause) & meets_all
        for clause in literal_clauses(request.literal, synonyms)
    ]
    return Plan(concept_masks + word_masks, clauses, boost, meets_all, literal_masks, corrections,
                tiers, place_mask, distances, precise, names, name_strengths)  # fmt: skip


def literal_clauses(literal: str, synonyms: SynonymTable) -> list[Clause]:
    """A request's literal words as clauses, the first MAX_LITERALS of them, in the order typed."""
    return parse(literal, synonyms)[:MAX_LITERALS] if literal else []


def candidates(snapshot: Snapshot, request: SearchRequest, plan: Plan) -> tuple[int, int]:
    """(results before filters, complete results before filters)."""
    complete = plan.meets_all | plan.names
    if not request.partial or not plan.concept_masks:
        return complete, complete
    if request.place is not None:
        # About a place: whatever serves it, ranked by the other concepts it meets.
        return plan.place_mask | plan.names, complete
    anything = plan.names
    for mask in plan.concept_masks:
        anything |= mask
    return anything, complete
