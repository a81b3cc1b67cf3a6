"""Searching the catalogue: the Whoosh index first, the database when the index fails."""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from flask import current_app, g
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from directory.catalogue.models import Listing
from directory.errors import TemporarilyUnavailable
from directory.extensions import db
from directory.geo import Ambiguous, GeoError, GeoResult, Unavailable
from directory.search.documents import search_document
from directory.search.models import SearchOutbox
from directory.search.params import SearchParams
from directory.taxonomy import UK_WIDE
from search_index import (
    FACET_SOURCES,
    FACETS,
    IndexLocked,
    IndexUnavailable,
    SearchIndex,
    SearchRequest,
    SearchResponse,
    apply_changes,
    indexed_ids,
    read_position,
    rebuild,
)
from search_index.nearby import PointIndex

log = logging.getLogger(__name__)

# Outbox rows are re-read for this long after they are written: a transaction that took its
# id earlier may commit after a later one, and re-applying a change is harmless.
OUTBOX_GRACE = timedelta(seconds=60)
SYNC_BATCH = 500
# An edit waits this long for a locked index before handing the refresh to a thread, which
# keeps trying for BACKGROUND_SYNC_SECONDS.
EDIT_SYNC_WAIT_SECONDS = 1.0
BACKGROUND_SYNC_SECONDS = 120.0
UK_WIDE_OPTIONS = 5
# Listings without a fixed place shown beside near-me results.
ELSEWHERE_OPTIONS = 5
# When nothing is within the radius, how far a wider search looks.
WIDER_RADIUS_KM = 100


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
    total: int
    listings: list[Listing]
    facets: dict[str, dict[str, int]]
    suggestion: str | None
    degraded: bool = False
    relaxations: list[Relaxation] = field(default_factory=list)
    uk_wide_options: list[Listing] = field(default_factory=list)
    # Near-me: where the search measured from (or why it could not), each result's distance
    # by listing id, and the matching listings with no fixed place (UK-wide, online).
    near: NearMe | None = None
    distances: dict[int, float] = field(default_factory=dict)
    elsewhere: list[Listing] = field(default_factory=list)
    elsewhere_total: int = 0
    # The searcher's region: the one region filtered on, else the region of the near-me point.
    searcher_region: str | None = None


@dataclass
class NearMe:
    """The point a near-me search measures from, or the reason there is none."""

    query: str
    place: GeoResult | None = None
    # "not_found", "ambiguous", "outside" (Channel Islands, Isle of Man) or "unavailable".
    problem: str | None = None
    message: str | None = None
    choices: list[GeoResult] = field(default_factory=list)

    @property
    def point(self) -> tuple[float, float] | None:
        """(latitude, longitude) to measure from, when the place resolved to one."""
        return self.place.point if self.place is not None and not self.problem else None


def locate(text: str) -> NearMe:
    """Resolve what a founder typed in `near` with the offline geo lookup; never raises."""
    try:
        place = current_app.extensions["geo"].resolve(text)
    except Ambiguous as ambiguous:
        return NearMe(text, problem="ambiguous", message=str(ambiguous),
                      choices=ambiguous.candidates)  # fmt: skip
    except Unavailable as error:
        log.warning("geo lookup unavailable", extra={"error": str(error)})
        return NearMe(text, problem="unavailable", message=str(error))
    except GeoError as error:
        return NearMe(text, problem="not_found", message=str(error))
    if place.outside or place.point is None:
        message = place.message or f"We could not find where {place.label} is."
        return NearMe(text, place=place, problem="outside", message=message)
    return NearMe(text, place=place)


class IndexHolder:
    """Opens the app's SearchIndex on first use, and again after it was unavailable."""

    def __init__(self, index_dir: str, synonyms=None):
        self.index_dir = index_dir
        self.synonyms = synonyms
        self._index: SearchIndex | None = None
        self._lock = threading.Lock()

    def search(self, request: SearchRequest) -> SearchResponse:
        """Search the index, opening it if needed; raises IndexUnavailable."""
        with self._lock:
            if self._index is None:
                self._index = SearchIndex(self.index_dir, synonyms=self.synonyms)
            index = self._index
        return index.search(request)

    def close(self) -> None:
        """Close the open searcher, if any."""
        with self._lock:
            if self._index is not None:
                self._index.close()
                self._index = None


def _search_request(
    params: SearchParams, point: tuple[float, float] | None = None, region: str | None = None
) -> SearchRequest:
    """Translate validated parameters (and a near-me point) into a search_index request."""
    filters = dict(params.filters)
    filters["status"] = params.status_filter
    sort = params.sort
    if sort == "distance" and point is None:
        sort = "relevance"  # the place was not found: search without it
    return SearchRequest(
        text=params.text,
        filters=filters,
        sort=sort,
        page=params.page,
        per_page=params.per_page,
        near=point,
        radius_km=params.radius_km,
        # The searcher's region ranks first unless they chose regions themselves.
        prefer_region=None if "region" in params.filters else region,
        elsewhere_limit=ELSEWHERE_OPTIONS,
    )


def _run(
    params: SearchParams, point: tuple[float, float] | None = None, region: str | None = None
) -> tuple[SearchResponse, bool]:
    """Search the index; fall back to the database when the index is unavailable."""
    request = _search_request(params, point, region)
    try:
        return current_app.extensions["search_index"].search(request), False
    except IndexUnavailable as error:
        log.warning("search index unavailable, using the database", extra={"error": str(error)})
        return database_search(db.session, request, _fallback_budget()), True


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
                "Search is running in a simpler mode and this search needs more work than it "
                "can do just now. Try fewer filters, or try again in a minute."
            )


def _fallback_budget() -> FallbackBudget:
    """This request's budget, started by its first fallback search."""
    if "fallback_budget" not in g:
        g.fallback_budget = FallbackBudget(current_app.config["FALLBACK_BUDGET_SECONDS"])
    return g.fallback_budget


def search_listings(params: SearchParams) -> SearchOutcome:
    """Run a search and, when it finds nothing, work out what would help."""
    near = locate(params.near) if params.near else None
    point = near.point if near else None
    place_region = near.place.region if point and near.place else None
    response, degraded = _run(params, point, place_region)
    chosen_regions = [r for r in params.filters.get("region", ()) if r != UK_WIDE]
    ids = [int(listing_id) for listing_id in response.ids]
    outcome = SearchOutcome(
        params=params,
        total=response.total,
        listings=listings_in_order(response.ids),
        facets=response.facets,
        suggestion=response.suggestion,
        degraded=degraded,
        near=near,
        distances=dict(zip(ids, response.distances, strict=False)),
        elsewhere=listings_in_order(response.elsewhere_ids),
        elsewhere_total=response.elsewhere_total,
        searcher_region=chosen_regions[0] if len(chosen_regions) == 1 else place_region,
    )
    if response.total == 0:
        outcome.relaxations = _relaxations(params, point, place_region)
        outcome.uk_wide_options = _uk_wide_options(params)
    return outcome


def _relaxations(
    params: SearchParams, point: tuple[float, float] | None = None, region: str | None = None
) -> list[Relaxation]:
    """For each filter in use (and the radius), how many results there would be without it."""
    relaxations = []
    for facet, values in params.filters.items():
        candidates = [(facet, None)] + ([(facet, v) for v in values] if len(values) > 1 else [])
        for name, value in candidates:
            relaxed = params.without(name, value)
            response, _ = _run(replace(relaxed, per_page=1), point, region)
            if response.total:
                relaxations.append(Relaxation(name, value, relaxed, response.total))
    if point is not None and params.radius_km < WIDER_RADIUS_KM:
        wider = replace(params, page=1, radius_km=WIDER_RADIUS_KM)
        response, _ = _run(replace(wider, per_page=1), point, region)
        if response.total:
            relaxations.append(Relaxation("radius", None, wider, response.total))
    return relaxations


def _uk_wide_options(params: SearchParams) -> list[Listing]:
    """UK-wide listings for the same stage and support, with the words if they still match."""
    filters = {
        name: values for name, values in params.filters.items() if name in ("stage", "support")
    }
    filters["region"] = (UK_WIDE,)
    for text in dict.fromkeys([params.text, ""]):
        response, _ = _run(SearchParams(text, filters, per_page=UK_WIDE_OPTIONS))
        if response.total:
            return listings_in_order(response.ids)
    return []


def listings_in_order(ids: list[str]) -> list[Listing]:
    """Load public listings for index ids, keeping the index's rank order."""
    if not ids:
        return []
    wanted = [int(listing_id) for listing_id in ids]
    rows = db.session.scalars(public_listings_query().where(Listing.id.in_(wanted)))
    by_id = {listing.id: listing for listing in rows}
    return [by_id[listing_id] for listing_id in wanted if listing_id in by_id]


def public_listings_query():
    """Select every listing founders may see, with what a search document needs."""
    return (
        select(Listing)
        .where(Listing.moderation_state == "published")
        .options(
            selectinload(Listing.organisation),
            selectinload(Listing.regions),
            selectinload(Listing.stages),
            selectinload(Listing.support_types),
            selectinload(Listing.sectors),
            selectinload(Listing.locations),
        )
    )


WORD = re.compile(r"[a-z0-9]+")
# The index reads 32 words at most; so does the fallback.
MAX_FALLBACK_WORDS = 32


def _fallback_documents(session: Session, budget: FallbackBudget) -> list[tuple[dict, str]]:
    """Every public listing's search document with its lower-cased text, once per request."""
    if "fallback_documents" not in g:
        documents = []
        for number, listing in enumerate(session.scalars(public_listings_query())):
            if number % 100 == 0:
                budget.check()
            document = search_document(listing)
            text = " ".join(
                (document["name"], document["summary"], document["description"],
                 document["organisation"])
            ).lower()  # fmt: skip
            documents.append((document, text))
        g.fallback_documents = documents
    return g.fallback_documents


def database_search(
    session: Session, request: SearchRequest, budget: FallbackBudget | None = None
) -> SearchResponse:
    """A plain database search, used only while the index is unavailable."""
    budget = budget or FallbackBudget(current_app.config["FALLBACK_BUDGET_SECONDS"])
    budget.check()
    words = WORD.findall(request.text.lower())[:MAX_FALLBACK_WORDS]
    documents = [
        document
        for document, text in _fallback_documents(session, budget)
        if all(word in text for word in words)
    ]
    matching = [doc for doc in documents if _matches(doc, request.filters)]
    if request.sort == "deadline":
        matching.sort(key=lambda doc: (doc["deadline"] is None, doc["deadline"] or 0, doc["name"]))
    else:
        matching.sort(key=lambda doc: doc["name"].lower())
    distances: dict[str, float] = {}
    elsewhere: list[dict] = []
    if request.near is not None:
        # The same bounding box and distances as the index, over the documents at hand.
        points = PointIndex(
            (number, lat, lon) for number, doc in enumerate(documents) for lat, lon in doc["points"]
        )
        distances = {
            documents[number]["id"]: distance
            for number, distance in points.within(*request.near, request.radius_km).items()
        }
        elsewhere = [doc for doc in matching if not doc["points"]]
        if request.prefer_region:
            wanted = {request.prefer_region, UK_WIDE}
            elsewhere = [doc for doc in elsewhere if wanted & set(doc["regions"])]
        documents = [doc for doc in documents if doc["id"] in distances]
        matching = [doc for doc in matching if doc["id"] in distances]
        if request.sort == "distance":
            matching.sort(key=lambda doc: distances[doc["id"]])
    start = (request.page - 1) * request.per_page
    page = matching[start : start + request.per_page]
    budget.check()
    facets = {name: _facet_counts(documents, request.filters, name) for name in FACETS}
    return SearchResponse(
        total=len(matching),
        ids=[doc["id"] for doc in page],
        facets=facets,
        suggestion=None,
        distances=[round(distances[doc["id"]], 2) for doc in page] if distances else [],
        elsewhere_total=len(elsewhere),
        elsewhere_ids=[doc["id"] for doc in elsewhere[: request.elsewhere_limit]],
    )


def _values(doc: dict, facet: str) -> list[str]:
    """A document's values for one facet, as a list."""
    value = doc[FACET_SOURCES[facet]]
    return value if isinstance(value, list) else [value]


def _matches(doc: dict, filters, skip: str | None = None) -> bool:
    """Filters AND across facets and OR within one; a region filter also takes UK-wide."""
    for facet, wanted in filters.items():
        if facet == skip or not wanted:
            continue
        have = set(_values(doc, facet))
        if facet == "region" and UK_WIDE in have:
            continue
        if not have & set(wanted):
            return False
    return True


def _facet_counts(documents: list[dict], filters, facet: str) -> dict[str, int]:
    """Disjunctive counts: results for each value of a facet with the other filters kept."""
    counts: dict[str, int] = {}
    others = [doc for doc in documents if _matches(doc, filters, skip=facet)]
    for doc in others:
        values = set(_values(doc, facet))
        for value in values:
            counts[value] = counts.get(value, 0) + 1
    if facet == "region":
        uk_wide = counts.get(UK_WIDE, 0)
        for value in list(counts):
            if value != UK_WIDE:
                counts[value] += uk_wide
    return counts


# --- keeping the index in step with the database -------------------------------------------


def rebuild_index(index_dir: str, progress=None) -> int:
    """Rebuild the whole index from the database and swap it in; returns documents indexed."""
    # Read the outbox position before the listings: any later change has a larger id.
    position = db.session.scalar(select(func.max(SearchOutbox.id))) or 0
    documents = (
        search_document(listing) for listing in db.session.scalars(public_listings_query())
    )
    return rebuild(index_dir, documents, position=position, progress=progress)


def sync_index(index_dir: str, applied: set[int] | None = None) -> int:
    """Apply outbox rows the index has not seen; returns how many listings were refreshed.

    `applied` is the follower's memory of recent outbox ids it has already applied; a caller
    that runs once passes nothing and re-applies the last minute's rows, which is harmless.
    """
    position = read_position(index_dir)
    if position is None:
        raise IndexUnavailable(f"no search index at {index_dir}: run `flask search rebuild`")
    applied = applied if applied is not None else set()
    recent = datetime.now(UTC) - OUTBOX_GRACE
    late = db.session.execute(
        select(SearchOutbox.id, SearchOutbox.listing_id).where(
            SearchOutbox.id <= position, SearchOutbox.created_at >= recent
        )
    ).all()
    recent_ids = {row.id for row in late}
    applied &= recent_ids
    refreshed = _apply_outbox_rows(index_dir, [r for r in late if r.id not in applied], position)
    applied |= recent_ids
    while True:
        rows = db.session.execute(
            select(SearchOutbox.id, SearchOutbox.listing_id)
            .where(SearchOutbox.id > position)
            .order_by(SearchOutbox.id)
            .limit(SYNC_BATCH)
        ).all()
        if not rows:
            return refreshed
        position = rows[-1].id
        refreshed += _apply_outbox_rows(index_dir, rows, position)
        applied.update(row.id for row in rows)


def _apply_outbox_rows(index_dir: str, rows, position: int) -> int:
    """Re-read the listings named by outbox rows and write them to the index in one commit."""
    if not rows:
        return 0
    listing_ids = {row.listing_id for row in rows}
    listings = {
        listing.id: listing
        for listing in db.session.scalars(
            public_listings_query().where(Listing.id.in_(listing_ids))
        )
    }
    upserts = [search_document(listings[i]) for i in sorted(listing_ids) if i in listings]
    deletes = [str(i) for i in sorted(listing_ids) if i not in listings]
    apply_changes(index_dir, upserts, deletes, position=position)
    return len(listing_ids)


def sync_with_retries(index_dir: str, seconds: float, applied: set[int] | None = None) -> int:
    """sync_index, waiting out a write lock another process holds for up to `seconds`."""
    deadline = time.monotonic() + seconds
    delay = 0.05
    while True:
        try:
            return sync_index(index_dir, applied)
        except IndexLocked:
            if time.monotonic() + delay > deadline:
                raise
            db.session.rollback()
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


def outbox_backlog(index_dir: str) -> int:
    """Outbox rows written after the position the index reflects: changes not yet searchable."""
    position = read_position(index_dir)
    if position is None:
        raise IndexUnavailable(f"no search index at {index_dir}: run `flask search rebuild`")
    return db.session.scalar(
        select(func.count()).select_from(SearchOutbox).where(SearchOutbox.id > position)
    )


def index_differences(index_dir: str) -> tuple[set[str], set[str]]:
    """Ids public in the database but missing from the index, and indexed ids that should not be."""
    in_index = indexed_ids(index_dir)
    in_database = {
        str(listing_id)
        for listing_id in db.session.scalars(
            select(Listing.id).where(Listing.moderation_state == "published")
        )
    }
    return in_database - in_index, in_index - in_database


def refresh_index_after_edit() -> None:
    """Best effort: apply the outbox now, so a single-host setup sees edits at once.

    Production runs `flask search sync --follow` instead (SEARCH_SYNC_AFTER_EDIT=0). A locked
    or missing index only delays the change until the next sync; the edit has committed.
    """
    if not current_app.config.get("SEARCH_SYNC_AFTER_EDIT", True):
        return
    index_dir = current_app.config["SEARCH_INDEX_DIR"]
    try:
        if outbox_backlog(index_dir) > SYNC_BATCH:
            # A large import: index it after the response rather than keep the worker busy.
            _retry_in_background(current_app._get_current_object(), index_dir)
            return
        sync_with_retries(index_dir, EDIT_SYNC_WAIT_SECONDS)
    except IndexLocked:
        # Someone else is writing (a rebuild): keep trying after the response, not in it.
        _retry_in_background(current_app._get_current_object(), index_dir)
    except IndexUnavailable as error:
        log.warning("index not refreshed after an edit", extra={"error": str(error)})
    finally:
        db.session.rollback()  # end the sync's read-only transaction


def _retry_in_background(app, index_dir: str) -> None:
    """Apply the outbox from a thread, waiting for a held lock up to BACKGROUND_SYNC_SECONDS."""

    def retry() -> None:
        with app.app_context():
            try:
                sync_with_retries(index_dir, BACKGROUND_SYNC_SECONDS)
            except IndexUnavailable as error:
                log.warning(
                    "index still not refreshed after an edit; `flask search sync` will apply it",
                    extra={"error": str(error)},
                )
            finally:
                db.session.remove()

    threading.Thread(target=retry, name="index-retry", daemon=True).start()
