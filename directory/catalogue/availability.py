"""Whether and how a founder can act on a listing today: its dates, status, last check and
the way to apply or get in touch.

One function decides each for every page, card, API response and questionnaire result, so the
same listing never reads "open" in one place and "closed" in another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import TypedDict

from directory.catalogue.models import Listing
from directory.states import ApplicationStatus, ListingStatus

# Funds and funding calls change quickly; other support less so (issue: the catalogue).
FUNDING_TYPES = frozenset({"equity", "angel", "loan", "grant", "crowdfunding", "award"})
FUNDING_CHECK_DAYS = 90
OTHER_CHECK_DAYS = 180


class AvailabilityState(StrEnum):
    """Where a listing stands for a founder today (derived, never stored)."""

    OPEN = "open"  # taking applications until a date
    ROLLING = "rolling"  # open all year
    OPENS = "opens"  # opens on a known date
    BETWEEN_ROUNDS = "between_rounds"
    PAUSED = "paused"
    ENDED = "ended"
    UNCONFIRMED = "unconfirmed"  # nobody has checked it within its window


@dataclass(frozen=True)
class Availability:
    """Where a listing stands today, with the dates behind it."""

    state: AvailabilityState
    opens_on: date | None = None
    closes_on: date | None = None
    ended_on: date | None = None
    next_round: str | None = None
    last_checked_on: date | None = None

    @property
    def is_open(self) -> bool:
        """Whether a founder can apply or enquire now, as far as the directory knows."""
        return self.state in (AvailabilityState.OPEN, AvailabilityState.ROLLING)

    @property
    def is_closed(self) -> bool:
        """Ended, paused or between rounds: shown after open listings, and labelled."""
        return self.state in (
            AvailabilityState.ENDED,
            AvailabilityState.PAUSED,
            AvailabilityState.BETWEEN_ROUNDS,
        )


def check_window(support_types: list[str]) -> timedelta:
    """How long a check stays good: 90 days for funding, 180 for other support."""
    funding = FUNDING_TYPES & set(support_types)
    return timedelta(days=FUNDING_CHECK_DAYS if funding else OTHER_CHECK_DAYS)


def check_expired(last_checked_on: date | None, support_types: list[str], today: date) -> bool:
    """Whether nobody has checked the listing within its window (never counts as expired)."""
    return last_checked_on is None or today - last_checked_on > check_window(support_types)


def overdue_days(listing: Listing, today: date) -> int:
    """Days past its check window (counting from creation if never checked); 0 or less is fine."""
    checked = listing.last_checked_on or listing.created_at.date()
    support = [term.slug for term in listing.support_types]
    return (today - checked - check_window(support)).days


def open_interval(listing: Listing) -> tuple[date, date] | None:
    """The days on which `availability` reads open or rolling (None: on no day).

    The search index stores this span, so "open now" is judged against the day of a search;
    a test checks the two functions agree on every day.
    """
    if (
        listing.status != ListingStatus.ACTIVE
        or listing.application_status == ApplicationStatus.CLOSED
    ):
        return None
    if listing.last_checked_on is None:
        return None
    support = [term.slug for term in listing.support_types]
    until = listing.last_checked_on + check_window(support)
    if listing.deadline is not None:
        until = min(until, listing.deadline)
    start = date.min
    if listing.application_status == ApplicationStatus.OPENS and listing.opens_on:
        start = listing.opens_on
    return (start, until) if start <= until else None


class KnownDates(TypedDict):
    """The dates and words behind every Availability."""

    opens_on: date | None
    closes_on: date | None
    next_round: str | None
    last_checked_on: date | None


def availability(listing: Listing, today: date | None = None) -> Availability:
    """Where a listing stands on `today`."""
    today = today or date.today()
    support = [term.slug for term in listing.support_types]
    known: KnownDates = {
        "opens_on": listing.opens_on,
        "closes_on": listing.deadline,
        "next_round": listing.next_round,
        "last_checked_on": listing.last_checked_on,
    }
    if listing.status == ListingStatus.CLOSED:
        return Availability(AvailabilityState.ENDED, ended_on=listing.closed_on, **known)
    if listing.status == ListingStatus.PAUSED:
        return Availability(AvailabilityState.PAUSED, **known)
    if listing.deadline is not None and listing.deadline < today:
        return Availability(AvailabilityState.BETWEEN_ROUNDS, **known)
    if listing.application_status == ApplicationStatus.CLOSED:
        return Availability(AvailabilityState.BETWEEN_ROUNDS, **known)
    if (
        listing.application_status == ApplicationStatus.OPENS
        and listing.opens_on
        and listing.opens_on > today
    ):
        return Availability(AvailabilityState.OPENS, **known)
    if check_expired(listing.last_checked_on, support, today):
        # Nobody has confirmed it lately: do not promise it is open.
        return Availability(AvailabilityState.UNCONFIRMED, **known)
    rolling = listing.application_status == ApplicationStatus.ROLLING
    state = AvailabilityState.ROLLING if rolling else AvailabilityState.OPEN
    return Availability(state, **known)


@dataclass(frozen=True)
class WayToAct:
    """Where a founder goes to apply or get in touch."""

    kind: str  # website, organisation_website, form, email, phone
    target: str  # a web address, an email address or a phone number

    @property
    def href(self) -> str:
        """A link to it: the web address, or mailto: or tel:."""
        if self.kind == "email":
            return f"mailto:{self.target}"
        if self.kind == "phone":
            return "tel:" + "".join(c for c in self.target if c.isdigit() or c == "+")
        return self.target


def way_to_act(listing: Listing) -> WayToAct | None:
    """The listing's website, else its organisation's, else a form, an email or a phone."""
    candidates = (
        ("website", listing.website),
        ("organisation_website", listing.organisation.website),
        ("form", listing.contact_form),
        ("email", listing.contact_email),
        ("phone", listing.contact_phone),
    )
    return next((WayToAct(kind, target) for kind, target in candidates if target), None)
