"""`flask demand prune` and `flask demand simulate`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from directory.demand import retention
from directory.demand.service import today
from directory.demand.simulate import simulate
from directory.extensions import db
from directory.transactions import commit

demand_cli = AppGroup("demand", help="Demand data: retention and synthetic events.")


@demand_cli.command("prune")
@click.option(
    "--months",
    default=retention.DEFAULT_MONTHS,
    show_default=True,
    type=int,
    help="Keep raw events for this many months; fold older ones into weekly totals.",
)
def prune_command(months: int) -> None:
    """Fold raw events older than the retention period into weekly aggregates, then delete them."""
    if months < 1:
        raise click.BadParameter("must be 1 or more", param_hint="--months")
    result = retention.prune(db.session(), today(), months)
    commit()
    salts = current_app.extensions["demand_salts"].prune(today())
    click.echo(
        f"Kept raw events from {result['cutoff']}; folded {result['events']} event rows into "
        f"{result['aggregates']} weekly aggregates; deleted {result['appearances']} appearance "
        f"rows and {salts} old salts."
    )


@demand_cli.command("simulate")
@click.option(
    "--events",
    required=True,
    type=click.IntRange(1, 10_000_000),
    help="How many synthetic search events to add.",
)
@click.option("--days", default=365, show_default=True, type=click.IntRange(1, 3650))
@click.option("--seed", type=int, default=None, help="Random seed, for repeatable runs.")
def simulate_command(events: int, days: int, seed: int | None) -> None:
    """Add SYNTHETIC search events (synthetic=True) for benchmarks; never counted as real."""
    taxonomy = current_app.extensions["taxonomy"]
    with click.progressbar(length=events, label="Synthetic events") as bar:
        written = simulate(db.session(), taxonomy, events, today(), days, seed, bar.update)
        commit()
    click.echo(f"Added {written} SYNTHETIC demand rows (synthetic=True).")
