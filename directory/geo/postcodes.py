"""Reading what a person typed as a UK postcode, sector, district or area."""

from __future__ import annotations

import re
from typing import NamedTuple

# Outward code: area letters, district digit(s) and an optional letter (LS1, SW1A, W1T, M60).
_OUTWARD = r"[A-Z]{1,2}[0-9][A-Z0-9]?"
FULL_POSTCODE = re.compile(rf"^({_OUTWARD})([0-9][A-Z]{{2}})$")
SECTOR = re.compile(rf"^({_OUTWARD}) ([0-9])$")
SECTOR_WITHOUT_SPACE = re.compile(rf"^({_OUTWARD})([0-9])$")
DISTRICT = re.compile(rf"^{_OUTWARD}$")
AREA = re.compile(r"^[A-Z]{1,2}$")

# Crown Dependencies use postcodes of the same shape but lie outside the UK's nations and regions.
CROWN_DEPENDENCY_AREAS = {
    "GY": "Guernsey, in the Channel Islands",
    "JE": "Jersey, in the Channel Islands",
    "IM": "the Isle of Man",
}


class PostcodeQuery(NamedTuple):
    """Text read as a postcode of some kind: which kind, and its key in the lookup."""

    kind: str  # "postcode", "sector", "district" or "area"
    key: str  # "LS14AP" for a full postcode; "LS1 4", "LS1" or "LS" otherwise
    label: str  # how to show it: "LS1 4AP", "LS1 4", "LS1", "LS"
    alternative: PostcodeQuery | None = None  # "LS14" is district LS14, or else sector LS1 4


def squeeze(text: str) -> str:
    """Upper-case text and collapse runs of white space to one space."""
    return " ".join(text.upper().split())


def compact(postcode: str) -> str:
    """A postcode without spaces, upper-case: the lookup's key for full postcodes."""
    return "".join(postcode.upper().split())


def pretty(compact_postcode: str) -> str:
    """A compact full postcode with its single space restored ("LS14AP" -> "LS1 4AP")."""
    return f"{compact_postcode[:-3]} {compact_postcode[-3:]}"


def read_postcode(text: str) -> PostcodeQuery | None:
    """Read text as a full postcode, sector, district or area; None if it is none of them."""
    squeezed = squeeze(text)
    joined = squeezed.replace(" ", "")
    if FULL_POSTCODE.match(joined):
        return PostcodeQuery("postcode", joined, pretty(joined))
    match = SECTOR.match(squeezed)
    if match:
        key = f"{match.group(1)} {match.group(2)}"
        return PostcodeQuery("sector", key, key)
    if " " in squeezed:
        return None
    sector = SECTOR_WITHOUT_SPACE.match(squeezed)
    as_sector = None
    if sector:
        key = f"{sector.group(1)} {sector.group(2)}"
        as_sector = PostcodeQuery("sector", key, key)
    if DISTRICT.match(squeezed):
        return PostcodeQuery("district", squeezed, squeezed, as_sector)
    if as_sector:
        return as_sector
    if AREA.match(squeezed):
        return PostcodeQuery("area", squeezed, squeezed)
    return None


def area_of(key: str) -> str:
    """The area letters of a postcode key of any kind ("LS14AP" -> "LS")."""
    letters = re.match(r"[A-Z]*", key)
    return letters.group() if letters else ""


def outward_of(compact_postcode: str) -> str:
    """The outward code (district) of a compact full postcode ("LS14AP" -> "LS1")."""
    return compact_postcode[:-3]


def sector_of(compact_postcode: str) -> str:
    """The sector of a compact full postcode ("LS14AP" -> "LS1 4")."""
    return f"{compact_postcode[:-3]} {compact_postcode[-3]}"
