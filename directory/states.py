"""The states a listing or organisation can be in, as their stored values."""

from __future__ import annotations

from enum import StrEnum


class ModerationState(StrEnum):
    """Where a listing or organisation is in moderation: only published ones are public."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    REJECTED = "rejected"


class ListingStatus(StrEnum):
    """Whether the offering runs at all."""

    ACTIVE = "active"
    PAUSED = "paused"
    CLOSED = "closed"  # ended; it stays listed as ended


class ApplicationStatus(StrEnum):
    """How applications work: open for a while, any time, closed between rounds, or opening."""

    OPEN = "open"
    ROLLING = "rolling"
    CLOSED = "closed"
    OPENS = "opens"


class MembershipState(StrEnum):
    """A user's request to manage an organisation's listings."""

    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
