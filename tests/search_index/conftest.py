"""Fixtures for the search_index tests: a fresh index of the corpus per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from search_index_corpus import CORPUS

from search_index import SearchIndex, rebuild


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    """A freshly built index of the corpus, recorded at outbox position 10."""
    directory = tmp_path / "index"
    rebuild(directory, CORPUS, position=10)
    return directory


@pytest.fixture
def search_index(index_dir: Path) -> Iterator[SearchIndex]:
    """An open SearchIndex over the corpus index."""
    index = SearchIndex(index_dir)
    yield index
    index.close()
