"""Search quality floors on the founder query set (bench/relevance/queries.yaml).

Quality, not timing: a later change that quietly loses relevance fails here. The figures
themselves, with their targets, are in the README (bench/relevance.py).
"""

import pytest

from bench.relevance import evaluate, facts_of, from_api, from_page, load_queries, metrics
from directory.extensions import db
from directory.search.indexing import public_listings_query

# Below the measured figures (README) by a margin, and at or above the targets.
FLOORS = {"precision_at_5": 0.9, "success_at_5": 0.97, "ndcg_at_10": 0.9}
MAX_ZERO_RESULTS = 0.02


@pytest.fixture
def catalogue(app):
    """Every public listing's judged attributes."""
    return [facts_of(listing) for listing in db.session.scalars(public_listings_query())]


def test_the_query_set_is_big_and_varied_enough():
    queries = load_queries()
    kinds = {query["kind"] for query in queries}
    assert len(queries) >= 80
    assert kinds >= {"place", "type", "sector", "stage", "name", "misspelling", "welsh",
                     "question", "near"}  # fmt: skip


@pytest.mark.parametrize("via", [from_page, from_api], ids=["page", "api"])
def test_relevance_stays_above_its_floors(client, catalogue, via):
    figures = metrics(evaluate(client, load_queries(), catalogue, via))
    assert figures["gaps"] == []  # every query has something relevant in the catalogue
    for name, floor in FLOORS.items():
        assert figures[name] >= floor, (name, figures)
    assert figures["zero_results"] <= MAX_ZERO_RESULTS, figures


def test_judgements_can_fail(client, catalogue):
    # A search that ignored the words would score far below the floors: the measure bites.
    def ignore_words(client, query):
        return from_api(client, {"q": "", "want": query["want"]})

    figures = metrics(evaluate(client, load_queries(), catalogue, ignore_words))
    assert figures["precision_at_5"] < 0.5 and figures["success_at_5"] < 0.8


def test_the_benches_refuse_to_measure_without_the_postcode_lookup(tmp_path):
    # Without it place queries answer errors; a clear stop beats a KeyError or wrong figures.
    from bench.search_latency import seed_scratch

    with pytest.raises(SystemExit, match="run `flask --app wsgi geo build` first"):
        seed_scratch(tmp_path, GEO_LOOKUP_PATH=str(tmp_path / "absent.sqlite3"))
