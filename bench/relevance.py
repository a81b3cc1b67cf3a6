"""Search quality on founders' own words: precision@5, success@5, nDCG@10 and the zero-result
rate of bench/relevance/queries.yaml, through the results page and the API, on the seeded
catalogue. Writes the figures into the README on request.

    python bench/relevance.py [--write-readme] [--show-failures]
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
QUERIES_PATH = ROOT / "bench" / "relevance" / "queries.yaml"
CUTOFF = 5
DEPTH = 10
WANTS = {"support", "stage", "sector", "serves", "in_region", "name", "tag"}
_RESULT = re.compile(r'app-result__title"><a class="govuk-link" href="/listings/([a-z0-9-]+)')
_TOTAL = re.compile(r'id="result-total">[^<]*? of ([\d,]+) result')


@dataclass(frozen=True)
class Facts:
    """What a judgement looks at in a listing."""

    slug: str
    names: str  # listing and organisation names, casefolded
    support: frozenset[str]
    stages: frozenset[str]
    sectors: frozenset[str]
    regions: frozenset[str]
    tags: tuple[str, ...]


@dataclass
class Outcome:
    """One query's results as one client saw them, and its judgements."""

    query: dict
    slugs: list[str]
    total: int
    relevant: list[bool] = field(default_factory=list)
    in_catalogue: int = 0


def load_queries(path: Path = QUERIES_PATH) -> list[dict]:
    """The judged queries, checked for unknown judgement keys."""
    queries = yaml.safe_load(path.read_text(encoding="utf-8"))["queries"]
    for query in queries:
        unknown = set(query["want"]) - WANTS
        if unknown:
            raise ValueError(f"{query['q']!r}: unknown judgement {sorted(unknown)}")
    return queries


def facts_of(listing) -> Facts:
    """The judged attributes of a listing."""
    return Facts(
        slug=listing.slug,
        names=f"{listing.name} {listing.organisation.name}".casefold(),
        support=frozenset(t.slug for t in listing.support_types),
        stages=frozenset(s.slug for s in listing.stages),
        sectors=frozenset(s.slug for s in listing.sectors),
        regions=frozenset(listing.region_slugs),
        tags=tuple(listing.tags or ()),
    )


def is_relevant(facts: Facts, want: dict) -> bool:
    """Whether a listing has every attribute the judgement asks for."""
    checks = {
        "support": lambda v: bool(facts.support & set(v)),
        "stage": lambda v: bool(facts.stages & set(v)),
        "sector": lambda v: bool(facts.sectors & set(v)),
        "serves": lambda v: bool(facts.regions & {*_listed(v), "uk-wide"}),
        "in_region": lambda v: bool(facts.regions & _listed(v)) and "uk-wide" not in facts.regions,
        "name": lambda v: v.casefold() in facts.names,
        "tag": lambda v: any(v in tag for tag in facts.tags),
    }
    return all(checks[key](value) for key, value in want.items())


def _listed(value) -> set[str]:
    """A judgement value that may be one region or a list of them."""
    return set(value) if isinstance(value, list) else {value}


def _arguments(query: dict) -> dict:
    arguments = {"q": query["q"]}
    if query.get("near"):
        arguments["near"] = query["near"]
    return arguments


def from_page(client, query: dict) -> tuple[list[str], int]:
    """The first results' slugs and the total, read from the results page."""
    html = client.get("/search", query_string=_arguments(query)).get_data(as_text=True)
    total = _TOTAL.search(html)
    return _RESULT.findall(html)[:DEPTH], int(total.group(1).replace(",", "")) if total else 0


def from_api(client, query: dict) -> tuple[list[str], int]:
    """The first results' slugs and the total, from the search API."""
    body = client.get(
        "/api/v1/search", query_string={**_arguments(query), "per_page": DEPTH}
    ).get_json()
    return [result["slug"] for result in body["results"]], body["total"]


def evaluate(client, queries: list[dict], catalogue: list[Facts], via) -> list[Outcome]:
    """Run every query through one client (from_page or from_api) and judge its results."""
    by_slug = {facts.slug: facts for facts in catalogue}
    outcomes = []
    for query in queries:
        slugs, total = via(client, query)
        outcome = Outcome(query, slugs, total)
        outcome.relevant = [is_relevant(by_slug[slug], query["want"]) for slug in slugs]
        outcome.in_catalogue = sum(is_relevant(facts, query["want"]) for facts in catalogue)
        outcomes.append(outcome)
    return outcomes


def _dcg(gains: list[bool]) -> float:
    return sum(1 / math.log2(rank + 2) for rank, gain in enumerate(gains) if gain)


def metrics(outcomes: list[Outcome]) -> dict:
    """The set's figures. Queries with nothing relevant in the catalogue are catalogue gaps:
    counted apart, since no ranking could succeed on them."""
    judged = [o for o in outcomes if o.in_catalogue]
    precision = [sum(o.relevant[:CUTOFF]) / min(CUTOFF, o.in_catalogue) for o in judged]
    success = [any(o.relevant[:CUTOFF]) for o in judged]
    ndcg = [_dcg(o.relevant[:DEPTH]) / _dcg([True] * min(DEPTH, o.in_catalogue)) for o in judged]
    return {
        "queries": len(outcomes),
        "judged": len(judged),
        "gaps": [o.query["q"] or f"near {o.query['near']}" for o in outcomes if not o.in_catalogue],
        "precision_at_5": sum(precision) / len(judged) if judged else 0.0,
        "success_at_5": sum(success) / len(judged) if judged else 0.0,
        "ndcg_at_10": sum(ndcg) / len(judged) if judged else 0.0,
        "zero_results": sum(o.total == 0 for o in outcomes) / len(outcomes),
    }


def failures(outcomes: list[Outcome]) -> list[str]:
    """Queries whose first five are not all relevant, for a person to look at."""
    lines = []
    for o in outcomes:
        if o.in_catalogue and sum(o.relevant[:CUTOFF]) < min(CUTOFF, o.in_catalogue):
            marks = "".join("+" if r else "-" for r in o.relevant[:CUTOFF])
            misses = [slug for slug, relevant in zip(o.slugs, o.relevant, strict=True)
                      if not relevant]  # fmt: skip
            lines.append(f"{marks:5}  {o.query['q']} {o.query.get('near', '')}  {misses[:3]}")
    return lines


def report(page: dict, api: dict, listings: int) -> str:
    """The figures as a Markdown table."""
    gaps = ", ".join(f"‘{q}’" for q in page["gaps"]) or "none"
    lines = [
        f"Measured by `bench/relevance.py` on {time.strftime('%Y-%m-%d')}: {page['queries']} "
        f"founder queries in `bench/relevance/queries.yaml`, judged by listing attributes, "
        f"against {listings} seeded listings. Queries with nothing relevant in the catalogue "
        f"(catalogue gaps, not search failures) are left out of the averages: {gaps}.",
        "",
        "| through | precision@5 | success@5 | nDCG@10 | zero results | target |",
        "|---|---|---|---|---|---|",
    ]
    for name, figures in (("results page", page), ("API", api)):
        lines.append(
            f"| {name} | {figures['precision_at_5']:.2f} | {figures['success_at_5']:.0%} "
            f"| {figures['ndcg_at_10']:.2f} | {figures['zero_results']:.0%} "
            "| precision@5 >= 0.8, success@5 >= 95%, zero results <= 2% |"
        )
    return "\n".join(lines)


def main() -> None:
    """Seed a scratch catalogue, run the set both ways, print, and optionally write the README."""
    sys.path.insert(0, str(ROOT))
    from bench.search_latency import seed_scratch, write_readme
    from directory.extensions import db
    from directory.search.indexing import public_listings_query

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-readme", action="store_true")
    parser.add_argument("--show-failures", action="store_true")
    args = parser.parse_args()
    app = seed_scratch(Path(tempfile.mkdtemp(prefix="bench-relevance-")))
    queries = load_queries()
    with app.app_context():
        catalogue = [facts_of(listing) for listing in db.session.scalars(public_listings_query())]
    client = app.test_client()
    page_outcomes = evaluate(client, queries, catalogue, from_page)
    api_outcomes = evaluate(client, queries, catalogue, from_api)
    text = report(metrics(page_outcomes), metrics(api_outcomes), len(catalogue))
    print(text)
    if args.show_failures:
        print("\n".join(["", "Not all relevant in the first five:"] + failures(page_outcomes)))
    if args.write_readme:
        write_readme(text, "relevance")


if __name__ == "__main__":
    main()
