"""Reading the public catalogue."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from directory.catalogue.models import Listing, Organisation
from directory.extensions import db


def public_listing(slug: str) -> Listing | None:
    """The published listing with this slug, or None."""
    return db.session.scalars(
        select(Listing)
        .where(Listing.slug == slug, Listing.moderation_state == "published")
        .options(selectinload("*"))
    ).first()


def organisation_with_public_listings(slug: str) -> tuple[Organisation, list[Listing]] | None:
    """The organisation with this slug and its published listings, or None."""
    organisation = db.session.scalars(select(Organisation).filter_by(slug=slug)).first()
    if organisation is None:
        return None
    listings = [listing for listing in organisation.listings if listing.is_public]
    return organisation, listings
