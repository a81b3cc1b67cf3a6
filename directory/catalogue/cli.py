"""`flask catalogue ...`: check and maintain the real catalogue; `flask geo unplaced`."""

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from directory.catalogue.coverage import (
    coverage,
    coverage_shortfalls,
    coverage_table,
    duplicate_problems,
    growth_hub_problems,
    mission_shortfalls,
    mission_table,
    near_copy_problems,
    untrusted_source_problems,
)
from directory.catalogue.links import OUTCOMES
from directory.catalogue.placing import unplaced_locations
from directory.catalogue.seed import CatalogueInvalid, read_catalogue
from directory.catalogue.synth import is_synthetic, synthetic_catalogue
from directory.extensions import db
from directory.transactions import commit


@click.group("catalogue", help="Check and maintain the real catalogue in seed_data/.")
def catalogue_cli() -> None:
    """Group of catalogue commands."""


@catalogue_cli.command("check", help="Validate seed_data/, find duplicates, print coverage.")
@click.option(
    "--strict/--no-strict",
    default=True,
    show_default=True,
    help="Fail when the coverage targets are not met.",
)
@with_appcontext
def check_command(strict: bool) -> None:
    """Exit non-zero on any invalid record, duplicate, or (with --strict) coverage shortfall."""
    taxonomy = current_app.extensions["taxonomy"]
    try:
        catalogue = read_catalogue(Path(current_app.config["SEED_DATA_DIR"]), taxonomy)
    except CatalogueInvalid as invalid:
        for problem in invalid.problems:
            click.echo(f"error: {problem}", err=True)
        raise click.ClickException(f"{len(invalid.problems)} invalid record(s)") from None
    errors = [
        f"error: {problem}"
        for problem in duplicate_problems(catalogue)
        + near_copy_problems(catalogue)
        + growth_hub_problems(catalogue)
        + untrusted_source_problems(catalogue)
    ]
    result = coverage(catalogue, taxonomy)
    regions = [term.label for term in taxonomy.regions]
    click.echo(
        f"{len(catalogue.listings)} listings ({result.total} not closed), "
        f"{len(catalogue.organisations)} organisations\n"
    )
    click.echo("Region x stage (region-specific listings; UK-wide ones serve every region)")
    click.echo(coverage_table(result.region_stage, taxonomy.slugs("stages"), regions))
    click.echo("\nRegion x support type")
    click.echo(coverage_table(result.region_support, taxonomy.slugs("support_types"), regions))
    click.echo("\nListings per sector (sector-agnostic ones count for every sector)")
    for term in taxonomy.sectors[1:]:
        click.echo(f"  {term.label:<48}{result.by_sector[term.slug]:>5}")
    click.echo("\nWhat founders come for: main type of support, not closed (total, per region)")
    click.echo(mission_table(catalogue, taxonomy))
    shortfalls = coverage_shortfalls(result, taxonomy) + mission_shortfalls(catalogue, taxonomy)
    for line in errors:
        click.echo(line, err=True)
    for shortfall in shortfalls:
        click.echo(f"{'error' if strict else 'note'}: coverage: {shortfall}", err=True)
    if errors or (strict and shortfalls):
        raise SystemExit(1)
    click.echo("\ncatalogue check passed")


@catalogue_cli.command("synth", help="Write a SYNTHETIC catalogue for benchmarks (never real).")
@click.option(
    "--count", type=click.IntRange(1, 1_000_000), required=True, help="How many synthetic listings."
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write (a seed-data folder with a SYNTHETIC marker).",
)
@click.option("--seed", default=2026, show_default=True, help="Random seed, for repeatable runs.")
@with_appcontext
def synth_command(count: int, out: Path, seed: int) -> None:
    """Generate synthetic listings with a progress bar."""
    if (out / "catalogue").exists() and not is_synthetic(out):
        raise click.ClickException(f"{out} holds a catalogue that is not synthetic")
    with click.progressbar(length=count, label="Generating", file=sys.stderr) as bar:
        # The callers report running totals; the bar counts steps.
        def progress(done: int) -> None:
            bar.update(done - bar.pos)

        files = synthetic_catalogue(count, out, current_app.extensions["taxonomy"], seed, progress)
    click.echo(f"wrote {count} SYNTHETIC listings in {files} file(s) to {out}")
    click.echo(
        f"load them into a separate database with: SEED_DATA_DIR={out} "
        "DATABASE_URL=sqlite:///bench.sqlite3 flask seed load --synthetic"
    )


@catalogue_cli.command(
    "links", help="Check every website, form and source address; record problems for moderators."
)
@click.option(
    "--concurrency",
    default=20,
    show_default=True,
    type=click.IntRange(min=1),
    help="Requests at once in all.",
)
@click.option(
    "--per-host",
    default=2,
    show_default=True,
    type=click.IntRange(min=1),
    help="Requests at once to one host.",
)
@click.option(
    "--timeout",
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds before giving up.",
)
@with_appcontext
def links_command(concurrency: int, per_host: int, timeout: float) -> None:
    """Request every address the published catalogue uses, concurrently, and record results."""
    import asyncio

    from directory.catalogue.links import check_links, collect_links, record_results

    urls = sorted(collect_links(db.session()))
    agent = (
        "StartupSupportDirectory-LinkCheck/1.0 (checks the links it lists; "
        f"{current_app.config['BASE_URL']}/about)"
    )
    with click.progressbar(length=len(urls), label="Checking links", file=sys.stderr) as bar:
        results = asyncio.run(
            check_links(
                urls,
                agent,
                concurrency,
                per_host,
                timeout,
                progress=lambda done: bar.update(done - bar.pos),
            )  # fmt: skip
        )
    record_results(db.session(), results)
    commit()
    counts = {outcome: sum(r.outcome == outcome for r in results) for outcome in OUTCOMES}
    click.echo(", ".join(f"{count} {outcome}" for outcome, count in counts.items()))


# Added to `flask geo` by the app (geo knows places, not listings).
@click.command("unplaced", help="List listing locations that could not be placed on the map.")
@with_appcontext
def unplaced_command() -> None:
    """Name each location without coordinates; exit 1 if there is any."""
    unplaced = unplaced_locations()
    for location in unplaced:
        click.echo(f"{location.listing.slug}: {location.name or location.town} "
                   f"({location.postcode or location.town})")  # fmt: skip
    click.echo(f"{len(unplaced)} location(s) could not be placed")
    if unplaced:
        raise SystemExit(1)
