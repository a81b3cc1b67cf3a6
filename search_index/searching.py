"""Searching: a long-lived SearchIndex that reuses one Whoosh searcher and counts facets."""

from __future__ import annotations

import math
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import IndexUnavailable
from .nearby import MAX_RADIUS_KM, PointIndex
from .query import Clause, QueryWord, SynonymTable, parse
from .schema import FACETS, REGIONS, TEXT_FIELDS, UK_WIDE, stem_word, unpack_points
from .storage import current_generation, open_generation
from .synonyms import DEFAULT_SYNONYMS

SORTS = ("relevance", "deadline", "distance")

# Ordered pages are found by walking a precomputed sort order; blocks of this many documents
# are skipped wholesale when they hold no result, so sparse results stay cheap.
_ORDER_BLOCK = 1024
# Cached posting masks are up to (documents / 8) bytes each (12.5 kB at 100,000 documents);
# the limit bounds their memory.
_TERM_CACHE_LIMIT = 1024
_CORRECTION_CACHE_LIMIT = 4096
# Shorter words are too ambiguous to correct, longer ones are not words a person typed.
_MIN_CORRECTABLE = 4
_MAX_CORRECTABLE = 30
# Four-letter words have too many neighbours at distance 2 ("fund" -> "find", "fond"), so they
# accept one edit only, where a swap of neighbouring letters counts as one ("laon" -> "loan").
_SHORT_WORD = 4
_BIT_DIGITS = bytes.maketrans(b"\x00\x01", b"01")
_NONZERO_BYTE = re.compile(rb"[^\x00]")
# Term weights are rounded to integers at this resolution so scores can be summed bit-sliced.
_SCORE_SCALE = 4
# Serving the searcher's own region counts as much as the query word in the name twice over.
_REGION_BONUS = 2 * round(max(boost for _field, boost in TEXT_FIELDS) * _SCORE_SCALE)


@dataclass(frozen=True)
class SearchRequest:
    """What the user asked for: text, facet filters, sort order and page.

    With `near` (latitude, longitude) only documents with a point within `radius_km` are
    results, each with its distance; matching documents without any point (UK-wide or online)
    come back separately as `elsewhere`. `prefer_region` ranks documents serving that region
    first (and limits `elsewhere` to that region and UK-wide ones).
    """

    text: str = ""
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    near: tuple[float, float] | None = None
    radius_km: float = 25.0
    prefer_region: str | None = None
    elsewhere_limit: int = 5

    def __post_init__(self) -> None:
        unknown = set(self.filters) - set(FACETS)
        if unknown:
            raise ValueError(f"unknown filter names: {sorted(unknown)}")
        if self.sort not in SORTS:
            raise ValueError(f"sort must be one of {SORTS}, not {self.sort!r}")
        if self.page < 1 or self.per_page < 1:
            raise ValueError("page and per_page must be at least 1")
        if self.sort == "distance" and self.near is None:
            raise ValueError("sorting by distance needs a point to measure from (near)")
        if not 0 < self.radius_km <= MAX_RADIUS_KM:
            raise ValueError(f"radius_km must be above 0 and at most {MAX_RADIUS_KM:g}")
        if self.near is not None:
            lat, lon = (float(value) for value in self.near)
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError(f"near is not a latitude and longitude: {self.near!r}")
            object.__setattr__(self, "near", (lat, lon))
        # A bare string would otherwise be read as a tuple of its characters.
        filters = {
            name: (values,) if isinstance(values, str) else tuple(values)
            for name, values in self.filters.items()
        }
        object.__setattr__(self, "filters", filters)


@dataclass
class SearchResponse:
    """One page of results with the total, facet counts and a spelling suggestion."""

    total: int
    ids: list[str]
    facets: dict[str, dict[str, int]]
    suggestion: str | None
    # With near: the distance in km of each result in ids, and the matching documents that
    # have no point (UK-wide, online), counted and listed apart.
    distances: list[float] = field(default_factory=list)
    elsewhere_total: int = 0
    elsewhere_ids: list[str] = field(default_factory=list)


def _docnums_of(mask: int, nbytes: int) -> list[int]:
    """Return the docnums whose bits are set in mask, in ascending order."""
    data = mask.to_bytes(nbytes, "little")
    return [
        match.start() * 8 + bit
        for match in _NONZERO_BYTE.finditer(data)
        for bit in range(8)
        if match.group()[0] >> bit & 1
    ]


def _add_to_planes(planes: list[int], mask: int, weight: int) -> None:
    """Add weight to the score of every document in mask; planes[i] holds bit i of all scores."""
    # Scores are summed bit-sliced (one big int per binary digit) so that adding a term costs a
    # few whole-index integer operations instead of a Python loop over its documents.
    bit = 0
    while weight:
        if weight & 1:
            carry = mask
            plane = bit
            while carry:
                while len(planes) <= plane:
                    planes.append(0)
                planes[plane], carry = planes[plane] ^ carry, planes[plane] & carry
                plane += 1
        weight >>= 1
        bit += 1


def _split_top(planes: list[int], results: int, count: int) -> tuple[int, int, int]:
    """Split the best `count` results into (scoring above the cut, tied at the cut, how many
    of the tied ones are needed)."""
    above = 0
    tied = results
    wanted = count
    for plane in reversed(planes):
        high = tied & plane
        number = high.bit_count()
        if number >= wanted:
            tied = high
        else:
            above |= high
            wanted -= number
            tied ^= high
    return above, tied, wanted


def _mask_of(docnums: Iterable[int], size: int) -> int:
    """Return an int whose bit n is set for each docnum n."""
    if size == 0:
        return 0
    flags = bytearray(size)
    for docnum in docnums:
        flags[docnum] = 1
    # int(..., 2) parses the most significant digit first, hence the reversal.
    flags.reverse()
    return int(flags.translate(_BIT_DIGITS), 2)


class _Snapshot:
    """One open searcher over one generation, with the caches that are valid for it."""

    def __init__(self, index_dir: Path) -> None:
        self.generation, ix = open_generation(index_dir)
        self.index_dir = index_dir
        self.users = 0
        self.retired = False
        self._lock = threading.Lock()
        self._term_masks: dict[tuple[str, str], int] = {}
        self._corrections: dict[str, str | None] = {}
        self._facet_masks: dict[str, dict[str, int]] | None = None
        self._count_masks: dict[str, dict[str, int]] | None = None
        self._orders: dict[str, tuple[list[int], list[int]]] = {}
        self._name_rank: list[int] | None = None
        self._points: tuple[PointIndex, int] | None = None
        with ix.storage.guard():
            self.searcher = ix.searcher()
            try:
                reader = self.searcher.reader()
                self.size = reader.doc_count_all()
                self.live_docs = list(reader.all_doc_ids())
                self.live = _mask_of(self.live_docs, self.size)
                self._leaves = reader.leaf_readers()
                # An empty index has a stand-in reader without columns; nothing to look up.
                self._ids = reader.column_reader("id") if self.size else []
            except BaseException:
                self.searcher.close()
                raise

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

    # Bitmasks of documents

    def _postings_mask(self, fieldname: str, text: str) -> int:
        docnums: list[int] = []
        for leaf, offset in self._leaves:
            if (fieldname, text) in leaf:
                # Segment postings already skip deleted documents.
                postings = leaf.postings(fieldname, text)
                docnums.extend(offset + docnum for docnum in postings.all_ids())
        return _mask_of(docnums, self.size) & self.live

    def _cached_mask(self, key: tuple[str, str], compute: Callable[[], int]) -> int:
        mask = self._term_masks.get(key)
        if mask is None:
            mask = compute()
            if len(self._term_masks) >= _TERM_CACHE_LIMIT:
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

    def _alternative_mask(self, stems: tuple[str, ...]) -> int:
        mask = self.live
        for stem in stems:
            mask &= self.word_mask(stem)
        return mask

    def clause_mask(self, clause: Clause) -> int:
        """Documents matching any alternative of the clause."""
        mask = 0
        for stems in clause.alternatives:
            mask |= self._alternative_mask(stems)
        return mask

    def facet_masks(self) -> dict[str, dict[str, int]]:
        """Facet name -> value -> documents with that value."""
        with self._lock:
            if self._facet_masks is None:
                reader = self.searcher.reader()
                masks: dict[str, dict[str, int]] = {}
                for facet in FACETS:
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
        """Like facet_masks, but each region also counts UK-wide documents."""
        facet_masks = self.facet_masks()
        with self._lock:
            if self._count_masks is None:
                counts = dict(facet_masks)
                regions = facet_masks["region"]
                uk_wide = regions.get(UK_WIDE, 0)
                region_counts = {value: regions.get(value, 0) | uk_wide for value in REGIONS}
                # Keep any other value the documents use, so nothing indexed goes uncounted.
                for value, mask in regions.items():
                    region_counts.setdefault(value, mask if value == UK_WIDE else mask | uk_wide)
                counts["region"] = region_counts
                self._count_masks = counts
            return self._count_masks

    def filter_mask(self, facet: str, values: Sequence[str]) -> int:
        """Documents with any of the values (regions also admit UK-wide documents)."""
        masks = self.facet_masks()[facet]
        mask = 0
        for value in values:
            mask |= masks.get(value, 0)
        if facet == "region":
            mask |= masks.get(UK_WIDE, 0)
        return mask

    # Places

    def points(self) -> tuple[PointIndex, int]:
        """The point index, and the mask of documents that have at least one point."""
        with self._lock:
            if self._points is None:
                reader = self.searcher.reader()
                column = list(reader.column_reader("points", translate=False)) if self.size else []
                entries = []
                located = []
                for docnum in self.live_docs:
                    points = unpack_points(column[docnum])
                    if points:
                        located.append(docnum)
                        entries.extend((docnum, lat, lon) for lat, lon in points)
                self._points = (PointIndex(entries), _mask_of(located, self.size))
            return self._points

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
            reader = self.searcher.reader()
            names = list(reader.column_reader("name_sort", translate=False))
            if kind == "name":
                order = sorted(self.live_docs, key=names.__getitem__)
            else:
                deadlines = list(reader.column_reader("deadline", translate=False))
                order = sorted(
                    self.live_docs,
                    key=lambda docnum: (deadlines[docnum] == 0, deadlines[docnum], names[docnum]),
                )
            blocks = [
                _mask_of(order[start : start + _ORDER_BLOCK], self.size)
                for start in range(0, len(order), _ORDER_BLOCK)
            ]
            self._orders[kind] = (order, blocks)
        return self._orders[kind]

    def ordered_page(self, kind: str, results: int, start: int, stop: int) -> list[int]:
        """Docnums of results[start:stop] in the given precomputed order."""
        order, blocks = self._order(kind)
        bitmask = results.to_bytes((self.size + 7) // 8, "little")
        page: list[int] = []
        seen = 0
        for number, block in enumerate(blocks):
            hits = (results & block).bit_count()
            if seen + hits <= start:
                seen += hits
                continue
            for docnum in order[number * _ORDER_BLOCK : (number + 1) * _ORDER_BLOCK]:
                if bitmask[docnum >> 3] >> (docnum & 7) & 1:
                    if seen >= start:
                        page.append(docnum)
                    seen += 1
                    if seen >= stop:
                        return page
        return page

    def ranked_page(
        self, clauses: list[Clause], results: int, start: int, stop: int, preferred: int = 0
    ) -> list[int]:
        """Docnums of results[start:stop] by relevance to the clauses (and a bonus for the
        preferred documents), ties by name."""
        planes: list[int] = []
        for mask, weight in self._term_weights(clauses):
            _add_to_planes(planes, mask & results, weight)
        if preferred:
            _add_to_planes(planes, preferred & results, _REGION_BONUS)
        above, tied, wanted = _split_top(planes, results, stop)
        nbytes = (self.size + 7) // 8
        plane_bytes = [plane.to_bytes(nbytes, "little") for plane in planes]

        def score(docnum: int) -> int:
            byte, bit = docnum >> 3, docnum & 7
            return sum((data[byte] >> bit & 1) << i for i, data in enumerate(plane_bytes))

        rank = self.name_rank()
        ranked = sorted(_docnums_of(above, nbytes), key=lambda d: (-score(d), rank[d]))
        # Every tied document has the same score, so name order alone decides among them.
        ranked += self.ordered_page("name", tied, 0, wanted)
        return ranked[start:stop]

    def _term_weights(self, clauses: list[Clause]) -> Iterator[tuple[int, int]]:
        """(documents, integer weight) for each query stem in each text field."""
        stems = dict.fromkeys(stem for c in clauses for stems in c.alternatives for stem in stems)
        documents = len(self.live_docs)
        for stem in stems:
            frequency = self.word_mask(stem).bit_count()
            if not frequency:
                continue
            # Rare words say more about a listing than common ones (the idf of BM25).
            rarity = 1.0 + math.log(documents / frequency)
            for fieldname, boost in TEXT_FIELDS:
                mask = self.field_mask(fieldname, stem)
                if mask:
                    yield mask, max(1, round(boost * rarity * _SCORE_SCALE))

    def document_id(self, docnum: int) -> str:
        """The document id stored for a docnum."""
        return self._ids[docnum]

    # Spelling

    def correct(self, word: str) -> str | None:
        """Return the most frequent indexed word within a small edit distance, or None."""
        if word in self._corrections:
            return self._corrections[word]
        correction = None
        if word.isalpha() and _MIN_CORRECTABLE <= len(word) <= _MAX_CORRECTABLE:
            near: set[str] = set()
            far: set[str] = set()
            for leaf, _offset in self._leaves:
                near.update(leaf.terms_within("vocabulary", word, 1))
                far.update(leaf.terms_within("vocabulary", word, 2))
            # Whoosh's automaton counts a swap of neighbouring letters as two edits; we count
            # it as one, as a typist would ("grnat" is nearer "grant" than "great" is).
            distances = {candidate: 2 for candidate in far}
            for candidate in far:
                if candidate in near or _is_adjacent_swap(word, candidate):
                    distances[candidate] = 1
            if len(word) <= _SHORT_WORD:
                distances = {c: d for c, d in distances.items() if d == 1}
            distances.pop(word, None)
            reader = self.searcher.reader()
            ranked = sorted(
                (distance, -reader.doc_frequency("vocabulary", candidate), candidate)
                for candidate, distance in distances.items()
            )
            # A word found only in deleted documents would lead to no results: skip it.
            correction = next(
                (candidate for *_, candidate in ranked if self.word_mask(stem_word(candidate))),
                None,
            )
        if len(self._corrections) >= _CORRECTION_CACHE_LIMIT:
            self._corrections.clear()
        self._corrections[word] = correction
        return correction


def _is_adjacent_swap(word: str, other: str) -> bool:
    """Tell whether other is word with two neighbouring letters swapped."""
    if len(word) != len(other):
        return False
    differences = [i for i, (a, b) in enumerate(zip(word, other, strict=True)) if a != b]
    return (
        len(differences) == 2
        and differences[1] == differences[0] + 1
        and word[differences[0]] == other[differences[1]]
        and word[differences[1]] == other[differences[0]]
    )


def _suggestion(text: str, corrections: list[tuple[QueryWord, str]]) -> str | None:
    """The user's text with corrected words replaced, or None when nothing was corrected."""
    if not corrections:
        return None
    pieces = []
    last = 0
    for word, correction in sorted(corrections, key=lambda item: item[0].start):
        pieces.append(text[last : word.start])
        pieces.append(correction)
        last = word.end
    pieces.append(text[last:])
    return "".join(pieces)


def _match_text(
    snapshot: _Snapshot, clauses: list[Clause], synonyms: SynonymTable
) -> tuple[int, list[tuple[QueryWord, str]]]:
    """Documents matching every clause, correcting words that match nothing in the index."""
    corrections = []
    matches = snapshot.live
    for clause in clauses:
        mask = snapshot.clause_mask(clause)
        if not mask and not clause.synonym:
            word = clause.words[0]
            correction = snapshot.correct(word.text)
            if correction is not None:
                corrections.append((word, correction))
                # The corrected word may itself be a synonym: then bring in its whole group.
                found = synonyms.match([stem_word(correction)], 0)
                extra = found[0] if found else [(stem_word(correction),)]
                clause.alternatives.extend(a for a in extra if a not in clause.alternatives)
                mask = snapshot.clause_mask(clause)
        matches &= mask
    return matches, corrections


def _facet_counts(
    snapshot: _Snapshot, matches: int, filter_masks: Mapping[str, int]
) -> dict[str, dict[str, int]]:
    """Disjunctive facet counts: each facet ignores its own filter but honours the others."""
    facets: dict[str, dict[str, int]] = {}
    for facet, value_masks in snapshot.count_masks().items():
        candidates = matches
        for other, mask in filter_masks.items():
            if other != facet:
                candidates &= mask
        counts = {}
        for value, mask in value_masks.items():
            count = (candidates & mask).bit_count()
            if count:
                counts[value] = count
        facets[facet] = counts
    return facets


def _page(
    snapshot: _Snapshot,
    request: SearchRequest,
    clauses: list[Clause],
    results: int,
    start: int,
    stop: int,
    preferred: int,
    distances: dict[int, float] | None,
) -> list[int]:
    """Docnums of results[start:stop] in the order the request asks for."""
    if request.sort == "distance" and distances is not None:
        rank = snapshot.name_rank()
        ordered = sorted(
            _docnums_of(results, (snapshot.size + 7) // 8),
            key=lambda docnum: (distances[docnum], rank[docnum]),
        )
        return ordered[start:stop]
    if request.sort == "relevance" and clauses:
        return snapshot.ranked_page(clauses, results, start, stop, preferred)
    kind = "deadline" if request.sort == "deadline" else "name"
    if not preferred:
        return snapshot.ordered_page(kind, results, start, stop)
    # Documents serving the preferred region first, each group in its own order.
    first = results & preferred
    count = first.bit_count()
    page = snapshot.ordered_page(kind, first, start, stop) if start < count else []
    if stop > count:
        rest = results & ~preferred
        page += snapshot.ordered_page(kind, rest, max(0, start - count), stop - count)
    return page


def _run(snapshot: _Snapshot, request: SearchRequest, synonyms: SynonymTable) -> SearchResponse:
    clauses = parse(request.text, synonyms)
    matches, corrections = _match_text(snapshot, clauses, synonyms)
    filter_masks = {
        facet: snapshot.filter_mask(facet, values)
        for facet, values in request.filters.items()
        if values
    }
    filtered = matches
    for mask in filter_masks.values():
        filtered &= mask
    preferred = 0
    if request.prefer_region:
        preferred = snapshot.facet_masks()["region"].get(request.prefer_region, 0)

    distances: dict[int, float] | None = None
    counted = matches
    results = filtered
    elsewhere: list[int] = []
    elsewhere_total = 0
    if request.near is not None:
        point_index, located = snapshot.points()
        distances = point_index.within(*request.near, request.radius_km)
        nearby = _mask_of(distances, snapshot.size)
        counted = matches & nearby
        results = filtered & nearby
        unplaced = filtered & snapshot.live & ~located
        if request.prefer_region:
            unplaced &= snapshot.filter_mask("region", (request.prefer_region,))
        elsewhere_total = unplaced.bit_count()
        elsewhere_request = SearchRequest(text=request.text, sort="relevance")
        elsewhere = _page(
            snapshot, elsewhere_request, clauses, unplaced, 0, request.elsewhere_limit,
            preferred, None,
        )  # fmt: skip
    total = results.bit_count()

    start = (request.page - 1) * request.per_page
    stop = start + request.per_page
    docnums = (
        []
        if start >= total
        else _page(snapshot, request, clauses, results, start, stop, preferred, distances)
    )
    return SearchResponse(
        total=total,
        ids=[snapshot.document_id(docnum) for docnum in docnums],
        facets=_facet_counts(snapshot, counted, filter_masks),
        suggestion=_suggestion(request.text, corrections),
        distances=[round(distances[docnum], 2) for docnum in docnums] if distances else [],
        elsewhere_total=elsewhere_total,
        elsewhere_ids=[snapshot.document_id(docnum) for docnum in elsewhere],
    )


class SearchIndex:
    """A reader of the index for one process: keeps one searcher and reopens it when stale."""

    def __init__(
        self, index_dir: str | os.PathLike[str], synonyms: Sequence[Sequence[str]] | None = None
    ) -> None:
        self._index_dir = Path(index_dir)
        self._synonyms = SynonymTable(DEFAULT_SYNONYMS if synonyms is None else synonyms)
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None

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

    def _acquire(self) -> _Snapshot:
        with self._lock:
            snapshot = self._snapshot
            if snapshot is not None and snapshot.is_stale():
                self._retire(snapshot)
                snapshot = self._snapshot = None
            if snapshot is None:
                try:
                    snapshot = _Snapshot(self._index_dir)
                except IndexUnavailable:
                    raise
                except Exception as exc:
                    raise IndexUnavailable(
                        f"cannot open search index in {self._index_dir}: {exc!r}"
                    ) from exc
                self._snapshot = snapshot
            snapshot.users += 1
            return snapshot

    def _release(self, snapshot: _Snapshot) -> None:
        with self._lock:
            snapshot.users -= 1
            if snapshot.retired and snapshot.users == 0:
                snapshot.close()

    def _discard(self, snapshot: _Snapshot) -> None:
        with self._lock:
            if self._snapshot is snapshot:
                self._snapshot = None
                self._retire(snapshot)

    def _retire(self, snapshot: _Snapshot) -> None:
        # Another thread may still be searching with it: close when its last user is done.
        snapshot.retired = True
        if snapshot.users == 0:
            snapshot.close()
