"""What a search asks for (words, concepts, a place, names, filters) and what it answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .nearby import MAX_RADIUS_KM
from .schema import FACETS

SORTS = ("relevance", "deadline", "distance")
TIERS = ("local", "region", "uk")


@dataclass(frozen=True)
class Concept:
    """Something the founder asked for: values of a facet, or words among the tags."""

    facet: str  # "support", "stage", "sector", or "tags" for tag words
    values: tuple[str, ...]


@dataclass(frozen=True)
class PlaceScope:
    """The place a search is about: a point (near-me), its local authorities, its region."""

    point: tuple[float, float] | None = None
    radius_km: float = 25.0
    lads: tuple[str, ...] = ()
    region: str | None = None


@dataclass(frozen=True)
class SearchRequest:
    """What the user asked for: words, concepts, place, filters, sort order and page."""

    text: str = ""
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sort: str = "relevance"
    # Words that add weight where they appear but are not concepts of their own (the words
    # a founder used for the concepts, so "accelerator" still favours listings saying so).
    boost: str = ""
    # The words a founder used for sector and tag concepts ("fashion", read as the creative
    # sector): narrower than the concept, so listings holding them rank first among its matches.
    literal: str = ""
    page: int = 1
    per_page: int = 20
    concepts: tuple[Concept, ...] = ()
    place: PlaceScope | None = None
    # Normalised names (see schema.name_words) whose listings or organisations come first.
    names: tuple[str, ...] = ()
    # Listings meeting only some concepts are results too, after the complete ones.
    partial: bool = False
    # The day (an ordinal) "open" is judged on; with open_now only open listings are results.
    today: int = 0
    open_now: bool = False

    def __post_init__(self) -> None:
        unknown = set(self.filters) - set(FACETS)
        if unknown:
            raise ValueError(f"unknown filter names: {sorted(unknown)}")
        if self.sort not in SORTS:
            raise ValueError(f"sort must be one of {SORTS}, not {self.sort!r}")
        if self.page < 1 or self.per_page < 1:
            raise ValueError("page and per_page must be at least 1")
        if self.sort == "distance" and (self.place is None or self.place.point is None):
            raise ValueError("sorting by distance needs a point to measure from")
        if self.place is not None:
            if not 0 < self.place.radius_km <= MAX_RADIUS_KM:
                raise ValueError(f"radius_km must be above 0 and at most {MAX_RADIUS_KM:g}")
            if self.place.point is not None:
                lat, lon = (float(value) for value in self.place.point)
                if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                    raise ValueError(f"not a latitude and longitude: {self.place.point!r}")
        if self.open_now and not self.today:
            raise ValueError("open_now needs today")
        # A bare string would otherwise be read as a tuple of its characters.
        filters = {
            name: (values,) if isinstance(values, str) else tuple(values)
            for name, values in self.filters.items()
        }
        object.__setattr__(self, "filters", filters)


@dataclass
class SearchResponse:
    """One page of results with totals, facet counts and how each result relates to the ask."""

    total: int
    ids: list[str]
    facets: dict[str, dict[str, int]]
    suggestion: str | None
    # Results meeting every concept and word; with partial matching they come first.
    complete: int = 0
    # Per result on the page: its place tier ("local", "region", "uk" or None), its distance in
    # km from a precise point within the radius (else None), and the concepts it meets.
    tiers: list[str | None] = field(default_factory=list)
    distances: list[float | None] = field(default_factory=list)
    met: list[int] = field(default_factory=list)
    # Results in each place tier, all of them and the complete ones.
    tier_totals: dict[str, int] = field(default_factory=dict)
    complete_tiers: dict[str, int] = field(default_factory=dict)
    # How many concepts (and word clauses) the request had.
    concepts: int = 0
    # Each misspelt word of `text` and the indexed word it was read as.
    corrections: list[tuple[str, str]] = field(default_factory=list)
    # The index version the search ran on (see SearchIndex.version); None from elsewhere.
    version: str | None = None
