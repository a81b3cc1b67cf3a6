"""Every change to a listing or organisation goes through here, audited: people's edits, the
seed loader and the admin import alike. Functions here only flush; the caller commits."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from directory.accounts.models import User
from directory.audit.services import record_change
from directory.catalogue.editing import (
    apply_listing_record,
    apply_organisation_record,
    comparable,
    listing_record,
    organisation_record,
)
from directory.catalogue.models import LISTING_RELATIONS, Listing, Organisation
from directory.catalogue.placing import place_location
from directory.catalogue.records import (
    LISTING_FIELDS,
    ListingRecord,
    OrganisationRecord,
    Record,
    normalise_listing,
)
from directory.catalogue.snapshots import (
    LISTING_EXTRA_FIELDS,
    listing_state,
    listing_state_after,
    organisation_state,
    record_from_state,
)
from directory.extensions import db
from directory.states import ListingStatus, ModerationState


@dataclass
class Tally:
    """How many records of one kind were created, updated or left unchanged."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


def unique_slug(model: type[Listing | Organisation], name: str) -> str:
    """A URL slug from a name, made unique with a number where needed."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:100] or "listing"
    slug, number = base, 1
    while db.session.scalar(select(model.id).where(model.slug == slug)) is not None:
        number += 1
        slug = f"{base}-{number}"
    return slug


def save_listing(
    listing: Listing,
    user: User | None,
    record: Mapping[str, Any] | None = None,
    actor: str | None = None,
    **fields: Any,
) -> Listing:
    """Apply a record and/or plain fields to a listing and audit the difference; only flushes."""
    before = listing_state(listing) if listing.id else None
    if record is not None:
        apply_listing_record(db.session(), listing, record)
        place_on_map(listing)
    for name, value in fields.items():
        setattr(listing, name, value)
    db.session.add(listing)
    db.session.flush()
    record_change("listing", listing.id, before, listing_state(listing), user=user, actor=actor)
    return listing


def place_on_map(listing: Listing) -> None:
    """Give the listing's locations coordinates, when the postcode lookup is built."""
    lookup = current_app.extensions.get("geo")
    if lookup is None or not lookup.is_current():
        return
    for location in listing.locations:
        place_location(lookup, location, listing.region_slugs)


def create_draft(user: User, organisation: Organisation, record: Mapping[str, Any]) -> Listing:
    """A new listing in draft, owned through its organisation."""
    record = {
        **record,
        "organisation": organisation.slug,
        "slug": unique_slug(Listing, record["name"]),
    }
    listing = save_listing(Listing(moderation_state=ModerationState.DRAFT), user, record)
    return listing


def editable_record(listing: Listing, changes: Record) -> Record:
    """The listing's record with an owner's edits; slug and organisation kept."""
    state = record_from_state(listing_state(listing))
    record = {field: state[field] for field in LISTING_FIELDS}
    record.update(
        {key: value for key, value in changes.items() if key not in ("slug", "organisation")}
    )
    return record


def submit(listing: Listing, user: User) -> None:
    """Send a draft (or a rejected listing) to the moderators."""
    save_listing(listing, user, moderation_state=ModerationState.SUBMITTED, moderation_note=None)


def publish(listing: Listing, moderator: User) -> None:
    """Make a submitted listing public."""
    save_listing(
        listing, moderator, moderation_state=ModerationState.PUBLISHED, moderation_note=None
    )


def reject(listing: Listing, moderator: User, reason: str) -> None:
    """Send a submission back to its owners with the reason."""
    save_listing(
        listing, moderator, moderation_state=ModerationState.REJECTED, moderation_note=reason
    )


def withdraw(listing: Listing, actor: str, reason: str) -> None:
    """Take a published listing out of public view, back to draft, saying why."""
    save_listing(
        listing, None, actor=actor, moderation_state=ModerationState.DRAFT, moderation_note=reason
    )


def republish(listing: Listing, actor: str) -> None:
    """Put a withdrawn listing back in public view."""
    save_listing(
        listing, None, actor=actor, moderation_state=ModerationState.PUBLISHED, moderation_note=None
    )


def set_status(listing: Listing, user: User, status: str) -> None:
    """Pause, close (ended today, kept as ended) or reopen a listing."""
    closed_on = (listing.closed_on or date.today()) if status == ListingStatus.CLOSED else None
    save_listing(listing, user, status=status, closed_on=closed_on)


def confirm_accurate(listing: Listing, user: User, checked_by: str, how: str) -> None:
    """Record that someone confirmed the listing is still accurate today (`how`: owner or
    moderator)."""
    save_listing(
        listing, user, last_checked_on=date.today(), last_checked_by=checked_by,
        last_checked_how=how,
    )  # fmt: skip


def restore(listing: Listing, moderator: User, change_id: str) -> None:
    """Put a listing back as it was just after an earlier change (itself audited)."""
    state = record_from_state(listing_state_after(listing, change_id))
    # States written before a field existed lack it; normalising fills the gaps.
    record = normalise_listing({field: state.get(field) for field in LISTING_FIELDS})
    extras = {field: state[field] for field in LISTING_EXTRA_FIELDS if field in state}
    save_listing(listing, moderator, {**record, "slug": listing.slug}, **extras)


def save_organisation(
    organisation: Organisation, user: User | None, actor: str | None = None, **fields: Any
) -> Organisation:
    """Change an organisation's fields and audit the difference; only flushes."""
    before = organisation_state(organisation) if organisation.id else None
    for name, value in fields.items():
        setattr(organisation, name, value)
    db.session.add(organisation)
    db.session.flush()
    record_change(
        "organisation",
        organisation.id,
        before,
        organisation_state(organisation),
        user=user,
        actor=actor,
    )
    return organisation


def save_records(
    session: Session,
    organisation_records: Mapping[str, OrganisationRecord],
    listing_records: Mapping[str, ListingRecord],
    actor: str,
    progress: Callable[[int], None] | None = None,
) -> tuple[Tally, Tally]:
    """Upsert validated records by slug (the seed loader and the admin import), audited as
    `actor`; new listings are published. Only flushes; returns (organisations, listings)."""
    organisations_tally, listings_tally = Tally(), Tally()
    existing_organisations = {row.slug: row for row in session.scalars(select(Organisation))}
    new_organisations: list[Organisation] = []
    for slug, organisation_fields in organisation_records.items():
        organisation = existing_organisations.get(slug)
        if organisation is None:
            organisation = Organisation()
            apply_organisation_record(organisation, organisation_fields)
            session.add(organisation)
            new_organisations.append(organisation)
        elif organisation_record(organisation) == organisation_fields:
            organisations_tally.unchanged += 1
        else:
            before = organisation_state(organisation)
            apply_organisation_record(organisation, organisation_fields)
            record_change(
                "organisation",
                organisation.id,
                before,
                organisation_state(organisation),
                actor=actor,
            )
            organisations_tally.updated += 1
    # One flush gives every new organisation its id: a flush each made large loads quadratic.
    session.flush()
    for organisation in new_organisations:
        record_change(
            "organisation", organisation.id, None, organisation_state(organisation), actor=actor
        )
    organisations_tally.created += len(new_organisations)

    organisations = {row.slug: row for row in session.scalars(select(Organisation))}
    # Comparing each listing with its record reads every relation: load them a query each.
    everything = (selectinload(relation) for relation in LISTING_RELATIONS)
    existing_listings = {
        row.slug: row for row in session.scalars(select(Listing).options(*everything))
    }
    created: list[Listing] = []
    updated: list[tuple[Listing, Record]] = []
    for done, (slug, record) in enumerate(listing_records.items(), start=1):
        listing = existing_listings.get(slug)
        if listing is None:
            listing = Listing(moderation_state=ModerationState.PUBLISHED)
            session.add(listing)
            apply_listing_record(session, listing, record, organisations)
            created.append(listing)
        elif comparable(listing_record(listing)) == comparable(record):
            listings_tally.unchanged += 1
        else:
            before = listing_state(listing)
            apply_listing_record(session, listing, record, organisations)
            updated.append((listing, before))
        if progress:
            progress(done)
    # One flush for the whole file: a flush per listing made a 5 MB import take 20 s.
    session.flush()
    for listing in created:
        record_change("listing", listing.id, None, listing_state(listing), actor=actor)
    for listing, before in updated:
        record_change("listing", listing.id, before, listing_state(listing), actor=actor)
    listings_tally.created += len(created)
    listings_tally.updated += len(updated)
    session.flush()
    return organisations_tally, listings_tally
