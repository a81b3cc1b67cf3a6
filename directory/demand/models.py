"""Demand tables: events (a row per filter combination), daily salts, weekly aggregates, tokens."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from directory.clock import utcnow
from directory.extensions import Model, db

# Where an event came from.
SOURCES = ("search_page", "search_api", "questionnaire", "listing_open", "alert")
SEARCH_SOURCES = ("search_page", "search_api", "questionnaire")
DIMENSIONS = ("region", "stage", "support", "sector")


class DemandCell:
    """The columns a demand count groups by, shared by raw events and weekly aggregates."""

    week: Mapped[date]  # the Monday of the ISO week
    source: Mapped[str] = mapped_column(String(20))
    query: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(40))
    stage: Mapped[str | None] = mapped_column(String(40))
    support: Mapped[str | None] = mapped_column(String(40))
    sector: Mapped[str | None] = mapped_column(String(60))
    zero_results: Mapped[bool] = mapped_column(default=False)
    synthetic: Mapped[bool] = mapped_column(default=False)
    # The interface language the founder used ("en" or "cy"): Welsh-language demand.
    language: Mapped[str] = mapped_column(String(2), default="en", server_default="en")


class DemandEvent(DemandCell, Model):
    """One row of a recorded event: an event with several filter values has one row per combination.

    Every row of an event shares its `event_id` and `visitor_day_key`, so counts are
    COUNT(DISTINCT visitor_day_key) under a plain GROUP BY. No address, browser, cookie or
    exact time is stored: only the day and the hour.
    """

    __tablename__ = "demand_event"
    __table_args__ = (
        # Covering index: every count but the free-text ones reads only this index, in order.
        Index(
            "ix_demand_event_counts",
            "synthetic",
            "day",
            "source",
            "region",
            "stage",
            "support",
            "sector",
            "week",
            "zero_results",
            "visitor_day_key",
        ),
        Index("ix_demand_event_listing", "listing_slug", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(32))
    day: Mapped[date]
    hour: Mapped[int]
    result_count: Mapped[int | None]
    listing_slug: Mapped[str | None] = mapped_column(String(120))
    rank: Mapped[int | None]
    answers: Mapped[dict | None] = mapped_column(JSON)  # questionnaire answer keys (issue 7)
    # 63 bits of an HMAC, as an integer: distinct counts over integers are several times faster.
    visitor_day_key: Mapped[int] = mapped_column(BigInteger)

    def __repr__(self) -> str:
        return f"<DemandEvent {self.event_id} {self.source} {self.day}>"


class DemandAppearance(Model):
    """A listing shown on the first page of a recorded search, for its owners' figures."""

    __tablename__ = "demand_appearance"
    __table_args__ = (Index("ix_demand_appearance_listing", "listing_slug", "synthetic", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(32))
    day: Mapped[date]
    listing_slug: Mapped[str] = mapped_column(String(120))
    rank: Mapped[int]
    visitor_day_key: Mapped[int] = mapped_column(BigInteger)
    synthetic: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"<DemandAppearance {self.listing_slug} {self.day}>"


class DemandWeekly(DemandCell, Model):
    """Raw events folded by `flask demand prune`: distinct visitor-days per week and cell."""

    __tablename__ = "demand_weekly"
    __table_args__ = (Index("ix_demand_weekly_week", "synthetic", "week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visitor_days: Mapped[int]
    events: Mapped[int]

    def __repr__(self) -> str:
        return f"<DemandWeekly {self.week} {self.visitor_days}>"


class ApiToken(Model):
    """A named bearer token for GET /api/v1/demand; only its SHA-256 is stored."""

    __tablename__ = "demand_api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(db.ForeignKey("user_account.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    last_used_on: Mapped[date | None]

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.name!r}>"
