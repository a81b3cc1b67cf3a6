"""Write an outbox row in the same transaction as every change that alters a search document,
and, in a request, apply the outbox once that transaction commits."""

from flask import Flask, current_app, has_app_context, has_request_context
from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session, SessionTransaction, UOWTransaction

from directory.catalogue.models import Listing, Location, Organisation
from directory.extensions import db
from directory.search.indexing import refresh_index_after_edit
from directory.search.models import SearchOutbox
from directory.transactions import after_commit

_REFRESH_QUEUED = "search_refresh_queued"
_CHANGED = "search_outbox_written"


def changed_listing_ids(session: Session) -> set[int]:
    """Listing ids whose search document this flush changes."""
    listing_ids: set[int] = set()
    organisation_ids: set[int] = set()
    # session.dirty is worked out afresh on each access: once per flush, not once per object.
    dirty = session.dirty
    for instance in (*session.new, *dirty, *session.deleted):
        if instance in dirty and not session.is_modified(instance):
            continue
        if isinstance(instance, Listing) and instance.id is not None:
            listing_ids.add(instance.id)
        elif isinstance(instance, Location) and instance.listing_id is not None:
            listing_ids.add(instance.listing_id)
        elif isinstance(instance, Organisation) and instance in dirty:
            organisation_ids.add(instance.id)
    if organisation_ids:
        # An organisation's name is part of each of its listings' documents.
        with session.no_autoflush:
            listing_ids.update(
                session.scalars(
                    select(Listing.id).where(Listing.organisation_id.in_(organisation_ids))
                )
            )
    return listing_ids


def _write_outbox_rows(session: Session, _flush_context: UOWTransaction) -> None:
    """Queue changed listings for the indexer inside the flushing transaction."""
    listing_ids = changed_listing_ids(session)
    if listing_ids:
        session.connection().execute(
            insert(SearchOutbox), [{"listing_id": listing_id} for listing_id in sorted(listing_ids)]
        )
        session.info[_CHANGED] = True
        # An edit in a request reaches search as soon as it commits (commands index for
        # themselves: `flask seed load` rebuilds, `flask search sync` applies the outbox).
        if has_request_context() and not session.info.get(_REFRESH_QUEUED):
            session.info[_REFRESH_QUEUED] = True
            after_commit(_refresh)


def _refresh() -> None:
    db.session.info.pop(_REFRESH_QUEUED, None)
    refresh_index_after_edit()


def _committed(session: Session) -> None:
    """This process's pages see its own committed change at once (see ChangeWatch)."""
    if session.info.pop(_CHANGED, False) and has_app_context():
        current_app.extensions["catalogue_changes"].changed_here()


def _forget(session: Session, _previous_transaction: SessionTransaction | None = None) -> None:
    session.info.pop(_REFRESH_QUEUED, None)
    session.info.pop(_CHANGED, None)


def init_app(app: Flask) -> None:
    """Listen on the app's sessions (not every session in the process), once."""
    factory = db.session.session_factory
    if not event.contains(factory, "after_flush", _write_outbox_rows):
        event.listen(factory, "after_flush", _write_outbox_rows)
        event.listen(factory, "after_soft_rollback", _forget)
        event.listen(factory, "after_commit", _committed)
