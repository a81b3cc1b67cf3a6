"""API tokens for GET /api/v1/demand: shown once, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from sqlalchemy import select

from directory.accounts.models import User
from directory.demand.models import ApiToken
from directory.extensions import db

PREFIX = "ssd_"


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new named token for an analyst; returns the row and the token text (shown once)."""
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name.strip()[:100], token_hash=hash_token(token), user_id=user.id)
    db.session.add(row)
    db.session.flush()
    return row, token


def tokens_of(user: User) -> list[ApiToken]:
    """A user's tokens, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def revoke_token(user: User, token_id: int) -> ApiToken | None:
    """Revoke one of the user's own tokens; None when it is not theirs."""
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        return None
    row.revoked_at = row.revoked_at or datetime.now(UTC)
    db.session.flush()
    return row


def user_for_token(authorization: str | None) -> User | None:
    """The analyst behind an `Authorization: Bearer` header, if the token is live."""
    if not authorization or not authorization.startswith("Bearer "):
        return None
    token = authorization[len("Bearer ") :].strip()
    if not token.startswith(PREFIX):
        return None
    row = db.session.scalars(
        select(ApiToken).where(ApiToken.token_hash == hash_token(token))
    ).first()
    if row is None or row.revoked_at is not None:
        return None
    user = db.session.get(User, row.user_id)
    if user is None or not user.is_active or not user.has_role("analyst"):
        return None
    today = datetime.now(UTC).date()
    if row.last_used_on != today:
        row.last_used_on = today
        db.session.flush()
    return user
