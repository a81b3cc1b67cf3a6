"""What the moderation pages read: submissions, ownership requests, one listing in any state."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from directory.catalogue.models import Listing
from directory.catalogue.ownership import Membership
from directory.extensions import db
from directory.states import MembershipState, ModerationState


def any_listing(slug: str) -> Listing | None:
    """A listing in any state, by slug."""
    return db.session.scalars(select(Listing).where(Listing.slug == slug)).first()


def submitted_listings() -> list[Listing]:
    """Listings waiting for a moderator, oldest first."""
    return list(
        db.session.scalars(
            select(Listing)
            .where(Listing.moderation_state == ModerationState.SUBMITTED)
            .options(selectinload(Listing.organisation))
            .order_by(Listing.updated_at)
        )
    )


def membership_requests() -> list[Membership]:
    """Requests to manage an organisation, oldest first."""
    return list(
        db.session.scalars(
            select(Membership)
            .where(Membership.state == MembershipState.REQUESTED)
            .options(selectinload(Membership.organisation), selectinload(Membership.user))
            .order_by(Membership.created_at)
        )
    )
