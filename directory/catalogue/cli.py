"""`flask seed ...`: load the fixed taxonomies and the real catalogue."""

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
)
from directory.catalogue.seed import CatalogueInvalid, load_catalogue, read_catalogue
from directory.extensions import db
from directory.search.service import rebuild_index


@click.group("seed", help="Load reviewed data from seed_data/.")
def seed_cli() -> None:
    """Group of seed commands."""


@seed_cli.command("load", help="Validate seed_data/ and upsert it by slug; then rebuild the index.")
@click.option("--no-index", is_flag=True, help="Leave the search index alone.")
@with_appcontext
def load_command(no_index: bool) -> None:
    """Load taxonomies and catalogue, all or nothing, reporting what changed."""
    seed_dir = Path(current_app.config["SEED_DATA_DIR"])
    taxonomy = current_app.extensions["taxonomy"]
    try:
        catalogue = read_catalogue(seed_dir, taxonomy)
    except CatalogueInvalid as invalid:
        for problem in invalid.problems:
            click.echo(f"error: {problem}", err=True)
        raise click.ClickException(
            f"{len(invalid.problems)} problem(s) found; nothing was loaded."
        ) from None
    with click.progressbar(
        length=len(catalogue.listings), label="Loading listings", file=sys.stderr
    ) as bar:
        report = load_catalogue(db.session, taxonomy, catalogue, progress=lambda _: bar.update(1))
    db.session.commit()
    for kind in ("organisations", "listings"):
        tally = getattr(report, kind)
        click.echo(
            f"{kind}: {tally.created} created, {tally.updated} updated, {tally.unchanged} unchanged"
        )
    if not no_index:
        count = rebuild_index(current_app.config["SEARCH_INDEX_DIR"])
        click.echo(f"search index rebuilt: {count} listings")


@click.group("catalogue", help="Check and maintain the real catalogue in seed_data/.")
def catalogue_cli() -> None:
    """Group of catalogue commands."""


@catalogue_cli.command("check", help="Validate seed_data/, find duplicates, print coverage.")
@click.option("--strict/--no-strict", default=True, show_default=True,
              help="Fail when the coverage targets are not met.")  # fmt: skip
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
    errors = [f"error: {problem}" for problem in duplicate_problems(catalogue)]
    result = coverage(catalogue, taxonomy)
    regions = [term.label for term in taxonomy.regions]
    click.echo(f"{len(catalogue.listings)} listings ({result.total} not closed), "
               f"{len(catalogue.organisations)} organisations\n")  # fmt: skip
    click.echo("Region x stage (region-specific listings; UK-wide ones serve every region)")
    click.echo(coverage_table(result.region_stage, taxonomy.slugs("stages"), regions))
    click.echo("\nRegion x support type")
    click.echo(coverage_table(result.region_support, taxonomy.slugs("support_types"), regions))
    click.echo("\nListings per sector (sector-agnostic ones count for every sector)")
    for term in taxonomy.sectors[1:]:
        click.echo(f"  {term.label:<48}{result.by_sector[term.slug]:>5}")
    shortfalls = coverage_shortfalls(result, taxonomy)
    for line in errors:
        click.echo(line, err=True)
    for shortfall in shortfalls:
        click.echo(f"{'error' if strict else 'note'}: coverage: {shortfall}", err=True)
    if errors or (strict and shortfalls):
        raise SystemExit(1)
    click.echo("\ncatalogue check passed")
