"""What an alert watches: a search's or questionnaire's query string, kept scrubbed and canonical,
turned back into the search index's requests, the facets it asks for, and reasons for a match.

Descriptions and reasons are written in the current language: the page's, or the alert's when
its emails are written (inside flask_babel.force_locale)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import current_app, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from directory.alerts.models import KINDS
from directory.catalogue.models import Listing
from directory.demand.scrub import scrub_query
from directory.i18n import label as term_label
from directory.questionnaire.answers import Answers, first_unanswered, parse_answers
from directory.questionnaire.questions import Option
from directory.questionnaire.results import (
    PlaceProblem,
    Profile,
    explain,
    profile_for,
    search_filters,
    searches_for,
)
from directory.search.params import SearchParams, parse_search_args
from directory.search.service import search_request
from directory.taxonomy import UK_WIDE, Taxonomy
from search_index import SearchRequest

FACETS = ("region", "stage", "support", "sector")
ANY_SECTOR = "any"


class CriteriaError(ValueError):
    """A search or set of answers that cannot be watched, with a message for the founder."""


@dataclass(frozen=True)
class Watch:
    """One search an alert runs, and how to say why a listing it finds fits."""

    request: SearchRequest
    reasons: Callable[[Listing], list[str]]


@dataclass
class Criteria:
    """An alert's search: what it asks for, in words and as requests to the index."""

    kind: str
    query: str
    description: list[str]
    terms: dict[str, list[str]] = field(default_factory=dict)
    watches: list[Watch] = field(default_factory=list)

    @property
    def results_url(self) -> str:
        """The page a founder would see for this search today (absolute, on BASE_URL)."""
        endpoint = "search.results" if self.kind == "search" else "questionnaire.results"
        args: dict[str, Any] = MultiDict(parse_qsl(self.query)).to_dict(flat=False)
        return url_for(endpoint, _external=True, **args)


def taxonomy() -> Taxonomy:
    """The app's taxonomy."""
    return current_app.extensions["taxonomy"]


def _label(terms_of: Taxonomy, name: str, slug: str) -> str:
    """A taxonomy slug's label in the current language."""
    return term_label(terms_of.terms(name), slug)


def canonical(kind: str, args: MultiDict[str, str]) -> str:
    """The query string an alert keeps: known parameters only, personal data scrubbed, in a
    fixed order, with no page or sort. Raises CriteriaError when it cannot be watched."""
    if kind not in KINDS:
        raise CriteriaError(_("That is not a search we can send alerts for"))
    if kind == "search":
        params, _errors = parse_search_args(args, taxonomy())  # bad values are dropped
        # Scrubbing keeps the words and a postcode's district; an email or phone number goes.
        params = replace(
            params,
            text=scrub_query(params.text) or "",
            near=_scrub_place(params.near),
            page=1,
            sort="",
        )
        return urlencode(list(params.query_args().items(multi=True)))
    questionnaire = current_app.extensions["questionnaire"]
    answers, problems = parse_answers(args, questionnaire)
    if problems or first_unanswered(questionnaire, answers) is not None:
        raise CriteriaError(_("Answer every question before asking for alerts"))
    values = answers.query_args(questionnaire)
    if values.get("place"):
        values["place"] = [_scrub_place(values["place"][0])]
    return urlencode([(key, value) for key, items in values.items() for value in items if value])


def _scrub_place(text: str) -> str:
    """A postcode or town, a full postcode cut to its district (LS1 4AP becomes LS1)."""
    return (scrub_query(text) or "").upper() if text else ""


def criteria_for(kind: str, query: str) -> Criteria:
    """Read a kept query back into what it asks for. Raises CriteriaError when it no longer
    can be (a place that stopped resolving, a question that changed)."""
    args = MultiDict(parse_qsl(query))
    if kind == "search":
        return _search_criteria(query, args)
    return _check_criteria(query, args)


def _search_criteria(query: str, args: MultiDict[str, str]) -> Criteria:
    """A search page's search."""
    terms_of = taxonomy()
    params, _errors = parse_search_args(args, terms_of)
    request, understood, near = search_request(params)
    # Only listings meeting all of it, in any order, however many.
    request = replace(request, partial=False, sort="relevance", page=1, per_page=1)
    terms = {name: list(values) for name, values in params.filters.items() if name in FACETS}
    for facet in ("support", "stage", "sector"):
        if facet not in terms and understood.values(facet):
            terms[facet] = understood.values(facet)
    if "region" not in terms and request.place is not None and request.place.region:
        terms["region"] = [request.place.region]
    terms["region"] = [r for r in terms.get("region", []) if r != UK_WIDE]
    terms = {facet: values for facet, values in terms.items() if values}
    place = understood.place.label if understood.place else None
    description = _describe_search(params, terms, place)
    words = understood.remaining.strip()
    watch = Watch(request, lambda listing: search_reasons(listing, terms, words, terms_of))
    return Criteria("search", query, description, terms, [watch])


def _describe_search(
    params: SearchParams, terms: dict[str, list[str]], place: str | None
) -> list[str]:
    """The search in words, one line per part: what was typed, then how it was read."""
    terms_of = taxonomy()
    lines = []
    if params.text:
        lines.append(_("Search: %(words)s", words=params.text))
    if params.near:
        lines.append(
            _("Near: %(place)s (within %(radius)s km)", place=params.near, radius=params.radius_km)
        )
    elif place:
        lines.append(_("Place: %(place)s", place=place))
    names = {"support": "support_types", "stage": "stages", "sector": "sectors",
             "region": "regions"}  # fmt: skip
    for facet in ("support", "stage", "sector", "region"):
        chosen = terms.get(facet) or ()
        if chosen:
            labels = ", ".join(_label(terms_of, names[facet], value) for value in chosen)
            lines.append(_facet_line(facet, labels))
    if params.open_now:
        lines.append(_("Open now"))
    return lines or [_("Any new support")]


def _facet_line(facet: str, labels: str) -> str:
    """One line of a description: a facet's heading and the labels chosen for it."""
    if facet == "support":
        return _("Support: %(labels)s", labels=labels)
    if facet == "stage":
        return _("Stage: %(labels)s", labels=labels)
    if facet == "sector":
        return _("Sector: %(labels)s", labels=labels)
    return _("Region: %(labels)s", labels=labels)


def search_reasons(
    listing: Listing, terms: dict[str, list[str]], words: str, terms_of: Taxonomy
) -> list[str]:
    """Why a listing fits a search, in the questionnaire's words."""
    reasons = []
    offered = [t.slug for t in listing.support_types if t.slug in terms.get("support", ())]
    if offered:
        labels = ", ".join(_label(terms_of, "support_types", slug) for slug in offered)
        reasons.append(_("Offers the help you need: %(labels)s", labels=labels))
    stages = [s.slug for s in listing.stages if s.slug in terms.get("stage", ())]
    if stages:
        reasons.append(_("For your stage: %(stage)s", stage=_label(terms_of, "stages", stages[0])))
    if listing.uk_wide:
        reasons.append(_("Available anywhere in the UK"))
    else:
        served = [r.slug for r in listing.regions if r.slug in terms.get("region", ())]
        if served:
            reasons.append(_("Serves %(region)s", region=_label(terms_of, "regions", served[0])))
    sectors = [s.slug for s in listing.sectors]
    chosen = [s for s in sectors if s in terms.get("sector", ())]
    if chosen:
        reasons.append(
            _("Specialises in %(sector)s", sector=_label(terms_of, "sectors", chosen[0]))
        )
    elif terms.get("sector") and ANY_SECTOR in sectors:
        reasons.append(_("Open to businesses in any sector"))
    if words:
        reasons.append(_("Matches your words: %(words)s", words=words))
    return reasons


def _check_criteria(query: str, args: MultiDict[str, str]) -> Criteria:
    """A questionnaire's answers: one request per need (per kind of funding)."""
    questionnaire = current_app.extensions["questionnaire"]
    answers, problems = parse_answers(args, questionnaire)
    if problems or first_unanswered(questionnaire, answers) is not None:
        raise CriteriaError(_("These answers no longer fit the questionnaire"))
    try:
        profile = profile_for(questionnaire, answers)
    except PlaceProblem as problem:
        raise CriteriaError(str(problem)) from problem
    terms_of = taxonomy()
    watches = []
    support_wanted: list[str] = []
    for need in profile.needs:
        for _kind, support in searches_for(need, profile):
            support_wanted.extend(support)
            params = SearchParams(filters=search_filters(profile, support, terms_of), per_page=1)
            request, _understood, _near = search_request(params)
            request = replace(request, partial=False)
            watches.append(Watch(request, _explainer(need, support, profile, terms_of)))
    terms = {"stage": [profile.stage], "support": list(dict.fromkeys(support_wanted))}
    if profile.sector:
        terms["sector"] = [profile.sector]
    if profile.place.region:
        terms["region"] = [profile.place.region]
    return Criteria("check", query, _describe_answers(answers, profile), terms, watches)


def _explainer(
    need: Option, support: tuple[str, ...], profile: Profile, terms_of: Taxonomy
) -> Callable[[Listing], list[str]]:
    """The questionnaire's own reasons for one need."""

    def reasons(listing: Listing) -> list[str]:
        return explain(listing, need, support, profile, terms_of).reasons

    return reasons


def _describe_answers(answers: Answers, profile: Profile) -> list[str]:
    """The answers in words, one line per question that matters for matching."""
    terms_of = taxonomy()
    lines = [_facet_line("stage", _label(terms_of, "stages", profile.stage))]
    lines.append(_("Needs: %(needs)s", needs=", ".join(need.label for need in profile.needs)))
    if profile.place.label:
        lines.append(_("Place: %(place)s", place=profile.place.label))
    elif profile.place.region:
        lines.append(_facet_line("region", _label(terms_of, "regions", profile.place.region)))
    if profile.sector:
        lines.append(_facet_line("sector", _label(terms_of, "sectors", profile.sector)))
    return lines
