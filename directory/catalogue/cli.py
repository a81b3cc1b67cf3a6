"""`flask seed ...`: load the fixed taxonomies and the real catalogue."""

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

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
