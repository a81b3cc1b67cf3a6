"""Reading search parameters from a query string, shared by the search page and the API."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from werkzeug.datastructures import MultiDict

from directory.inputs import InputProblem, whole_number
from directory.taxonomy import FILTER_TAXONOMIES, UK_WIDE, Taxonomy

SORTS = ("relevance", "deadline", "distance")
STATUSES = ("active", "paused", "closed")
# Closed listings are kept for the record but are not shown unless asked for.
DEFAULT_STATUSES = ("active", "paused")
MAX_QUERY_CHARS = 500
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_NEAR_CHARS = 100
DEFAULT_RADIUS_KM = 25
MAX_RADIUS_KM = 500


@dataclass(frozen=True)
class SearchParams:
    """A validated search: free text, filters by facet name, sort and page."""

    text: str = ""
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    # Near-me: a postcode or place as typed, and the radius around it in kilometres.
    near: str = ""
    radius_km: int = DEFAULT_RADIUS_KM

    @property
    def default_sort(self) -> str:
        """Near-me searches list the nearest first; others the best match."""
        return "distance" if self.near else "relevance"

    def query_args(self, **changes) -> MultiDict:
        """Return the query string of this search, with some parameters changed."""
        values = {
            "q": self.text,
            "near": self.near,
            "radius_km": self.radius_km if self.near and self.radius_km != DEFAULT_RADIUS_KM
            else None,
            **{name: list(values) for name, values in self.filters.items()},
            "sort": self.sort if self.sort != self.default_sort else None,
            "page": self.page if self.page != 1 else None,
        }  # fmt: skip
        values.update(changes)
        args = MultiDict()
        for name, value in values.items():
            for item in value if isinstance(value, list | tuple) else [value]:
                if item not in (None, ""):
                    args.add(name, item)
        return args

    def without(self, facet: str, value: str | None = None) -> SearchParams:
        """Return this search with one filter value (or a whole filter) removed, from page 1."""
        filters = dict(self.filters)
        kept = tuple(v for v in filters.pop(facet, ()) if value is not None and v != value)
        if kept:
            filters[facet] = kept
        return replace(self, filters=filters, page=1)

    @property
    def status_filter(self) -> tuple[str, ...]:
        """Statuses searched: the ones asked for, or the default open ones."""
        return self.filters.get("status", DEFAULT_STATUSES)


@dataclass(frozen=True)
class ParamError:
    """One bad query-string parameter and what is wrong with it."""

    parameter: str
    message: str


def parse_search_args(
    args: MultiDict, taxonomy: Taxonomy, allow_per_page: bool = False
) -> tuple[SearchParams, list[ParamError]]:
    """Validate search arguments; bad values are dropped and reported, never fatal."""
    errors: list[ParamError] = []
    text = " ".join(args.get("q", "").split())[:MAX_QUERY_CHARS]
    filters: dict[str, tuple[str, ...]] = {}
    for name, taxonomy_name in (*FILTER_TAXONOMIES.items(), ("status", None)):
        allowed = list(STATUSES) if taxonomy_name is None else taxonomy.slugs(taxonomy_name)
        if name == "region":
            allowed.append(UK_WIDE)
        values: list[str] = []
        for value in args.getlist(name):
            value = value.strip()
            if not value:
                continue
            if value not in allowed:
                errors.append(ParamError(name, f"'{value[:60]}' is not a known {name}"))
            elif value not in values:
                values.append(value)
        if values:
            filters[name] = tuple(values)
    near = " ".join(args.get("near", "").split())[:MAX_NEAR_CHARS]
    radius_km = _positive_int(args, "radius_km", DEFAULT_RADIUS_KM, MAX_RADIUS_KM, errors)
    default_sort = "distance" if near else "relevance"
    sort = args.get("sort") or default_sort
    if sort not in SORTS:
        errors.append(ParamError("sort", f"sort must be one of {', '.join(SORTS)}"))
        sort = default_sort
    elif sort == "distance" and not near:
        errors.append(ParamError("sort", "sort=distance needs a postcode or place in near"))
        sort = default_sort
    page = _positive_int(args, "page", 1, None, errors)
    per_page = DEFAULT_PER_PAGE
    if allow_per_page:
        per_page = _positive_int(args, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE, errors)
    return SearchParams(text, filters, sort, page, per_page, near, radius_km), errors


def _positive_int(
    args: MultiDict, name: str, default: int, maximum: int | None, errors: list[ParamError]
) -> int:
    """Read a whole number of at least 1 (and at most maximum), reporting bad values."""
    raw = args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = whole_number(raw, name, minimum=1, maximum=maximum)
    except InputProblem as problem:
        errors.append(ParamError(name, str(problem)))
        return default
    # Cap silly page numbers: nobody pages to 10**9, and the index would still try.
    return min(value, 10_000)
