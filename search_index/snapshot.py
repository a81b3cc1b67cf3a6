"""One open searcher over one index generation, with the document sets it keeps for reuse.

Everything here is derived from the generation and cached on first use: posting sets of words,
facet values and local authorities, the point indexes for near-me, sort orders, normalised
names, and which documents are open on a given day. A new generation gets a new snapshot, so
nothing cached can go stale.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from .bitsets import mask_of
from .nearby import PointIndex
from .query import Clause
from .schema import (
    FACETS,
    LAD_FIELD,
    REGIONS,
    TEXT_FIELDS,
    UK_WIDE,
    loose_name,
    name_prefixes,
    name_strength,
    unpack_points,
)
from .storage import current_generation, open_generation

# Ordered pages are found by walking a precomputed sort order; blocks of this many documents
# are skipped wholesale when they hold no result, so sparse results stay cheap.
ORDER_BLOCK = 1024
# Cached posting sets are up to (documents / 8) bytes each (12.5 kB at 100,000 documents);
# the limit bounds their memory.
TERM_CACHE_LIMIT = 1024
# Days whose open sets are kept (today, and the odd search around midnight).
OPEN_DAYS_KEPT = 4


class Snapshot:
    """A searcher over one generation and the sets derived from it."""

    def __init__(self, index_dir: Path) -> None:
        self.generation, ix = open_generation(index_dir)
        self.index_dir = index_dir
        self.users = 0
        self.retired = False
        self._lock = threading.Lock()
        self._term_masks: dict[tuple[str, str], int] = {}
        self.corrections: dict[str, str | None] = {}
        self._facet_masks: dict[str, dict[str, int]] | None = None
        self._count_masks: dict[str, dict[str, int]] | None = None
        self._orders: dict[str, tuple[list[int], list[int]]] = {}
        self._name_rank: list[int] | None = None
        self._points: tuple[PointIndex, PointIndex] | None = None
        self._names: tuple[dict[str, list[int]], dict[str, list[int]]] | None = None
        self._open: dict[int, int] = {}
        self._docnums: dict[str, int] | None = None
        with ix.storage.guard():
            self.searcher = ix.searcher()
            try:
                reader = self.searcher.reader()
                # Which generation, and which commit to it: changes whenever what a search
                # can return changes, so callers can key caches of what they show on it.
                self.version = f"{self.generation.name}.{reader.generation()}"
                self.size = reader.doc_count_all()
                self.live_docs = list(reader.all_doc_ids())
                self.live = mask_of(self.live_docs, self.size)
                self.leaves = reader.leaf_readers()
                # An empty index has a stand-in reader without columns; nothing to look up.
                self._ids = reader.column_reader("id") if self.size else []
            except BaseException:
                self.searcher.close()
                raise

    @property
    def nbytes(self) -> int:
        """Bytes in a document set's little-endian form."""
        return (self.size + 7) // 8

    def is_stale(self) -> bool:
        """Tell whether `current` moved or the generation was committed to since opening."""
        try:
            if current_generation(self.index_dir) != self.generation:
                return True
            return not self.searcher.up_to_date()
        except Exception:
            # Whatever went wrong, reopening either recovers or reports it properly.
            return True

    def close(self) -> None:
        """Close the Whoosh searcher and its files."""
        self.searcher.close()

    def document_id(self, docnum: int) -> str:
        """The document id stored for a docnum."""
        return self._ids[docnum]

    def docnums_of(self, ids: Sequence[str]) -> list[int]:
        """The live docnum of each id (-1 for an id not in the index)."""
        with self._lock:
            if self._docnums is None:
                self._docnums = {self._ids[docnum]: docnum for docnum in self.live_docs}
        return [self._docnums.get(document_id, -1) for document_id in ids]

    def _column(self, name: str) -> list[Any]:
        """One column's values for every docnum (empty index: none): bytes or ints by column."""
        if not self.size:
            return []
        return list(self.searcher.reader().column_reader(name, translate=False))

    # Words

    def _postings_mask(self, fieldname: str, text: str) -> int:
        docnums: list[int] = []
        for leaf, offset in self.leaves:
            if (fieldname, text) in leaf:
                # Segment postings already skip deleted documents.
                docnums.extend(
                    offset + docnum for docnum in leaf.postings(fieldname, text).all_ids()
                )
        return mask_of(docnums, self.size) & self.live

    def _cached_mask(self, key: tuple[str, str], compute: Callable[[], int]) -> int:
        mask = self._term_masks.get(key)
        if mask is None:
            mask = compute()
            if len(self._term_masks) >= TERM_CACHE_LIMIT:
                self._term_masks.clear()
            self._term_masks[key] = mask
        return mask

    def field_mask(self, fieldname: str, stem: str) -> int:
        """Documents containing the stem in one text field."""
        return self._cached_mask((fieldname, stem), lambda: self._postings_mask(fieldname, stem))

    def word_mask(self, stem: str) -> int:
        """Documents containing the stem in any text field."""

        def any_field() -> int:
            mask = 0
            for fieldname, _boost in TEXT_FIELDS:
                mask |= self.field_mask(fieldname, stem)
            return mask

        # Field names are never empty, so this key cannot collide with a field's.
        return self._cached_mask(("", stem), any_field)

    def clause_mask(self, clause: Clause) -> int:
        """Documents matching any alternative of the clause (each an AND of stems)."""
        mask = 0
        for stems in clause.alternatives:
            alternative = self.live
            for stem in stems:
                alternative &= self.word_mask(stem)
            mask |= alternative
        return mask

    # Facets and places

    def facet_masks(self) -> dict[str, dict[str, int]]:
        """Facet name (and `lad`) -> value -> documents with that value."""
        with self._lock:
            if self._facet_masks is None:
                reader = self.searcher.reader()
                masks: dict[str, dict[str, int]] = {}
                for facet in (*FACETS, LAD_FIELD):
                    values = {}
                    for value in reader.field_terms(facet):
                        mask = self._postings_mask(facet, value)
                        # Terms can outlive their documents until segments merge.
                        if mask:
                            values[value] = mask
                    masks[facet] = values
                self._facet_masks = masks
            return self._facet_masks

    def count_masks(self) -> dict[str, dict[str, int]]:
        """Like facet_masks (without `lad`), but each region also counts UK-wide documents."""
        facet_masks = self.facet_masks()
        with self._lock:
            if self._count_masks is None:
                counts = {facet: facet_masks[facet] for facet in FACETS}
                regions = facet_masks["region"]
                uk_wide = regions.get(UK_WIDE, 0)
                region_counts = {value: regions.get(value, 0) | uk_wide for value in REGIONS}
                # Keep any other value the documents use, so nothing indexed goes uncounted.
                for value, mask in regions.items():
                    region_counts.setdefault(value, mask if value == UK_WIDE else mask | uk_wide)
                counts["region"] = region_counts
                self._count_masks = counts
            return self._count_masks

    def values_mask(self, facet: str, values: Sequence[str]) -> int:
        """Documents with any of the values of a facet (or of `lad`), exactly."""
        masks = self.facet_masks()[facet]
        mask = 0
        for value in values:
            mask |= masks.get(value, 0)
        return mask

    def filter_mask(self, facet: str, values: Sequence[str]) -> int:
        """A filter's documents: any of the values (regions also admit UK-wide documents)."""
        mask = self.values_mask(facet, values)
        if facet == "region":
            mask |= self.facet_masks()["region"].get(UK_WIDE, 0)
        return mask

    def points(self) -> tuple[PointIndex, PointIndex]:
        """Point indexes of documents' precise (postcode) and approximate (town) points."""
        with self._lock:
            if self._points is None:
                column: list[bytes] = self._column("points")
                precise: list[tuple[int, float, float]] = []
                approximate: list[tuple[int, float, float]] = []
                for docnum in self.live_docs:
                    for lat, lon, exact in unpack_points(column[docnum]):
                        (precise if exact else approximate).append((docnum, lat, lon))
                self._points = (PointIndex(precise), PointIndex(approximate))
            return self._points

    # Names

    def names(self) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
        """Normalised listing and organisation names -> docnums of that name; and the runs
        of two or more words names start with -> docnums of those names."""
        with self._lock:
            if self._names is None:
                names: dict[str, list[int]] = {}
                prefixes: dict[str, list[int]] = {}
                for column in ("name_words", "organisation_words"):
                    values: list[bytes] = self._column(column)
                    for docnum in self.live_docs:
                        key = loose_name(values[docnum].decode()) if values else ""
                        if key:
                            names.setdefault(key, []).append(docnum)
                            for prefix in name_prefixes(key):
                                prefixes.setdefault(prefix, []).append(docnum)
                self._names = (names, prefixes)
            return self._names

    def named(self, keys: Sequence[str]) -> dict[int, int]:
        """Documents whose listing or organisation name is one of the keys, or starts with
        the longest key (the whole text), as masks by name_strength."""
        names, prefixes = self.names()
        strongest: dict[int, int] = {}

        def note(docnums: Iterable[int], strength: int) -> None:
            for docnum in docnums:
                strongest[docnum] = max(strongest.get(docnum, 0), strength)

        for key in keys:
            note(names.get(loose_name(key), ()), name_strength(len(key.split()), True))
        if keys:
            whole = max(keys, key=lambda key: len(key.split()))
            note(prefixes.get(loose_name(whole), ()), name_strength(len(whole.split()), False))
        by_strength: dict[int, list[int]] = {}
        for docnum, strength in strongest.items():
            by_strength.setdefault(strength, []).append(docnum)
        return {strength: mask_of(docnums, self.size) for strength, docnums in by_strength.items()}

    # Open on a day

    def open_on(self, day: int) -> int:
        """Documents open to applications on a day (an ordinal)."""
        with self._lock:
            if day not in self._open:
                starts: list[int] = self._column("open_from")
                ends: list[int] = self._column("open_until")
                open_docs = [
                    docnum
                    for docnum in self.live_docs
                    if ends[docnum] and starts[docnum] <= day <= ends[docnum]
                ]
                if len(self._open) >= OPEN_DAYS_KEPT:
                    self._open.clear()
                self._open[day] = mask_of(open_docs, self.size)
            return self._open[day]

    # Ordering

    def name_rank(self) -> list[int]:
        """Position of each docnum in A-Z name order (deleted docnums sort last)."""
        with self._lock:
            if self._name_rank is None:
                order, _blocks = self._order_unlocked("name")
                rank = [len(order)] * self.size
                for position, docnum in enumerate(order):
                    rank[docnum] = position
                self._name_rank = rank
            return self._name_rank

    def _order(self, kind: str) -> tuple[list[int], list[int]]:
        with self._lock:
            return self._order_unlocked(kind)

    def _order_unlocked(self, kind: str) -> tuple[list[int], list[int]]:
        if kind not in self._orders:
            names: list[bytes] = self._column("name_sort")
            if kind == "name":
                order = sorted(self.live_docs, key=names.__getitem__)
            else:
                deadlines: list[int] = self._column("deadline")
                order = sorted(
                    self.live_docs,
                    key=lambda docnum: (deadlines[docnum] == 0, deadlines[docnum], names[docnum]),
                )
            blocks = [
                mask_of(order[start : start + ORDER_BLOCK], self.size)
                for start in range(0, len(order), ORDER_BLOCK)
            ]
            self._orders[kind] = (order, blocks)
        return self._orders[kind]

    def ordered_page(self, kind: str, results: int, start: int, stop: int) -> list[int]:
        """Docnums of results[start:stop] in a precomputed order ("name" or "deadline")."""
        order, blocks = self._order(kind)
        bitmask = results.to_bytes(self.nbytes, "little")
        page: list[int] = []
        seen = 0
        for number, block in enumerate(blocks):
            hits = (results & block).bit_count()
            if seen + hits <= start:
                seen += hits
                continue
            for docnum in order[number * ORDER_BLOCK : (number + 1) * ORDER_BLOCK]:
                if bitmask[docnum >> 3] >> (docnum & 7) & 1:
                    if seen >= start:
                        page.append(docnum)
                    seen += 1
                    if seen >= stop:
                        return page
        return page
