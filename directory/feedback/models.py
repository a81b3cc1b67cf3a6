"""A piece of feedback: what someone wrote, about which page, and how to reply if they asked."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from directory.clock import utcnow
from directory.extensions import Model


class Feedback(Model):
    """Kept until a moderator has dealt with it (see the privacy notice)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # The page it is about, as a path on this site; never a query string (it may hold a search).
    page: Mapped[str | None] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    # Only when the person wants a reply.
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Feedback {self.id}>"
