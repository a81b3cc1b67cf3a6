"""The audit trail: recording what changed, field by field, and reading it back."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from directory.accounts.models import User
from directory.audit.models import AuditEntry
from directory.extensions import db

CREATED = "(created)"


def record_change(
    entity: str,
    entity_id: int,
    before: dict[str, Any] | None,
    after: dict[str, Any],
    user: User | None = None,
    actor: str | None = None,
) -> int:
    """Write one entry per changed field (or one for a creation); return how many."""
    change_id = uuid.uuid4().hex
    who = {"user_id": user.id if user else None, "actor": actor or (user.email if user else "")}
    if before is None:
        db.session.add(
            AuditEntry(
                change_id=change_id,
                entity=entity,
                entity_id=entity_id,
                field=CREATED,
                before=None,
                after=after,
                **who,
            )
        )
        return 1
    changed = [field for field in after if before.get(field) != after[field]]
    for field in changed:
        db.session.add(
            AuditEntry(
                change_id=change_id,
                entity=entity,
                entity_id=entity_id,
                field=field,
                before=before.get(field),
                after=after[field],
                **who,
            )
        )
    return len(changed)


def history(entity: str, entity_id: int) -> list[AuditEntry]:
    """Every entry for one listing or organisation, newest first."""
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
            .order_by(AuditEntry.id.desc())
        )
    )
