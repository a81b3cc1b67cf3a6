"""The search outbox: listing changes waiting to reach each host's Whoosh index."""

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from directory.clock import utcnow
from directory.extensions import Model


class SearchOutbox(Model):
    """A listing whose search document must be refreshed, written in the changing transaction."""

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: the row must outlive a deleted listing so the index drops it too.
    listing_id: Mapped[int] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<SearchOutbox {self.id} listing={self.listing_id}>"
