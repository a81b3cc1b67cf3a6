"""Open data costs: the catalogue downloads, and a monthly open demand release over 1,000,000
events (target: each under 5 s).

    python bench/open_data.py [--events 1000000] [--days 365] [--database sqlite|postgresql]
                              [--write-readme]

The downloads are timed through the app (Flask test client, server side) on the seeded
catalogue; the release over SYNTHETIC events made by `flask demand simulate`'s code, all in one
month, counted with the same contribution bounding and noise as a real release.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_latency import cpu_description, write_readme  # noqa: E402
from sqlalchemy import text  # noqa: E402
from throughput import scratch_database, seed  # noqa: E402

from directory import create_app  # noqa: E402
from directory.demand.simulate import simulate  # noqa: E402
from directory.extensions import db  # noqa: E402
from directory.opendata.demand import (  # noqa: E402
    BUDGET,
    bounded_counts,
    month_start,
    noisy,
)

DOWNLOADS = ("/open-data/catalogue.csv", "/open-data/catalogue.json", "/open-data/changes.csv")


def best_of(rounds: int, action) -> float:
    """The quickest of a few runs, in seconds."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def run(args) -> str:
    """Seed, time the downloads, simulate a month of events, time its release."""
    scratch = Path(tempfile.mkdtemp(prefix="bench-open-data-"))
    database = scratch_database(args.database, scratch)
    config, slugs = seed(scratch, database, 0)
    app = create_app({**config, "PAGE_CACHE": False})
    lines = []
    with app.app_context():
        client = app.test_client()
        for path in DOWNLOADS:
            size = len(client.get(path).data)
            seconds = best_of(3, lambda path=path: client.get(path).data)
            lines.append(f"| `{path}`, {len(slugs)} listings ({size / 1e6:.1f} MB) "
                         f"| {seconds:.2f} | under 5 s |")  # fmt: skip
        # A year of events ending with last month, as a database holds them; the release is of
        # last month. simulate() spreads them over `days` days up to `end`.
        end = month_start(date.today()) - timedelta(days=1)
        month = month_start(end)
        started = time.perf_counter()
        rows = simulate(db.session, app.extensions["taxonomy"], args.events, end,
                        args.days, seed=5)  # fmt: skip
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as connection:
                connection.execute(text("ANALYZE demand_event"))
                connection.commit()
        loaded = time.perf_counter() - started
        taxonomy = app.extensions["taxonomy"]

        def release() -> None:
            for counts in bounded_counts(month, taxonomy, synthetic=True).values():
                noisy(counts, BUDGET)
            db.session.rollback()

        seconds = best_of(3, release)
        lines.append(f"| monthly open demand release (3 tables, bounding and noise) of "
                     f"{month:%B %Y}, {args.events:,} SYNTHETIC events ({rows:,} rows) over "
                     f"{args.days} days in the database | {seconds:.2f} | under 5 s |")  # fmt: skip
        db.session.remove()
        db.engine.dispose()
    head = [
        f"Measured by `bench/open_data.py` on {time.strftime('%Y-%m-%d')}: {args.database}, "
        f"best of 3, server side; {cpu_description()}; the events took {loaded:.0f} s to make.",
        "",
        "| what | seconds | target |",
        "|---|---|---|",
    ]
    return "\n".join(head + lines)


def main() -> None:
    """Parse arguments, run, print, and optionally write the README."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365, help="days the events spread over")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args()
    text_ = run(args)
    print(text_)
    if args.write_readme:
        write_readme(text_, f"open_data_{args.database}")


if __name__ == "__main__":
    main()
