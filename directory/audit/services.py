"""Recording changes to listings and organisations, reading them back, and restoring versions."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select

from directory.accounts.models import User
from directory.audit.models import AuditEntry
from directory.catalogue.editing import listing_record, organisation_record
from directory.catalogue.models import Listing, Organisation
from directory.extensions import db

CREATED = "(created)"
# Listing fields kept in the trail beyond the seed record: who may see it and when checked.
LISTING_EXTRA_FIELDS = (
    "moderation_state", "moderation_note", "last_checked_on", "last_checked_by",
    "last_checked_how",
)  # fmt: skip
DATE_FIELDS = ("opens_on", "deadline", "closed_on", "last_checked_on")


def _jsonable(value):
    """Dates become ISO strings so every value fits a JSON column."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    return value


def listing_state(listing: Listing) -> dict:
    """Everything about a listing the trail records, as JSON-ready values."""
    state = listing_record(listing)
    for field in LISTING_EXTRA_FIELDS:
        state[field] = getattr(listing, field)
    return _jsonable(state)


def organisation_state(organisation: Organisation) -> dict:
    """Everything about an organisation the trail records."""
    state = {**organisation_record(organisation), "moderation_state": organisation.moderation_state}
    return _jsonable(state)


def record_change(
    entity: str,
    entity_id: int,
    before: dict | None,
    after: dict,
    user: User | None = None,
    actor: str | None = None,
) -> int:
    """Write one entry per changed field (or one for a creation); return how many."""
    change_id = uuid.uuid4().hex
    who = {"user_id": user.id if user else None, "actor": actor or (user.email if user else "")}
    if before is None:
        db.session.add(
            AuditEntry(
                change_id=change_id,
                entity=entity,
                entity_id=entity_id,
                field=CREATED,
                before=None,
                after=after,
                **who,
            )
        )
        return 1
    changed = [field for field in after if before.get(field) != after[field]]
    for field in changed:
        db.session.add(
            AuditEntry(
                change_id=change_id,
                entity=entity,
                entity_id=entity_id,
                field=field,
                before=before.get(field),
                after=after[field],
                **who,
            )
        )
    return len(changed)


def history(entity: str, entity_id: int) -> list[AuditEntry]:
    """Every entry for one listing or organisation, newest first."""
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
            .order_by(AuditEntry.id.desc())
        )
    )


def listing_state_after(listing: Listing, change_id: str) -> dict:
    """The listing as it was just after one change: today's state with later changes undone."""
    state = listing_state(listing)
    entries = history("listing", listing.id)
    if change_id not in {entry.change_id for entry in entries}:
        raise LookupError(f"no change {change_id} for this listing")
    for entry in entries:  # newest first
        if entry.change_id == change_id:
            break
        if entry.field != CREATED:
            state[entry.field] = entry.before
    return state


def record_from_state(state: dict) -> dict:
    """Turn a trail state back into a listing record with real dates."""
    record = dict(state)
    for field in DATE_FIELDS:
        if record.get(field):
            record[field] = date.fromisoformat(record[field])
    for source in record.get("sources") or []:
        if isinstance(source, dict) and isinstance(source.get("retrieved"), str):
            source["retrieved"] = date.fromisoformat(source["retrieved"])
    return record
