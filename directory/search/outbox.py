"""Write an outbox row in the same transaction as every change that alters a search document."""

from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from directory.catalogue.models import Listing, Location, Organisation
from directory.search.models import SearchOutbox


def changed_listing_ids(session: Session) -> set[int]:
    """Listing ids whose search document this flush changes."""
    listing_ids: set[int] = set()
    organisation_ids: set[int] = set()
    for instance in (*session.new, *session.dirty, *session.deleted):
        if instance in session.dirty and not session.is_modified(instance):
            continue
        if isinstance(instance, Listing) and instance.id is not None:
            listing_ids.add(instance.id)
        elif isinstance(instance, Location) and instance.listing_id is not None:
            listing_ids.add(instance.listing_id)
        elif isinstance(instance, Organisation) and instance in session.dirty:
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


@event.listens_for(Session, "after_flush")
def _write_outbox_rows(session: Session, _flush_context) -> None:
    """Queue changed listings for the indexer inside the flushing transaction."""
    listing_ids = changed_listing_ids(session)
    if listing_ids:
        session.connection().execute(
            insert(SearchOutbox), [{"listing_id": listing_id} for listing_id in sorted(listing_ids)]
        )
