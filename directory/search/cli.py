"""`flask search ...`: rebuild, sync and check the Whoosh index."""

import sys
import time

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from directory.catalogue.models import Listing
from directory.extensions import db
from directory.search.indexing import (
    index_differences,
    outbox_backlog,
    rebuild_index,
    sync_with_retries,
)
from directory.states import ModerationState
from search_index import IndexUnavailable

LOCK_WAIT_SECONDS = 30.0


@click.group("search", help="Build and maintain the search index.")
def search_cli() -> None:
    """Group of search index commands."""


@search_cli.command("rebuild", help="Build a fresh index from the database and swap it in.")
@with_appcontext
def rebuild_command() -> None:
    """Rebuild the whole index with a progress bar."""
    published = Listing.moderation_state == ModerationState.PUBLISHED
    total = db.session.scalar(select(func.count()).where(published)) or 0
    with click.progressbar(length=total, label="Indexing listings", file=sys.stderr) as bar:
        # The callers report running totals; the bar counts steps.
        def progress(done: int) -> None:
            bar.update(done - bar.pos)

        count = rebuild_index(current_app.config["SEARCH_INDEX_DIR"], progress=progress)
    click.echo(f"search index rebuilt: {count} listings")


@search_cli.command("sync", help="Apply pending listing changes from the outbox to the index.")
@click.option("--follow", is_flag=True, help="Keep running and apply changes as they arrive.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between polls.")
@click.option(
    "--wait",
    default=LOCK_WAIT_SECONDS,
    show_default=True,
    help="Seconds to wait for another writer's lock before giving up on this pass.",
)
@with_appcontext
def sync_command(follow: bool, interval: float, wait: float) -> None:
    """Run the single indexer once, or follow the outbox until interrupted."""
    index_dir = current_app.config["SEARCH_INDEX_DIR"]
    applied: set[int] = set()
    while True:
        try:
            # Another writer (a rebuild) may hold the lock for a while: wait it out.
            refreshed = sync_with_retries(index_dir, wait, applied)
        except IndexUnavailable as error:
            if not follow:
                raise click.ClickException(str(error)) from None
            click.echo(f"index unavailable, will retry: {error}", err=True)
            refreshed = 0
        finally:
            db.session.rollback()  # end the read transaction so the next poll sees new rows
        if refreshed or not follow:
            click.echo(f"applied changes to {refreshed} listing(s)")
        if not follow:
            return
        time.sleep(interval)


@search_cli.command(
    "check", help="Compare indexed listings with the database; exit 1 if they differ."
)
@with_appcontext
def check_command() -> None:
    """Report listings missing from the index and indexed listings that should not be there."""
    index_dir = current_app.config["SEARCH_INDEX_DIR"]
    try:
        missing, extra = index_differences(index_dir)
        behind = outbox_backlog(index_dir)
    except IndexUnavailable as error:
        raise click.ClickException(str(error)) from None
    if behind:
        click.echo(
            f"behind by {behind} change(s) in the outbox not yet applied: run `flask search sync`"
        )
    if not missing and not extra and not behind:
        click.echo("search index matches the database")
        return
    if missing:
        click.echo(
            f"missing from the index: {len(missing)} listing id(s): "
            f"{', '.join(sorted(missing, key=int)[:20])}"
        )
    if extra:
        click.echo(
            f"in the index but not public: {len(extra)} id(s): "
            f"{', '.join(sorted(extra, key=int)[:20])}"
        )
    raise SystemExit(1)
