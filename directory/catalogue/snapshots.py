"""Snapshots of listings and organisations for the audit trail, and versions read back."""

from __future__ import annotations

from datetime import date
from typing import Any

from directory.audit.services import CREATED, history
from directory.catalogue.editing import listing_record, organisation_record
from directory.catalogue.models import Listing, Organisation
from directory.catalogue.records import Record

# Listing fields kept in the trail beyond the seed record: who may see it and when checked.
LISTING_EXTRA_FIELDS = (
    "moderation_state", "moderation_note", "last_checked_on", "last_checked_by",
    "last_checked_how",
)  # fmt: skip
DATE_FIELDS = ("opens_on", "deadline", "closed_on", "last_checked_on")


def _jsonable(value: Any) -> Any:
    """Dates become ISO strings so every value fits a JSON column."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    return value


def listing_state(listing: Listing) -> dict[str, Any]:
    """Everything about a listing the trail records, as JSON-ready values."""
    state: dict[str, Any] = dict(listing_record(listing))
    for field in LISTING_EXTRA_FIELDS:
        state[field] = getattr(listing, field)
    return _jsonable(state)


def organisation_state(organisation: Organisation) -> dict[str, Any]:
    """Everything about an organisation the trail records."""
    state = {**organisation_record(organisation), "moderation_state": organisation.moderation_state}
    return _jsonable(state)


def listing_state_after(listing: Listing, change_id: str) -> dict[str, Any]:
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


def record_from_state(state: dict[str, Any]) -> Record:
    """Turn a trail state back into a listing record with real dates."""
    record = dict(state)
    for field in DATE_FIELDS:
        if record.get(field):
            record[field] = date.fromisoformat(record[field])
    for source in record.get("sources") or []:
        if isinstance(source, dict) and isinstance(source.get("retrieved"), str):
            source["retrieved"] = date.fromisoformat(source["retrieved"])
    return record
