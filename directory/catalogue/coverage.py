"""Catalogue checks beyond single records: duplicates and coverage by region, stage and support."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from directory.catalogue.records import Problem
from directory.catalogue.seed import Catalogue
from directory.taxonomy import UK_WIDE, Taxonomy

# The coverage a founder in any region should find (issue: the real catalogue).
MIN_LISTINGS = 560
MIN_PER_REGION = 25
MIN_PER_SUPPORT_TYPE = 10
MIN_PER_STAGE = 60
MIN_PER_SECTOR = 10


@dataclass
class Coverage:
    """Counts of listings by taxonomy, and region crossed with stage and support type."""

    total: int
    by_region: Counter
    by_stage: Counter
    by_support: Counter
    by_sector: Counter
    region_stage: dict[str, Counter]
    region_support: dict[str, Counter]


def duplicate_problems(catalogue: Catalogue) -> list[Problem]:
    """Listings must have distinct names, and different organisations distinct websites."""
    problems = []
    names: dict[str, list[str]] = defaultdict(list)
    websites: dict[str, set[str]] = defaultdict(set)
    for slug, listing in catalogue.listings.items():
        names[listing["name"].casefold()].append(slug)
        if listing["website"]:
            websites[_site_key(listing["website"])].add(listing["organisation"])
    for slugs in names.values():
        for slug in slugs[1:] if len(slugs) > 1 else []:
            problems.append(Problem("catalogue", slug, "name", f"same name as {slugs[0]}"))
    for slug, listing in catalogue.listings.items():
        if listing["website"] and len(websites[_site_key(listing["website"])]) > 1:
            owners = ", ".join(sorted(websites[_site_key(listing["website"])]))
            problems.append(
                Problem("catalogue", slug, "website", f"also used by other organisations: {owners}")
            )
    return problems


def _site_key(url: str) -> str:
    """Compare websites without scheme, www. or a trailing slash."""
    key = url.lower().split("://", 1)[-1].removeprefix("www.")
    return key.rstrip("/")


def coverage(catalogue: Catalogue, taxonomy: Taxonomy) -> Coverage:
    """Count listings by region (region-specific only), stage, support type and sector."""
    listings = [listing for listing in catalogue.listings.values() if listing["status"] != "closed"]
    region_stage: dict[str, Counter] = {slug: Counter() for slug in taxonomy.slugs("regions")}
    region_support: dict[str, Counter] = {slug: Counter() for slug in taxonomy.slugs("regions")}
    by_sector: Counter = Counter()
    for listing in listings:
        for region in listing["regions"]:
            if region != UK_WIDE:
                region_stage[region].update(listing["stages"])
                region_support[region].update(listing["support_types"])
        # Sector-agnostic support serves every sector.
        sectors = taxonomy.slugs("sectors") if "any" in listing["sectors"] else listing["sectors"]
        by_sector.update(sector for sector in sectors if sector != "any")
    return Coverage(
        total=len(listings),
        by_region=Counter(r for listing in listings for r in listing["regions"] if r != UK_WIDE),
        by_stage=Counter(s for listing in listings for s in listing["stages"]),
        by_support=Counter(s for listing in listings for s in listing["support_types"]),
        by_sector=by_sector,
        region_stage=region_stage,
        region_support=region_support,
    )


def coverage_shortfalls(result: Coverage, taxonomy: Taxonomy) -> list[str]:
    """Every way the catalogue falls short of the coverage targets."""
    shortfalls = []
    if result.total < MIN_LISTINGS:
        shortfalls.append(f"{result.total} open listings; at least {MIN_LISTINGS} wanted")
    for name, counts, minimum in (
        ("regions", result.by_region, MIN_PER_REGION),
        ("stages", result.by_stage, MIN_PER_STAGE),
        ("support_types", result.by_support, MIN_PER_SUPPORT_TYPE),
        ("sectors", result.by_sector, MIN_PER_SECTOR),
    ):
        for slug in taxonomy.slugs(name):
            if slug != "any" and counts[slug] < minimum:
                label = name.replace("_", " ")
                shortfalls.append(f"{label}: {slug} has {counts[slug]}; {minimum} wanted")
    return shortfalls


def coverage_table(rows: dict[str, Counter], columns: list[str], row_labels: list[str]) -> str:
    """A fixed-width text table of counts, one row per region."""
    width = max(len(label) for label in row_labels) + 2
    header = " " * width + " ".join(f"{column[:6]:>6}" for column in columns)
    lines = [header]
    for slug, label in zip(rows, row_labels, strict=True):
        lines.append(f"{label:<{width}}" + " ".join(f"{rows[slug][c]:>6}" for c in columns))
    return "\n".join(lines)
