"""Visitor-day keys: HMAC-SHA-256 of the address and browser under a random salt for the day.

Salts live in their own table, one per day, and are deleted when they are 48 hours old, so a
key cannot be linked to another day or, once its salt is gone, recomputed from an address.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from datetime import date, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from directory.demand.models import DemandSalt

# 63 bits of the HMAC (a positive BIGINT): among a million visitors on one day the chance of
# any two sharing a key is about 1 in 20 million.
KEY_BITS = 63
# Today's and yesterday's salts are kept; older ones are 48 hours old or more.
SALT_DAYS_KEPT = 2

# Salts cached per database and day, so a search rarely reads the salt table.
_cache: dict[tuple[str, date], bytes] = {}
_cache_lock = threading.Lock()


def visitor_day_key(salt: bytes, address: str, user_agent: str) -> int:
    """The key for one visitor on the salt's day."""
    message = f"{address}\x00{user_agent}".encode("utf-8", "replace")
    digest = hmac.new(salt, message, hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> (64 - KEY_BITS)


def salt_for(session: Session, day: date) -> bytes:
    """The salt of a day, created on first use; older salts are pruned when one is created."""
    database = str(session.get_bind().url)
    with _cache_lock:
        if (database, day) in _cache:
            return _cache[database, day]
    row = session.get(DemandSalt, day)
    if row is None:
        try:
            with session.begin_nested():
                session.add(DemandSalt(day=day, salt=secrets.token_hex(32)))
        except IntegrityError:  # another worker created it first
            pass
        prune_salts(session, day)
        row = session.get(DemandSalt, day, populate_existing=True)
    salt = bytes.fromhex(row.salt)
    with _cache_lock:
        for cached in [cached for cached in _cache if cached[1] < day - timedelta(days=1)]:
            del _cache[cached]
        _cache[database, day] = salt
    return salt


def prune_salts(session: Session, today: date) -> int:
    """Delete salts older than 48 hours; returns how many went."""
    oldest_kept = today - timedelta(days=SALT_DAYS_KEPT - 1)
    result = session.execute(delete(DemandSalt).where(DemandSalt.day < oldest_kept))
    with _cache_lock:
        for cached in [cached for cached in _cache if cached[1] < oldest_kept]:
            del _cache[cached]
    return result.rowcount or 0


def forget_cached_salts() -> None:
    """Drop salts cached in this process (tests use a fresh database each time)."""
    with _cache_lock:
        _cache.clear()


def stored_salt_days(session: Session) -> list[date]:
    """Days that still have a salt."""
    return list(session.scalars(select(DemandSalt.day).order_by(DemandSalt.day)))
