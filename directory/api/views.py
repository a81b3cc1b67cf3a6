"""The open JSON API, version 1."""

from typing import Any

from flask import Blueprint, abort, current_app, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue

from directory.api.openapi import openapi_document, schema_label
from directory.api.serialise import listing_detail, search_document, taxonomy_document
from directory.catalogue import services
from directory.demand import exports, tokens
from directory.demand.recording import record_search
from directory.demand.service import ParameterError, build_export, parse_export_args
from directory.pages import cached_page
from directory.search.params import parse_search_args
from directory.search.places import locate
from directory.search.service import search_listings
from directory.transactions import commit

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")


@blueprint.get("/search")
@cached_page()
def search() -> ResponseReturnValue:
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
    # Any, as url_for wants: no query argument is one of its own keywords (_external, _anchor).
    query: dict[str, Any] = request.args.to_dict(flat=False)
    links = {"html": url_for("search.results", _external=True, **query)}
    response = jsonify(**search_document(outcome), links=links)
    record_search(outcome, "search_api")  # after the response is built; never fails the search
    return response


@blueprint.get("/listings/<slug>")
def listing(slug: str) -> ResponseReturnValue:
    """One published listing in full."""
    found = services.public_listing(slug) or abort(404, description="No such listing.")
    return jsonify(listing_detail(found))


@blueprint.get("/demand")
def demand() -> ResponseReturnValue:
    """Demand figures for analysts' scripts: a bearer token, the insights exports' parameters."""
    user = tokens.user_for_token(request.headers.get("Authorization"))
    commit()  # the token's last day of use
    if user is None:
        response = jsonify(
            error="unauthorised",
            message="Send Authorization: Bearer <token> with a live analyst token.",
        )
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="demand"'
        return response
    try:
        export_request = parse_export_args(request.args, current_app.extensions["taxonomy"])
    except ParameterError as error:
        return jsonify(
            error="invalid_parameter", parameter=error.parameter, message=error.message
        ), 400
    docs_url = url_for("insights.about", _external=True)
    return jsonify(exports.to_json(build_export(export_request), docs_url))


@blueprint.get("/taxonomy")
def taxonomy() -> ResponseReturnValue:
    """The fixed taxonomies with their slugs, labels and mappings."""
    return jsonify(taxonomy_document(current_app.extensions["taxonomy"]))


# The description of the API and its documentation page sit beside the versions they describe.
reference = Blueprint("api_reference", __name__, url_prefix="/api")


@reference.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    """The OpenAPI 3.1 description of every public JSON endpoint."""
    return jsonify(openapi_document(current_app.extensions["taxonomy"],
                                    current_app.config["BASE_URL"].rstrip("/")))  # fmt: skip


@reference.get("/")
def documentation() -> ResponseReturnValue:
    """The API's documentation, rendered here from its OpenAPI description (no scripts)."""
    document = openapi_document(current_app.extensions["taxonomy"],
                                current_app.config["BASE_URL"].rstrip("/"))  # fmt: skip
    return render_template("api/documentation.html", document=document, schema_label=schema_label)
