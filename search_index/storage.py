"""On-disk layout, full rebuilds with an atomic swap, and incremental changes."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.util.filelock import try_for

from .errors import IndexLocked, IndexUnavailable
from .schema import SCHEMA, SCHEMA_VERSION, SearchDocument, to_fields

CURRENT = "current"
GENERATIONS = "generations"
META = "meta.json"
# Whoosh's FileIndex names its write lock "<indexname>_WRITELOCK" and we use the default name.
WRITE_LOCK = "MAIN_WRITELOCK"

# How long a rebuild waits for an in-flight apply_changes to finish before swapping generations.
SWAP_LOCK_TIMEOUT = 30.0

PROGRESS_EVERY = 100
BUILD_PROCESSES = 2
# Postings each build process sorts in memory before spilling pickled runs to disk: half of
# 100,000 listings' postings (about 600 MB of Python objects) fit without a spill, which had
# cost a fifth of the build in pickling and unpickling.
BUILD_LIMIT_MB = 768

IndexDir = str | os.PathLike[str]


class GuardedStorage(FileStorage):
    """A FileStorage that can close what it opened when Whoosh fails part-way through opening.

    Whoosh does not close files it opened when a damaged file makes it raise; left to the
    garbage collector they would surface as ResourceWarnings far from the cause.
    """

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self._opened: list[Any] | None = None

    def open_file(self, name: str, **kwargs: Any) -> Any:
        """Open a file, remembering it while a guard is active."""
        opened = super().open_file(name, **kwargs)
        if self._opened is not None:
            self._opened.append(opened)
        return opened

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Close every file opened inside the block if the block raises."""
        self._opened = []
        try:
            yield
        except BaseException:
            for opened in self._opened:
                # Already closed or half-built: either way there is nothing more to release.
                with suppress(Exception):
                    opened.close()
            raise
        finally:
            self._opened = None


def current_generation(index_dir: IndexDir) -> Path | None:
    """Return the generation directory `current` points to, or None when there is no index."""
    root = Path(index_dir)
    try:
        target = os.readlink(root / CURRENT)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise IndexUnavailable(f"cannot read {root / CURRENT}: {exc}") from exc
    return root / target


def read_meta(generation: Path) -> dict[str, Any] | None:
    """Return the generation's metadata, None if it has none; raise if it is unreadable."""
    try:
        text = (generation / META).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IndexUnavailable(f"cannot read {generation / META}: {exc}") from exc
    try:
        meta = json.loads(text)
        int(meta["position"])
        int(meta["schema_version"])
    except (ValueError, KeyError, TypeError) as exc:
        raise IndexUnavailable(f"corrupt index metadata in {generation / META}") from exc
    return meta


def _write_meta(generation: Path, position: int) -> None:
    meta = {"position": int(position), "schema_version": SCHEMA_VERSION}
    # Write-then-rename so a reader never sees a half-written file.
    tmp = generation / f".{META}.{uuid.uuid4().hex}.tmp"
    tmp.write_text(json.dumps(meta), encoding="utf-8")
    os.replace(tmp, generation / META)


def open_generation(index_dir: IndexDir) -> tuple[Path, whoosh_index.Index]:
    """Open the current generation, checking it exists, is complete and has our schema version."""
    generation = current_generation(index_dir)
    if generation is None:
        raise IndexUnavailable(f"no search index at {index_dir}: run a rebuild")
    if not generation.is_dir():
        raise IndexUnavailable(f"search index generation {generation} is missing: run a rebuild")
    meta = read_meta(generation)
    if meta is None:
        raise IndexUnavailable(f"search index {generation} has no {META}: run a rebuild")
    if meta["schema_version"] != SCHEMA_VERSION:
        raise IndexUnavailable(
            f"search index {generation} has schema version {meta['schema_version']}, "
            f"expected {SCHEMA_VERSION}: run a rebuild"
        )
    storage = GuardedStorage(str(generation))
    try:
        with storage.guard():
            return generation, storage.open_index(schema=SCHEMA)
    except whoosh_index.EmptyIndexError as exc:
        raise IndexUnavailable(f"search index {generation} is empty or incomplete") from exc
    except Exception as exc:
        # Whoosh is pure Python: a damaged file surfaces as almost any exception type.
        raise IndexUnavailable(f"search index {generation} is unreadable: {exc!r}") from exc


def read_position(index_dir: IndexDir) -> int | None:
    """Return the outbox position the index reflects, or None if there is no usable index."""
    generation = current_generation(index_dir)
    if generation is None:
        return None
    meta = read_meta(generation)
    # An index from another schema version must be rebuilt, which None asks the caller to do.
    if meta is None or meta["schema_version"] != SCHEMA_VERSION:
        return None
    return int(meta["position"])


def indexed_ids(index_dir: IndexDir) -> set[str]:
    """Return the ids of all live documents in the index."""
    generation, ix = open_generation(index_dir)
    try:
        with ix.storage.guard(), ix.reader() as reader:
            if reader.doc_count_all() == 0:
                # An empty index has a stand-in reader without columns.
                return set()
            ids = reader.column_reader("id")
            return {ids[docnum] for docnum in reader.all_doc_ids()}
    except Exception as exc:
        raise IndexUnavailable(f"search index {generation} is unreadable: {exc!r}") from exc


def document_count(index_dir: IndexDir) -> int:
    """Return the number of live documents in the index."""
    generation, ix = open_generation(index_dir)
    try:
        with ix.storage.guard():
            return ix.doc_count()
    except Exception as exc:
        raise IndexUnavailable(f"search index {generation} is unreadable: {exc!r}") from exc


def _new_generation(root: Path) -> Path:
    generations = root / GENERATIONS
    generations.mkdir(parents=True, exist_ok=True)
    # A sortable timestamp helps a human reading the directory; the random suffix makes it unique.
    return Path(tempfile.mkdtemp(prefix=time.strftime("%Y%m%dT%H%M%S-"), dir=generations))


def _swap_current(root: Path, generation: Path) -> None:
    # A relative target keeps the index directory movable as a whole.
    target = os.path.relpath(generation, root)
    tmp = root / f".{CURRENT}.{uuid.uuid4().hex}"
    os.symlink(target, tmp)
    try:
        os.replace(tmp, root / CURRENT)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _remove_other_generations(root: Path, keep: Path) -> None:
    for path in (root / GENERATIONS).iterdir():
        if path.name != keep.name:
            # Readers may still have old files open; on POSIX that is fine, elsewhere we retry
            # on the next rebuild.
            shutil.rmtree(path, ignore_errors=True)


def _write_documents(
    generation: Path,
    documents: Iterable[SearchDocument],
    progress: Callable[[int], object] | None,
) -> int:
    ix = whoosh_index.create_in(str(generation), SCHEMA)
    # Analysis and posting writes are pure Python, so a second process nearly halves a large
    # build; multisegment keeps each process's segment instead of merging them at the end.
    procs = min(BUILD_PROCESSES, os.cpu_count() or 1)
    writer = ix.writer(limitmb=BUILD_LIMIT_MB, procs=procs, multisegment=True)
    count = 0
    seen_words: set[str] = set()
    try:
        for document in documents:
            writer.add_document(**to_fields(document, seen_words))
            count += 1
            if progress is not None and count % PROGRESS_EVERY == 0:
                progress(count)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    if progress is not None and (count == 0 or count % PROGRESS_EVERY):
        progress(count)
    return count


def rebuild(
    index_dir: IndexDir,
    documents: Iterable[SearchDocument],
    position: int,
    progress: Callable[[int], object] | None = None,
) -> int:
    """Build a fresh index from documents in a new directory and swap it in atomically."""
    root = Path(index_dir)
    generation = _new_generation(root)
    try:
        count = _write_documents(generation, documents, progress)
        _write_meta(generation, position)
        previous = current_generation(root)
        lock = None
        if previous is not None and previous.is_dir():
            # Wait for an apply_changes writing into the old generation to finish, so its
            # changes are not lost after it reported success. It re-checks `current` once it
            # holds the lock, so anything it writes later goes into the new generation.
            lock = FileStorage(str(previous)).lock(WRITE_LOCK)
            if not try_for(lock.acquire, timeout=SWAP_LOCK_TIMEOUT, delay=0.1):
                raise IndexLocked(f"a writer held {previous} for {SWAP_LOCK_TIMEOUT:g}s")
        try:
            _swap_current(root, generation)
        finally:
            if lock is not None:
                lock.release()
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise
    _remove_other_generations(root, keep=generation)
    return count


def _write_changes(
    writer: Any, generation: Path, upserts: list[SearchDocument], deletes: list[str]
) -> None:
    deleted = {str(document_id) for document_id in deletes}
    try:
        # A Whoosh writer cannot delete what it added itself, so an id that is both upserted
        # and deleted in one batch is just deleted.
        for document in upserts:
            if str(document["id"]) not in deleted:
                writer.update_document(**to_fields(document))
        for document_id in deleted:
            writer.delete_by_term("id", document_id)
    except BaseException:
        writer.cancel()
        raise
    try:
        writer.commit()
    except Exception as exc:
        raise IndexUnavailable(f"cannot commit to search index {generation}: {exc!r}") from exc


def apply_changes(
    index_dir: IndexDir, upserts: list[SearchDocument], deletes: list[str], position: int
) -> None:
    """Apply upserts and deletions with one writer and record the outbox position."""
    # A rebuild may swap `current` between our opening the index and getting its lock; then we
    # start again on the new generation. Two retries cover all but a pathological rebuild loop.
    for _attempt in range(3):
        generation, ix = open_generation(index_dir)
        try:
            with ix.storage.guard():
                writer = ix.writer()
        except whoosh_index.LockError as exc:
            raise IndexLocked(f"another writer holds the lock on {generation}") from exc
        except Exception as exc:
            raise IndexUnavailable(f"cannot write to search index {generation}: {exc!r}") from exc
        if current_generation(index_dir) != generation:
            writer.cancel()
            continue
        _write_changes(writer, generation, upserts, deletes)
        # Recorded after the commit: if we crash in between, the indexer re-applies the same
        # rows, which is harmless because upserts and deletes are idempotent.
        _write_meta(generation, position)
        return
    raise IndexLocked(f"search index {index_dir} was swapped repeatedly while writing")
