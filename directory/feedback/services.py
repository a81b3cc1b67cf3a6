"""Storing feedback and dealing with it. Functions here only flush."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request
from sqlalchemy import select

from directory.extensions import db
from directory.feedback.models import Feedback
from directory.inputs import column_length


def page_path(address: str | None) -> str | None:
    """The path of a page on this site, without its query string (it may hold a search)."""
    parts = urlsplit(address or "")
    if parts.netloc and parts.netloc != request.host:
        return None
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    return parts.path[: column_length(Feedback.page)]


def leave_feedback(message: str, email: str | None, page: str | None) -> Feedback:
    """Keep a piece of feedback for the moderators."""
    feedback = Feedback(message=message.strip(), email=(email or "").strip() or None,
                        page=page_path(page))  # fmt: skip
    db.session.add(feedback)
    db.session.flush()
    return feedback


def waiting_feedback() -> list[Feedback]:
    """Feedback not yet dealt with, oldest first."""
    return list(db.session.scalars(select(Feedback).order_by(Feedback.created_at)))


def dealt_with(feedback: Feedback) -> None:
    """A moderator has dealt with it: it is deleted, as the privacy notice says."""
    db.session.delete(feedback)
    db.session.flush()
