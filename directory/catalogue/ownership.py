"""Who may manage which organisation: requests, approvals and the check behind every owner view."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.accounts.models import User
from directory.catalogue.models import Organisation
from directory.clock import utcnow
from directory.extensions import Model
from directory.states import MembershipState


class Membership(Model):
    """A user's request to manage an organisation, and the moderator's decision on it."""

    __tablename__ = "organisation_membership"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    # requested, approved or rejected
    state: Mapped[str] = mapped_column(String(20), default=MembershipState.REQUESTED)
    message: Mapped[str | None] = mapped_column(Text)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    organisation: Mapped[Organisation] = relationship()

    def __repr__(self) -> str:
        return f"<Membership user={self.user_id} org={self.organisation_id} {self.state}>"
