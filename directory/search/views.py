"""The search results page."""

from collections.abc import Callable

from flask import Blueprint, current_app, render_template, request
from flask.typing import ResponseReturnValue

from directory.demand.recording import record_search
from directory.pages import cached_page
from directory.search import wording
from directory.search.params import parse_search_args
from directory.search.service import search_listings

blueprint = Blueprint("search", __name__)


@blueprint.context_processor
def wording_helpers() -> dict[str, Callable[..., object]]:
    """The sentences the results page says about a search."""
    taxonomy = current_app.extensions["taxonomy"]
    return {
        "headline": wording.headline,
        "place_summary": lambda outcome: wording.place_summary(outcome, taxonomy),
        "result_sections": lambda outcome: wording.sections(outcome, taxonomy),
        "place_phrase": wording.place_phrase,
        "concept_labels": wording.concept_labels,
    }


@blueprint.get("/search")
@cached_page()
def results() -> ResponseReturnValue:
    """Search with filters; bad parameters are reported and the rest of the search still runs."""
    params, errors = parse_search_args(request.args, current_app.extensions["taxonomy"])
    outcome = search_listings(params)
    page = render_template("search/results.html", outcome=outcome, errors=errors)
    record_search(outcome, "search_page")  # after the page is built; never fails the search
    return page
