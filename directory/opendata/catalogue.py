"""What the open catalogue holds: every published listing and its organisation, with sources
and last-checked dates, and how the catalogue changed week by week."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from directory.api.serialise import listing_detail
from directory.audit.models import AuditEntry
from directory.audit.services import CREATED
from directory.catalogue.models import Listing
from directory.extensions import db
from directory.states import ListingStatus, ModerationState

# The Open Government Licence: the licence UK public-sector information is published under, so
# local authorities, Growth Hubs and other directories can reuse the catalogue on the terms they
# already use for ONS and GOV.UK data (attribution only; compatible with CC BY 4.0).
LICENCE = {
    "name": "Open Government Licence v3.0",
    "id": "OGL-UK-3.0",
    "url": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    "attribution": "Contains information from the Start-up Support Directory, "
    "licensed under the Open Government Licence v3.0.",
}
# Fields of the trail that are the service's own business, not the catalogue's.
INTERNAL_FIELDS = {"moderation_note", "last_checked_by"}


def published_listings() -> list[Listing]:
    """Every published listing with what its open record needs, by slug."""
    return list(
        db.session.scalars(
            select(Listing)
            .where(Listing.moderation_state == ModerationState.PUBLISHED)
            .order_by(Listing.slug)
            .options(selectinload("*"))
        )
    )


def catalogue_document(generated: datetime) -> dict[str, Any]:
    """The open catalogue as one JSON document: licence, then organisations and listings."""
    listings = published_listings()
    organisations = {listing.organisation.slug: listing.organisation for listing in listings}
    return {
        "title": "Start-up Support Directory: the open catalogue",
        "licence": LICENCE,
        "generated": generated.isoformat(timespec="seconds"),
        "documentation": url_for("opendata.index", _external=True),
        "organisations": [
            {
                "slug": organisation.slug,
                "name": organisation.name,
                "website": organisation.website,
                "description": organisation.description,
                "sources": organisation.sources,
                "url": url_for("catalogue.organisation", slug=organisation.slug, _external=True),
            }
            for organisation in sorted(organisations.values(), key=lambda o: o.slug)
        ],
        "listings": [listing_detail(listing) for listing in listings],
    }


@dataclass(frozen=True)
class WeekOfChanges:
    """How many listings were added to, changed in and closed in the open catalogue one week."""

    week: date  # its Monday
    added: int
    changed: int
    closed: int


def weekly_changes(weeks: int = 52, today: date | None = None) -> list[WeekOfChanges]:
    """The last `weeks` weeks of changes to published listings, newest first, from the trail.

    Added: created as published, or published by a moderator. Closed: its status set to closed.
    Changed: any other edit to a listing that is published now (a listing counts once a week).
    """
    today = today or date.today()
    first = _monday(today) - timedelta(weeks=weeks - 1)
    public_ids = set(
        db.session.scalars(
            select(Listing.id).where(Listing.moderation_state == ModerationState.PUBLISHED)
        )
    )
    since = datetime.combine(first, time.min, tzinfo=UTC)
    entries = db.session.execute(
        select(AuditEntry.entity_id, AuditEntry.at, AuditEntry.field, AuditEntry.after).where(
            AuditEntry.entity == "listing", AuditEntry.at >= since
        )
    )
    added: dict[date, set[int]] = defaultdict(set)
    changed: dict[date, set[int]] = defaultdict(set)
    closed: dict[date, set[int]] = defaultdict(set)
    for listing_id, at, field, after in entries:
        week = _monday(at.date())
        if field == CREATED:
            if (
                isinstance(after, dict)
                and after.get("moderation_state") == ModerationState.PUBLISHED
            ):
                added[week].add(listing_id)
        elif field == "moderation_state" and after == ModerationState.PUBLISHED:
            added[week].add(listing_id)
        elif field == "status" and after == ListingStatus.CLOSED:
            closed[week].add(listing_id)
        elif field not in INTERNAL_FIELDS and listing_id in public_ids:
            changed[week].add(listing_id)
    return [
        WeekOfChanges(
            week=week,
            added=len(added[week]),
            changed=len(changed[week] - added[week] - closed[week]),
            closed=len(closed[week]),
        )
        for week in (first + timedelta(weeks=n) for n in reversed(range(weeks)))
    ]


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())
