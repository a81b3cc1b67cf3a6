"""Retention: fold old raw events into weekly aggregates, then delete them."""

from __future__ import annotations

from datetime import date
from typing import Any, TypedDict, cast

from sqlalchemy import CursorResult, delete, func, insert, select
from sqlalchemy.orm import Session

from directory.demand.models import DemandAppearance, DemandEvent, DemandWeekly
from directory.demand.recording import week_start

DEFAULT_MONTHS = 13


class PruneReport(TypedDict):
    """The first day whose raw events were kept, and how many rows were folded or deleted."""

    cutoff: date
    aggregates: int
    events: int
    appearances: int


def months_before(day: date, months: int) -> date:
    """The same day of the month `months` earlier (clamped to the month's length)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)


def prune(session: Session, today: date, months: int = DEFAULT_MONTHS) -> PruneReport:
    """Fold events from whole weeks before the retention period into aggregates; delete them.

    The cut falls on a Monday so no week is split between raw events and aggregates.
    """
    cutoff = week_start(months_before(today, months))
    columns = [
        DemandEvent.week,
        DemandEvent.source,
        DemandEvent.query,
        DemandEvent.region,
        DemandEvent.stage,
        DemandEvent.support,
        DemandEvent.sector,
        DemandEvent.zero_results,
        DemandEvent.synthetic,
        DemandEvent.language,
    ]
    folded = (
        select(
            *columns,
            func.count(func.distinct(DemandEvent.visitor_day_key)),
            func.count(func.distinct(DemandEvent.event_id)),
        )
        .where(DemandEvent.day < cutoff)
        .group_by(*columns)
    )
    names = [column.key for column in columns] + ["visitor_days", "events"]
    rows = [dict(zip(names, row, strict=True)) for row in session.execute(folded)]
    if rows:
        session.execute(insert(DemandWeekly), rows)
    # A DELETE's result is a CursorResult; Session.execute is typed for any statement.
    events = cast(
        CursorResult[Any], session.execute(delete(DemandEvent).where(DemandEvent.day < cutoff))
    ).rowcount
    appearances = cast(
        CursorResult[Any],
        session.execute(delete(DemandAppearance).where(DemandAppearance.day < cutoff)),
    ).rowcount
    return {
        "cutoff": cutoff,
        "aggregates": len(rows),
        "events": events or 0,
        "appearances": appearances or 0,
    }


def cutoff_for(today: date, months: int) -> date:
    """The first day whose raw events are kept."""
    return week_start(months_before(today, months))
