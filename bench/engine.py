"""This search engine against Whoosh's own BM25F scorer on the founder queries' words: latency,
precision@5 and success@5 over the seeded catalogue, in one run.

    python bench/engine.py [--rounds 20]

Both engines get the same words: each founder query of bench/relevance/queries.yaml read
literally, with no concepts, place or names understood from it (only this engine knows those),
so the comparison is engine against engine on words. Whoosh searches the same index with an OR
of the words' stems over the text fields, each boosted as search_index weighs the field; a
second Whoosh row adds the synonyms this engine expands the words with. Queries with no words
to search (a near-me box alone) are left out.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from whoosh.query import Or, Term  # noqa: E402
from whoosh.searching import Searcher  # noqa: E402

from bench.relevance import DEPTH, Facts, evaluate, facts_of, load_queries, metrics  # noqa: E402
from bench.search_latency import cpu_description, percentile, seed_scratch, timed  # noqa: E402
from directory.extensions import db  # noqa: E402
from directory.search.indexing import public_listings_query  # noqa: E402
from search_index import SearchIndex, SearchRequest  # noqa: E402
from search_index.query import SynonymTable, parse, words_of  # noqa: E402
from search_index.schema import TEXT_FIELDS  # noqa: E402
from search_index.storage import open_generation  # noqa: E402
from search_index.synonyms import DEFAULT_SYNONYMS  # noqa: E402

# One engine's search: words in; the first DEPTH document ids and how many matched out.
Search = Callable[[str], tuple[list[str], int]]


def this_engine(index: SearchIndex) -> Search:
    """This engine on words alone; as the service asks, a listing meeting any one is a result."""

    def search(text: str) -> tuple[list[str], int]:
        response = index.search(SearchRequest(text=text, partial=True, per_page=DEPTH))
        return response.ids, response.total

    return search


def stems_of(text: str, synonyms: SynonymTable) -> list[str]:
    """The stems this engine matches the text's words on, with their synonyms' stems."""
    clauses = parse(text, synonyms)
    return list(
        dict.fromkeys(stem for clause in clauses for stems in clause.alternatives for stem in stems)
    )


def whoosh_bm25f(searcher: Searcher, synonyms: SynonymTable) -> Search:
    """Whoosh's own scorer (BM25F) on an OR of the stems in each text field, boosted alike."""

    def search(text: str) -> tuple[list[str], int]:
        query = Or(
            [
                Term(fieldname, stem, boost=boost)
                for stem in stems_of(text, synonyms)
                for fieldname, boost in TEXT_FIELDS
            ]
        )
        results = searcher.search(query, limit=DEPTH)
        # Exact when known, else the sum of the terms' document counts: zero only when
        # nothing matched, which is all the zero-result rate asks.
        return [hit["id"] for hit in results], results.estimated_length()

    return search


def measure(
    search: Search, queries: list[dict], catalogue: list[Facts], slugs: dict[str, str], rounds: int
) -> dict:
    """One engine's latency over every query and its judged figures."""
    samples: list[float] = []
    for query in queries:
        samples += timed(lambda text=query["q"]: search(text), rounds)

    def by_slug(_client, query: dict) -> tuple[list[str], int]:
        ids, total = search(query["q"])
        return [slugs[document_id] for document_id in ids], total

    outcomes = evaluate(None, queries, catalogue, by_slug)
    figures = metrics(outcomes)
    # Where each engine wins or loses: precision@5 of each kind of query.
    figures["by_kind"] = {
        kind: metrics([o for o in outcomes if o.query["kind"] == kind])["precision_at_5"]
        for kind in dict.fromkeys(query["kind"] for query in queries)
    }
    figures["p50"] = statistics.median(samples)
    figures["p95"] = percentile(samples, 0.95)
    return figures


def run(rounds: int) -> dict:
    """Seed a scratch catalogue and index, then measure each engine on the same words."""
    queries = [query for query in load_queries() if words_of(query["q"])]
    with tempfile.TemporaryDirectory(prefix="bench-engine-") as scratch:
        app = seed_scratch(Path(scratch))
        with app.app_context():
            listings = list(db.session.scalars(public_listings_query()))
            catalogue = [facts_of(listing) for listing in listings]
            slugs = {str(listing.id): listing.slug for listing in listings}
            db.session.remove()
        index = SearchIndex(Path(scratch) / "index")
        _generation, whoosh_index = open_generation(Path(scratch) / "index")
        plain = SynonymTable(())
        synonyms = SynonymTable(DEFAULT_SYNONYMS)
        with whoosh_index.searcher() as searcher:
            engines = {
                "this engine (bit sets, weight bands)": this_engine(index),
                "Whoosh BM25F, OR of the words' stems": whoosh_bm25f(searcher, plain),
                "Whoosh BM25F, OR of the stems and their synonyms": whoosh_bm25f(
                    searcher, synonyms
                ),
            }
            figures = {
                name: measure(search, queries, catalogue, slugs, rounds)
                for name, search in engines.items()
            }
        index.close()
    return {
        "listings": len(catalogue),
        "queries": len(queries),
        "rounds": rounds,
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        "engines": figures,
        # Other work on the machine widens the tails, so the table says how busy it was.
        "load": os.getloadavg()[0],
    }


def report(summary: dict) -> str:
    """The figures as a Markdown table."""
    lines = [
        f"Measured by `bench/engine.py` on {time.strftime('%Y-%m-%d')}: {summary['queries']} "
        f"founder queries with words x {summary['rounds']} rounds against "
        f"{summary['listings']} seeded listings, one process, {summary['machine']}, "
        f"{cpu_description()}, 1-minute load average {summary['load']:.1f} at the end. "
        "Caches warm, as in a long-running worker.",
        "",
        "| engine | p50 ms | p95 ms | precision@5 | success@5 | nDCG@10 | zero results |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, figures in summary["engines"].items():
        lines.append(
            f"| {name} | {figures['p50']:.2f} | {figures['p95']:.2f} "
            f"| {figures['precision_at_5']:.2f} | {figures['success_at_5']:.0%} "
            f"| {figures['ndcg_at_10']:.2f} | {figures['zero_results']:.0%} |"
        )
    kinds = list(next(iter(summary["engines"].values()))["by_kind"])
    lines += [
        "",
        "precision@5 by kind of query:",
        "",
        f"| engine | {' | '.join(kinds)} |",
        f"|---|{'---|' * len(kinds)}",
    ]
    for name, figures in summary["engines"].items():
        cells = " | ".join(f"{figures['by_kind'][kind]:.2f}" for kind in kinds)
        lines.append(f"| {name} | {cells} |")
    return "\n".join(lines)


def main() -> None:
    """Parse arguments, run and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    print(report(run(args.rounds)))


if __name__ == "__main__":
    main()
