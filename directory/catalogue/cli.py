"""`flask seed ...`: load the fixed taxonomies and the real catalogue."""

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from directory import config as configuration
from directory.catalogue.coverage import (
    coverage,
    coverage_shortfalls,
    coverage_table,
    duplicate_problems,
    mission_shortfalls,
    mission_table,
    near_copy_problems,
)
from directory.catalogue.links import OUTCOMES
from directory.catalogue.models import Listing
from directory.catalogue.seed import CatalogueInvalid, load_catalogue, read_catalogue
from directory.catalogue.synth import PREFIX, is_synthetic, synthetic_catalogue
from directory.extensions import db
from directory.search.indexing import rebuild_index


@click.group("seed", help="Load reviewed data from seed_data/.")
def seed_cli() -> None:
    """Group of seed commands."""


@seed_cli.command("load", help="Validate seed_data/ and upsert it by slug; then rebuild the index.")
@click.option("--no-index", is_flag=True, help="Leave the search index alone.")
@click.option(
    "--synthetic",
    is_flag=True,
    help="Allow a synthetic catalogue (benchmarks only; never the default database).",
)
@with_appcontext
def load_command(no_index: bool, synthetic: bool) -> None:
    """Load taxonomies and catalogue, all or nothing, reporting what changed."""
    seed_dir = Path(current_app.config["SEED_DATA_DIR"])
    taxonomy = current_app.extensions["taxonomy"]
    refuse_mixing(seed_dir, synthetic)
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
    if report.unplaced:
        click.echo(
            f"{len(report.unplaced)} location(s) could not be placed on the map "
            "(give them a postcode):"
        )
        for location in report.unplaced:
            click.echo(f"  {location}")
    if not no_index:
        count = rebuild_index(current_app.config["SEARCH_INDEX_DIR"])
        click.echo(f"search index rebuilt: {count} listings")


def refuse_mixing(seed_dir: Path, synthetic_allowed: bool) -> None:
    """Synthetic and real listings never share a database, and never the default one."""
    has_synthetic = db.session.scalar(
        select(Listing.id).where(Listing.slug.startswith(PREFIX)).limit(1)
    )
    has_real = db.session.scalar(
        select(Listing.id).where(Listing.slug.not_like(f"{PREFIX}%")).limit(1)
    )
    if is_synthetic(seed_dir):
        if not synthetic_allowed:
            raise click.ClickException(
                f"{seed_dir} is a SYNTHETIC catalogue: pass --synthetic "
                "and point DATABASE_URL at a separate database"
            )
        default = configuration.default_database_url(Path(current_app.instance_path))
        if current_app.config["SQLALCHEMY_DATABASE_URI"] == default or has_real:
            raise click.ClickException(
                "refusing to load synthetic listings into a database "
                "that is the default one or holds real listings"
            )
    elif has_synthetic:
        raise click.ClickException(
            "this database holds synthetic listings: load the real catalogue into another database"
        )


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
        for problem in duplicate_problems(catalogue) + near_copy_problems(catalogue)
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
@click.option("--concurrency", default=20, show_default=True, help="Requests at once in all.")
@click.option("--per-host", default=2, show_default=True, help="Requests at once to one host.")
@click.option("--timeout", default=10.0, show_default=True, help="Seconds before giving up.")
@with_appcontext
def links_command(concurrency: int, per_host: int, timeout: float) -> None:
    """Request every address the published catalogue uses, concurrently, and record results."""
    import asyncio

    from directory.catalogue.links import check_links, collect_links, record_results

    urls = sorted(collect_links(db.session))
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
    record_results(db.session, results)
    db.session.commit()
    counts = {outcome: sum(r.outcome == outcome for r in results) for outcome in OUTCOMES}
    click.echo(", ".join(f"{count} {outcome}" for outcome, count in counts.items()))
