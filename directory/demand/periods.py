"""Time periods of the demand series: weeks from Monday, calendar months and quarters (UTC days)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, get_args

from babel.dates import format_date
from flask_babel import gettext as _

from directory.i18n import current_language, long_date

Interval = Literal["week", "month", "quarter"]
INTERVALS: tuple[Interval, ...] = get_args(Interval)


@dataclass(frozen=True)
class TimePeriod:
    """One period of a series, with the days of it that a release counts."""

    key: str  # 2026-05-04 (the week's Monday), 2026-05, 2026-Q2
    label: str
    start: date  # the first day counted: the period's first day, or the release's first day
    end: date  # the last day counted


def period_start(interval: Interval, day: date) -> date:
    """The first day of the week (Monday), month or quarter holding a day."""
    if interval == "week":
        return day - timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _next_start(interval: Interval, start: date) -> date:
    """The first day of the period after the one starting on `start`."""
    if interval == "week":
        return start + timedelta(days=7)
    months = 1 if interval == "month" else 3
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def period_key(interval: Interval, day: date) -> str:
    """The key of the period holding a day, as it appears in every output."""
    start = period_start(interval, day)
    if interval == "week":
        return start.isoformat()
    if interval == "month":
        return f"{start:%Y-%m}"
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def _label(interval: Interval, start: date, last: date) -> str:
    """A period as people write it, in the current language: Week starting 4 May 2026,
    May 2026, Apr to Jun 2026."""
    if interval == "week":
        return _("Week starting %(date)s", date=long_date(start))
    language = current_language()
    if interval == "month":
        return format_date(start, "MMMM y", locale=language)
    return _(
        "%(first)s to %(last)s",
        first=format_date(start, "MMM", locale=language),
        last=format_date(last, "MMM y", locale=language),
    )


def time_periods(interval: Interval, date_from: date, date_to: date) -> list[TimePeriod]:
    """Every period touching the days from `date_from` to `date_to`, in order."""
    periods = []
    start = period_start(interval, date_from)
    while start <= date_to:
        following = _next_start(interval, start)
        last = following - timedelta(days=1)
        periods.append(
            TimePeriod(
                period_key(interval, start),
                _label(interval, start, last),
                max(start, date_from),
                min(last, date_to),
            )
        )
        start = following
    return periods
