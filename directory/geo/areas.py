"""Named areas bigger than a town: nations and regions, counties, city regions and councils.

A founder types "cornwall", "greater manchester" or "north east" as readily as a town; each
names a set of local authorities (or a whole region) rather than a point.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from directory.geo.authorities import local_authorities
from directory.geo.lookup import REGION_LABELS
from directory.geo.places import place_key

# What people call the 12 regions, besides their labels.
REGION_NAMES = {
    "north east": "north-east", "north east england": "north-east", "the north east": "north-east",
    "north west": "north-west", "north west england": "north-west", "the north west": "north-west",
    "yorkshire": "yorkshire-and-the-humber", "yorkshire and the humber":
        "yorkshire-and-the-humber", "yorkshire and humber": "yorkshire-and-the-humber",
    "the humber": "yorkshire-and-the-humber",
    "east midlands": "east-midlands", "the east midlands": "east-midlands",
    "west midlands": "west-midlands", "the west midlands": "west-midlands",
    "east of england": "eastern", "east anglia": "eastern", "eastern england": "eastern",
    "london": "london", "greater london": "london",
    "south east": "south-east", "south east england": "south-east", "the south east": "south-east",
    "south west": "south-west", "south west england": "south-west", "the south west": "south-west",
    "wales": "wales", "cymru": "wales",
    "scotland": "scotland", "alba": "scotland",
    "northern ireland": "northern-ireland", "ni": "northern-ireland",
}  # fmt: skip
# Areas people name that are not a single council or county of today's table.
AREA_ALIASES = {
    "cumbria": ("E06000063", "E06000064"),
    "tees valley": ("E06000001", "E06000002", "E06000003", "E06000004", "E06000005"),
    "teesside": ("E06000001", "E06000002", "E06000003", "E06000004"),
    "liverpool city region": ("E08000011", "E08000012", "E08000013", "E08000014",
                              "E08000015", "E06000006"),
    "durham": ("E06000047",),
}  # fmt: skip
# Upper tiers that are whole nations or London: the region names above cover them.
NOT_COUNTIES = {"wales", "scotland", "northern ireland", "greater london"}


@dataclass(frozen=True)
class Area:
    """A named area: its label, kind, local authorities and region (None if it spans several)."""

    label: str
    kind: str  # "region", "county" or "council"
    lads: tuple[str, ...]
    region: str | None


@cache
def named_areas() -> dict[str, Area]:
    """Area names (in place_key form) -> areas."""
    areas: dict[str, Area] = {}
    authorities = local_authorities()
    by_upper_tier: dict[str, list[str]] = {}
    for code, authority in authorities.items():
        by_upper_tier.setdefault(authority.upper_tier, []).append(code)
    for name, codes in by_upper_tier.items():
        if place_key(name) not in NOT_COUNTIES and len(codes) > 1:
            areas[place_key(name)] = _area(name, "county", codes)
    for code, authority in authorities.items():
        areas.setdefault(place_key(authority.name), _area(authority.name, "council", [code]))
        # "City of Edinburgh", "Bristol, City of": people type the city's name.
        short = place_key(authority.name.replace("City of", "").replace(", City of", ""))
        areas.setdefault(short, _area(authority.name, "council", [code]))
    for name, alias_codes in AREA_ALIASES.items():
        areas[name] = _area(name.title(), "county", list(alias_codes))
    for name, region in REGION_NAMES.items():
        areas[place_key(name)] = Area(REGION_LABELS[region], "region", (), region)
    return areas


def _area(label: str, kind: str, codes: list[str]) -> Area:
    authorities = local_authorities()
    regions = {authorities[code].region for code in codes if code in authorities}
    return Area(label, kind, tuple(sorted(codes)), regions.pop() if len(regions) == 1 else None)


def named_area(text: str) -> Area | None:
    """The area text names, if any."""
    return named_areas().get(place_key(text))
