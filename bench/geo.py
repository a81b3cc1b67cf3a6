"""Geography benchmarks: postcode lookup latency and memory, and near-me search latency over the
seeded catalogue and over a synthetic catalogue of 100,000 listings.

    python bench/geo.py [--lookup instance/geo.sqlite3] [--synthetic 100000] [--rounds 20]

Builds the lookup first if it is missing (and reports how long that took). The synthetic
listings are generated here, clearly marked, and never touch the real catalogue.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import random
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
from directory.geo.authorities import region_of  # noqa: E402
from directory.geo.build import build_lookup  # noqa: E402
from directory.geo.fileformat import SCALE  # noqa: E402
from directory.geo.lookup import GeoError, GeoLookup  # noqa: E402
from directory.geo.postcodes import pretty  # noqa: E402
from directory.search.indexing import rebuild_index  # noqa: E402
from search_index import PlaceScope, SearchIndex, SearchRequest, rebuild  # noqa: E402

PLACES = "Sheffield|Milton Keynes|St Andrews|Newcastle upon Tyne|Leeds|Cardiff|Belfast|Hull"
NEAR = "LS1 4AP|M1 1AE|B1 1BB|EH1 1YZ|CF10 3AT|BT1 5GS|E14 5AB|BS1 5TR|NE1 4ST|Sheffield|LS1"
WORDS = "grant loan accelerator incubator mentoring workspace investment angel equity export"


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def rss_mb() -> float:
    """This process's resident memory in MB."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def sample_postcodes(path: Path, count: int, seed: int = 7) -> list[tuple[str, float, float, str]]:
    """Random real postcodes from the lookup: (postcode, lat, lon, LAD25 code)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    codes = dict(connection.execute("SELECT id, code FROM authority"))
    random.seed(seed)
    rows = connection.execute(
        "SELECT code, lat, lon, authority FROM postcode WHERE lat IS NOT NULL "
        "ORDER BY random() LIMIT ?",
        (count,),
    ).fetchall()
    connection.close()
    return [(code, lat / SCALE, lon / SCALE, codes.get(a, "")) for code, lat, lon, a in rows]


def time_lookups(lookup: GeoLookup, texts: list[str]) -> list[float]:
    """Milliseconds per resolve of each text (warm: each was resolved once before)."""
    samples = []
    for text in texts:
        started = time.perf_counter()
        with contextlib.suppress(GeoError):
            lookup.resolve(text)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def lookup_figures(path: Path) -> dict:
    """Latency and memory of the lookup."""
    postcodes = sample_postcodes(path, 5000)
    texts = [pretty(code) for code, *_ in postcodes]
    districts = sorted({code[:-3] for code, *_ in postcodes})
    before = rss_mb()
    lookup = GeoLookup(path)
    cold_started = time.perf_counter()
    lookup.resolve("LS1 4AP")
    cold_ms = (time.perf_counter() - cold_started) * 1000
    time_lookups(lookup, texts + districts + PLACES.split("|"))  # warm every page they touch
    postcode_ms = time_lookups(lookup, texts)
    district_ms = time_lookups(lookup, districts)
    place_ms = time_lookups(lookup, PLACES.split("|") * 50)
    return {
        "file_mb": path.stat().st_size / 1e6,
        "first_ms": cold_ms,
        "postcode": postcode_ms,
        "district": district_ms,
        "place": place_ms,
        "memory_mb": rss_mb() - before,
    }


def seeded_figures(path: Path, rounds: int) -> dict:
    """Near-me requests over the seeded catalogue, through Flask, and the index alone."""
    scratch = Path(tempfile.mkdtemp(prefix="bench-geo-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{scratch / 'bench.sqlite3'}",
            "SEARCH_INDEX_DIR": str(scratch / "index"),
            "GEO_LOOKUP_PATH": str(path),
            "SECRET_KEY": "bench",
            "LOG_LEVEL": "WARNING",
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        db.create_all()
        taxonomy = app.extensions["taxonomy"]
        report = load_catalogue(db.session, taxonomy, read_catalogue(ROOT / "seed_data", taxonomy))
        db.session.commit()
        count = rebuild_index(str(scratch / "index"))
    client = app.test_client()
    lookup = app.extensions["geo"]
    request_ms: list[float] = []
    index_ms: list[float] = []
    index = SearchIndex(scratch / "index")
    for near in NEAR.split("|"):
        query = {"near": near, "q": random.choice(["", "", "grant", "workspace"])}
        client.get("/search", query_string=query)
        for _ in range(rounds):
            started = time.perf_counter()
            client.get("/search", query_string=query)
            request_ms.append((time.perf_counter() - started) * 1000)
        found = lookup.resolve(near)
        search = near_request(query["q"], found)
        index.search(search)
        for _ in range(rounds):
            started = time.perf_counter()
            index.search(search)
            index_ms.append((time.perf_counter() - started) * 1000)
    index.close()
    return {
        "listings": count,
        "unplaced": len(report.unplaced),
        "request": request_ms,
        "index": index_ms,
    }


def near_request(text: str, found) -> SearchRequest:
    """A near-me search as the service makes it: every listing serving the place, nearest first."""
    place = PlaceScope(found.point, 25.0, (found.lad_code,) if found.lad_code else (), found.region)
    return SearchRequest(text=text, place=place, sort="distance", partial=True)


def synthetic_documents(path: Path, count: int):
    """SYNTHETIC listings for scale tests: 80% at random real postcodes, 20% UK-wide/online."""
    places = sample_postcodes(path, count, seed=11)
    rng = random.Random(3)
    for number in range(count):
        located = rng.random() < 0.8
        _code, lat, lon, lad = places[number]
        words = rng.sample(WORDS.split(), 4)
        yield {
            "id": f"synthetic-{number}",
            "name": f"Synthetic {words[0]} programme {number}",
            "organisation": f"Synthetic organisation {number % 5000}",
            "summary": f"SYNTHETIC listing about {' and '.join(words[:2])}.",
            "description": " ".join(rng.choices(WORDS.split(), k=30)),
            "tags": words[2:],
            "support_types": [rng.choice(["grant", "loan", "advice", "workspace"])],
            "stages": [rng.choice(["pre-start", "start-up", "growth", "established"])],
            "sectors": ["any"],
            "regions": [region_of(lad) or "london"] if located else ["uk-wide"],
            "status": "active",
            "points": [(lat, lon, True)] if located else [],
            "lads": [lad] if located else [],
        }


def synthetic_figures(path: Path, count: int, rounds: int) -> dict:
    """Near-me searches of the index alone over `count` synthetic listings."""
    scratch = Path(tempfile.mkdtemp(prefix="bench-geo-synthetic-"))
    started = time.perf_counter()
    rebuild(scratch / "index", synthetic_documents(path, count), position=0)
    build_s = time.perf_counter() - started
    lookup = GeoLookup(path)
    samples: list[float] = []
    with SearchIndex(scratch / "index") as index:
        for near in NEAR.split("|"):
            found = lookup.resolve(near)
            for text in ("", "grant"):
                search = near_request(text, found)
                index.search(search)
                for _ in range(rounds):
                    started = time.perf_counter()
                    index.search(search)
                    samples.append((time.perf_counter() - started) * 1000)
    return {"listings": count, "build_s": build_s, "index": samples}


def line(label: str, samples: list[float], target: str = "") -> str:
    """A table row of p50 and p95 milliseconds."""
    p50, p95 = statistics.median(samples), percentile(samples, 0.95)
    return f"| {label} | {p50:.3f} | {p95:.3f} | {target} |"


def main() -> None:
    """Run every benchmark and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lookup", type=Path, default=ROOT / "instance" / "geo.sqlite3")
    parser.add_argument("--synthetic", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    build_note = "already built"
    if not args.lookup.exists():
        report = build_lookup(args.lookup)
        build_note = f"built in {report.seconds:.0f} s"
    lookup = lookup_figures(args.lookup)
    seeded = seeded_figures(args.lookup, args.rounds)
    synthetic = synthetic_figures(args.lookup, args.synthetic, max(5, args.rounds // 4))
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo
                if line.startswith("model name")), platform.machine())  # fmt: skip
    print(f"Measured by `bench/geo.py` on {time.strftime('%Y-%m-%d')}: {platform.machine()}, "
          f"Python {platform.python_version()}, {os.cpu_count()} cores ({cpu}). Lookup "
          f"{args.lookup.name}: {lookup['file_mb']:.0f} MB on disk, {build_note}; first lookup "
          f"{lookup['first_ms']:.1f} ms; memory added by 5,000+ lookups "
          f"{lookup['memory_mb']:.1f} MB. {seeded['listings']} seeded listings "
          f"({seeded['unplaced']} locations unplaced); {synthetic['listings']:,} SYNTHETIC "
          f"listings indexed in {synthetic['build_s']:.0f} s.\n")  # fmt: skip
    print("| what | p50 ms | p95 ms | target |")
    print("|---|---|---|---|")
    print(line("postcode lookup, warm (5,000 random real postcodes)", lookup["postcode"],
               "< 2 ms"))  # fmt: skip
    print(line("district lookup, warm", lookup["district"]))
    print(line("place name lookup, warm", lookup["place"]))
    print(line(f"near-me `/search` request, {seeded['listings']} seeded listings",
               seeded["request"], "p95 < 25 ms"))  # fmt: skip
    print(line("near-me index search alone, seeded", seeded["index"]))
    print(line(f"near-me index search alone, {synthetic['listings']:,} synthetic listings",
               synthetic["index"], "p95 < 150 ms"))  # fmt: skip


if __name__ == "__main__":
    main()
