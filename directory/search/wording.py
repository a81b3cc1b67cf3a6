"""The sentences a results page says about a search: honest about what matched, and where."""

from __future__ import annotations

from directory.search.service import Result, SearchOutcome
from directory.taxonomy import Taxonomy

TIER_HEADINGS = {
    "local": "In or near {place}",
    "region": "Serving {region}",
    "uk": "Available anywhere in the UK",
}


def _plural(count: int, word: str = "result") -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


# A long question is echoed back in part.
MAX_ECHO_CHARS = 80


def _asked(outcome: SearchOutcome) -> str:
    """What was searched for, in the founder's words, without the place."""
    understood = outcome.understanding
    if outcome.params.interpret:
        words = understood.without_place() if understood.has_words else ""
    else:
        words = outcome.params.text
    if len(words) > MAX_ECHO_CHARS:
        words = words[:MAX_ECHO_CHARS].rsplit(" ", 1)[0] + "…"
    return f" for ‘{words}’" if words else ""


def _where(outcome: SearchOutcome) -> str:
    place = outcome.place
    if place is None:
        return ""
    if not place.typed_in_words:
        return f" near {place.label}"
    return f" in {place.label}"


def headline(outcome: SearchOutcome) -> str:
    """The count heading: how many results meet all of the search."""
    asked, where = _asked(outcome), _where(outcome)
    if outcome.total == 0:
        return f"No results{asked}{where}"
    if outcome.complete == outcome.total:
        return f"{_plural(outcome.total)}{asked}{where}"
    if outcome.complete:
        return f"{_plural(outcome.complete)} match all of your search{asked and ','}{asked}{where}"
    return f"Nothing matched all of your search{asked and ','}{asked}{where}"


def place_summary(outcome: SearchOutcome, taxonomy: Taxonomy) -> str | None:
    """Where the results that meet the whole search are: located there, regional, UK-wide."""
    place = outcome.place
    tiers = outcome.complete_tiers
    if place is None or not tiers or outcome.complete == 0:
        return None
    region = taxonomy.label("regions", place.region) if place.region else None
    parts = []
    if tiers.get("region") and region:
        parts.append(f"{tiers['region']:,} serving {region}")
    if tiers.get("uk"):
        parts.append(f"{tiers['uk']:,} available UK-wide")
    rest = " and ".join(parts)
    if not (place.point or place.lads):  # a region: "serving Wales" is the place itself
        return None
    if tiers.get("local"):
        located = f"{tiers['local']:,} in or near {place.label}"
        return f"{located}; {rest}." if rest else f"{located}."
    return f"None located in or near {place.label}; {rest}." if rest else None


def section_heading(
    result: Result, previous: Result | None, outcome: SearchOutcome, taxonomy: Taxonomy
) -> str | None:
    """A heading where the list moves to another place tier or to partial matches."""
    if not result.complete:
        if previous is None or previous.complete:
            return "Matching part of your search"
        return None
    if result.tier is None or (previous is not None and previous.tier == result.tier):
        return None
    place = outcome.place
    region = taxonomy.label("regions", place.region) if place and place.region else "your region"
    if result.tier == "region" and place and not (place.point or place.lads):
        return None  # searching a whole region: every regional result is "there"
    return TIER_HEADINGS[result.tier].format(place=place.label if place else "", region=region)


def sections(outcome: SearchOutcome, taxonomy: Taxonomy) -> list[tuple[str | None, list]]:
    """The page's results in runs under their headings, each result with its rank."""
    first_rank = (outcome.params.page - 1) * outcome.params.per_page + 1
    runs: list[tuple[str | None, list]] = []
    previous = None
    for rank, result in enumerate(outcome.results, start=first_rank):
        heading = section_heading(result, previous, outcome, taxonomy)
        if heading is not None or not runs:
            runs.append((heading, []))
        runs[-1][1].append((rank, result))
        previous = result
    return runs
