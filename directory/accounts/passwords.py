"""Password hashing (argon2id) and the password policy: length and common passwords only."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _

MIN_LENGTH = 8
MAX_LENGTH = 128

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified when no account matches, so a wrong email takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password: equalises sign-in timing")


@cache
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords (from zxcvbn's frequency lists), lower-cased."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(password.lower() for password in FREQUENCY_LISTS["passwords"])


def password_problem(password: str, email: str = "") -> str | None:
    """Why a new password is not acceptable, or None. No composition rules (NIST SP 800-63B)."""
    if len(password) < MIN_LENGTH:
        return _("Password must be %(minimum)s characters or more", minimum=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Password must be %(maximum)s characters or fewer", maximum=MAX_LENGTH)
    lowered = password.lower()
    if (
        lowered in common_passwords()
        or lowered == email.lower()
        or (email and lowered == email.lower().split("@")[0])
    ):
        return _(
            "Password is too common or easy to guess: choose another, such as three random words"
        )
    return None


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; with no hash, spend the same time and fail."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)
