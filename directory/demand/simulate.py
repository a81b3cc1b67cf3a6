"""Synthetic demand events for benchmarks, marked synthetic=True and never counted as real."""

from __future__ import annotations

import random
import secrets
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from directory.demand.models import DemandEvent
from directory.demand.recording import week_start
from directory.taxonomy import Taxonomy

WORDS = [
    "grant",
    "loan",
    "accelerator",
    "angel investment",
    "seed funding",
    "r&d",
    "export",
    "mentoring",
    "incubator",
    "workspace",
    "green energy",
    "medtech",
    "fintech",
    "ai",
    "women founders",
    "university spin out",
    "crowdfunding",
    "innovate uk",
    "vc",
    "start up loan",
    "social enterprise",
    "manufacturing grant",
    "digital skills",
]
BATCH = 10_000


def simulate(
    session: Session,
    taxonomy: Taxonomy,
    events: int,
    today: date,
    days: int = 365,
    seed: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert `events` synthetic search events spread over the last `days` days; returns rows."""
    rng = random.Random(seed)  # noqa: S311  (synthetic benchmark data, not security)
    regions = taxonomy.slugs("regions")
    stages = taxonomy.slugs("stages")
    supports = taxonomy.slugs("support_types")
    sectors = taxonomy.slugs("sectors")
    # A pool of visitors per day, so distinct visitor-days are fewer than events.
    visitors = [secrets.randbits(63) for _ in range(max(1, events // 3))]
    rows: list[dict[str, Any]] = []
    written = 0
    for number in range(events):
        day = today - timedelta(days=rng.randrange(days))
        results = rng.choice([0, 0, 1, 3, 8, 20, 45])
        rows.append(
            {
                "event_id": uuid.uuid4().hex,
                "day": day,
                "hour": rng.randrange(24),
                "week": week_start(day),
                "source": rng.choice(["search_page", "search_page", "search_api"]),
                "query": rng.choice(WORDS) if rng.random() < 0.8 else None,
                "region": rng.choice(regions) if rng.random() < 0.7 else None,
                "stage": rng.choice(stages) if rng.random() < 0.6 else None,
                "support": rng.choice(supports) if rng.random() < 0.5 else None,
                "sector": rng.choice(sectors) if rng.random() < 0.3 else None,
                "result_count": results,
                "zero_results": results == 0,
                "listing_slug": None,
                "rank": None,
                "answers": None,
                "visitor_day_key": rng.choice(visitors),
                "synthetic": True,
            }
        )
        if len(rows) == BATCH or number == events - 1:
            session.execute(insert(DemandEvent), rows)
            written += len(rows)
            if progress:
                progress(len(rows))
            rows = []
    return written
