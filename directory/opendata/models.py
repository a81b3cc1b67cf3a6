"""Released open demand figures: drawn once per month and kept, never drawn again."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.clock import utcnow
from directory.extensions import Model


class OpenDemandRelease(Model):
    """One month's public demand release and the privacy parameters it was made with.

    Figures are kept because fresh noise on every request would let anyone average it away.
    """

    __tablename__ = "open_demand_release"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(unique=True)  # its first day
    released_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The privacy loss of one network's activity on one day in this release, and how it was
    # split: each table gets epsilon / tables, with noise of scale cells_per_table / that.
    epsilon: Mapped[str] = mapped_column(String(20))  # a fraction, exactly as used
    cells_per_table: Mapped[int]
    tables: Mapped[int]

    figures: Mapped[list[OpenDemandFigure]] = relationship(
        back_populates="release", cascade="all, delete-orphan", order_by="OpenDemandFigure.id"
    )


class OpenDemandFigure(Model):
    """One noisy count: visitor-days of demand for one value of one dimension in a month."""

    __tablename__ = "open_demand_figure"
    __table_args__ = (UniqueConstraint("release_id", "dimension", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(
        ForeignKey("open_demand_release.id", ondelete="CASCADE"), index=True
    )
    dimension: Mapped[str] = mapped_column(String(20))  # region, stage or support
    value: Mapped[str] = mapped_column(String(60))  # a taxonomy slug, or "not-given"
    visitor_days: Mapped[int]  # noisy, then never below zero

    release: Mapped[OpenDemandRelease] = relationship(back_populates="figures")
