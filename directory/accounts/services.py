"""Accounts: registration, sign-in, passwords, roles and sessions. Functions here only flush."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

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


def find_user(email: str) -> User | None:
    """The user with this email address, if any."""
    return db.session.scalars(
        select(User).where(func.lower(User.email) == normalise_email(email))
    ).first()


def create_user(email: str, password: str, roles: tuple[str, ...] = (), confirmed=True) -> User:
    """Create a user with a hashed password and roles; the caller commits."""
    if find_user(email):
        raise AccountError("An account with this email address already exists")
    user = User(
        email=normalise_email(email),
        password_hash=hash_password(password),
        is_active_account=confirmed,
    )
    user.role_rows = [UserRole(role=role) for role in roles]
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None; as slow for unknown emails as known."""
    user = find_user(email)
    if not verify_password(user.password_hash if user else None, password) or user is None:
        return None
    if not user.is_active:
        return None
    if needs_rehash(user.password_hash):
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
        raise AccountError("This link has expired. Ask for a new one.") from None
    except BadSignature:
        raise AccountError("This link is not valid. Ask for a new one.") from None
    user = db.session.get(User, data.get("user"))
    if user is None or user.session_token != data.get("stamp"):
        raise AccountError("This link has already been used. Ask for a new one.")
    return user


def confirm_email(token: str) -> User:
    """Activate the account a confirmation link was sent for."""
    user = user_from_token(token, "confirm", CONFIRM_MAX_AGE)
    if user.last_login_at is not None or user.is_active_account:
        raise AccountError("This link has already been used. Sign in instead.")
    user.is_active_account = True
    end_sessions(user)  # the link works once
    return user


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


def load_session_user(session_id: str) -> User | None:
    """Flask-Login's loader: the user whose id and current session token match."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_token != token or not user.is_active:
        return None
    return user
