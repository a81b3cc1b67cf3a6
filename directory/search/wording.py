"""The sentences a results page says about a search: honest about what matched, and where.

Each is written whole in the page's language (Welsh word order and mutations differ), with
the founder's words, the place and the counts filled in.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from directory.i18n import in_welsh, label
from directory.search.places import Place
from directory.search.service import Result, SearchOutcome
from directory.taxonomy import FILTER_TAXONOMIES, Taxonomy
from search_index import Concept

TIER_HEADINGS = {
    "local": _l("In or near %(place)s"),
    "region": _l("Serving %(region)s"),
    "uk": _l("Available anywhere in the UK"),
}

# "in" a whole region, as Welsh says it (the name mutates: "yng Nghymru"); English says
# "in" and the place's own label.
IN_REGION = {
    "north-east": _l("in the North East"),
    "north-west": _l("in the North West"),
    "yorkshire-and-the-humber": _l("in Yorkshire and the Humber"),
    "east-midlands": _l("in the East Midlands"),
    "west-midlands": _l("in the West Midlands"),
    "eastern": _l("in the East of England"),
    "london": _l("in London"),
    "south-east": _l("in the South East"),
    "south-west": _l("in the South West"),
    "wales": _l("in Wales"),
    "scotland": _l("in Scotland"),
    "northern-ireland": _l("in Northern Ireland"),
}


def _number(count: int) -> str:
    return f"{count:,}"


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
    return " " + _("for ‘%(words)s’", words=words) if words else ""


def place_name(place: Place) -> str:
    """A place as the page names it: a whole region by its name in the page's language."""
    if in_welsh() and place.kind == "region" and place.region:
        return region_name(place.region)
    return place.label


def region_name(region: str) -> str:
    """A region's name in the page's language."""
    return label(current_app.extensions["taxonomy"].terms("regions"), region)


def place_phrase(place: Place) -> str:
    """Where, in words: "near LS1 4AP" (the near box), or "in Leeds" (read from the words)."""
    if not place.typed_in_words:
        return _("near %(place)s", place=place.label)
    if in_welsh() and place.kind == "region" and place.region in IN_REGION:
        return str(IN_REGION[place.region])
    return _("in %(place)s", place=place.label)


def _where(outcome: SearchOutcome) -> str:
    place = outcome.place
    if place is None:
        return ""
    return " " + place_phrase(place)


def headline(outcome: SearchOutcome) -> str:
    """The count heading: how many results meet all of the search."""
    asked, where = _asked(outcome), _where(outcome)
    if outcome.total == 0:
        return _("No results%(asked)s%(where)s", asked=asked, where=where)
    if outcome.complete == outcome.total:
        return ngettext(
            "%(count)s result%(asked)s%(where)s",
            "%(count)s results%(asked)s%(where)s",
            outcome.total,
            count=_number(outcome.total),
            asked=asked,
            where=where,
        )
    asked = f",{asked}" if asked else ""
    if outcome.complete:
        return ngettext(
            "%(count)s result matches all of your search%(asked)s%(where)s",
            "%(count)s results match all of your search%(asked)s%(where)s",
            outcome.complete,
            count=_number(outcome.complete),
            asked=asked,
            where=where,
        )
    return _("Nothing matched all of your search%(asked)s%(where)s", asked=asked, where=where)


def place_summary(outcome: SearchOutcome, taxonomy: Taxonomy) -> str | None:
    """Where the results that meet the whole search are: located there, regional, UK-wide."""
    place = outcome.place
    tiers = outcome.complete_tiers
    if place is None or not tiers or outcome.complete == 0:
        return None
    region = label(taxonomy.terms("regions"), place.region) if place.region else None
    serving = _number(tiers["region"]) if tiers.get("region") and region else None
    uk = _number(tiers["uk"]) if tiers.get("uk") else None
    if not (place.point or place.lads):  # a region: "serving Wales" is the place itself
        return None
    values = {"place": place_name(place), "region": region, "serving": serving, "uk": uk}
    if tiers.get("local"):
        values["local"] = _number(tiers["local"])
        if serving and uk:
            return _(
                "%(local)s in or near %(place)s; %(serving)s serving %(region)s and %(uk)s "
                "available UK-wide.",
                **values,
            )
        if serving:
            return _("%(local)s in or near %(place)s; %(serving)s serving %(region)s.", **values)
        if uk:
            return _("%(local)s in or near %(place)s; %(uk)s available UK-wide.", **values)
        return _("%(local)s in or near %(place)s.", **values)
    if serving and uk:
        return _(
            "None located in or near %(place)s; %(serving)s serving %(region)s and %(uk)s "
            "available UK-wide.",
            **values,
        )
    if serving:
        return _("None located in or near %(place)s; %(serving)s serving %(region)s.", **values)
    if uk:
        return _("None located in or near %(place)s; %(uk)s available UK-wide.", **values)
    return None


def section_heading(
    result: Result, previous: Result | None, outcome: SearchOutcome, taxonomy: Taxonomy
) -> str | None:
    """A heading where the list moves to another place tier or to partial matches."""
    if not result.complete:
        if previous is None or previous.complete:
            return _("Matching part of your search")
        return None
    if result.tier is None or (previous is not None and previous.tier == result.tier):
        return None
    place = outcome.place
    region = (
        label(taxonomy.terms("regions"), place.region)
        if place and place.region
        else _("your region")
    )
    if result.tier == "region" and place and not (place.point or place.lads):
        return None  # searching a whole region: every regional result is "there"
    return str(TIER_HEADINGS[result.tier]) % {
        "place": place_name(place) if place else "",
        "region": region,
    }


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


# The soft mutation Welsh gives a word after "neu" (or): "Cyflymydd neu Ddeorfa".
SOFT_MUTATIONS = (("ll", "l"), ("rh", "r"), ("c", "g"), ("p", "b"), ("t", "d"), ("g", ""),
                  ("b", "f"), ("d", "dd"), ("m", "f"))  # fmt: skip


def soft_mutation(text: str) -> str:
    """Text whose first word takes the soft mutation (an abbreviation, such as BBaCh, keeps
    its form)."""
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first[1].isupper():
        return text
    for radical, mutated in SOFT_MUTATIONS:
        if text.lower().startswith(radical):
            changed = mutated + text[len(radical) :]
            return changed[:1].upper() + changed[1:] if text[:1].isupper() else changed
    return text


def either(labels: list[str]) -> str:
    """Labels as alternatives: "Accelerator or Incubator", "Cyflymydd neu Ddeorfa"."""
    if in_welsh():
        labels = labels[:1] + [soft_mutation(text) for text in labels[1:]]
    return f" {_('or')} ".join(labels)


def concept_labels(concept: Concept) -> str:
    """What a search was read as in one facet: "Accelerator or Incubator"."""
    terms = current_app.extensions["taxonomy"].terms(FILTER_TAXONOMIES[concept.facet])
    return either([label(terms, value) for value in concept.values])
