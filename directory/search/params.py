"""Reading search parameters from a query string, shared by the search page and the API."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from directory.inputs import InputProblem, is_whole_number, whole_number
from directory.states import ListingStatus
from directory.taxonomy import FILTER_TAXONOMIES, UK_WIDE, Taxonomy
from search_index.nearby import MAX_RADIUS_KM as ENGINE_MAX_RADIUS_KM
from search_index.requests import SORTS

# `open=now`: only what founders can apply to today.
OPEN_NOW = "now"
STATUSES = tuple(ListingStatus)
# Closed listings are kept for the record but are not shown unless asked for.
DEFAULT_STATUSES = (ListingStatus.ACTIVE, ListingStatus.PAUSED)
MAX_QUERY_CHARS = 500
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_NEAR_CHARS = 100
DEFAULT_RADIUS_KM = 25
# The radius a founder may ask for; the search index's own limit is the same.
MAX_RADIUS_KM = int(ENGINE_MAX_RADIUS_KM)
# A filter value that is not one of its facet's, said whole for each facet.
UNKNOWN_VALUE = {
    "region": _l("'%(value)s' is not a known region"),
    "stage": _l("'%(value)s' is not a known stage"),
    "support": _l("'%(value)s' is not a known support"),
    "sector": _l("'%(value)s' is not a known sector"),
    "status": _l("'%(value)s' is not a known status"),
}


@dataclass(frozen=True)
class SearchParams:
    """A validated search: free text, filters by facet name, sort and page."""

    text: str = ""
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # "" lets the search choose: nearest first for a bare place, else the best match.
    sort: str = ""
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    # Near-me: a postcode or place as typed, and the radius around it in kilometres.
    near: str = ""
    radius_km: int = DEFAULT_RADIUS_KM
    open_now: bool = False
    # Read places, kinds of support, stages and sectors in the words (interpret=0: don't).
    interpret: bool = True

    def query_args(self, **changes: object) -> MultiDict[str, str]:
        """Return the query string of this search, with some parameters changed."""
        values: dict[str, object] = {
            "q": self.text,
            "near": self.near,
            "radius_km": self.radius_km if self.radius_km != DEFAULT_RADIUS_KM else None,
            **{name: list(values) for name, values in self.filters.items()},
            "open": OPEN_NOW if self.open_now else None,
            "sort": self.sort or None,
            "page": self.page if self.page != 1 else None,
            "interpret": None if self.interpret else "0",
        }  # fmt: skip
        values.update(changes)
        args: MultiDict[str, str] = MultiDict()
        for name, value in values.items():
            for item in value if isinstance(value, list | tuple) else [value]:
                if item not in (None, ""):
                    args.add(name, str(item))
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
    args: MultiDict[str, str], taxonomy: Taxonomy, allow_per_page: bool = False
) -> tuple[SearchParams, list[ParamError]]:
    """Validate search arguments; bad values are dropped and reported, never fatal."""
    errors: list[ParamError] = []
    text = _shorten(" ".join(args.get("q", "").split()), MAX_QUERY_CHARS)
    filters: dict[str, tuple[str, ...]] = {}
    for name, taxonomy_name in (*FILTER_TAXONOMIES.items(), ("status", None)):
        allowed: list[str] = (
            list(STATUSES) if taxonomy_name is None else taxonomy.slugs(taxonomy_name)
        )
        if name == "region":
            allowed.append(UK_WIDE)
        values: list[str] = []
        for value in args.getlist(name):
            value = value.strip()
            if not value:
                continue
            if value not in allowed:
                errors.append(ParamError(name, str(UNKNOWN_VALUE[name]) % {"value": value[:60]}))
            elif value not in values:
                values.append(value)
        if values:
            filters[name] = tuple(values)
    near = " ".join(args.get("near", "").split())[:MAX_NEAR_CHARS]
    radius_km = _positive_int(args, "radius_km", DEFAULT_RADIUS_KM, MAX_RADIUS_KM, errors)
    sort = args.get("sort") or ""
    if sort and sort not in SORTS:
        errors.append(
            ParamError("sort", _("sort must be one of %(choices)s", choices=", ".join(SORTS)))
        )
        sort = ""
    page = _positive_int(args, "page", 1, None, errors)
    per_page = DEFAULT_PER_PAGE
    if allow_per_page:
        per_page = _positive_int(args, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE, errors)
    open_now = _choice(args, "open", ("", OPEN_NOW), errors) == OPEN_NOW
    interpret = _choice(args, "interpret", ("", "1", "0"), errors) != "0"
    return SearchParams(text, filters, sort, page, per_page, near, radius_km, open_now,
                        interpret), errors  # fmt: skip


def _choice(
    args: MultiDict[str, str], name: str, allowed: tuple[str, ...], errors: list[ParamError]
) -> str:
    """One of a few fixed words; anything else is reported and read as the first."""
    value = (args.get(name) or "").strip()
    if value not in allowed:
        choices = ", ".join(a for a in allowed if a)
        errors.append(
            ParamError(name, _("%(name)s must be one of %(choices)s", name=name, choices=choices))
        )
        return allowed[0]
    return value


def _positive_int(
    args: MultiDict[str, str],
    name: str,
    default: int,
    maximum: int | None,
    errors: list[ParamError],
) -> int:
    """Read a whole number of at least 1 (and at most maximum), reporting bad values."""
    raw = args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = whole_number(raw, name, minimum=1, maximum=maximum)
    except InputProblem:
        errors.append(ParamError(name, _number_problem(name, raw or "", maximum)))
        return default
    # Cap silly page numbers: nobody pages to 10**9, and the index would still try.
    return min(value, 10_000)


def _number_problem(name: str, raw: str, maximum: int | None) -> str:
    """What is wrong with a number that `whole_number` turned down, in the page's language."""
    if not is_whole_number(raw.strip()):
        return _("%(name)s must be a whole number", name=name)
    if maximum is None:
        return _("%(name)s must be a whole number from %(minimum)s or more", name=name, minimum=1)
    upper = f"{maximum:,}"
    return _(
        "%(name)s must be a whole number from %(minimum)s to %(maximum)s",
        name=name,
        minimum=1,
        maximum=upper,
    )


def _shorten(text: str, limit: int) -> str:
    """The text cut to at most `limit` characters at a word boundary, never mid-word."""
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0]
    return cut if len(cut) <= limit else text[:limit]
