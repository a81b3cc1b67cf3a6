"""Accounts: registration, sign-in, passwords, roles and sessions. Functions here only flush."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from flask import current_app, request
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.orm import selectinload

from directory.accounts.models import ROLES, User, UserRole, new_session_token
from directory.accounts.passwords import hash_password, needs_rehash, verify_password
from directory.extensions import db

CONFIRM_MAX_AGE = 3 * 24 * 3600
RESET_MAX_AGE = 3600


class AccountError(Exception):
    """A request about an account that cannot be carried out, with a message for the user."""


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively and without surrounding space."""
    return email.strip().lower()


def every_user() -> list[User]:
    """Every user with their roles, by email address."""
    query = select(User).options(selectinload(User.role_rows)).order_by(User.email)
    return list(db.session.scalars(query))


def find_user(email: str) -> User | None:
    """The user with this email address, if any."""
    return db.session.scalars(
        select(User).where(func.lower(User.email) == normalise_email(email))
    ).first()


def create_user(email: str, password: str, roles: tuple[str, ...] = ()) -> User:
    """Create an active, confirmed user with a hashed password and roles; the caller commits."""
    if find_user(email):
        raise AccountError("An account with this email address already exists")
    user = User(
        email=normalise_email(email),
        password_hash=hash_password(password),
        is_active_account=True,
        confirmed_at=datetime.now(UTC),
    )
    user.role_rows = [UserRole(role=role) for role in roles]
    db.session.add(user)
    db.session.flush()
    return user


def register(email: str) -> tuple[User, bool]:
    """Start or restart a registration; returns (user, whether it still needs confirming).

    A registration holds no password: only someone who opens the link sent to the address can
    set one, so registering another person's address first gains nothing.
    """
    user = find_user(email)
    if user is not None and user.confirmed_at is None and registration_expired(user):
        db.session.delete(user)
        db.session.flush()
        user = None
    if user is None:
        user = User(email=normalise_email(email), password_hash=None, is_active_account=False)
        db.session.add(user)
        db.session.flush()
    return user, user.confirmed_at is None


def registration_expired(user: User) -> bool:
    """Whether an unconfirmed registration is older than its confirmation link's life."""
    created = user.created_at
    if created.tzinfo is None:  # SQLite hands back naive UTC datetimes
        created = created.replace(tzinfo=UTC)
    return datetime.now(UTC) - created > timedelta(seconds=CONFIRM_MAX_AGE)


def prune_registrations() -> int:
    """Delete registrations whose confirmation link has expired; returns how many went."""
    cutoff = datetime.now(UTC) - timedelta(seconds=CONFIRM_MAX_AGE)
    # A DELETE's result is a CursorResult; Session.execute is typed for any statement.
    result = cast(
        CursorResult[Any],
        db.session.execute(
            delete(User).where(User.confirmed_at.is_(None), User.created_at < cutoff)
        ),
    )
    return result.rowcount or 0


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None; as slow for unknown emails as known."""
    user = find_user(email)
    if not verify_password(user.password_hash if user else None, password) or user is None:
        return None
    if not user.is_active:
        return None
    if user.password_hash is not None and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = datetime.now(UTC)
    return user


def end_sessions(user: User) -> None:
    """Sign the user out everywhere by rotating the token their session ids carry."""
    user.session_token = new_session_token()


def set_password(user: User, password: str) -> None:
    """Store a new password and end every existing session."""
    user.password_hash = hash_password(password)
    end_sessions(user)


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"account-{purpose}")


def make_token(user: User, purpose: str) -> str:
    """A signed link token for one purpose, void once the user's session token rotates."""
    return _serializer(purpose).dumps({"user": user.id, "stamp": user.session_token})


def user_from_token(token: str, purpose: str, max_age: int) -> User:
    """The user a link token was made for; AccountError when it is bad, used or expired."""
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise AccountError(_("This link has expired. Ask for a new one.")) from None
    except BadSignature:
        raise AccountError(_("This link is not valid. Ask for a new one.")) from None
    user = db.session.get(User, data.get("user"))
    if user is None or user.session_token != data.get("stamp"):
        raise AccountError(_("This link has already been used. Ask for a new one."))
    return user


def pending_registration(token: str) -> User:
    """The unconfirmed registration a confirmation link was sent for."""
    user = user_from_token(token, "confirm", CONFIRM_MAX_AGE)
    if user.confirmed_at is not None:
        raise AccountError(_("This link has already been used. Sign in instead."))
    return user


def complete_registration(user: User, password: str) -> None:
    """Confirm the address and set the first password; the link then stops working."""
    user.password_hash = hash_password(password)
    user.is_active_account = True
    user.confirmed_at = datetime.now(UTC)
    end_sessions(user)


def set_roles(user: User, roles: set[str]) -> None:
    """Give the user exactly these roles."""
    unknown = roles - set(ROLES)
    if unknown:
        raise AccountError(f"Unknown role: {', '.join(sorted(unknown))}")
    kept = [row for row in user.role_rows if row.role in roles]
    user.role_rows = kept + [UserRole(role=role) for role in sorted(roles - user.roles)]


def grant_role(user: User, role: str) -> None:
    """Add one role."""
    set_roles(user, user.roles | {role})


def deactivate(user: User) -> None:
    """Stop a user signing in and end their sessions."""
    user.is_active_account = False
    end_sessions(user)


def session_identifier() -> str:
    """What "strong" session protection compares: the client's address and browser.

    The address is the connecting one (or, behind PROXY_HOPS proxies, the one they report),
    never a header the client sets itself, as Flask-Login's own X-Forwarded-For reading is.
    """
    agent = request.headers.get("User-Agent", "")
    return hashlib.sha512(f"{request.remote_addr}|{agent}".encode()).hexdigest()


def load_session_user(session_id: str) -> User | None:
    """Flask-Login's loader: the user whose id and current session token match."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_token != token or not user.is_active:
        return None
    return user
