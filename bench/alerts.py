"""`flask alerts send` at scale: N SYNTHETIC alerts against M SYNTHETIC listings.

Loads M synthetic listings (default 100,000) into a scratch database and indexes them, spreads
their first-publication times over the past year and gives a share of them opening dates and
deadlines around today (synthetic data, marked as such), adds N synthetic confirmed daily alerts
(default 100,000; a mix of search-page searches and questionnaire answers, as
`flask alerts synthetic` makes them) last covered a day ago, then times one daily run: matching
every alert against the day's changes and planning its digest (target: under 2 minutes), and
sending the digests to the outbox backend.

    python bench/alerts.py [--database sqlite|postgresql] [--listings 100000]
                           [--alerts 100000] [--write-readme]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_latency import cpu_description, write_readme  # noqa: E402
from sqlalchemy import func, select, update  # noqa: E402
from throughput import scratch_database, seed  # noqa: E402

from directory import create_app  # noqa: E402
from directory.alerts import sending  # noqa: E402
from directory.alerts.models import Alert, AlertDelivery  # noqa: E402
from directory.alerts.synth import add_synthetic_alerts  # noqa: E402
from directory.catalogue.models import Listing  # noqa: E402
from directory.extensions import db  # noqa: E402


def date_the_listings(rng: random.Random) -> None:
    """Synthetic dates: published over the past year; 2% opening and 3% closing near today."""
    now = datetime.now(UTC)
    today = date.today()
    ids = list(db.session.scalars(select(Listing.id)))
    for start in range(0, len(ids), 5000):
        for listing_id in ids[start : start + 5000]:
            values = {"published_at": now - timedelta(seconds=rng.randint(0, 365 * 86400))}
            roll = rng.random()
            if roll < 0.02:
                values.update(
                    application_status="opens", opens_on=today - timedelta(rng.randint(0, 30))
                )
            elif roll < 0.05:
                values.update(
                    application_status="open", deadline=today + timedelta(rng.randint(0, 60))
                )
            db.session.execute(update(Listing).where(Listing.id == listing_id).values(**values))
        db.session.commit()


def run(args) -> str:
    """Seed, add alerts, time one daily run; a Markdown paragraph and table."""
    scratch = Path(tempfile.mkdtemp(prefix="bench-alerts-"))
    database = scratch_database(args.database, scratch)
    config, _slugs = seed(scratch, database, args.listings)
    app = create_app({**config, "MAIL_OUTBOX_DIR": str(scratch / "outbox")})
    rng = random.Random(16)  # noqa: S311  (synthetic data, not secrets)
    with app.app_context():
        date_the_listings(rng)
        add_synthetic_alerts(db.session, args.alerts, 16, lambda _done: None)
        distinct = db.session.scalar(
            select(func.count()).select_from(select(Alert.kind, Alert.query).distinct().subquery())
        )
        now = datetime.now(UTC)
        report = sending.SendReport()
        started = time.perf_counter()
        sending.plan("daily", now, report)
        planned = time.perf_counter() - started
        started = time.perf_counter()
        sending.send_pending(now, report)
        sent = time.perf_counter() - started
        items = db.session.scalars(select(AlertDelivery.items)).all()
        mean_items = sum(len(i) for i in items) / len(items) if items else 0
        started = time.perf_counter()
        again = sending.send_alerts("daily", now)
        rerun = time.perf_counter() - started
    return "\n".join(
        [
            f"Measured by `bench/alerts.py` on {time.strftime('%Y-%m-%d')}: {args.alerts:,} "
            f"SYNTHETIC daily alerts ({distinct:,} distinct searches and answer sets) against "
            f"{args.listings:,} SYNTHETIC listings in {args.database}; {cpu_description()}.",
            "",
            "| what | figure | target |",
            "|---|---|---|",
            f"| match every alert against the day's changes and plan its digest | "
            f"{planned:.1f} s | under 2 minutes |",
            f"| digests planned (alerts with something new) | {report.planned:,} "
            f"(mean {mean_items:.1f} listings each) | |",
            f"| send them (outbox backend: one .eml file each) | {sent:.1f} s "
            f"({report.sent / sent if sent else 0:,.0f} a second) | |",
            f"| run again the same day (idempotent: nothing sent) | {rerun:.1f} s, "
            f"{again.sent} sent | nothing sent twice |",
        ]
    )


def main() -> None:
    """Parse arguments, run, print, and optionally write the README."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--alerts", type=int, default=100_000)
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args()
    text = run(args)
    print(text)
    if args.write_readme:
        write_readme(text, f"alerts_{args.database}")


if __name__ == "__main__":
    main()
