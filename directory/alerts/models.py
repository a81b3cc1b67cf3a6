"""Alert tables: an address, the searches it watches, their facets, and the digests sent."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.clock import utcnow
from directory.extensions import Model

KINDS = ("search", "check")  # the search page, or the questionnaire (/check/)
FREQUENCIES = ("daily", "weekly")


def new_key() -> str:
    """A random value signed into links, so a link dies with the row it was made for."""
    return secrets.token_urlsafe(12)


class Subscriber(Model):
    """An email address with alerts: nothing else about the person is kept."""

    __tablename__ = "alert_subscriber"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    key: Mapped[str] = mapped_column(String(32), default=new_key)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Confirming an alert, opening the alerts page or receiving a digest: 13 months without
    # any of them and the address is deleted.
    last_used_at: Mapped[datetime] = mapped_column(default=utcnow)

    alerts: Mapped[list[Alert]] = relationship(
        back_populates="subscriber", cascade="all, delete-orphan", order_by="Alert.id"
    )


class Alert(Model):
    """One saved search (its query string only) and how often to send its digest."""

    __tablename__ = "alert"
    __table_args__ = (
        UniqueConstraint("subscriber_id", "kind", "query", name="uq_alert_search"),
        Index("ix_alert_due", "confirmed_at", "frequency"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("alert_subscriber.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(32), default=new_key)
    kind: Mapped[str] = mapped_column(String(10))
    # The search's URL parameters, scrubbed and in a canonical order.
    query: Mapped[str] = mapped_column(String(2000))
    frequency: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    # Changes up to this time have been considered for a digest.
    covered_until: Mapped[datetime | None]
    synthetic: Mapped[bool] = mapped_column(default=False)
    # The language it was made in ("en" or "cy"): its emails are written in it.
    language: Mapped[str] = mapped_column(String(2), default="en", server_default="en")

    subscriber: Mapped[Subscriber] = relationship(back_populates="alerts")
    # Deleted with the alert by the ORM too: SQLite does not enforce the foreign keys' cascade.
    terms: Mapped[list[AlertTerm]] = relationship(cascade="all, delete-orphan")
    deliveries: Mapped[list[AlertDelivery]] = relationship(cascade="all, delete-orphan")


class AlertTerm(Model):
    """A region, stage, support type or sector an alert asks for, for waiting-demand counts."""

    __tablename__ = "alert_term"
    __table_args__ = (Index("ix_alert_term_facet", "facet", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), index=True)
    facet: Mapped[str] = mapped_column(String(10))
    value: Mapped[str] = mapped_column(String(60))


class AlertDelivery(Model):
    """One digest for one alert and period: planned, then sent exactly once (or retried)."""

    __tablename__ = "alert_delivery"
    __table_args__ = (
        UniqueConstraint("alert_id", "period", name="uq_alert_delivery_period"),
        Index("ix_alert_delivery_pending", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(12))  # 2026-11-30 (daily) or 2026-W49 (weekly)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending, sent, failed
    # What the digest says, fixed when it is planned so a retry sends the same message.
    items: Mapped[list[dict]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
