"""People who sign in: programme owners, moderators, admins and analysts."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.clock import utcnow
from directory.extensions import Model

ROLES = ("owner", "moderator", "admin", "analyst")


def new_session_token() -> str:
    """A random token that identifies a user's current sessions; rotating it ends them all."""
    return secrets.token_urlsafe(24)


class User(UserMixin, Model):
    """A signed-in person; founders never need one."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    # None until the person who controls the address sets one through the confirmation link.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_active_account: Mapped[bool] = mapped_column(default=True)
    # When the address was confirmed; None while a registration waits for its link.
    confirmed_at: Mapped[datetime | None]
    # Part of the id kept in the session cookie: rotating it signs out every session.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def roles(self) -> set[str]:
        """The roles this user holds."""
        return {row.role for row in self.role_rows}

    def has_role(self, *roles: str) -> bool:
        """Whether the user holds any of the roles; admins hold every power."""
        return bool(self.roles & ({*roles, "admin"}))

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.is_active_account

    def get_id(self) -> str:
        """The session id: user id and session token, so a rotated token ends old sessions."""
        return f"{self.id}:{self.session_token}"

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class UserRole(Model):
    """One role held by one user."""

    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")

    def __repr__(self) -> str:
        return f"<UserRole {self.user_id} {self.role}>"
