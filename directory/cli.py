"""`flask seed ...`: load the fixed taxonomies and the real catalogue, then index it.

At the top of the package, since loading reaches across the catalogue and the search index.
"""

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from directory import config as configuration
from directory.catalogue.models import Listing
from directory.catalogue.seed import (
    CatalogueInvalid,
    load_catalogue,
    pending_slugs,
    read_catalogue,
)
from directory.catalogue.synth import PREFIX, is_synthetic
from directory.extensions import db
from directory.search.indexing import rebuild_index
from directory.transactions import commit


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
        report = load_catalogue(
            db.session(),
            taxonomy,
            catalogue,
            progress=lambda _: bar.update(1),
            pending=pending_slugs(seed_dir),
        )
    commit()
    for kind in ("organisations", "listings"):
        tally = getattr(report, kind)
        click.echo(
            f"{kind}: {tally.created} created, {tally.updated} updated, {tally.unchanged} unchanged"
        )
    echo_list(
        report.withdrawn,
        f"{len(report.withdrawn)} published listing(s) withdrawn to draft, "
        "their records being back in pending/:",
    )
    echo_list(
        report.republished,
        f"{len(report.republished)} withdrawn listing(s) back in the catalogue, republished:",
    )
    echo_list(
        report.withdrawn_organisations,
        f"{len(report.withdrawn_organisations)} organisation(s) withdrawn from public view, "
        "their records being back in pending/:",
    )
    echo_list(
        report.republished_organisations,
        f"{len(report.republished_organisations)} withdrawn organisation(s) back in the "
        "catalogue, republished:",
    )
    echo_list(
        report.unplaced,
        f"{len(report.unplaced)} location(s) could not be placed on the map "
        "(give them a postcode):",
    )
    if not no_index:
        count = rebuild_index(current_app.config["SEARCH_INDEX_DIR"])
        click.echo(f"search index rebuilt: {count} listings")


def echo_list(items: list[str], heading: str) -> None:
    """A heading and the items under it, indented; nothing when there are none."""
    if items:
        click.echo(heading)
        for item in items:
            click.echo(f"  {item}")


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
