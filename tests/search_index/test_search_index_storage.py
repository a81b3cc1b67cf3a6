"""Building, swapping, incremental changes, positions and failure modes of the index on disk."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from search_index_corpus import CORPUS, CORPUS_BY_ID, listing
from whoosh import index as whoosh_index

from search_index import (
    IndexLocked,
    IndexUnavailable,
    SearchIndex,
    SearchRequest,
    apply_changes,
    document_count,
    indexed_ids,
    read_position,
    rebuild,
)

ALL_IDS = set(CORPUS_BY_ID)


def generations(index_dir: Path) -> list[str]:
    return sorted(path.name for path in (index_dir / "generations").iterdir())


def search_ids(index: SearchIndex, text: str = "") -> set[str]:
    return set(index.search(SearchRequest(text=text, per_page=100)).ids)


# Rebuild and swap


def test_rebuild_lays_out_a_generation_behind_a_symlink(index_dir: Path) -> None:
    current = index_dir / "current"
    assert current.is_symlink()
    assert not os.path.isabs(os.readlink(current))
    assert current.resolve().parent == (index_dir / "generations").resolve()
    assert generations(index_dir) == [current.resolve().name]


def test_rebuild_returns_count_and_reports_progress(tmp_path: Path) -> None:
    documents = [
        listing(
            str(n), f"Programme {n}", "Org", "Support.", support=["advice"], regions=["uk-wide"]
        )
        for n in range(250)
    ]
    progress: list[int] = []
    assert rebuild(tmp_path / "index", iter(documents), position=3, progress=progress.append) == 250
    assert progress == [100, 200, 250]
    assert document_count(tmp_path / "index") == 250


def test_open_search_index_sees_rebuilt_generation(index_dir: Path, search_index) -> None:
    assert search_ids(search_index) == ALL_IDS
    old_generation = (index_dir / "current").resolve()

    rebuild(index_dir, CORPUS[:3], position=20)

    assert search_ids(search_index) == {"1", "2", "3"}
    assert not old_generation.exists()
    assert generations(index_dir) == [(index_dir / "current").resolve().name]
    assert read_position(index_dir) == 20


def test_failed_rebuild_leaves_current_index_alone(index_dir: Path, search_index) -> None:
    def broken_documents():
        yield CORPUS[0]
        raise RuntimeError("database went away")

    before = generations(index_dir)
    with pytest.raises(RuntimeError, match="database went away"):
        rebuild(index_dir, broken_documents(), position=99)
    assert generations(index_dir) == before
    assert read_position(index_dir) == 10
    assert search_ids(search_index) == ALL_IDS


def test_rebuild_waits_for_a_writer_then_gives_up(index_dir: Path, monkeypatch) -> None:
    monkeypatch.setattr("search_index.storage.SWAP_LOCK_TIMEOUT", 0.2)
    writer = whoosh_index.open_dir(str(index_dir / "current")).writer()
    try:
        before = generations(index_dir)
        with pytest.raises(IndexLocked):
            rebuild(index_dir, CORPUS[:2], position=11)
        assert generations(index_dir) == before
    finally:
        writer.cancel()
    assert read_position(index_dir) == 10


# Incremental changes


def test_apply_changes_is_visible_to_an_open_search_index(index_dir: Path, search_index) -> None:
    assert search_ids(search_index, "loans") == {"2", "4", "17", "19"}

    renamed = {**CORPUS_BY_ID["4"], "name": "Wales Business Fund"}
    renamed["summary"] = "Investment for Welsh businesses."
    added = listing(
        "99",
        "Seedcorn Competition",
        "Invest Northern Ireland",
        "A competition for early-stage companies with an award for the winner.",
        support=["award"],
        regions=["northern-ireland"],
    )
    apply_changes(index_dir, upserts=[renamed, added], deletes=["2"], position=11)

    assert search_ids(search_index, "loans") == {"17", "19"}
    assert search_ids(search_index, "competition") == {"99"}
    assert indexed_ids(index_dir) == ALL_IDS - {"2"} | {"99"}
    assert document_count(index_dir) == len(CORPUS)
    assert search_index.search(SearchRequest()).facets["support"]["award"] == 1
    assert read_position(index_dir) == 11


def test_repeated_upserts_do_not_duplicate(index_dir: Path, search_index) -> None:
    for position in (11, 12, 13):
        apply_changes(index_dir, upserts=[CORPUS_BY_ID["1"]], deletes=[], position=position)
    assert search_index.search(SearchRequest(text="techstars")).ids == ["1"]
    assert document_count(index_dir) == len(CORPUS)


def test_delete_wins_over_upsert_in_one_batch(index_dir: Path) -> None:
    apply_changes(index_dir, upserts=[CORPUS_BY_ID["5"]], deletes=["5", "unknown"], position=11)
    assert indexed_ids(index_dir) == ALL_IDS - {"5"}


def test_apply_changes_without_index(tmp_path: Path) -> None:
    with pytest.raises(IndexUnavailable, match="no search index"):
        apply_changes(tmp_path, upserts=[CORPUS[0]], deletes=[], position=1)


def test_held_writer_lock_raises_index_locked(index_dir: Path) -> None:
    writer = whoosh_index.open_dir(str(index_dir / "current")).writer()
    try:
        with pytest.raises(IndexLocked):
            apply_changes(index_dir, upserts=[CORPUS[0]], deletes=[], position=11)
    finally:
        writer.cancel()
    assert read_position(index_dir) == 10
    apply_changes(index_dir, upserts=[CORPUS[0]], deletes=[], position=11)
    assert read_position(index_dir) == 11


def test_index_locked_is_an_index_unavailable() -> None:
    assert issubclass(IndexLocked, IndexUnavailable)


# Positions and ids


def test_read_position_round_trip(index_dir: Path) -> None:
    assert read_position(index_dir) == 10
    apply_changes(index_dir, upserts=[], deletes=[], position=42)
    assert read_position(index_dir) == 42
    rebuild(index_dir, CORPUS, position=7)
    assert read_position(index_dir) == 7


def test_read_position_without_index(tmp_path: Path) -> None:
    assert read_position(tmp_path / "nowhere") is None
    assert read_position(tmp_path) is None


def test_index_from_another_schema_version_needs_rebuild(index_dir: Path) -> None:
    meta = index_dir / "current" / "meta.json"
    meta.write_text(json.dumps({"position": 10, "schema_version": -1}))
    assert read_position(index_dir) is None
    with SearchIndex(index_dir) as index, pytest.raises(IndexUnavailable, match="schema version"):
        index.search(SearchRequest())


def test_indexed_ids_and_count(index_dir: Path) -> None:
    assert indexed_ids(index_dir) == ALL_IDS
    assert document_count(index_dir) == len(CORPUS)


def test_empty_rebuild(tmp_path: Path) -> None:
    assert rebuild(tmp_path, [], position=0) == 0
    assert indexed_ids(tmp_path) == set()
    with SearchIndex(tmp_path) as index:
        response = index.search(SearchRequest(text="anything"))
    assert (response.total, response.ids) == (0, [])


# Missing and broken indexes


@pytest.mark.parametrize("call", [indexed_ids, document_count])
def test_missing_index_raises(tmp_path: Path, call) -> None:
    with pytest.raises(IndexUnavailable, match="no search index"):
        call(tmp_path)


def test_search_on_missing_index_raises(tmp_path: Path) -> None:
    with SearchIndex(tmp_path / "index") as index, pytest.raises(IndexUnavailable):
        index.search(SearchRequest(text="loans"))


def test_search_recovers_once_index_is_built(tmp_path: Path) -> None:
    with SearchIndex(tmp_path) as index:
        with pytest.raises(IndexUnavailable):
            index.search(SearchRequest())
        rebuild(tmp_path, CORPUS, position=1)
        assert index.search(SearchRequest()).total == len(CORPUS)


def test_empty_generation_raises(index_dir: Path) -> None:
    generation = (index_dir / "current").resolve()
    for path in generation.iterdir():
        if path.name != "meta.json":
            path.unlink()
    with SearchIndex(index_dir) as index, pytest.raises(IndexUnavailable, match="empty"):
        index.search(SearchRequest())


def test_dangling_current_raises(index_dir: Path) -> None:
    (index_dir / "current").unlink()
    (index_dir / "current").symlink_to("generations/gone")
    with SearchIndex(index_dir) as index, pytest.raises(IndexUnavailable, match="missing"):
        index.search(SearchRequest())
    with pytest.raises(IndexUnavailable):
        indexed_ids(index_dir)


@pytest.mark.parametrize("damage", ["garbage", "truncate"])
def test_corrupt_segments_raise_index_unavailable(index_dir: Path, damage: str) -> None:
    generation = (index_dir / "current").resolve()
    segments = list(generation.glob("*.seg"))
    assert segments
    for segment in segments:
        size = segment.stat().st_size
        if damage == "garbage":
            segment.write_bytes(bytes((n * 37 + 11) % 256 for n in range(size)))
        else:
            with segment.open("r+b") as handle:
                handle.truncate(size // 3)
    with SearchIndex(index_dir) as index, pytest.raises(IndexUnavailable):
        index.search(SearchRequest(text="loans"))


def test_corrupt_toc_raises_index_unavailable(index_dir: Path) -> None:
    for toc in (index_dir / "current").resolve().glob("*.toc"):
        toc.write_bytes(b"not a table of contents")
    with SearchIndex(index_dir) as index, pytest.raises(IndexUnavailable):
        index.search(SearchRequest())
    with pytest.raises(IndexUnavailable):
        document_count(index_dir)


def test_corrupt_metadata_raises(index_dir: Path) -> None:
    (index_dir / "current" / "meta.json").write_text("{not json")
    with pytest.raises(IndexUnavailable, match="metadata"):
        read_position(index_dir)


# Concurrency


def test_searches_from_several_threads_during_changes(index_dir: Path, search_index) -> None:
    failures: list[BaseException] = []

    def searcher() -> None:
        try:
            for _ in range(30):
                response = search_index.search(SearchRequest(text="investment"))
                assert response.total >= 1
        except BaseException as exc:  # collected so the main thread can fail the test
            failures.append(exc)

    threads = [threading.Thread(target=searcher) for _ in range(4)]
    for thread in threads:
        thread.start()
    for position in range(11, 16):
        apply_changes(index_dir, upserts=[CORPUS_BY_ID["10"]], deletes=[], position=position)
    rebuild(index_dir, CORPUS, position=20)
    for thread in threads:
        thread.join()
    assert failures == []
    assert search_ids(search_index) == ALL_IDS
