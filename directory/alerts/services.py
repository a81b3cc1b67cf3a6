"""Subscribing, confirming, unsubscribing and forgetting; signed links; retention.
Functions here only flush: the caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, exists, func, select

from directory.accounts.services import normalise_email
from directory.alerts.criteria import Criteria, criteria_for
from directory.alerts.models import Alert, AlertDelivery, AlertTerm, Subscriber
from directory.clock import utcnow
from directory.extensions import db
from directory.i18n import ENGLISH, LANGUAGES

CONFIRM_MAX_AGE = timedelta(days=7)
# Unconfirmed alerts are deleted after the confirmation link expires.
UNCONFIRMED_KEPT = CONFIRM_MAX_AGE
# An address that has not confirmed, opened its alerts page or had a digest for this long goes.
UNUSED_KEPT = timedelta(days=396)  # 13 months


class LinkProblem(Exception):
    """A link that is broken, expired, or for an alert that no longer exists."""


def language_of(alert: Alert) -> str:
    """The language an alert's emails are written in ("en" or "cy")."""
    return alert.language if alert.language in LANGUAGES else ENGLISH


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"alerts-{purpose}")


def alert_token(alert: Alert, purpose: str) -> str:
    """A signed link token for one alert (confirm or unsubscribe), dead once it is deleted."""
    return _serializer(purpose).dumps({"alert": alert.id, "key": alert.key})


def subscriber_token(subscriber: Subscriber) -> str:
    """A signed link token to an address's alerts page, dead once the address is forgotten."""
    return _serializer("manage").dumps({"subscriber": subscriber.id, "key": subscriber.key})


def alert_from_token(token: str, purpose: str, max_age: timedelta | None = None) -> Alert:
    """The alert a link was made for; LinkProblem when bad, expired or gone."""
    seconds = int(max_age.total_seconds()) if max_age else None
    try:
        data = _serializer(purpose).loads(token, max_age=seconds)
    except SignatureExpired as error:
        raise LinkProblem(_("This link has expired. Ask for the alert again.")) from error
    except BadSignature as error:
        raise LinkProblem(_("This link is not valid. Check you copied all of it.")) from error
    alert = db.session.get(Alert, data.get("alert")) if isinstance(data, dict) else None
    if alert is None or alert.key != data.get("key"):
        raise LinkProblem(_("This alert no longer exists: it may have been deleted already."))
    return alert


def subscriber_from_token(token: str) -> Subscriber:
    """The address an alerts-page link was made for; LinkProblem when bad or forgotten."""
    try:
        data = _serializer("manage").loads(token)
    except BadSignature as error:
        raise LinkProblem(_("This link is not valid. Check you copied all of it.")) from error
    subscriber = (
        db.session.get(Subscriber, data.get("subscriber")) if isinstance(data, dict) else None
    )
    if subscriber is None or subscriber.key != data.get("key"):
        raise LinkProblem(_("We hold no alerts for this link: they may have been deleted already."))
    return subscriber


@dataclass
class Subscription:
    """What asking for an alert did: the alert, and whether it still needs confirming."""

    alert: Alert
    needs_confirming: bool


def subscribe(
    email: str, kind: str, query: str, frequency: str, language: str = ENGLISH
) -> Subscription:
    """Record an unconfirmed alert for an address (or find the same one), ready to confirm.

    `language` is the page's ("en" or "cy"): the alert's emails are written in it (asking
    again before confirming changes it, as it changes the frequency).
    The caller answers the same whichever happened, so nobody can learn from the page
    whether an address has alerts.
    """
    language = language if language in LANGUAGES else ENGLISH
    address = normalise_email(email)
    subscriber = db.session.scalars(select(Subscriber).where(Subscriber.email == address)).first()
    if subscriber is None:
        subscriber = Subscriber(email=address)
        db.session.add(subscriber)
        db.session.flush()
    alert = db.session.scalars(
        select(Alert).where(
            Alert.subscriber_id == subscriber.id, Alert.kind == kind, Alert.query == query
        )
    ).first()
    if alert is None:
        alert = Alert(
            subscriber=subscriber, kind=kind, query=query, frequency=frequency, language=language
        )
        db.session.add(alert)
        db.session.flush()
        return Subscription(alert, True)
    if alert.confirmed_at is None:
        alert.frequency = frequency
        alert.language = language
        return Subscription(alert, True)
    return Subscription(alert, False)


def confirm(alert: Alert, criteria: Criteria | None = None) -> bool:
    """Confirm an alert (from its link); False when it already was. Digests start from now."""
    if alert.confirmed_at is not None:
        return False
    now = utcnow()
    alert.confirmed_at = alert.covered_until = now
    alert.subscriber.last_used_at = now
    criteria = criteria or criteria_for(alert.kind, alert.query)
    alert.terms = [
        AlertTerm(facet=facet, value=value)
        for facet, values in criteria.terms.items()
        for value in values
    ]
    db.session.flush()
    return True


def unsubscribe(alert: Alert) -> None:
    """Delete an alert, and the address with it when it has no other alert."""
    subscriber = alert.subscriber
    db.session.delete(alert)
    db.session.flush()
    if not db.session.scalar(select(exists().where(Alert.subscriber_id == subscriber.id))):
        db.session.delete(subscriber)
        db.session.flush()


def forget(subscriber: Subscriber) -> None:
    """Delete an address and every alert it has."""
    db.session.delete(subscriber)
    db.session.flush()


def forget_address(email: str) -> bool:
    """Delete an address that bounced (or asked by email); False if it was not held."""
    subscriber = db.session.scalars(
        select(Subscriber).where(Subscriber.email == normalise_email(email))
    ).first()
    if subscriber is None:
        return False
    forget(subscriber)
    return True


@dataclass
class Tidied:
    """What retention removed."""

    unconfirmed: int = 0
    unused: int = 0


def tidy(now: datetime | None = None) -> Tidied:
    """Delete unconfirmed alerts after 7 days, addresses with no alert left, and addresses
    unused for 13 months."""
    now = now or utcnow()
    tidied = Tidied()
    stale = select(Alert.id).where(
        Alert.confirmed_at.is_(None), Alert.created_at < now - UNCONFIRMED_KEPT
    )
    stale_ids = list(db.session.scalars(stale))
    for start in range(0, len(stale_ids), 500):
        chunk = stale_ids[start : start + 500]
        db.session.execute(delete(AlertTerm).where(AlertTerm.alert_id.in_(chunk)))
        db.session.execute(delete(AlertDelivery).where(AlertDelivery.alert_id.in_(chunk)))
        db.session.execute(delete(Alert).where(Alert.id.in_(chunk)))
    tidied.unconfirmed = len(stale_ids)
    unused = list(
        db.session.scalars(select(Subscriber.id).where(Subscriber.last_used_at < now - UNUSED_KEPT))
    )
    empty = list(
        db.session.scalars(
            select(Subscriber.id).where(~exists().where(Alert.subscriber_id == Subscriber.id))
        )
    )
    for subscriber_id in dict.fromkeys(unused + empty):
        subscriber = db.session.get(Subscriber, subscriber_id)
        if subscriber is not None:
            db.session.delete(subscriber)
    tidied.unused = len(unused)
    db.session.flush()
    return tidied


def alerts_held() -> int:
    """Confirmed alerts, for the operator's summary."""
    return (
        db.session.scalar(select(func.count(Alert.id)).where(Alert.confirmed_at.is_not(None))) or 0
    )
