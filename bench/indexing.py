"""Keeping the index in step at scale: a full rebuild, and the indexer under a stream of edits.

Loads N SYNTHETIC listings (default 100,000) into a scratch database, times a full rebuild as
`flask search rebuild` does it (target: under 60 s), then starts `flask search sync --follow`
as production runs it and commits edits at a steady rate (default 100 a second, each in its own
transaction, through the app's own change listener) for a while. Each second it reads how many
changes are committed but not yet searchable; the indexer keeps up when that backlog stays
within a second or two of edits and drains once the edits stop.

    python bench/indexing.py [--database sqlite|postgresql] [--synthetic 100000]
                             [--rate 100] [--seconds 30] [--write-readme]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_latency import cpu_description, write_readme  # noqa: E402
from sqlalchemy import select, update  # noqa: E402
from throughput import scratch_database, seed  # noqa: E402

from directory import create_app  # noqa: E402
from directory.catalogue.models import Listing  # noqa: E402
from directory.extensions import db  # noqa: E402
from directory.search.indexing import outbox_backlog, rebuild_index  # noqa: E402
from directory.search.models import SearchOutbox  # noqa: E402


def follow_edits(app, env: dict, rate: int, seconds: int) -> tuple[int, int, float, int]:
    """Commit `rate` edits a second for `seconds` while the indexer follows; return the edits
    made, the largest backlog seen, the seconds it took to drain after the last edit, and the
    backlog left (0 when drained)."""
    index_dir = app.config["SEARCH_INDEX_DIR"]
    indexer = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "search", "sync", "--follow",
         "--interval", "0.2"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    rng = random.Random(14)  # noqa: S311  (which listings to edit; not a secret)
    largest = edits = 0
    try:
        with app.app_context():
            ids = list(db.session.scalars(select(Listing.id)))
            started = time.monotonic()
            next_sample = started + 1
            while time.monotonic() - started < seconds:
                due = started + edits / rate
                if time.monotonic() < due:
                    time.sleep(due - time.monotonic())
                listing = db.session.get(Listing, rng.choice(ids))
                listing.summary = f"Edited for the indexing benchmark, edit {edits}."
                db.session.commit()  # one edit, one transaction, one outbox row
                edits += 1
                if time.monotonic() >= next_sample:
                    largest = max(largest, outbox_backlog(index_dir))
                    db.session.rollback()
                    next_sample += 1
            stopped = time.monotonic()
            left = outbox_backlog(index_dir)
            while left and time.monotonic() - stopped < 60:
                db.session.rollback()
                time.sleep(0.1)
                left = outbox_backlog(index_dir)
            drained = time.monotonic() - stopped
    finally:
        indexer.terminate()
        indexer.wait(timeout=30)
    return edits, largest, drained, left


def run(args) -> str:
    """Seed, time a rebuild, follow a stream of edits; a Markdown paragraph and table."""
    scratch = Path(tempfile.mkdtemp(prefix="bench-indexing-"))
    database = scratch_database(args.database, scratch)
    loading = time.perf_counter()
    config, slugs = seed(scratch, database, args.synthetic)
    loaded = time.perf_counter() - loading
    # Edits in this process leave indexing to the follower, as in production.
    app = create_app({**config, "SEARCH_SYNC_AFTER_EDIT": False})
    with app.app_context():
        # The load's own outbox rows are as old as any bulk load's by the time it is followed:
        # the indexer re-reads only the last minute's rows (OUTBOX_GRACE), so age them past it.
        day_ago = datetime.now(UTC) - timedelta(days=1)
        db.session.execute(update(SearchOutbox).values(created_at=day_ago))
        db.session.commit()
        started = time.perf_counter()
        indexed = rebuild_index(config["SEARCH_INDEX_DIR"])
        rebuilt = time.perf_counter() - started
        db.session.remove()
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "SEARCH_INDEX_DIR": config["SEARCH_INDEX_DIR"],
        "SECRET_KEY": "bench",
        "LOG_LEVEL": "WARNING",
    }
    edits, largest, drained, left = follow_edits(app, env, args.rate, args.seconds)
    kept_up = "kept up" if not left and largest <= 2 * args.rate else "fell behind"
    return "\n".join(
        [
            f"Measured by `bench/indexing.py` on {time.strftime('%Y-%m-%d')}: {indexed:,} "
            f"SYNTHETIC listings in {args.database} (loaded in {loaded:.0f} s); "
            f"{cpu_description()}.",
            "",
            "| what | figure | target |",
            "|---|---|---|",
            f"| full rebuild (`flask search rebuild`) | {rebuilt:.1f} s | under 60 s |",
            f"| edits committed by a steady writer, {args.rate} a second for {args.seconds} s "
            f"| {edits:,} | |",
            f"| largest backlog seen by `flask search sync --follow` (changes not yet "
            f"searchable) | {largest} | |",
            f"| time to drain after the last edit | {drained:.1f} s | |",
            f"| verdict | {kept_up} | keeps up with 100 edits a second |",
        ]
    )


def main() -> None:
    """Parse arguments, run, print, and optionally write the README."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--synthetic", type=int, default=100_000)
    parser.add_argument("--rate", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args()
    text = run(args)
    print(text)
    if args.write_readme:
        write_readme(text, f"indexing_{args.database}")


if __name__ == "__main__":
    main()
