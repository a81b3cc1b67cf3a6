"""Facet counts of a search's results, each facet counted as if its own filter were off."""

from __future__ import annotations

from collections.abc import Mapping

from .snapshot import Snapshot


def facet_counts(
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
