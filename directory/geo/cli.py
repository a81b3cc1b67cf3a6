"""`flask geo ...`: build the offline postcode and place lookup, and try it."""

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from directory.geo.lookup import Ambiguous, GeoError, GeoLookup


@click.group("geo", help="Offline postcode and place lookup.")
def geo_cli() -> None:
    """Group of geography commands."""


@geo_cli.command("build", help="Build the postcode and place lookup (skipped if it exists).")
@click.option("--force", is_flag=True, help="Rebuild even when the lookup already exists.")
@with_appcontext
def build_command(force: bool) -> None:
    """Build GEO_LOOKUP_PATH from the ONS postcode directory package, with a progress bar."""
    # Imported here so web workers, which never build, do not load pyproj.
    from directory.geo.build import build_lookup, build_steps

    path = Path(current_app.config["GEO_LOOKUP_PATH"])
    if path.exists() and not force and GeoLookup(path).is_current():
        click.echo(f"postcode lookup already built at {path} (use --force to rebuild)")
        return
    with click.progressbar(
        length=build_steps(), label="Building the postcode lookup", file=sys.stderr
    ) as bar:
        report = build_lookup(path, progress=lambda _step: bar.update(1))
    current_app.extensions["geo"].close()
    size_mb = path.stat().st_size / 1e6
    click.echo(
        f"postcode lookup built at {path}: {report.postcodes:,} postcodes, "
        f"{report.outcodes:,} sectors/districts/areas, {report.places:,} place names, "
        f"{size_mb:.0f} MB in {report.seconds:.0f} s"
    )


@geo_cli.command("lookup", help="Resolve a postcode, district, area or place name.")
@click.argument("text", nargs=-1, required=True)
@with_appcontext
def lookup_command(text: tuple[str, ...]) -> None:
    """Print what TEXT resolves to, as JSON; exit 1 when it resolves to no single point."""
    query = " ".join(text)
    try:
        result = current_app.extensions["geo"].resolve(query)
    except Ambiguous as ambiguous:
        click.echo(str(ambiguous), err=True)
        for candidate in ambiguous.candidates:
            click.echo(json.dumps(candidate.as_dict()))
        raise SystemExit(1) from None
    except GeoError as error:
        raise click.ClickException(str(error)) from None
    click.echo(json.dumps(result.as_dict()))
