"""The open JSON API, version 1."""

from flask import Blueprint, abort, current_app, jsonify, request, url_for

from directory.api.serialise import listing_detail, search_document, taxonomy_document
from directory.catalogue import services
from directory.demand.recording import record_search
from directory.demand.views import api_demand
from directory.search.params import parse_search_args
from directory.search.places import locate
from directory.search.service import search_listings

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")


@blueprint.get("/search")
def search():
    """Search the catalogue; unknown filter values are a 400 naming the parameter."""
    params, errors = parse_search_args(
        request.args, current_app.extensions["taxonomy"], allow_per_page=True
    )
    if errors:
        return jsonify(
            error="invalid_parameter",
            parameter=errors[0].parameter,
            message=errors[0].message,
            errors=[{"parameter": e.parameter, "message": e.message} for e in errors],
        ), 400
    if params.near:
        near = locate(params.near)
        if near.problem == "ambiguous":
            return jsonify(
                error="ambiguous_place",
                parameter="near",
                message=near.message,
                candidates=[candidate.as_dict() for candidate in near.choices],
            ), 300
        if near.problem:
            return jsonify(
                error="unavailable" if near.problem == "unavailable" else "invalid_parameter",
                parameter="near",
                message=near.message,
                errors=[{"parameter": "near", "message": near.message}],
            ), 503 if near.problem == "unavailable" else 400
    outcome = search_listings(params)
    links = {"html": url_for("search.results", _external=True, **request.args.to_dict(False))}
    response = jsonify(**search_document(outcome), links=links)
    record_search(outcome, "search_api")  # after the response is built; never fails the search
    return response


@blueprint.get("/listings/<slug>")
def listing(slug: str):
    """One published listing in full."""
    found = services.public_listing(slug) or abort(404, description="No such listing.")
    return jsonify(listing_detail(found))


# Demand figures for analysts' scripts: bearer-token auth, the insights exports' parameters.
blueprint.add_url_rule("/demand", "demand", api_demand, methods=["GET"])


@blueprint.get("/taxonomy")
def taxonomy():
    """The fixed taxonomies with their slugs, labels and mappings."""
    return jsonify(taxonomy_document(current_app.extensions["taxonomy"]))
