"""Searching: a request's document sets planned, filtered, ranked and counted on one snapshot.

A request carries the remaining words of the founder's text, the concepts understood in it
(kinds of support, stages, sectors, tags), the place it is about, an exact name, and the hard
filters the founder chose. With `partial=True` every listing meeting at least one of them is a
result (about a place: every listing serving it), otherwise only those meeting all; results are
ordered by the weight bands of scoring.py. See docs/search.md.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from . import planning
from .bitsets import docnums_of, mask_of
from .errors import IndexUnavailable
from .facets import facet_counts
from .query import SynonymTable
from .requests import TIERS, SearchRequest, SearchResponse
from .scoring import ranked_page
from .snapshot import Snapshot
from .spelling import suggestion
from .synonyms import DEFAULT_SYNONYMS

T = TypeVar("T")


def _run(snapshot: Snapshot, request: SearchRequest, synonyms: SynonymTable) -> SearchResponse:
    """One search on one snapshot, start to finish."""
    plan = planning.plan(snapshot, request, synonyms)
    candidates, complete = planning.candidates(snapshot, request, plan)
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
    docnums = [] if start >= total else ranked_page(snapshot, request, plan, results, start, stop)

    def tier_of(docnum: int) -> str | None:
        bit = 1 << docnum
        return next((name for name in TIERS if plan.tiers.get(name, 0) & bit), None)

    return SearchResponse(
        total=total,
        ids=[snapshot.document_id(docnum) for docnum in docnums],
        facets=facet_counts(snapshot, candidates, filter_masks),
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
        version=snapshot.version,
    )


def _complete(snapshot: Snapshot, request: SearchRequest, synonyms: SynonymTable) -> int:
    """The documents meeting every word, concept, place and filter of a request."""
    plan = planning.plan(snapshot, request, synonyms)
    _candidates, complete = planning.candidates(snapshot, request, plan)
    for facet, values in request.filters.items():
        if values:
            complete &= snapshot.filter_mask(facet, values)
    if request.open_now:
        complete &= snapshot.open_on(request.today)
    return complete


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
        return self._on_snapshot("search", lambda snapshot: _run(snapshot, request, self._synonyms))

    def matching(self, requests: Sequence[SearchRequest], among: Sequence[str]) -> list[list[str]]:
        """For each request, the ids among `among` that meet all of it (words, concepts, place
        and filters): what an alert watching that search would newly show. One snapshot serves
        the whole batch; raise IndexUnavailable if the index is missing or broken."""

        def match(snapshot: Snapshot) -> list[list[str]]:
            docnums = snapshot.docnums_of(among)
            id_of = {docnum: among[i] for i, docnum in enumerate(docnums) if docnum >= 0}
            pool = mask_of(id_of, snapshot.size)
            answers = []
            for request in requests:
                mask = _complete(snapshot, request, self._synonyms) & pool if pool else 0
                answers.append([id_of[d] for d in docnums_of(mask, snapshot.nbytes)])
            return answers

        return self._on_snapshot("matching", match)

    def _on_snapshot(self, what: str, work: Callable[[Snapshot], T]) -> T:
        """Run work on the current snapshot; any failure drops the snapshot (so the next call
        reopens and may find a repaired index) and is raised as IndexUnavailable."""
        snapshot = self._acquire()
        try:
            return work(snapshot)
        except Exception as exc:
            self._discard(snapshot)
            if isinstance(exc, IndexUnavailable):
                raise
            raise IndexUnavailable(
                f"{what} failed on index {snapshot.generation}: {exc!r}"
            ) from exc
        finally:
            self._release(snapshot)

    def version(self) -> str:
        """What the index holds now, as a string that changes with every rebuild or commit;
        raise IndexUnavailable if the index is missing or broken."""
        snapshot = self._acquire()
        try:
            return snapshot.version
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
