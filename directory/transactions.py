"""One transaction per request or command: services flush, the caller commits once, and what
must wait for the commit (emails, index refreshes) runs after it, never after a rollback."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from directory.extensions import db

log = logging.getLogger(__name__)
_WAITING = "after_commit"


def after_commit(action: Callable[[], None]) -> None:
    """Run `action` once the current transaction has committed (dropped if it rolls back)."""
    db.session.connection()  # begin the transaction now, so its rollback is seen
    db.session.info.setdefault(_WAITING, []).append(action)


def commit() -> None:
    """Commit the request's or command's work, then run what was waiting for it."""
    db.session.commit()
    waiting = db.session.info.pop(_WAITING, [])
    for action in waiting:
        try:
            action()
        except Exception:
            # The change is saved; a failed email or refresh must not turn it into an error
            # page (a person can ask for the email again; the indexer catches up).
            log.exception("an action after a commit failed")


def _forget(session: Session, _previous_transaction: SessionTransaction | None = None) -> None:
    """A rolled-back transaction sends no emails and refreshes nothing."""
    session.info.pop(_WAITING, None)


def init_app(app: Flask) -> None:
    """Forget waiting actions on rollback, for this app's sessions only."""
    factory = db.session.session_factory
    if not event.contains(factory, "after_soft_rollback", _forget):
        event.listen(factory, "after_soft_rollback", _forget)
