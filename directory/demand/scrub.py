"""Normalising and scrubbing query text before it is stored (DESIGN section 8)."""

from __future__ import annotations

import re

MAX_QUERY_CHARS = 100

EMAIL = re.compile(
    r"[\w.+'-]+\s*(?:@|\(at\)|\[at\])\s*[\w-]+(?:\s*(?:\.|\(dot\)|\[dot\])\s*[\w-]+)+",
    re.IGNORECASE,
)
URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
# A full UK postcode: outward code (district) then inward code (digit + two letters).
POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})\b", re.IGNORECASE)
# Phone numbers: +44 or 0 followed by 9-10 more digits, with spaces, dots, dashes or brackets.
PHONE = re.compile(r"(?:\+|\b00)?\(?\d[\d\s().-]{7,}\d")
# National Insurance numbers, then any run of 5 or more digits (accounts, card, company numbers).
NINO = re.compile(r"\b[A-CEGHJ-PR-TW-Z]{2}\s*\d{2}\s*\d{2}\s*\d{2}\s*[A-D]\b", re.IGNORECASE)
# Dates such as a date of birth: 01/02/1990, 1.2.90, 01-02-1990.
DATE = re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b")
DIGITS = re.compile(r"\d[\d\s-]{3,}\d|\d{5,}")
SPACES = re.compile(r"\s+")


def scrub_query(text: str | None) -> str | None:
    """Lower-case, collapse spaces, and remove personal data; None when nothing is left."""
    if not text:
        return None
    cleaned = URL.sub(" ", text)
    cleaned = EMAIL.sub(" ", cleaned)
    cleaned = NINO.sub(" ", cleaned)
    cleaned = DATE.sub(" ", cleaned)
    cleaned = POSTCODE.sub(lambda match: f" {match.group(1).upper()} ", cleaned)
    cleaned = PHONE.sub(
        lambda match: " " if _digit_count(match.group(0)) >= 7 else match.group(0), cleaned
    )
    cleaned = DIGITS.sub(
        lambda match: " " if _digit_count(match.group(0)) >= 5 else match.group(0), cleaned
    )
    cleaned = SPACES.sub(" ", cleaned).strip().lower()[:MAX_QUERY_CHARS].strip()
    return cleaned or None


def _digit_count(text: str) -> int:
    """How many digits a matched run holds."""
    return sum(char.isdigit() for char in text)
