"""Search latency over the seeded catalogue: full search requests, the Whoosh index alone, and
SQLite FTS5 over the same documents, in one run. Writes the figures into the README on request.

    python bench/search_latency.py [--rounds 20] [--write-readme]
"""

from __future__ import annotations

import argparse
import platform
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from directory import create_app  # noqa: E402
from directory.catalogue.seed import load_catalogue, read_catalogue  # noqa: E402
from directory.extensions import db  # noqa: E402
from directory.search.documents import search_document  # noqa: E402
from directory.search.indexing import public_listings_query, rebuild_index  # noqa: E402
from search_index import SearchIndex, SearchRequest  # noqa: E402

# A fixed mix: plain words, phrases, synonyms, typos, filters alone and combined, empty.
QUERIES: list[dict] = [
    {"q": "accelerator"},
    {"q": "angel investment"},
    {"q": "grant", "region": "scotland"},
    {"q": "loan", "region": "wales", "stage": "start-up"},
    {"q": "VC"},
    {"q": "R&D funding"},
    {"q": "incubtor"},
    {"q": "mentroing"},
    {"q": "workspace", "region": "north-east"},
    {"q": "life sciences lab space"},
    {"q": "export"},
    {"q": "crowdfunding"},
    {"q": "", "region": "london"},
    {"q": "", "stage": "pre-start", "support": "advice"},
    {"q": "", "region": ["wales", "scotland"], "sort": "deadline"},
    {"q": "university spin out"},
    {"q": "digital skills training"},
    {"q": "manufacturing innovation", "region": "west-midlands"},
    {"q": "social enterprise"},
    {"q": "business support", "page": "2"},
    {"q": "((( AND OR *"},
    {"q": "green net zero"},
    {"q": "fintech", "sector": "business-and-finance"},
    {"q": "", "support": "equity", "stage": "growth"},
    # As founders type: places, kinds of support, names and questions read from the words.
    {"q": "accelerator manchester"},
    {"q": "grant Leeds"},
    {"q": "Business Wales"},
    {"q": "how do I get funding for my bakery in Bristol"},
    {"q": "seed funding", "near": "LS1 4AP"},
    {"q": "acellerator"},
]


def percentile(samples: list[float], fraction: float) -> float:
    """The value below which `fraction` of the samples fall (nearest rank)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def timed(function, rounds: int) -> list[float]:
    """Run function once to warm up, then `rounds` times; return milliseconds per call."""
    function()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def fts5_database(documents: list[dict]) -> sqlite3.Connection:
    """The same documents in an in-memory SQLite FTS5 table with Porter stemming."""
    connection = sqlite3.connect(":memory:")
    connection.execute(
        "CREATE VIRTUAL TABLE listing USING fts5(id UNINDEXED, name, organisation, summary, "
        "description, tokenize='porter')"
    )
    connection.executemany(
        "INSERT INTO listing VALUES (?, ?, ?, ?, ?)",
        [
            (d["id"], d["name"], d["organisation"], d["summary"], d["description"])
            for d in documents
        ],
    )
    return connection


def fts5_search(connection: sqlite3.Connection, text: str) -> list:
    """Top 20 FTS5 matches for the query's words, ranked by bm25."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    if not words:
        return connection.execute("SELECT id FROM listing ORDER BY name LIMIT 20").fetchall()
    match = " AND ".join(f'"{word}"' for word in words)
    return connection.execute(
        "SELECT id FROM listing WHERE listing MATCH ? ORDER BY bm25(listing) LIMIT 20", (match,)
    ).fetchall()


def scratch_config(scratch: Path) -> dict:
    """Configuration for an app on a scratch SQLite database and index."""
    return {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{scratch / 'bench.sqlite3'}",
        "SEARCH_INDEX_DIR": str(scratch / "index"),
        "SECRET_KEY": "bench",
        "LOG_LEVEL": "WARNING",
    }


def seed_scratch(scratch: Path, **config):
    """An app on a scratch database seeded with the real catalogue and its index."""
    app = create_app({**scratch_config(scratch), **config})
    if not app.extensions["geo"].is_current():
        # Without it seeded listings get no coordinates and place queries answer errors, so
        # every figure would be wrong; say so instead of measuring.
        raise SystemExit(
            f"The postcode lookup {app.config['GEO_LOOKUP_PATH']} is missing or out of date: "
            "run `flask --app wsgi geo build` first."
        )
    with app.app_context():
        db.create_all()
        taxonomy = app.extensions["taxonomy"]
        load_catalogue(db.session, taxonomy, read_catalogue(ROOT / "seed_data", taxonomy))
        db.session.commit()
        rebuild_index(str(scratch / "index"))
    return app


def run(rounds: int) -> dict:
    """Seed a scratch database and index, then time each way of searching."""
    scratch = Path(tempfile.mkdtemp(prefix="bench-search-"))
    app = seed_scratch(scratch)
    with app.app_context():
        documents = [
            search_document(listing) for listing in db.session.scalars(public_listings_query())
        ]
    count = len(documents)
    client = app.test_client()
    request_samples: list[float] = []
    index_samples: list[float] = []
    fts_samples: list[float] = []
    index = SearchIndex(scratch / "index")
    fts = fts5_database(documents)
    for query in QUERIES:
        request_samples += timed(lambda q=query: client.get("/search", query_string=q), rounds)
        filters = {k: tuple(v if isinstance(v, list) else [v]) for k, v in query.items()
                   if k in ("region", "stage", "support", "sector")}  # fmt: skip
        search = SearchRequest(
            text=query["q"], filters=filters, sort=query.get("sort", "relevance")
        )
        index_samples += timed(lambda s=search: index.search(s), rounds)
        fts_samples += timed(lambda q=query: fts5_search(fts, q["q"]), rounds)
    index.close()
    summary = {
        "listings": count,
        "queries": len(QUERIES),
        "rounds": rounds,
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
    }
    for name, samples in (("request", request_samples), ("whoosh", index_samples),
                          ("fts5", fts_samples)):  # fmt: skip
        summary[name] = {
            "p50": statistics.median(samples),
            "p95": percentile(samples, 0.95),
            "n": len(samples),
        }
    return summary


def report(summary: dict) -> str:
    """The figures as a Markdown table."""
    lines = [
        f"Measured by `bench/search_latency.py` on {time.strftime('%Y-%m-%d')}: "
        f"{summary['listings']} seeded listings, {summary['queries']} mixed queries x "
        f"{summary['rounds']} rounds, one process, {summary['machine']}, "
        f"{cpu_description()}. Each query repeats, so caches are warm, as in a long-running "
        "worker.",
        "",
        "| what | p50 ms | p95 ms | target |",
        "|---|---|---|---|",
        f"| `/search` page request, server side (Flask test client, Whoosh, Jinja) "
        f"| {summary['request']['p50']:.1f} | {summary['request']['p95']:.1f} | p95 < 25 ms |",
        f"| Whoosh index search alone (with facets) | {summary['whoosh']['p50']:.2f} "
        f"| {summary['whoosh']['p95']:.2f} | |",
        f"| SQLite FTS5 over the same documents (top 20, no facets) "
        f"| {summary['fts5']['p50']:.2f} | {summary['fts5']['p95']:.2f} | peer |",
    ]
    return "\n".join(lines)


def cpu_description() -> str:
    """Cores and CPU model, as far as /proc tells."""
    try:
        info = Path("/proc/cpuinfo").read_text()
        model = re.search(r"model name\s*:\s*(.+)", info)
        cores = info.count("processor\t:")
        return f"{cores} cores, {model.group(1).strip() if model else 'unknown CPU'}"
    except OSError:
        return "unknown CPU"


def write_readme(text: str, section: str = "search_latency") -> None:
    """Replace the figures between the README's markers for one benchmark."""
    readme = ROOT / "README.md"
    content = readme.read_text()
    start, end = f"<!-- bench:{section}:start -->", f"<!-- bench:{section}:end -->"
    if start not in content:
        raise SystemExit(f"README.md has no bench:{section} markers")
    before, rest = content.split(start, 1)
    after = rest.split(end, 1)[1]
    readme.write_text(f"{before}{start}\n{text}\n{end}{after}")


def main() -> None:
    """Parse arguments, run, print, and optionally write the README."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args()
    text = report(run(args.rounds))
    print(text)
    if args.write_readme:
        write_readme(text)


if __name__ == "__main__":
    main()
