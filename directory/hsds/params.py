"""Reading the HSDS API's query parameters: a bad one is a ParameterProblem that names it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from werkzeug.datastructures import MultiDict

from directory.hsds.mapping import HsdsTaxonomy, HsdsTerm, Vocabulary
from directory.hsds.queries import Paging, ServiceFilters
from directory.inputs import InputProblem, whole_number

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 500
MAX_PAGE = 10_000
# Each word is a LIKE over several columns: enough for any real search, not a query bomb.
MAX_SEARCH_WORDS = 20
# Parameters of the HSDS API reference that this API does not offer, and what to use instead.
NOT_OFFERED = {
    "minimal": "minimal is not offered: every service in a list carries its id and last_modified",
    "postcode": "postcode is not offered here: /api/v1/search?near= finds support near a place",
    "proximity": "proximity is not offered here: /api/v1/search?near=&radius_km= does that",
}

Args = MultiDict[str, str]


class ParameterProblem(ValueError):
    """A query parameter that cannot be used, and what a client should send instead."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message


def paging(args: Args) -> Paging:
    """The page asked for: `page` from 1, `per_page` up to MAX_PER_PAGE."""
    return Paging(
        page=_whole_number(args, "page", 1, MAX_PAGE),
        per_page=_whole_number(args, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE),
    )


def flag(args: Args, name: str) -> bool:
    """A true/false parameter; absent is false."""
    value = (args.get(name) or "").strip().lower()
    if value in ("", "false"):
        return False
    if value == "true":
        return True
    raise ParameterProblem(name, f"{name} must be true or false")


def json_only(args: Args, *not_offered: str) -> None:
    """Refuse formats other than JSON, and parameters we do not offer, rather than ignore them."""
    requested = (args.get("format") or "json").strip().lower()
    if requested != "json":
        raise ParameterProblem("format", "format must be json: ndjson is not offered")
    for name in not_offered:
        # `minimal=false` asks for nothing we lack.
        if (args.get(name) or "").strip().lower() not in ("", "false"):
            raise ParameterProblem(name, NOT_OFFERED[name])


def search_words(args: Args) -> tuple[str, ...]:
    """The words of `search`, each of which a result must contain."""
    words = (args.get("search") or "").lower().split()
    if len(words) > MAX_SEARCH_WORDS:
        raise ParameterProblem("search", f"search takes at most {MAX_SEARCH_WORDS} words")
    return tuple(dict.fromkeys(words))


def uuids(args: Args, name: str) -> tuple[str, ...]:
    """Every value of an id parameter, each a uuid in its canonical form."""
    found: list[str] = []
    for value in args.getlist(name):
        value = value.strip()
        if not value:
            continue
        try:
            found.append(str(uuid.UUID(value)))
        except ValueError:
            raise ParameterProblem(name, f"'{value[:60]}' is not a uuid") from None
    return tuple(found)


def terms(args: Args, vocabulary: Vocabulary) -> tuple[HsdsTerm, ...]:
    """The taxonomy terms of `taxonomy_term_id`; an unknown one is a mistake, as in /api/v1."""
    found: list[HsdsTerm] = []
    for term_id in uuids(args, "taxonomy_term_id"):
        term = vocabulary.term(term_id)
        if term is None:
            message = f"{term_id} is not a taxonomy term of this API: see /api/hsds/taxonomy_terms"
            raise ParameterProblem("taxonomy_term_id", message)
        found.append(term)
    return tuple(found)


def taxonomies(args: Args, vocabulary: Vocabulary) -> tuple[HsdsTaxonomy, ...]:
    """The taxonomies of `taxonomy_id`; an unknown one is a mistake."""
    found: list[HsdsTaxonomy] = []
    for taxonomy_id in uuids(args, "taxonomy_id"):
        taxonomy = vocabulary.taxonomy(taxonomy_id)
        if taxonomy is None:
            message = f"{taxonomy_id} is not a taxonomy of this API: see /api/hsds/taxonomies"
            raise ParameterProblem("taxonomy_id", message)
        found.append(taxonomy)
    return tuple(found)


def moment(args: Args, name: str) -> datetime | None:
    """A date or date-time (UTC unless it says otherwise), or None when absent."""
    value = (args.get(name) or "").strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        message = f"{name} must be a date or date-time, such as 2025-01-31 or 2025-01-31T09:00:00Z"
        raise ParameterProblem(name, message) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def service_filters(args: Args, vocabulary: Vocabulary) -> ServiceFilters:
    """The filters HSDS defines on services and services at locations."""
    return ServiceFilters(
        words=search_words(args),
        terms=terms(args, vocabulary),
        taxonomies=taxonomies(args, vocabulary),
        organization_ids=uuids(args, "organization_id"),
        modified_after=moment(args, "modified_after"),
    )


def _whole_number(args: Args, name: str, default: int, maximum: int) -> int:
    """A whole number from 1 to maximum; absent or empty is the default."""
    value = args.get(name)
    if value is None or not value.strip():
        return default
    try:
        return whole_number(value, name, minimum=1, maximum=maximum)
    except InputProblem as problem:
        raise ParameterProblem(name, str(problem)) from None
