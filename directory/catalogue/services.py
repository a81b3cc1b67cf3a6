"""Reading the public catalogue."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from directory.catalogue.availability import overdue_days
from directory.catalogue.models import Listing, Organisation
from directory.extensions import db
from directory.states import ListingStatus, ModerationState


def public_listing(slug: str) -> Listing | None:
    """The published listing with this slug, or None."""
    return db.session.scalars(
        select(Listing)
        .where(Listing.slug == slug, Listing.moderation_state == ModerationState.PUBLISHED)
        .options(selectinload("*"))
    ).first()


def organisation_with_public_listings(slug: str) -> tuple[Organisation, list[Listing]] | None:
    """The published organisation with this slug and its published listings, or None (one
    proposed by a would-be owner stays hidden until a moderator approves it)."""
    organisation = db.session.scalars(
        select(Organisation).filter_by(slug=slug, moderation_state=ModerationState.PUBLISHED)
    ).first()
    if organisation is None:
        return None
    listings = [listing for listing in organisation.listings if listing.is_public]
    return organisation, listings


def stale_listings(today: date | None = None, limit: int = 50) -> list[tuple[Listing, int]]:
    """Published, not closed listings past their check window (90 days for funding, 180 for
    other support), the most overdue first, with how many days overdue."""
    today = today or date.today()
    listings = db.session.scalars(
        select(Listing)
        .where(
            Listing.moderation_state == ModerationState.PUBLISHED,
            Listing.status != ListingStatus.CLOSED,
        )
        .options(selectinload(Listing.organisation), selectinload(Listing.support_types))
    )
    overdue = [(listing, overdue_days(listing, today)) for listing in listings]
    overdue = [(listing, days) for listing, days in overdue if days > 0]
    overdue.sort(key=lambda pair: (-pair[1], pair[0].name))
    return overdue[:limit]
