"""What a digest holds: listings newly listed, opening, or closing within 14 days that meet an
alert's search, each with why it fits. Matching is batched: the listings that changed in the
window are read once, and each distinct search asks the index once which of them it meets.
Reasons are written in the alert's language (worked out once per search and language)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import and_, or_
from sqlalchemy.orm import selectinload

from directory.alerts.criteria import Criteria, CriteriaError, criteria_for
from directory.catalogue.models import Listing
from directory.clock import as_utc
from directory.extensions import db
from directory.i18n import ENGLISH, LANGUAGES
from directory.search.indexing import public_listings_query
from directory.states import ListingStatus

# A deadline is news once it is this close.
DEADLINE_NOTICE_DAYS = 14
NEW, OPENS, CLOSING = "new", "opens", "closing"
# A digest lists this many at most; its link to the results page shows every one.
MAX_ITEMS = 25


class Watcher(Protocol):
    """What the planner reads of an alert (an Alert, or a row of its columns)."""

    @property
    def kind(self) -> str: ...
    @property
    def query(self) -> str: ...
    @property
    def covered_until(self) -> datetime | None: ...
    @property
    def confirmed_at(self) -> datetime | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def language(self) -> str: ...


def language_of(alert: Watcher) -> str:
    """The language an alert's digest is written in (English when a row does not say)."""
    language = getattr(alert, "language", None)
    return language if language in LANGUAGES else ENGLISH


def window_start(alert: Watcher) -> datetime:
    """Changes after this time are news to the alert."""
    return as_utc(alert.covered_until or alert.confirmed_at or alert.created_at)


def changes_since(since: datetime, now: datetime) -> list[Listing]:
    """Open, public listings newly published, opening, or with a deadline coming into view."""
    today = now.date()
    soon = today + timedelta(days=DEADLINE_NOTICE_DAYS)
    query = (
        public_listings_query()
        .where(
            Listing.status != ListingStatus.CLOSED,
            or_(
                and_(Listing.published_at > since, Listing.published_at <= now),
                and_(Listing.opens_on > since.date(), Listing.opens_on <= today),
                and_(Listing.deadline >= today, Listing.deadline <= soon),
            ),
        )
        .options(selectinload(Listing.business_sizes))
    )
    listings = list(db.session.scalars(query))
    # Detached with everything loaded, so the planner's commits (one per batch of alerts) do
    # not expire them and every reason is worked out from memory, not a query per listing.
    for listing in listings:
        db.session.expunge(listing)
    return listings


def kind_of_news(listing: Listing, since: datetime, now: datetime) -> str | None:
    """Why a listing is news to an alert whose window starts at `since`, if it is."""
    today = now.date()
    published = listing.published_at
    if published is not None and since < as_utc(published) <= now:
        return NEW
    if listing.opens_on is not None and since.date() < listing.opens_on <= today:
        return OPENS
    deadline = listing.deadline
    if deadline is not None and deadline >= today:
        # Told once: on the day it comes within the notice period (days partition across runs).
        comes_into_view = deadline - timedelta(days=DEADLINE_NOTICE_DAYS)
        if since.date() < comes_into_view <= today:
            return CLOSING
    return None


class Matcher:
    """Plans digests for many alerts against one read of the changed listings."""

    def __init__(self, now: datetime, since: datetime) -> None:
        self.now = now
        # The listings that changed in the window, by their index id.
        self.by_id = {str(listing.id): listing for listing in changes_since(since, now)}
        self._criteria: dict[tuple[str, str], Criteria | None] = {}
        self._matched: dict[tuple[str, str], list[tuple[int, str]]] = {}
        # Why a listing fits one watch of a search: the same for every alert with that search
        # and language.
        self._reasons: dict[tuple[str, str, int, str, str], list[str]] = {}

    def criteria(self, alert: Watcher) -> Criteria | None:
        """The alert's search read back (once per distinct search); None if it cannot be."""
        key = (alert.kind, alert.query)
        if key not in self._criteria:
            try:
                self._criteria[key] = criteria_for(alert.kind, alert.query)
            except CriteriaError:
                self._criteria[key] = None
        return self._criteria[key]

    def prepare(self, alerts: Sequence[Watcher]) -> None:
        """Ask the index, in one batch, which changed listings each new distinct search meets."""
        if not self.by_id:
            return
        pending: list[tuple[tuple[str, str], int]] = []
        requests = []
        for alert in alerts:
            key = (alert.kind, alert.query)
            criteria = self.criteria(alert)
            if key in self._matched or criteria is None:
                continue
            self._matched[key] = []
            for position, watch in enumerate(criteria.watches):
                pending.append((key, position))
                requests.append(watch.request)
        if not requests:
            return
        answers = current_app.extensions["search_index"].matching(requests, list(self.by_id))
        for (key, position), ids in zip(pending, answers, strict=True):
            self._matched[key].extend((position, listing_id) for listing_id in ids)

    def _reasons_for(
        self, criteria: Criteria, position: int, listing_id: str, language: str = ENGLISH
    ) -> list[str]:
        """Why a changed listing fits one watch of a search, in a language, worked out once."""
        key = (criteria.kind, criteria.query, position, listing_id, language)
        if key not in self._reasons:
            listing = self.by_id[listing_id]
            with force_locale(language):
                self._reasons[key] = criteria.watches[position].reasons(listing)
        return self._reasons[key]

    def items(self, alert: Watcher) -> list[dict]:
        """The digest's items for one alert (prepare() it first): news, in a stable order."""
        criteria = self.criteria(alert)
        if criteria is None or not self.by_id:
            return []
        since = window_start(alert)
        language = language_of(alert)
        items: dict[str, dict] = {}
        for position, listing_id in self._matched.get((alert.kind, alert.query), []):
            if listing_id in items:
                continue
            listing = self.by_id[listing_id]
            kind = kind_of_news(listing, since, self.now)
            if kind is None:
                continue
            items[listing_id] = {
                "listing": listing.id,
                "slug": listing.slug,
                "name": listing.name,
                "organisation": listing.organisation.name,
                "summary": listing.summary,
                "kind": kind,
                "opens_on": listing.opens_on.isoformat() if listing.opens_on else None,
                "deadline": listing.deadline.isoformat() if listing.deadline else None,
                "reasons": self._reasons_for(criteria, position, listing_id, language),
            }
        order = {NEW: 0, OPENS: 1, CLOSING: 2}
        ordered = sorted(
            items.values(), key=lambda item: (order[item["kind"]], item["name"].lower())
        )
        return ordered[:MAX_ITEMS]
