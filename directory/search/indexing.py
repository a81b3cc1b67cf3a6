"""Keeping each host's search index in step with the database, and opening it for searches."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import selectinload

from directory.catalogue.models import LISTING_RELATIONS, Listing
from directory.extensions import db
from directory.search.documents import public_documents, search_document
from directory.search.models import SearchOutbox
from directory.states import ModerationState
from search_index import (
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

log = logging.getLogger(__name__)

# Outbox rows are re-read for this long after they are written: a transaction that took its
# id earlier may commit after a later one, and re-applying a change is harmless.
OUTBOX_GRACE = timedelta(seconds=60)
SYNC_BATCH = 500
# An edit waits this long for a locked index before handing the refresh to a thread, which
# keeps trying for BACKGROUND_SYNC_SECONDS.
EDIT_SYNC_WAIT_SECONDS = 1.0
BACKGROUND_SYNC_SECONDS = 120.0
# How long a worker trusts the newest outbox id it read: an edit committed by another worker or
# host reaches this worker's kept pages within this (its own edits at once).
CHANGE_CHECK_SECONDS = 1.0


class IndexHolder:
    """Opens the app's SearchIndex on first use, and again after it was unavailable."""

    def __init__(self, index_dir: str, synonyms: Sequence[Sequence[str]] | None = None) -> None:
        self.index_dir = index_dir
        self.synonyms = synonyms
        self._index: SearchIndex | None = None
        self._lock = threading.Lock()

    def _open(self) -> SearchIndex:
        """The index, opened on first use (opening reads nothing yet, so it cannot fail)."""
        with self._lock:
            if self._index is None:
                self._index = SearchIndex(self.index_dir, synonyms=self.synonyms)
            return self._index

    def search(self, request: SearchRequest) -> SearchResponse:
        """Search the index, opening it if needed; raises IndexUnavailable."""
        return self._open().search(request)

    def matching(self, requests: Sequence[SearchRequest], among: Sequence[str]) -> list[list[str]]:
        """Which of `among` meet all of each request (see SearchIndex.matching)."""
        return self._open().matching(requests, among)

    def version(self) -> str | None:
        """What the index holds now (changes with every rebuild or applied edit), or None
        while it is unavailable: a key for caches of what pages show."""
        try:
            return self._open().version()
        except IndexUnavailable:
            return None

    def warm(self) -> None:
        """Open the index and build its caches now (at worker start), if it is there."""
        try:
            self._open().warm()
        except IndexUnavailable as error:
            log.warning("search index not warmed", extra={"error": str(error)})

    def close(self) -> None:
        """Close the open searcher, if any."""
        with self._lock:
            if self._index is not None:
                self._index.close()
                self._index = None


class ChangeWatch:
    """The newest search outbox row, as one worker last read it from the shared database.

    Every change to a listing writes an outbox row as it commits, so a new newest row means
    pages may show something else. Reading it costs a query, so a worker trusts what it read for
    CHANGE_CHECK_SECONDS; a change this worker commits itself is seen at once.
    """

    def __init__(self, seconds: float = CHANGE_CHECK_SECONDS) -> None:
        self.seconds = seconds
        self._newest = 0
        self._read_at: float | None = None

    def newest(self) -> int:
        """The newest outbox id, read again when the last reading is too old."""
        now = time.monotonic()
        if self._read_at is None or now - self._read_at >= self.seconds:
            self._newest = db.session.scalar(select(func.max(SearchOutbox.id))) or 0
            self._read_at = now
        return self._newest

    def changed_here(self) -> None:
        """This worker committed a change: read the newest row again on the next request."""
        self._read_at = None


def catalogue_version() -> tuple[str, int, date] | None:
    """What public pages show can only have changed when this has: the index this worker
    searches, the newest outbox row in the shared database and the day; None while the index is
    unavailable."""
    index_version = current_app.extensions["search_index"].version()
    if index_version is None:
        return None
    newest_change = current_app.extensions["catalogue_changes"].newest()
    return index_version, newest_change, date.today()


def listings_in_order(ids: list[str]) -> list[Listing]:
    """Load public listings for index ids, keeping the index's rank order."""
    if not ids:
        return []
    wanted = [int(listing_id) for listing_id in ids]
    rows = db.session.scalars(public_listings_query().where(Listing.id.in_(wanted)))
    by_id = {listing.id: listing for listing in rows}
    return [by_id[listing_id] for listing_id in wanted if listing_id in by_id]


def public_listings_query() -> Select[Listing]:
    """Select every listing founders may see, with what a search document needs."""
    return (
        select(Listing)
        .where(Listing.moderation_state == ModerationState.PUBLISHED)
        .options(*(selectinload(relation) for relation in LISTING_RELATIONS))
    )


def rebuild_index(index_dir: str, progress: Callable[[int], object] | None = None) -> int:
    """Rebuild the whole index from the database and swap it in; returns documents indexed."""
    # Read the outbox position before the listings: any later change has a larger id.
    position = db.session.scalar(select(func.max(SearchOutbox.id))) or 0
    return rebuild(index_dir, public_documents(db.session()), position=position, progress=progress)


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


def _apply_outbox_rows(index_dir: str, rows: Sequence[Row[int, int]], position: int) -> int:
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
    backlog = db.session.scalar(
        select(func.count()).select_from(SearchOutbox).where(SearchOutbox.id > position)
    )
    return backlog or 0


def index_differences(index_dir: str) -> tuple[set[str], set[str]]:
    """Ids public in the database but missing from the index, and indexed ids that should not be."""
    in_index = indexed_ids(index_dir)
    in_database = {
        str(listing_id)
        for listing_id in db.session.scalars(
            select(Listing.id).where(Listing.moderation_state == ModerationState.PUBLISHED)
        )
    }
    return in_database - in_index, in_index - in_database


def refresh_index_after_edit() -> None:
    """Best effort: apply the outbox now, so a single-host setup sees edits at once.

    Production runs `flask search sync --follow` instead (SEARCH_SYNC_AFTER_EDIT=0). A locked
    or missing index only delays the change until the next sync; the edit has committed.
    """
    if not current_app.config["SEARCH_SYNC_AFTER_EDIT"]:
        return
    index_dir = current_app.config["SEARCH_INDEX_DIR"]
    try:
        if outbox_backlog(index_dir) > SYNC_BATCH:
            # A large import: index it after the response rather than keep the worker busy.
            # current_app is a proxy (typed as the Flask it stands for); the thread needs the app.
            _retry_in_background(current_app._get_current_object(), index_dir)  # type: ignore[attr-defined]
            return
        sync_with_retries(index_dir, EDIT_SYNC_WAIT_SECONDS)
    except IndexLocked:
        # Someone else is writing (a rebuild): keep trying after the response, not in it.
        _retry_in_background(current_app._get_current_object(), index_dir)  # type: ignore[attr-defined]
    except IndexUnavailable as error:
        log.warning("index not refreshed after an edit", extra={"error": str(error)})
    finally:
        db.session.rollback()  # end the sync's read-only transaction


def _retry_in_background(app: Flask, index_dir: str) -> None:
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
