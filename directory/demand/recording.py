"""Recording demand events without slowing or failing the search that caused them.

A view builds the response first, then hands a small `EventDraft` to the app's recorder. The
recorder writes it in its own short transaction on its own session, so a failed insert can
never poison the request's session; by default (DEMAND_RECORDING=background) a daemon thread
per worker does the writing, so the request pays only for building the draft. Any error is
logged and swallowed: recording never fails a search.

Nothing is lost on the way: a batch the database refuses (locked, restarting) is retried; a
worker that stops gracefully (SIGTERM under gunicorn) writes what it holds before it exits;
and each draft is appended to a per-process spool file before it is queued, so the next worker
to start replays what a killed one (SIGKILL) had not written, and logs how many it recovered.
"""

from __future__ import annotations

import atexit
import fcntl
import itertools
import json
import logging
import os
import queue
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any, Final, Protocol, TextIO

from flask import Flask, current_app, request
from sqlalchemy import insert
from sqlalchemy.orm import Session

from directory.demand.models import DIMENSIONS, DemandAppearance, DemandEvent
from directory.demand.scrub import scrub_query
from directory.demand.visitors import SaltStore, network_of, salt_store, visitor_day_key
from directory.i18n import ENGLISH, LANGUAGES, current_language
from directory.pages import on_every_request
from directory.signals import listing_opened_from_results
from directory.taxonomy import UK_WIDE

log = logging.getLogger(__name__)

# A filter with more values than this is recorded as "not given": it no longer says what the
# founder wants, and it would explode one event into too many rows.
MAX_VALUES_PER_DIMENSION = 3
# Listings recorded as appearing in a search: the first page a founder sees.
MAX_APPEARANCES = 20
# The background writer commits at most this often (DEMAND_BATCH_SECONDS), in batches of up
# to BATCH_SIZE events.
BATCH_SECONDS = 1.0
BATCH_SIZE = 1000
# A batch the database refused is retried after this long, doubling up to RETRY_MAX_SECONDS.
RETRY_SECONDS = 0.5
RETRY_MAX_SECONDS = 30.0
# Events held in memory while the database refuses them; past this the oldest are dropped
# (and counted in the log), so a long outage cannot exhaust a worker's memory.
MAX_HELD = 50_000


class _Signal(Enum):
    """What the writer thread is sent besides drafts."""

    # Write what it holds and stop.
    STOP = "stop"


_STOP: Final = _Signal.STOP


@dataclass
class EventDraft:
    """What one search, questionnaire or listing open leaves behind, before it is written.

    `network` is the client's IPv4 /24 or IPv6 /48 (see visitors.py); the address itself and
    anything else about the client stay out of the draft.
    """

    source: str
    day: date
    hour: int
    network: str
    query: str | None = None
    filters: dict[str, list[str]] = field(default_factory=dict)
    result_count: int | None = None
    listing_slug: str | None = None
    rank: int | None = None
    answers: dict[str, list[str]] | None = None
    appearances: list[str] = field(default_factory=list)
    synthetic: bool = False
    # The interface language the founder used ("en" or "cy"): Welsh-language demand. Spool
    # lines written before it existed read back as English, the only language there was.
    language: str = ENGLISH

    def to_json(self) -> str:
        """One spool line."""
        # A shallow copy: asdict's deep one costs more than the rest of a kept page's request.
        return json.dumps({**vars(self), "day": self.day.isoformat()})

    @classmethod
    def from_json(cls, line: str) -> EventDraft:
        """Read a spool line back."""
        values = json.loads(line)
        values["day"] = date.fromisoformat(values["day"])
        return cls(**values)


def week_start(day: date) -> date:
    """The Monday of the day's ISO week."""
    return day - timedelta(days=day.weekday())


def event_rows(draft: EventDraft, key: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Explode a draft into one demand row per combination of filter values, plus appearances."""
    event_id = uuid.uuid4().hex
    values: list[list[str] | list[None]] = []
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
        "language": draft.language if draft.language in LANGUAGES else ENGLISH,
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


def write_events(session: Session, drafts: list[EventDraft], salts: SaltStore | None = None) -> int:
    """Insert drafts as demand rows (flushes, does not commit); returns the rows written."""
    salts = salts or current_app.extensions["demand_salts"]
    rows: list[dict[str, Any]] = []
    appearances: list[dict[str, Any]] = []
    for draft in drafts:
        key = visitor_day_key(salts.salt_for(draft.day), draft.network)
        event, shown = event_rows(draft, key)
        rows.extend(event)
        appearances.extend(shown)
    _insert_many(session, DemandEvent, rows)
    _insert_many(session, DemandAppearance, appearances)
    return len(rows)


def _insert_many(
    session: Session, model: type[DemandEvent | DemandAppearance], rows: list[dict[str, Any]]
) -> None:
    """Insert rows in bulk: COPY on PostgreSQL, where an executemany costs a round trip per
    row (at a thousand searches a second, more than a core's worth of work); executemany on
    SQLite, which is in-process and quick."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(model), rows)
        return
    columns = list(rows[0])
    statement = f"COPY {model.__tablename__} ({', '.join(columns)}) FROM STDIN"
    # The psycopg connection under SQLAlchemy's, in the same transaction.
    raw: Any = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([_copy_value(row[column]) for column in columns])


def _copy_value(value: object) -> object:
    """A value as COPY takes it: JSON columns (questionnaire answers) as JSON text."""
    return json.dumps(value) if isinstance(value, dict | list) else value


class Spool:
    """This process's file of drafts not yet committed, locked for as long as it lives."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._file: TextIO | None = None
        self._pid: int | None = None

    def append(self, draft: EventDraft) -> None:
        """Keep a draft on disk until its batch is committed."""
        spool = self._file
        # First use, or a forked child of the process that opened it (or an open that failed).
        if spool is None or self._pid != os.getpid():
            spool = self._open()
        spool.write(draft.to_json() + "\n")
        spool.flush()

    def _open(self) -> TextIO:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._pid = os.getpid()
        self._file = open(self.folder / f"{self._pid}.jsonl", "a", encoding="utf-8")  # noqa: SIM115
        # The lock tells other workers this spool's owner is alive.
        fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return self._file

    def truncate(self) -> None:
        """Forget what is spooled: every spooled draft has been committed."""
        if self._file is not None and self._pid == os.getpid():
            self._file.truncate(0)
            self._file.seek(0)

    def orphans(self) -> list[EventDraft]:
        """Drafts left by processes that died without writing them; their files are removed."""
        recovered: list[EventDraft] = []
        if not self.folder.is_dir():
            return recovered
        for path in self.folder.glob("*.jsonl"):
            if path.stem == str(os.getpid()):
                continue
            try:
                with open(path, "r+", encoding="utf-8") as file:
                    try:
                        fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    except BlockingIOError:
                        continue  # its process is alive and will write its own drafts
                    for line in file:
                        try:
                            recovered.append(EventDraft.from_json(line))
                        except (ValueError, TypeError, KeyError):
                            continue  # a line cut short by the kill
                    path.unlink()
            except FileNotFoundError:
                continue  # another worker recovered it first
        return recovered


class Recorder:
    """Writes drafts in their own transactions, inline or from a background thread."""

    def __init__(
        self,
        app: Flask,
        mode: str,
        spool_dir: str | None = None,
        batch_seconds: float = BATCH_SECONDS,
    ) -> None:
        self.app = app
        self.mode = mode
        self.batch_seconds = batch_seconds
        self._queue: queue.SimpleQueue[EventDraft | _Signal] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._pending = 0  # queued or being written; approximate, for flush() only
        self._spool = Spool(Path(spool_dir)) if spool_dir and mode == "background" else None
        self._stopping = False

    def record(self, draft: EventDraft) -> None:
        """Record one event; never raises."""
        try:
            if self.mode == "off":
                return
            if self.mode == "inline":
                self._write([draft])
                return
            self._ensure_thread()
            with self._lock:
                if self._spool is not None:
                    self._spool.append(draft)
                self._pending += 1
                self._queue.put(draft)
        except Exception:
            log.exception("demand event not recorded")

    def _write(self, drafts: list[EventDraft]) -> bool:
        """Write drafts in one short transaction of their own; False (logged) on failure."""
        from directory.extensions import db

        try:
            with Session(db.engine) as session, session.begin():
                write_events(session, drafts, self.app.extensions["demand_salts"])
            return True
        except Exception as error:
            log.warning(
                "demand events not recorded",
                extra={"events": len(drafts), "error": str(error)[:200]},
            )
            return False

    def _ensure_thread(self) -> None:
        """Start this process's writer thread on first use (after any fork)."""
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._recover_orphans()
                self._thread = threading.Thread(target=self._run, name="demand-writer", daemon=True)
                self._thread.start()
                # A graceful exit (SIGTERM to a gunicorn worker, Ctrl-C) writes what is held.
                atexit.register(self.close)

    def _recover_orphans(self) -> None:
        """Queue the drafts a killed worker spooled but never wrote, and say so in the log."""
        if self._spool is None:
            return
        orphans = self._spool.orphans()
        if orphans:
            log.warning("recovered demand events from a worker that was killed",
                        extra={"events": len(orphans)})  # fmt: skip
            for draft in orphans:
                self._spool.append(draft)
                self._pending += 1
                self._queue.put(draft)

    def _take_batch(self, wait: bool) -> tuple[list[EventDraft], bool]:
        """Up to BATCH_SIZE queued drafts, waiting up to batch_seconds to fill a batch; and
        whether the recorder was told to stop meanwhile."""
        batch: list[EventDraft] = []
        deadline = time.monotonic() + (self.batch_seconds if wait else 0)
        while len(batch) < BATCH_SIZE:
            remaining = deadline - time.monotonic()
            try:
                if wait and not batch:
                    item = self._queue.get()
                elif remaining > 0:
                    item = self._queue.get(timeout=remaining)
                else:
                    item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is _STOP:
                return batch, True
            batch.append(item)
        return batch, False

    def _write_held(self, batch: list[EventDraft]) -> None:
        """Write a batch, retrying while the database refuses, dropping only past MAX_HELD."""
        delay = RETRY_SECONDS
        while not self._write(batch):
            if self._stopping:
                return
            if self._pending > MAX_HELD:
                log.error("demand events dropped: the database refused them for too long",
                          extra={"events": len(batch)})  # fmt: skip
                return
            time.sleep(delay)
            delay = min(delay * 2, RETRY_MAX_SECONDS)

    def _run(self) -> None:
        """Drain the queue in batches, one short transaction per batch, for the process's life.

        Waiting up to batch_seconds to fill a batch keeps the writer's share of the CPU (and of
        the database) small, while figures still include events up to the last minute.
        """
        stop = False
        while not stop:
            batch, stop = self._take_batch(wait=True)
            if batch:
                with self.app.app_context():
                    self._write_held(batch)
            with self._lock:
                self._pending -= len(batch)
                if self._pending == 0 and self._spool is not None:
                    self._spool.truncate()

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until queued drafts are written (for benchmarks and shutdown)."""
        deadline = time.monotonic() + timeout
        while self._pending > 0 and time.monotonic() < deadline:
            time.sleep(0.01)

    def close(self, timeout: float = 10.0) -> None:
        """At exit: have the writer write what it holds and stop, waiting up to `timeout`."""
        thread = self._thread
        if thread is None or not thread.is_alive():
            return
        self._queue.put(_STOP)
        thread.join(timeout)
        self._stopping = True


def init_app(app: Flask) -> None:
    """Give the app its salt store and recorder: inline under tests, background otherwise."""
    app.extensions["demand_salts"] = salt_store(app.config["DEMAND_SALT_STORAGE"])
    # Only this app's listing pages: the receiver is kept for the app's lifetime.
    listing_opened_from_results.connect(record_listing_open, sender=app)
    mode = app.config["DEMAND_RECORDING"] or ("inline" if app.testing else "background")
    app.extensions["demand_recorder"] = Recorder(
        app,
        mode,
        app.config["DEMAND_SPOOL_DIR"],
        app.config["DEMAND_BATCH_SECONDS"],
    )


def draft_for_request(source: str, **values: Any) -> EventDraft:
    """A draft stamped with this request's hour, visitor (address and browser, unstored) and
    interface language: the page's, unless the caller names one (an alert's own language)."""
    now = datetime.now(UTC)
    values.setdefault("language", current_language())
    return EventDraft(
        source=source,
        day=now.date(),
        hour=now.hour,
        network=network_of(request.remote_addr),
        **values,
    )


def record(draft: EventDraft) -> None:
    """Hand a draft to the app's recorder; never raises."""
    try:
        current_app.extensions["demand_recorder"].record(draft)
    except Exception:
        log.exception("demand event not recorded")


def record_for_page(source: str, **values: Any) -> None:
    """Record this request's event, and one for each later request served a kept copy of the
    page (each stamped with its own visitor and hour)."""
    on_every_request(lambda: record(draft_for_request(source, **values)))


class _SearchParams(Protocol):
    """The parts of a search's parameters that a demand event keeps."""

    @property
    def text(self) -> str: ...
    @property
    def filters(self) -> Mapping[str, Sequence[str]]: ...
    @property
    def page(self) -> int: ...


class _Understanding(Protocol):
    def values(self, facet: str) -> list[str]: ...


class SearchDone(Protocol):
    """What record_search reads of a search's outcome (search.service.SearchOutcome)."""

    @property
    def params(self) -> _SearchParams: ...
    @property
    def understanding(self) -> _Understanding: ...
    @property
    def searcher_region(self) -> str | None: ...
    @property
    def complete(self) -> int: ...
    @property
    def slugs(self) -> list[str]: ...


def record_search(outcome: SearchDone, source: str) -> None:
    """Record a search (page or API) from its outcome, after the response is built."""
    try:
        params = outcome.params
        if params.page != 1:
            return  # later pages are the same search, already recorded
        filters = {name: list(values) for name, values in params.filters.items()}
        if not [r for r in filters.get("region", ()) if r != UK_WIDE] and outcome.searcher_region:
            # From the place searched (near box or words), never the postcode or town itself.
            filters["region"] = [outcome.searcher_region]
        for facet in ("support", "stage", "sector"):
            # What the words asked for counts as demand too ("accelerator manchester").
            understood = outcome.understanding.values(facet)
            if facet not in filters and understood:
                filters[facet] = understood
        record_for_page(
            source,
            query=params.text,
            filters=filters,
            # What met the whole search: a search whose every result matches only part of it
            # found nothing of what was asked, which is what demand data is for.
            result_count=outcome.complete,
            appearances=list(outcome.slugs),
        )
    except Exception:
        log.exception("demand event not recorded")


def record_listing_open(_sender: object = None, *, slug: str, rank: int) -> None:
    """Record a listing opened from a results page, with its rank there (a signal receiver)."""
    record(draft_for_request("listing_open", listing_slug=slug, rank=rank))


def record_questionnaire(answers: dict[str, list[str]], result_count: int) -> None:
    """Record a completed questionnaire by its fixed answer keys (for issue 7)."""
    filters = {name: answers.get(name, []) for name in DIMENSIONS}
    record_for_page(
        "questionnaire",
        filters=filters,
        result_count=result_count,
        answers={k: list(v) for k, v in answers.items()},
    )
