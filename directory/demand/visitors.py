"""Visitor-day keys: HMAC-SHA-256 of the client's network under a random salt for the day.

The key depends only on the network a request comes from (IPv4 /24, IPv6 /48), never on a
header the client chooses, so one place adds at most one visitor-day to any count however many
browsers it pretends to be. Salts live outside the events' database (files under `instance/`
readable only by the service, or Redis for several hosts) and are deleted when they are 48
hours old, so neither a copy of the database nor, later, the salt store can link a key to a
network or to another day.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import os
import secrets
import threading
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

log = logging.getLogger(__name__)

# 63 bits of the HMAC (a positive BIGINT): among a million networks on one day the chance of
# any two sharing a key is about 1 in 20 million.
KEY_BITS = 63
# Today's and yesterday's salts are kept; older ones are 48 hours old or more.
SALT_DAYS_KEPT = 2
IPV4_PREFIX = 24
IPV6_PREFIX = 48
UNKNOWN_NETWORK = "unknown"


def network_of(address: str | None) -> str:
    """The network an address belongs to: its IPv4 /24 or IPv6 /48."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return UNKNOWN_NETWORK
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = IPV4_PREFIX if ip.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def visitor_day_key(salt: bytes, network: str) -> int:
    """The key for one network on the salt's day."""
    digest = hmac.new(salt, network.encode("ascii", "replace"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> (64 - KEY_BITS)


def oldest_kept(today: date) -> date:
    """The first day whose salt is still kept."""
    return today - timedelta(days=SALT_DAYS_KEPT - 1)


class SaltStore:
    """Daily salts, created on first use and forgotten after 48 hours; cached per process."""

    def __init__(self) -> None:
        self._cache: dict[date, bytes] = {}
        self._lock = threading.Lock()

    def salt_for(self, day: date) -> bytes:
        """The salt of a day, created on first use (older salts are pruned then)."""
        with self._lock:
            cached = self._cache.get(day)
        if cached is not None:
            return cached
        salt = self._load_or_create(day)
        today = datetime.now(UTC).date()
        self.prune(today)
        with self._lock:
            for old in [d for d in self._cache if d < oldest_kept(today)]:
                del self._cache[old]
            self._cache[day] = salt
        return salt

    def prune(self, today: date) -> int:
        """Delete salts older than 48 hours; returns how many went."""
        with self._lock:
            for old in [d for d in self._cache if d < oldest_kept(today)]:
                del self._cache[old]
        return self._delete_before(oldest_kept(today))

    def days(self) -> list[date]:
        """Days that still have a salt."""
        raise NotImplementedError

    def _load_or_create(self, day: date) -> bytes:
        raise NotImplementedError

    def _delete_before(self, day: date) -> int:
        raise NotImplementedError


class FileSaltStore(SaltStore):
    """One file per day in a folder only the service's user can read (a single host)."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        super().__init__()
        self.folder = Path(folder)

    def _path(self, day: date) -> Path:
        return self.folder / f"{day.isoformat()}.salt"

    def _load_or_create(self, day: date) -> bytes:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self._path(day)
        try:
            # O_EXCL: of several workers creating the same day's salt, exactly one wins.
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_hex(32))
        for _attempt in range(50):
            text = path.read_text().strip()
            if len(text) == 64:  # the winner may still be writing
                return bytes.fromhex(text)
            clock.sleep(0.01)
        raise OSError(f"salt file {path} is incomplete")

    def _delete_before(self, day: date) -> int:
        removed = 0
        for salt_day in self.days():
            if salt_day < day:
                self._path(salt_day).unlink(missing_ok=True)
                removed += 1
        return removed

    def days(self) -> list[date]:
        """Days that still have a salt file."""
        if not self.folder.is_dir():
            return []
        found = []
        for path in self.folder.glob("*.salt"):
            try:
                found.append(date.fromisoformat(path.stem))
            except ValueError:
                continue
        return sorted(found)


class RedisSaltStore(SaltStore):
    """Salts in Redis, shared by every host, each expiring 48 hours after its day begins."""

    PREFIX = "directory:demand-salt:"

    def __init__(self, url: str) -> None:
        super().__init__()
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def _load_or_create(self, day: date) -> bytes:
        key = self.PREFIX + day.isoformat()
        expires = datetime.combine(day + timedelta(days=SALT_DAYS_KEPT), time(), tzinfo=UTC)
        self.redis.set(key, secrets.token_hex(32), nx=True, exat=int(expires.timestamp()))
        value = self.redis.get(key)
        if value is None:  # expired between the two calls: the day is over anyway
            raise OSError(f"salt for {day} has expired")
        return bytes.fromhex(value.decode() if isinstance(value, bytes) else value)

    def _delete_before(self, day: date) -> int:
        removed = [d for d in self.days() if d < day]
        if removed:
            self.redis.delete(*(self.PREFIX + d.isoformat() for d in removed))
        return len(removed)

    def days(self) -> list[date]:
        """Days that still have a salt in Redis."""
        return sorted(
            date.fromisoformat(key.decode().removeprefix(self.PREFIX))
            for key in self.redis.scan_iter(self.PREFIX + "*")
        )


def salt_store(setting: str) -> SaltStore:
    """The store DEMAND_SALT_STORAGE names: a redis:// URL, or a folder."""
    if setting.startswith(("redis://", "rediss://", "unix://")):
        return RedisSaltStore(setting)
    return FileSaltStore(setting)
