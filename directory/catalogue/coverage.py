"""Catalogue checks beyond single records: duplicates, near-copies, and coverage against targets.

The targets are the mission's (issue: the catalogue founders came for): the kinds founders come
for, counted by each listing's main (first) type of support, in total and per region, not
counting closed programmes. Chambers, awards and workspaces stay but do not count toward them.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from urllib.parse import urlsplit

from directory.catalogue.records import ListingRecord, Problem
from directory.catalogue.seed import Catalogue
from directory.states import ListingStatus
from directory.taxonomy import UK_WIDE, Taxonomy

# The coverage a founder in any region should find (issue: the real catalogue).
MIN_LISTINGS = 560
MIN_PER_REGION = 25
MIN_PER_SUPPORT_TYPE = 10
MIN_PER_STAGE = 60
MIN_PER_SECTOR = 10
# Two descriptions sharing this share of their five-word runs are copies, not descriptions.
NEAR_COPY = 0.6
SHINGLE_WORDS = 5
# Support a founder visits in person: its sites should carry a postcode.
PHYSICAL_KINDS = frozenset({"workspace", "incubator"})
MIN_POSTCODED_SITES = 0.9
# A listing naming more regions than this (all of England, say) serves a nation, not a region:
# it counts toward the totals but not toward any region's own.
MAX_REGIONS_OF_A_REGIONAL_LISTING = 3
ENGLISH_REGIONS = (
    "north-east", "north-west", "yorkshire-and-the-humber", "east-midlands", "west-midlands",
    "eastern", "london", "south-east", "south-west",
)  # fmt: skip
# One Growth Hub per former LEP area in England: a Growth Hub listing carries the tag
# growth-hub and a tag naming each area it serves (lep-solent), so the check counts areas
# covered, not listings (three hubs once shared the South East LEP's area).
GROWTH_HUB_TAG = "growth-hub"
LEP_AREA_TAG = "lep-"
FORMER_LEP_AREAS = {
    "black-country": "Black Country",
    "buckinghamshire": "Buckinghamshire",
    "cambridgeshire-and-peterborough": "Cambridgeshire and Peterborough",
    "cheshire-and-warrington": "Cheshire and Warrington",
    "coast-to-capital": "Coast to Capital",
    "cornwall-and-isles-of-scilly": "Cornwall and Isles of Scilly",
    "coventry-and-warwickshire": "Coventry and Warwickshire",
    "cumbria": "Cumbria",
    "d2n2": "D2N2 (Derby, Derbyshire, Nottingham and Nottinghamshire)",
    "dorset": "Dorset",
    "enterprise-m3": "Enterprise M3",
    "gloucestershire": "Gloucestershire",
    "greater-birmingham-and-solihull": "Greater Birmingham and Solihull",
    "greater-lincolnshire": "Greater Lincolnshire",
    "greater-manchester": "Greater Manchester",
    "heart-of-the-south-west": "Heart of the South West",
    "hertfordshire": "Hertfordshire",
    "hull-and-east-yorkshire": "Hull and East Yorkshire",
    "lancashire": "Lancashire",
    "leicester-and-leicestershire": "Leicester and Leicestershire",
    "liverpool-city-region": "Liverpool City Region",
    "london": "London",
    "new-anglia": "New Anglia",
    "north-east": "North East",
    "oxfordshire": "Oxfordshire",
    "solent": "Solent",
    "south-east": "South East",
    "south-east-midlands": "South East Midlands",
    "south-yorkshire": "South Yorkshire (Sheffield City Region)",
    "stoke-on-trent-and-staffordshire": "Stoke-on-Trent and Staffordshire",
    "swindon-and-wiltshire": "Swindon and Wiltshire",
    "tees-valley": "Tees Valley",
    "thames-valley-berkshire": "Thames Valley Berkshire",
    "the-marches": "The Marches",
    "west-of-england": "West of England",
    "west-yorkshire": "West Yorkshire (Leeds City Region)",
    "worcestershire": "Worcestershire",
    "york-and-north-yorkshire": "York and North Yorkshire",
}


@dataclass(frozen=True)
class Target:
    """How many listings of some main kinds the catalogue should hold, in all and per region."""

    label: str
    kinds: frozenset[str]
    total: int = 0
    per_region: int = 0
    # Count a listing when any of its types is one of the kinds, not only its main one.
    any_type: bool = False


TARGETS = (
    Target("accelerator and incubator programmes", frozenset({"accelerator", "incubator"}), 120),
    Target("accelerators based in or dedicated to a region", frozenset({"accelerator"}),
           per_region=4, any_type=True),
    Target("venture capital and equity funds", frozenset({"equity"}), 120),
    Target("angel networks and syndicates", frozenset({"angel"}), 40, per_region=2),
    Target("lending products", frozenset({"loan"}), 30),
    Target("grants and competitions", frozenset({"grant"}), 80),
    Target("online resources", frozenset({"online"}), 50),
)  # fmt: skip


@dataclass
class Coverage:
    """Counts of listings by taxonomy, and region crossed with stage and support type."""

    total: int
    by_region: Counter[str]
    by_stage: Counter[str]
    by_support: Counter[str]
    by_sector: Counter[str]
    region_stage: dict[str, Counter[str]]
    region_support: dict[str, Counter[str]]


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


# Hosts that republish other sites' pages or documents (scrapers, aggregators, document-copying
# sites, AI-written content farms, anonymous mirrors and copies of Wikipedia): a fact is cited
# from the page that published it, which a reader can trust and re-check, never from a copy.
# Grown from reviews of the sources.
UNTRUSTED_SOURCE_HOSTS = frozenset(
    """
    123doc.top 35.242.148.148 79.170.44.78 afgaryanews.us aitechconnect-976.pages.dev bcn-stay.com
    biobriefs.com birminghamupdates.com blockbuzznews.com bnsglobalnews.com braiviq.com
    briefbriefing.com brumdaily.uk ceotimes.com cgshares.com churchofcustomer.com comsotoshiru.com
    cupdf.com d2fwjx6idq9do9.cloudfront.net d33gy59ovltp76.cloudfront.net
    d3ur5s4dyg6skx.cloudfront.net daily8.com dashaccountingservices.com dhirubhai.net
    directiontaker.com dng24.co.uk docplayer.net docslib.org documents.pub dokumen.tips dywpk.org.uk
    earlyfinder.com eminetra.co.uk enwikipedia.net europesays.com evepla.com
    everything.explained.today evrimagaci.org exbulletin.com fdocuments.in fdocuments.net
    fdocuments.us financedocbox.com findworldedu.com freedom-time.net fundingtrip.com
    fundsforcompanies.fundsforngos.org gkaccountingservices.com gmi-co.com greatreporter.com
    grokipedia.com healthcaremea.com healty.info imagepress.net infograndz.com infotec.news
    investornewstoday.com jobreeze.co.uk joltoo.com kiwix.casplantje.nl lawpeeps.ai lewlewbiz.com
    linkdaddynews.com london-today.com london-tv.co.uk midnightsun.cc mindstray.com more-deals.info
    mysportshq.com newlistener.co.uk news.anyfans.com news.charm-retirement.com newsanyway.com
    newsblendhub.com nftgators.com nogentech.co.uk nytimesnewstoday.com online-techtips.blogspot.com
    ourmechanicalcenter.com particle.news pdfslide.net pdfslide.us platoaistream.net precook.info
    quarterlytics.com readkong.com revniq.co.uk scotlandnewstoday.com settuka.com
    shippingtelegraph.com studylib.net techblast.co.uk techbrunch.co techbuzz.ai techtost.com
    thedailybrit.co.uk theindependentnewstoday.com theinfolist.com therooftop.news theukrules.co.uk
    timesmoguls.com topicuk.co.uk tradetide.info twunroll.com ukbusinessupdates.com unicorn-nest.com
    utechpus.com vdocument.in vdocuments.net vdocuments.site vdocuments.us vmvirtualmachine.com
    w.owiki.org wallpaperswave.com westmidlands.news wikimili.com wikipedia.theonecurly.page
    wikisum.wiki wikiwand.com woodzog.com worldofnewsbeats.blogspot.com worldofsoftware.org
    yacy.domain.glass zephyrnet.com zlogg.co.uk
    """.split()  # noqa: SIM905  (a word list reads better than a hundred quoted strings)
)


def untrusted_source_problems(catalogue: Catalogue) -> list[Problem]:
    """Sources on hosts that only copy other pages are not sources."""
    problems = []
    for records in (catalogue.organisations, catalogue.listings):
        for slug, record in records.items():
            for source in record["sources"]:
                host = (urlsplit(source["url"]).hostname or "").removeprefix("www.")
                if host in UNTRUSTED_SOURCE_HOSTS:
                    problems.append(
                        Problem("catalogue", slug, "sources",
                                f"{host} copies other sites' pages; cite the page it copied")
                    )  # fmt: skip
    return problems


def _site_key(url: str) -> str:
    """Compare websites without scheme, www. or a trailing slash."""
    key = url.lower().split("://", 1)[-1].removeprefix("www.")
    return key.rstrip("/")


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {tuple(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def near_copy_problems(catalogue: Catalogue) -> list[Problem]:
    """Listings whose descriptions are near-copies of another organisation's listing.

    One organisation's regional editions of a programme (a Launchpad per cluster, a hub per
    city) may share their account of it; different organisations each need their own.
    """
    shingles = {slug: _shingles(listing["description"] or "")
                for slug, listing in catalogue.listings.items()}  # fmt: skip
    holders: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for slug, runs in shingles.items():
        for run in runs:
            holders[run].append(slug)
    shared: Counter[tuple[str, str]] = Counter()
    for slugs in holders.values():
        if len(slugs) < 20:  # a phrase in dozens of listings is a stock phrase, not a copy
            for i, first in enumerate(slugs):
                for second in slugs[i + 1 :]:
                    shared[first, second] += 1
    problems = []
    listings = catalogue.listings
    for (first, second), count in sorted(shared.items()):
        if listings[first]["organisation"] == listings[second]["organisation"]:
            continue
        smaller = min(len(shingles[first]), len(shingles[second])) or 1
        if count / smaller >= NEAR_COPY:
            problems.append(
                Problem("catalogue", second, "description", f"is a near-copy of {first}'s")
            )
    return problems


def target_counts(catalogue: Catalogue, target: Target) -> tuple[int, Counter]:
    """Listings (not closed) meeting a target: in all, and per region (regional ones only)."""
    total = 0
    by_region: Counter[str] = Counter()
    for listing in catalogue.listings.values():
        if listing["status"] == ListingStatus.CLOSED or not listing["support_types"]:
            continue
        types = listing["support_types"] if target.any_type else listing["support_types"][:1]
        if not target.kinds & set(types):
            continue
        total += 1
        regions = [region for region in listing["regions"] if region != UK_WIDE]
        if len(regions) <= MAX_REGIONS_OF_A_REGIONAL_LISTING:
            by_region.update(regions)
    return total, by_region


def _is_growth_hub_in_england(listing: ListingRecord) -> bool:
    """A listing tagged growth-hub that serves a region of England."""
    return GROWTH_HUB_TAG in listing["tags"] and bool(
        set(listing["regions"]) & set(ENGLISH_REGIONS)
    )


def _lep_areas(listing: ListingRecord) -> list[str]:
    """The former LEP areas a listing's lep-<area> tags name (known or not)."""
    return [tag.removeprefix(LEP_AREA_TAG) for tag in listing["tags"]
            if tag.startswith(LEP_AREA_TAG)]  # fmt: skip


def growth_hub_areas(catalogue: Catalogue) -> set[str]:
    """The former LEP areas in England whose Growth Hub the catalogue lists."""
    return {
        area
        for listing in catalogue.listings.values()
        if _is_growth_hub_in_england(listing)
        for area in _lep_areas(listing)
        if area in FORMER_LEP_AREAS
    }


def growth_hub_problems(catalogue: Catalogue) -> list[Problem]:
    """A Growth Hub in England names the former LEP areas it serves, from the fixed list."""
    problems = []
    for slug, listing in catalogue.listings.items():
        areas = _lep_areas(listing)
        unknown = [area for area in areas if area not in FORMER_LEP_AREAS]
        if unknown:
            message = f"no former LEP area is called {LEP_AREA_TAG}{unknown[0]}"
            problems.append(Problem("catalogue", slug, "tags", message))
        elif _is_growth_hub_in_england(listing) and not areas:
            problems.append(
                Problem("catalogue", slug, "tags", "a Growth Hub needs a lep-<area> tag")
            )
    return problems


def postcoded_sites(catalogue: Catalogue) -> tuple[int, int]:
    """(sites with a postcode, sites) among the locations of support founders visit."""
    sites = [
        location
        for listing in catalogue.listings.values()
        if PHYSICAL_KINDS & set(listing["support_types"])
        and listing["status"] != ListingStatus.CLOSED
        for location in listing["locations"]
    ]
    return sum(1 for location in sites if location["postcode"]), len(sites)


def mission_shortfalls(catalogue: Catalogue, taxonomy: Taxonomy) -> list[str]:
    """Every way the catalogue falls short of the mission's targets."""
    shortfalls = []
    for target in TARGETS:
        total, by_region = target_counts(catalogue, target)
        if total < target.total:
            shortfalls.append(f"{target.label}: {total}; at least {target.total} wanted")
        for region in taxonomy.slugs("regions") if target.per_region else ():
            if by_region[region] < target.per_region:
                shortfalls.append(
                    f"{target.label}: {region} has {by_region[region]}; {target.per_region} wanted"
                )
    missing = sorted(FORMER_LEP_AREAS.keys() - growth_hub_areas(catalogue))
    if missing:
        shortfalls.append(
            f"Growth Hubs in England: {len(FORMER_LEP_AREAS) - len(missing)} of "
            f"{len(FORMER_LEP_AREAS)} former LEP areas; missing "
            + ", ".join(FORMER_LEP_AREAS[area] for area in missing)
        )
    postcoded, sites = postcoded_sites(catalogue)
    if sites and postcoded / sites < MIN_POSTCODED_SITES:
        shortfalls.append(
            f"physical sites with a postcode: {postcoded} of {sites} "
            f"({postcoded / sites:.0%}); {MIN_POSTCODED_SITES:.0%} wanted"
        )
    return shortfalls


def mission_table(catalogue: Catalogue, taxonomy: Taxonomy) -> str:
    """Each target's count in all and per region, as a fixed-width table."""
    regions = taxonomy.slugs("regions")
    header = f"{'target':<50}{'total':>7}" + "".join(f"{r[:6]:>7}" for r in regions)
    lines = [header]
    for target in TARGETS:
        total, by_region = target_counts(catalogue, target)
        wanted = f"{total}/{target.total}" if target.total else str(total)
        cells = "".join(
            f"{by_region[r]:>7}"
            if not target.per_region
            else f"{by_region[r]:>5}/{target.per_region}"
            for r in regions
        )
        lines.append(f"{target.label[:49]:<50}{wanted:>7}{cells}")
    areas = len(growth_hub_areas(catalogue))
    lines.append(
        f"{'former LEP areas with their Growth Hub':<50}{areas:>4}/{len(FORMER_LEP_AREAS)}"
    )
    postcoded, sites = postcoded_sites(catalogue)
    lines.append(f"{'physical sites with a postcode':<50}{postcoded:>4}/{sites}")
    return "\n".join(lines)


def coverage(catalogue: Catalogue, taxonomy: Taxonomy) -> Coverage:
    """Count listings by region (region-specific only), stage, support type and sector."""
    listings = [
        listing
        for listing in catalogue.listings.values()
        if listing["status"] != ListingStatus.CLOSED
    ]
    region_stage: dict[str, Counter[str]] = {slug: Counter() for slug in taxonomy.slugs("regions")}
    region_support: dict[str, Counter[str]] = {
        slug: Counter() for slug in taxonomy.slugs("regions")
    }
    by_sector: Counter[str] = Counter()
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
