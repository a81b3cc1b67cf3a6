"""`flask alerts send`: plan each due alert's digest, then send the planned digests.

Planning and sending are separate steps, each safe to stop at any point:
- a batch of alerts is planned in one transaction: a digest row per alert with news for this
  period, and every alert's window moved on; a crash loses the whole batch or none of it;
- each digest is sent, then marked sent, one commit per message; a rerun sends what is still
  pending and nothing that was marked sent. A digest carries a fixed Message-ID, so the one
  message a crash between the server taking it and the commit could repeat is recognisably
  the same message (the outbox backend simply overwrites it).
A refused address (5xx) is a bounce: the address and its alerts are deleted. Any other
failure leaves the digest pending, to be tried again later; nothing is dropped silently.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import render_template, url_for
from flask_babel import force_locale, ngettext
from sqlalchemy import Select, and_, exists, func, insert, select, update
from sqlalchemy.orm import selectinload

from directory.alerts import services
from directory.alerts.criteria import CriteriaError, criteria_for
from directory.alerts.digests import Matcher
from directory.alerts.models import Alert, AlertDelivery
from directory.clock import as_utc, utcnow
from directory.extensions import db
from directory.i18n import WELSH
from directory.mail import MailNotSent, send_email
from directory.presentation import iso_date

log = logging.getLogger(__name__)

BATCH = 2000
# Retries: an hour, then doubling, for up to a week before a digest is given up (and reported).
FIRST_RETRY = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(days=7)


def period_of(frequency: str, now: datetime) -> str:
    """The period a digest covers: the day, or the ISO week."""
    if frequency == "daily":
        return now.date().isoformat()
    year, week, _day = now.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class SendReport:
    """What one run did."""

    alerts: int = 0
    planned: int = 0
    sent: int = 0
    retrying: int = 0
    bounced: int = 0
    failed: int = 0
    unconfirmed_deleted: int = 0
    unused_deleted: int = 0
    server_down: bool = False


def due_alerts_query(frequency: str, period: str) -> Select[Alert]:
    """Confirmed alerts of a frequency with no digest planned for this period yet."""
    planned = exists().where(
        and_(AlertDelivery.alert_id == Alert.id, AlertDelivery.period == period)
    )
    return (
        select(Alert)
        .where(Alert.confirmed_at.is_not(None), Alert.frequency == frequency, ~planned)
        .order_by(Alert.id)
    )


def due_count(frequency: str, now: datetime) -> int:
    """How many alerts of a frequency have no digest planned for this period yet."""
    query = due_alerts_query(frequency, period_of(frequency, now))
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def plan(
    frequency: str, now: datetime, report: SendReport, progress: Callable[[int], None] | None = None
) -> None:
    """Plan this period's digests for every due alert, a batch per transaction."""
    period = period_of(frequency, now)
    due = report.alerts = due_count(frequency, now)
    if not due:
        return
    oldest = db.session.scalar(
        select(func.min(func.coalesce(Alert.covered_until, Alert.confirmed_at))).where(
            Alert.confirmed_at.is_not(None), Alert.frequency == frequency
        )
    )
    matcher = Matcher(now, as_utc(oldest) if oldest else now)
    due_rows = due_alerts_query(frequency, period).with_only_columns(
        Alert.id, Alert.kind, Alert.query, Alert.covered_until, Alert.confirmed_at,
        Alert.created_at, Alert.language,
    )  # fmt: skip
    last_id = 0
    while True:
        batch = db.session.execute(due_rows.where(Alert.id > last_id).limit(BATCH)).all()
        if not batch:
            break
        last_id = batch[-1].id
        matcher.prepare(batch)
        digests = []
        for alert in batch:
            items = matcher.items(alert)
            if items:
                digests.append(
                    {"alert_id": alert.id, "period": period, "items": items, "status": "pending",
                     "attempts": 0, "next_attempt_at": now, "created_at": now}
                )  # fmt: skip
        if digests:
            db.session.execute(insert(AlertDelivery), digests)
        db.session.execute(
            update(Alert)
            .where(Alert.id.in_([alert.id for alert in batch]))
            .values(covered_until=now)
        )
        db.session.commit()  # the batch's digests and windows together, or neither
        report.planned += len(digests)
        if progress:
            progress(len(batch))


def send_pending(
    now: datetime, report: SendReport, progress: Callable[[int], None] | None = None
) -> None:
    """Send every planned digest that is due, one commit per message."""
    query = (
        select(AlertDelivery.id)
        .where(AlertDelivery.status == "pending", AlertDelivery.next_attempt_at <= now)
        .order_by(AlertDelivery.id)
    )
    described: dict[tuple[str, str, str], tuple[list[str], str]] = {}
    for delivery_id in list(db.session.scalars(query)):
        delivery = db.session.get(AlertDelivery, delivery_id)
        if delivery is None or delivery.status != "pending":
            continue
        alert = db.session.get(Alert, delivery.alert_id, options=[selectinload(Alert.subscriber)])
        if alert is None:
            continue  # deleted with its address since it was planned
        try:
            send_digest(alert, delivery, described)
        except MailNotSent as error:
            if error.permanent:
                log.warning("alert address bounced: deleted", extra={"alert": alert.id})
                services.forget(alert.subscriber)
                report.bounced += 1
            else:
                _retry_later(delivery, str(error), now, report)
            db.session.commit()
            if error.server_down:
                report.server_down = True
                log.error(
                    "mail server unavailable: digests left pending", extra={"error": str(error)}
                )
                return
            continue
        delivery.status = "sent"
        delivery.sent_at = utcnow()
        delivery.attempts += 1
        alert.subscriber.last_used_at = delivery.sent_at
        db.session.commit()
        report.sent += 1
        if progress:
            progress(1)


def _retry_later(delivery: AlertDelivery, error: str, now: datetime, report: SendReport) -> None:
    """Try a digest again later, backing off; after a week, give up loudly."""
    delivery.attempts += 1
    delivery.last_error = error[:1000]
    created = as_utc(delivery.created_at)
    if now - created >= GIVE_UP_AFTER:
        delivery.status = "failed"
        report.failed += 1
        log.error("alert digest given up after a week of failures", extra={"error": error})
        return
    delivery.next_attempt_at = now + FIRST_RETRY * 2 ** min(delivery.attempts - 1, 6)
    report.retrying += 1
    log.warning("alert digest not sent: will retry", extra={"error": error})


def _described(kind: str, query: str) -> tuple[list[str], str]:
    """A search in words and its results page's address (in the current language)."""
    try:
        criteria = criteria_for(kind, query)
        return criteria.description, criteria.results_url
    except CriteriaError:
        return [], url_for("search.results", _external=True)


def send_digest(
    alert: Alert,
    delivery: AlertDelivery,
    described: dict[tuple[str, str, str], tuple[list[str], str]] | None = None,
) -> None:
    """Build and send one digest email (its text and HTML), with one-click unsubscribe, in the
    alert's language: its words, dates and links (which carry `lang=cy` for Welsh).

    `described` keeps searches already put in words during a run (alerts often share one)."""
    language = services.language_of(alert)
    with force_locale(language):
        _send_digest(alert, delivery, language, {} if described is None else described)


def _send_digest(
    alert: Alert,
    delivery: AlertDelivery,
    language: str,
    described: dict[tuple[str, str, str], tuple[list[str], str]],
) -> None:
    """send_digest, in the alert's language."""
    key = (alert.kind, alert.query, language)
    if key not in described:
        described[key] = _described(alert.kind, alert.query)
    description, results_url = described[key]
    unsubscribe = url_for(
        "alerts.unsubscribe", token=services.alert_token(alert, "unsubscribe"), _external=True
    )
    context = {
        "items": [
            {
                **item,
                "url": url_for("catalogue.listing", slug=item["slug"], _external=True),
                "opens_on": iso_date(item["opens_on"]),
                "deadline": iso_date(item["deadline"]),
            }
            for item in delivery.items
        ],
        "frequency": alert.frequency,
        "description": description,
        "results_url": results_url,
        "unsubscribe_url": unsubscribe,
        "manage_url": url_for(
            "alerts.manage", token=services.subscriber_token(alert.subscriber), _external=True
        ),
    }
    subject = ngettext(
        "%(num)d update for your support alert",
        "%(num)d updates for your support alert",
        len(delivery.items),
    )
    send_email(
        alert.subscriber.email,
        subject,
        render_template("alerts/email/digest.txt", **context),
        html=render_template(
            "alerts/email/digest.html",
            subject=subject,
            email_lang="cy" if language == WELSH else "en",
            **context,
        ),
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        key=f"alert-digest-{delivery.id}-{alert.id}-{delivery.period}",
    )


def send_alerts(
    frequency: str, now: datetime | None = None, progress: Callable[[int], None] | None = None
) -> SendReport:
    """Tidy, plan and send: everything `flask alerts send` does."""
    now = now or utcnow()
    report = SendReport()
    tidied = services.tidy(now)
    db.session.commit()
    report.unconfirmed_deleted, report.unused_deleted = tidied.unconfirmed, tidied.unused
    plan(frequency, now, report, progress)
    send_pending(now, report)
    return report
