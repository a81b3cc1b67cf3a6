"""What owners may see and do: their organisations, their listings, and nothing else."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import abort, current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from directory.accounts.models import User
from directory.accounts.services import grant_role
from directory.catalogue.availability import overdue_days
from directory.catalogue.changes import save_organisation, unique_slug
from directory.catalogue.models import Listing, Organisation
from directory.catalogue.ownership import Membership
from directory.catalogue.records import (
    ListingRecord,
    Problem,
    Record,
    normalise_listing,
    validate_listing,
)
from directory.extensions import db
from directory.states import MembershipState, ModerationState


def managed_organisation_ids(user: User) -> set[int]:
    """Organisations the user is approved to manage."""
    return set(
        db.session.scalars(
            select(Membership.organisation_id).where(
                Membership.user_id == user.id, Membership.state == MembershipState.APPROVED
            )
        )
    )


def memberships(user: User) -> list[Membership]:
    """The user's requests and approvals, newest first."""
    return list(
        db.session.scalars(
            select(Membership)
            .where(Membership.user_id == user.id)
            .options(selectinload(Membership.organisation))
            .order_by(Membership.created_at.desc())
        )
    )


def owned_listing_or_404(user: User, slug: str) -> Listing:
    """A listing of one of the user's organisations; anyone else's is simply not found."""
    listing = db.session.scalars(select(Listing).where(Listing.slug == slug)).first()
    if listing is None or listing.organisation_id not in managed_organisation_ids(user):
        abort(404)
    return listing


def owned_organisation_or_404(user: User, slug: str) -> Organisation:
    """An organisation the user manages; any other is not found."""
    organisation = db.session.scalars(select(Organisation).where(Organisation.slug == slug)).first()
    if organisation is None or organisation.id not in managed_organisation_ids(user):
        abort(404)
    return organisation


def listings_of(organisation_ids: set[int]) -> list[Listing]:
    """Every listing, in any state, of these organisations."""
    if not organisation_ids:
        return []
    return list(
        db.session.scalars(
            select(Listing)
            .where(Listing.organisation_id.in_(organisation_ids))
            .options(selectinload(Listing.organisation))
            .order_by(Listing.name)
        )
    )


def is_stale(listing: Listing, today: date | None = None) -> bool:
    """Past its check window: 90 days for funding, 180 for other support."""
    today = today or date.today()
    return (
        listing.moderation_state == ModerationState.PUBLISHED and overdue_days(listing, today) > 0
    )


def validate_owner_record(
    record: Record, organisation: Organisation
) -> tuple[ListingRecord, list[Problem]]:
    """Normalise and validate an owner's record with the catalogue's own rules."""
    record = {
        **record,
        "slug": record.get("slug") or "new-listing",
        "organisation": organisation.slug,
    }
    normalised = normalise_listing(record)
    problems = validate_listing(
        record,
        normalised,
        "form",
        current_app.extensions["taxonomy"],
        {organisation.slug: organisation.website},
        # The organisation itself vouches for what its owner writes; sources are welcome.
        require_sources=False,
    )
    return normalised, problems


def searchable_organisations(text: str, limit: int = 20) -> list[Organisation]:
    """Published organisations whose name contains the text."""
    if not text.strip():
        return []
    pattern = f"%{text.strip().lower()[:100]}%"
    return list(
        db.session.scalars(
            select(Organisation)
            .where(
                Organisation.moderation_state == ModerationState.PUBLISHED,
                Organisation.name.ilike(pattern),
            )
            .order_by(Organisation.name)
            .limit(limit)
        )
    )


def request_membership(user: User, organisation: Organisation, message: str) -> Membership:
    """Ask to manage an organisation (again, after a rejection)."""
    membership = db.session.scalars(
        select(Membership).filter_by(user_id=user.id, organisation_id=organisation.id)
    ).first()
    if membership is None:
        membership = Membership(user_id=user.id, organisation_id=organisation.id)
        db.session.add(membership)
    elif membership.state == MembershipState.APPROVED:
        return membership
    membership.state, membership.message = MembershipState.REQUESTED, message
    membership.decision_reason = membership.decided_at = membership.decided_by_id = None
    db.session.flush()
    return membership


def propose_organisation(
    user: User,
    name: str,
    website: str | None,
    description: str,
    message: str,
    name_cy: str | None = None,
    description_cy: str | None = None,
) -> Membership:
    """A new organisation, hidden until a moderator approves it with the user as its owner;
    its Welsh name and description too, when the user gives them."""
    organisation = Organisation(
        slug=unique_slug(Organisation, name),
        name=name.strip(),
        website=(website or "").strip() or None,
        description=description.strip(),
        name_cy=(name_cy or "").strip() or None,
        description_cy=(description_cy or "").strip() or None,
        moderation_state="proposed",
    )
    save_organisation(organisation, user)
    return request_membership(user, organisation, message)


def decide_membership(
    membership: Membership, moderator: User, approve: bool, reason: str | None = None
) -> None:
    """Approve (making the user an owner, and a proposed organisation public) or reject."""
    membership.state = MembershipState.APPROVED if approve else MembershipState.REJECTED
    membership.decision_reason = reason
    membership.decided_by_id = moderator.id
    membership.decided_at = datetime.now(UTC)
    organisation = membership.organisation
    if organisation.moderation_state == "proposed":
        save_organisation(
            organisation,
            moderator,
            moderation_state=ModerationState.PUBLISHED if approve else ModerationState.REJECTED,
        )
    if approve:
        grant_role(membership.user, "owner")
    db.session.flush()


def searchable_organisations_by_slug(slug: str) -> Organisation | None:
    """A published organisation a user may ask to manage."""
    return db.session.scalars(
        select(Organisation).where(
            Organisation.slug == slug, Organisation.moderation_state == ModerationState.PUBLISHED
        )
    ).first()
