"""The search results page."""

from flask import Blueprint, current_app, render_template, request

from directory.demand.recording import record_search
from directory.search.params import parse_search_args
from directory.search.service import search_listings

blueprint = Blueprint("search", __name__)


@blueprint.get("/search")
def results():
    """Search with filters; bad parameters are reported and the rest of the search still runs."""
    params, errors = parse_search_args(request.args, current_app.extensions["taxonomy"])
    outcome = search_listings(params)
    page = render_template("search/results.html", outcome=outcome, errors=errors)
    record_search(outcome, "search_page")  # after the page is built; never fails the search
    return page
