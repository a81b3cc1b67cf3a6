"""Demand data costs: what recording adds to a search request, and exports over 1,000,000 events.

    python bench/demand.py [--events 1000000] [--rounds 30] [--postgres postgresql://...]

Recording is timed on the seeded catalogue with the Flask test client (server side), with
recording off, written in the request's own short transaction ("inline"), and handed to the
background writer (the default). Exports are timed over synthetic events made by the same
code as `flask demand simulate`, on a scratch SQLite file and, with --postgres, on a scratch
PostgreSQL database created next to the one named (and dropped afterwards).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_latency import percentile, seed_scratch  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from directory import create_app  # noqa: E402
from directory.config import database_url  # noqa: E402
from directory.demand.exports import to_csv, to_xlsx  # noqa: E402
from directory.demand.models import DemandEvent  # noqa: E402
from directory.demand.queries import DemandQuery  # noqa: E402
from directory.demand.release import build_release  # noqa: E402
from directory.demand.service import ExportRequest, build_export, today  # noqa: E402
from directory.demand.simulate import simulate  # noqa: E402
from directory.extensions import db  # noqa: E402

QUERIES = [
    {"q": "accelerator"},
    {"q": "grant", "region": "scotland"},
    {"q": "loan", "region": "wales", "stage": "start-up"},
    {"q": "VC"},
    {"q": "", "region": ["wales", "scotland"], "support": ["grant", "loan"]},
    {"q": "mentroing"},
    {"q": "digital skills training"},
    {"q": "", "stage": "pre-start", "support": "advice"},
]
EXPORTS = [("region,stage", ("region", "stage")), ("region,stage,support",
           ("region", "stage", "support")), ("week", ("week",)), ("query", ("query",))]  # fmt: skip


def make(url: str, scratch: Path, mode: str = "off"):
    """An app on a database URL with a scratch index directory."""
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SEARCH_INDEX_DIR": str(scratch / "index"),
                       "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING",
                       "DEMAND_RECORDING": mode})  # fmt: skip


def recording_cost(rounds: int) -> dict[str, tuple[float, float]]:
    """p50/p95 ms of /search requests with recording off, inline and in the background."""
    app = seed_scratch(Path(tempfile.mkdtemp(prefix="bench-demand-")), DEMAND_RECORDING="off")
    client = app.test_client()
    results = {}
    # Interleave the modes round by round so drift affects each alike.
    samples: dict[str, list[float]] = {"off": [], "background": [], "inline": []}
    for number in range(rounds + 1):
        for mode in samples:
            app.extensions["demand_recorder"].mode = mode
            for query in QUERIES:
                environ = {"REMOTE_ADDR": f"10.0.{number % 200}.{len(query)}"}
                started = time.perf_counter()
                client.get("/search", query_string=query, environ_base=environ)
                elapsed = (time.perf_counter() - started) * 1000
                if number:
                    samples[mode].append(elapsed)
    # The part a request itself pays: build the draft and hand it to the background writer.
    with app.test_request_context("/search", query_string={"q": "grant", "region": "wales"}):
        from flask import request

        from directory.demand.recording import record_search
        from directory.search.params import parse_search_args
        from directory.search.service import search_listings

        params, _ = parse_search_args(request.args, app.extensions["taxonomy"])
        outcome = search_listings(params)
        app.extensions["demand_recorder"].mode = "background"
        handoff = []
        for _ in range(2000):
            started = time.perf_counter()
            record_search(outcome, "search_page")
            handoff.append((time.perf_counter() - started) * 1000)
        results["handoff"] = (statistics.median(handoff), percentile(handoff, 0.95))
    app.extensions["demand_recorder"].flush()
    for mode, values in samples.items():
        results[mode] = (statistics.median(values), percentile(values, 0.95))
    with app.app_context():
        results["rows"] = db.session.scalar(select(func.count()).select_from(DemandEvent))
    return results


def export_times(url: str, events: int, label: str) -> list[tuple[str, float, int]]:
    """Simulate events into an empty database, then time each export end to end (build + CSV)."""
    scratch = Path(tempfile.mkdtemp(prefix="bench-demand-export-"))
    app = make(url, scratch)
    timings = []
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        written = simulate(db.session, app.extensions["taxonomy"], events, today(), 365, seed=5)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as connection:
                connection.execute(text("ANALYZE demand_event"))
                connection.commit()
        print(f"{label}: {written:,} synthetic rows in {time.perf_counter() - started:.0f} s",
              file=sys.stderr)  # fmt: skip
        period = DemandQuery(today() - timedelta(days=364), today(), synthetic=True)
        for name, group_by in EXPORTS:
            best = None
            for _ in range(3):
                db.session.remove()
                started = time.perf_counter()
                released = build_export(ExportRequest(period, group_by))
                to_csv(released)
                elapsed = time.perf_counter() - started
                best = elapsed if best is None else min(best, elapsed)
            timings.append((name, best, len(released.table.rows)))
        # The whole statistical release by month, as the insights page's XLSX download builds it.
        best = None
        for _ in range(3):
            db.session.remove()
            started = time.perf_counter()
            release = build_release(app.extensions["taxonomy"], period, "month")
            to_xlsx(list(release.tables.values()), release.method, "https://example.invalid/")
            elapsed = time.perf_counter() - started
            best = elapsed if best is None else min(best, elapsed)
        rows = sum(len(table.rows) for table in release.tables.values())
        timings.append(("monthly release, every table, XLSX", best, rows))
        db.session.remove()
        db.engine.dispose()
    return timings


def postgres_scratch(url: str):
    """Create a scratch database next to the one named; return its URL and a drop function."""
    base = make_url(database_url(url))
    name = f"bench_demand_{os.getpid()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


def main() -> None:
    """Run both measurements and print a Markdown report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--postgres", help="a PostgreSQL URL; a scratch database is made beside it")
    parser.add_argument("--skip-recording", action="store_true")
    arguments = parser.parse_args()
    cpu = os.cpu_count()
    print(f"Measured by `bench/demand.py` on {today()}: {platform.machine()}, Python "
          f"{platform.python_version()}, {cpu} cores.\n")  # fmt: skip
    if not arguments.skip_recording:
        cost = recording_cost(arguments.rounds)
        off = cost["off"]
        print(
            f"Recording, `/search` request server side, {len(QUERIES)} queries x "
            f"{arguments.rounds} rounds per mode ({cost['rows']} demand rows written):\n"
        )
        print("| recording | p50 ms | p95 ms | added p50 ms |\n|---|---|---|---|")
        for mode in ("off", "background", "inline"):
            p50, p95 = cost[mode]
            print(f"| {mode} | {p50:.2f} | {p95:.2f} | {p50 - off[0]:+.2f} |")
        p50, p95 = cost["handoff"]
        print(f"| in-request hand-off alone (`record_search`, background) | {p50:.3f} | "
              f"{p95:.3f} | |")  # fmt: skip
        print()
    scratch = Path(tempfile.mkdtemp(prefix="bench-demand-sqlite-"))
    targets = [("SQLite", f"sqlite:///{scratch / 'demand.sqlite3'}", None)]
    if arguments.postgres:
        url, drop = postgres_scratch(arguments.postgres)
        targets.append(("PostgreSQL", url, drop))
    print(
        f"Exports over {arguments.events:,} synthetic events (365 days; build + CSV, best of 3):\n"
    )
    print("| database | group_by | seconds | rows | target |\n|---|---|---|---|---|")
    for label, url, drop in targets:
        try:
            for name, seconds, rows in export_times(url, arguments.events, label):
                print(f"| {label} | {name} | {seconds:.2f} | {rows} | < 5 s |")
        finally:
            if drop:
                drop()


if __name__ == "__main__":
    main()
