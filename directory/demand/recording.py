"""Recording demand events without slowing or failing the search that caused them.

A view builds the response first, then hands a small `EventDraft` to the app's recorder. The
recorder writes it in its own short transaction on its own session, so a failed insert can
never poison the request's session; by default (DEMAND_RECORDING=background) a daemon thread
per worker does the writing, so the request pays only for building the draft. Any error is
logged and swallowed: recording never fails a search.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask import Flask, current_app, request
from sqlalchemy import insert
from sqlalchemy.orm import Session

from directory.demand.models import DIMENSIONS, DemandAppearance, DemandEvent
from directory.demand.scrub import scrub_query
from directory.demand.visitors import salt_for, visitor_day_key
from directory.taxonomy import UK_WIDE

log = logging.getLogger(__name__)

# A filter with more values than this is recorded as "not given": it no longer says what the
# founder wants, and it would explode one event into too many rows.
MAX_VALUES_PER_DIMENSION = 3
# Listings recorded as appearing in a search: the first page a founder sees.
MAX_APPEARANCES = 20
# The background writer commits at most this often, in batches of up to BATCH_SIZE events.
BATCH_SECONDS = 1.0
BATCH_SIZE = 1000


@dataclass
class EventDraft:
    """What one search, questionnaire or listing open leaves behind, before it is written."""

    source: str
    day: date
    hour: int
    address: str
    user_agent: str
    query: str | None = None
    filters: dict[str, list[str]] = field(default_factory=dict)
    result_count: int | None = None
    listing_slug: str | None = None
    rank: int | None = None
    answers: dict | None = None
    appearances: list[str] = field(default_factory=list)
    synthetic: bool = False


def week_start(day: date) -> date:
    """The Monday of the day's ISO week."""
    return day - timedelta(days=day.weekday())


def event_rows(draft: EventDraft, key: int) -> tuple[list[dict], list[dict]]:
    """Explode a draft into one demand row per combination of filter values, plus appearances."""
    event_id = uuid.uuid4().hex
    values = []
    for dimension in DIMENSIONS:
        chosen = [v for v in dict.fromkeys(draft.filters.get(dimension, ())) if v != UK_WIDE]
        values.append(chosen if 0 < len(chosen) <= MAX_VALUES_PER_DIMENSION else [None])
    common = {
        "event_id": event_id,
        "day": draft.day,
        "hour": draft.hour,
        "week": week_start(draft.day),
        "source": draft.source,
        "query": scrub_query(draft.query),
        "result_count": draft.result_count,
        "zero_results": draft.result_count == 0,
        "listing_slug": draft.listing_slug,
        "rank": draft.rank,
        "answers": draft.answers,
        "visitor_day_key": key,
        "synthetic": draft.synthetic,
    }
    rows = [
        {**common, **dict(zip(DIMENSIONS, combination, strict=True))}
        for combination in itertools.product(*values)
    ]
    appearances = [
        {
            "event_id": event_id,
            "day": draft.day,
            "listing_slug": slug,
            "rank": rank,
            "visitor_day_key": key,
            "synthetic": draft.synthetic,
        }
        for rank, slug in enumerate(draft.appearances[:MAX_APPEARANCES], start=1)
    ]
    return rows, appearances


def write_events(session: Session, drafts: list[EventDraft]) -> int:
    """Insert drafts as demand rows (flushes, does not commit); returns the rows written."""
    rows: list[dict] = []
    appearances: list[dict] = []
    for draft in drafts:
        key = visitor_day_key(salt_for(session, draft.day), draft.address, draft.user_agent)
        event, shown = event_rows(draft, key)
        rows.extend(event)
        appearances.extend(shown)
    if rows:
        session.execute(insert(DemandEvent), rows)
    if appearances:
        session.execute(insert(DemandAppearance), appearances)
    return len(rows)


class Recorder:
    """Writes drafts in their own transactions, inline or from a background thread."""

    def __init__(self, app: Flask, mode: str):
        self.app = app
        self.mode = mode
        self._queue: queue.SimpleQueue[EventDraft] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._pending = 0  # queued or being written; approximate, for flush() only

    def record(self, draft: EventDraft) -> None:
        """Record one event; never raises."""
        try:
            if self.mode == "off":
                return
            if self.mode == "inline":
                self._write([draft])
                return
            self._pending += 1
            self._queue.put(draft)
            self._ensure_thread()
        except Exception:
            log.exception("demand event not recorded")

    def _write(self, drafts: list[EventDraft]) -> None:
        """Write drafts in one short transaction of their own; log and drop them on failure."""
        from directory.extensions import db

        try:
            with Session(db.engine) as session, session.begin():
                write_events(session, drafts)
        except Exception as error:
            log.warning(
                "demand events not recorded",
                extra={"events": len(drafts), "error": str(error)[:200]},
            )

    def _ensure_thread(self) -> None:
        """Start this process's writer thread on first use (after any fork)."""
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="demand-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        """Drain the queue in batches, one short transaction per batch, for the process's life.

        Waiting up to BATCH_SECONDS to fill a batch keeps the writer's share of the CPU (and of
        the database) small, while figures still include events up to the last minute.
        """
        while True:
            batch = [self._queue.get()]
            deadline = time.monotonic() + BATCH_SECONDS
            while len(batch) < BATCH_SIZE:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    batch.append(self._queue.get(timeout=remaining))
                except queue.Empty:
                    break
            with self.app.app_context():
                self._write(batch)
            self._pending -= len(batch)

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until queued drafts are written (for benchmarks and shutdown)."""
        deadline = time.monotonic() + timeout
        while self._pending > 0 and time.monotonic() < deadline:
            time.sleep(0.01)


def init_app(app: Flask) -> None:
    """Give the app its recorder: inline under tests, a background writer otherwise."""
    mode = app.config.get("DEMAND_RECORDING") or ("inline" if app.testing else "background")
    app.extensions["demand_recorder"] = Recorder(app, mode)


def draft_for_request(source: str, **values) -> EventDraft:
    """A draft stamped with this request's hour and visitor (address and browser, unstored)."""
    now = datetime.now(UTC)
    return EventDraft(
        source=source,
        day=now.date(),
        hour=now.hour,
        address=request.remote_addr or "",
        user_agent=request.headers.get("User-Agent", "")[:500],
        **values,
    )


def record(draft: EventDraft) -> None:
    """Hand a draft to the app's recorder; never raises."""
    try:
        current_app.extensions["demand_recorder"].record(draft)
    except Exception:
        log.exception("demand event not recorded")


def record_search(outcome, source: str) -> None:
    """Record a search (page or API) from its outcome, after the response is built."""
    try:
        params = outcome.params
        if params.page != 1:
            return  # later pages are the same search, already recorded
        filters = {name: list(values) for name, values in params.filters.items()}
        if not [r for r in filters.get("region", ()) if r != UK_WIDE] and outcome.searcher_region:
            filters["region"] = [outcome.searcher_region]  # from the near-me point, never the text
        record(
            draft_for_request(
                source,
                query=params.text,
                filters=filters,
                result_count=outcome.total,
                appearances=[listing.slug for listing in outcome.listings],
            )
        )
    except Exception:
        log.exception("demand event not recorded")


def record_listing_open(slug: str, rank: int) -> None:
    """Record a listing opened from a results page, with its rank there."""
    record(draft_for_request("listing_open", listing_slug=slug, rank=rank))


def record_questionnaire(answers: dict[str, list[str]], result_count: int) -> None:
    """Record a completed questionnaire by its fixed answer keys (for issue 7)."""
    filters = {name: answers.get(name, []) for name in DIMENSIONS}
    record(
        draft_for_request(
            "questionnaire",
            filters=filters,
            result_count=result_count,
            answers={k: list(v) for k, v in answers.items()},
        )
    )
