"""`flask alerts send`, `tidy`, `forget` and `synthetic`."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from directory.alerts import services
from directory.alerts.models import FREQUENCIES
from directory.alerts.sending import due_count, send_alerts
from directory.alerts.synth import add_synthetic_alerts
from directory.clock import utcnow
from directory.extensions import db
from directory.transactions import commit
from search_index import IndexUnavailable

alerts_cli = AppGroup(
    "alerts", help="Email alerts: send digests, apply retention, forget addresses."
)


@alerts_cli.command("send")
@click.option(
    "--frequency",
    type=click.Choice(FREQUENCIES),
    default="daily",
    show_default=True,
    help="Which alerts' digests to send: run daily ones every day, weekly ones once a week.",
)
def send_command(frequency: str) -> None:
    """Plan and send this period's digests; safe to rerun or to stop part way (see docs)."""
    now = utcnow()
    try:
        with click.progressbar(
            length=due_count(frequency, now), label=f"Matching {frequency} alerts", file=sys.stderr
        ) as bar:
            # click draws the bar only on a terminal; from cron it prints nothing.
            report = send_alerts(frequency, now, progress=bar.update)
    except IndexUnavailable as error:
        # Nothing was planned for the alerts not yet matched; the next run picks them up.
        raise click.ClickException(
            f"search index unavailable, no digests planned: {error}"
        ) from error
    click.echo(
        f"{report.alerts} {frequency} alerts due: {report.planned} digests planned; "
        f"{report.sent} sent, {report.retrying} to retry, {report.bounced} bounced (deleted), "
        f"{report.failed} given up. Deleted {report.unconfirmed_deleted} unconfirmed alerts and "
        f"{report.unused_deleted} unused addresses."
    )
    if report.server_down or report.failed:
        raise click.ClickException("some digests were not sent: see the log; rerun later")


@alerts_cli.command("tidy")
def tidy_command() -> None:
    """Apply retention now (send does too): unconfirmed after 7 days, unused after 13 months."""
    tidied = services.tidy()
    commit()
    click.echo(
        f"Deleted {tidied.unconfirmed} unconfirmed alerts and {tidied.unused} unused addresses."
    )


@alerts_cli.command("forget")
@click.argument("emails", nargs=-1, required=True)
def forget_command(emails: tuple[str, ...]) -> None:
    """Delete addresses and their alerts: ones that bounced later, or asked by email."""
    forgotten = sum(services.forget_address(email) for email in emails)
    commit()
    click.echo(f"Deleted {forgotten} of {len(emails)} addresses (the rest were not held).")


@alerts_cli.command("synthetic")
@click.option("--count", required=True, type=click.IntRange(1, 1_000_000))
@click.option("--seed", type=int, default=0, show_default=True)
def synthetic_command(count: int, seed: int) -> None:
    """Add SYNTHETIC confirmed alerts (synthetic=True, @example.invalid) for benchmarks."""
    with click.progressbar(length=count, label="Synthetic alerts", file=sys.stderr) as bar:
        added = add_synthetic_alerts(db.session(), count, seed, bar.update)
    click.echo(f"Added {added} SYNTHETIC alerts (synthetic=True, addresses @example.invalid).")
