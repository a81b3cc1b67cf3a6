"""Open demand data: differential privacy with a stated budget, drawn once and kept."""

import csv
import io
import math
import random
from datetime import date, timedelta
from fractions import Fraction

from sqlalchemy import update

from directory.demand.models import DemandEvent
from directory.extensions import db
from directory.opendata.demand import (
    BUDGET,
    CELLS_PER_TABLE,
    bounded_counts,
    month_start,
    table_values,
)
from directory.opendata.noise import discrete_laplace, variance
from tests.demand_helpers import search_as, searches_by
from tests.helpers import page_text

LAST_MONTH = month_start(month_start(date.today()) - timedelta(days=1))


class Seeded:
    """A repeatable source of random integers for checking the noise's distribution."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)

    def randbelow(self, n: int) -> int:
        return self.random.randrange(n)


def move_to_last_month() -> None:
    """Date every recorded event in the middle of last month."""
    db.session.execute(update(DemandEvent).values(day=LAST_MONTH + timedelta(days=14)))
    db.session.commit()


def test_the_noise_has_the_spread_its_budget_states():
    scale = BUDGET.scale
    assert scale == BUDGET.cells_per_table / (BUDGET.epsilon / BUDGET.tables)
    rng = Seeded(2026)
    draws = [discrete_laplace(scale, rng) for _ in range(40_000)]
    mean = sum(draws) / len(draws)
    spread = sum((x - mean) ** 2 for x in draws) / len(draws)
    assert abs(mean) < 0.1
    assert abs(spread / variance(scale) - 1) < 0.05
    # The defining ratio: P(0) / P(1) = exp(1 / scale), which is what bounds the privacy loss.
    ratio = draws.count(0) / draws.count(1)
    assert abs(ratio / math.exp(1 / float(scale)) - 1) < 0.08
    assert draws.count(1) / draws.count(-1) > 0.9  # symmetric


def test_a_larger_budget_means_less_noise():
    rng = Seeded(1)
    tight = [abs(discrete_laplace(Fraction(1, 2), rng)) for _ in range(5000)]
    loose = [abs(discrete_laplace(Fraction(9), rng)) for _ in range(5000)]
    assert sum(tight) * 5 < sum(loose)


def test_one_network_day_moves_each_table_by_at_most_its_bound(app, client):
    taxonomy = app.extensions["taxonomy"]
    searches_by(client, 4, region="wales", stage="start-up")
    move_to_last_month()
    regions = table_values(taxonomy, "region")
    before = bounded_counts(LAST_MONTH, taxonomy)["region"]
    # One more network, searching for every region over many searches in one day.
    for region in regions[:-1]:
        search_as(client, 999, region=region)
    move_to_last_month()
    after = bounded_counts(LAST_MONTH, taxonomy)["region"]
    change = sum(abs(after[value] - before[value]) for value in regions)
    assert change == CELLS_PER_TABLE  # counted for its first three regions only
    assert after["wales"] == before["wales"] + (1 if "wales" in regions[:3] else 0)


def test_a_month_is_released_once_and_every_output_agrees(app, client):
    searches_by(client, 30, region="scotland", support="grant")
    move_to_last_month()
    page = page_text(client.get("/open-data/demand").get_data(as_text=True))
    assert LAST_MONTH.strftime("%B %Y") in page and "epsilon 3" in page
    first = client.get("/open-data/demand.csv").get_data(as_text=True)
    again = client.get("/open-data/demand.csv").get_data(as_text=True)
    assert first == again  # the noise was drawn once and kept
    rows = list(csv.DictReader(io.StringIO(first)))
    scotland = next(r for r in rows if r["dimension"] == "region" and r["value"] == "scotland")
    assert scotland["month"] == LAST_MONTH.strftime("%Y-%m") and scotland["label"] == "Scotland"
    assert scotland["code"] == "S92000003"
    # 30 visitor-days plus noise of standard deviation about 4: far from zero, near 30.
    assert abs(int(scotland["visitor_days"]) - 30) < 8 * BUDGET.noise_sd
    assert all(int(r["visitor_days"]) >= 0 for r in rows)
    assert f"{int(scotland['visitor_days']):,}" in page
    metadata = client.get("/open-data/demand-metadata.json").get_json()
    privacy = metadata["privacy"]
    assert privacy["epsilon_per_release"] == "3" and privacy["epsilon_per_table"] == "1"
    assert privacy["l1_sensitivity_per_table"] == CELLS_PER_TABLE
    assert [c["name"] for c in metadata["tableSchema"]["columns"]] == list(rows[0])
    # This month is not over: it is not released, and no month before the first event is.
    assert {r["month"] for r in rows} == {LAST_MONTH.strftime("%Y-%m")}


def test_with_no_demand_yet_nothing_is_released(client):
    text = page_text(client.get("/open-data/demand").get_data(as_text=True))
    assert "No whole month of demand has been recorded yet" in text
    body = client.get("/open-data/demand.csv").get_data(as_text=True)
    assert body.strip() == "month,dimension,value,code,label,visitor_days"
