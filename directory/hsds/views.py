"""The read-only Open Referral HSDS 3.0 API under /api/hsds/ (docs/hsds.md)."""

from flask import Blueprint, Response, abort, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from directory.hsds import mapping, params, queries
from directory.hsds.mapping import HsdsObject, Vocabulary
from directory.hsds.params import ParameterProblem
from directory.hsds.queries import Page

blueprint = Blueprint("hsds", __name__, url_prefix="/api/hsds")


def _vocabulary() -> Vocabulary:
    """Our taxonomies as HSDS taxonomies and terms."""
    return mapping.vocabulary(current_app.extensions["taxonomy"])


def _page(contents: list[HsdsObject], page: Page) -> ResponseReturnValue:
    """A list response: the page's HSDS objects in the paging object."""
    return jsonify(
        mapping.page_document(contents, page.total, page.paging.page, page.paging.per_page)
    )


@blueprint.errorhandler(ParameterProblem)
def bad_parameter(problem: ParameterProblem) -> ResponseReturnValue:
    """A 400 that names the parameter, shaped like /api/v1's."""
    error = {"parameter": problem.parameter, "message": problem.message}
    return jsonify(error="invalid_parameter", **error, errors=[error]), 400


@blueprint.after_request
def open_to_every_origin(response: Response) -> Response:
    """Open Referral UK asks that browser apps anywhere may read the API; it reads no cookies."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@blueprint.get("/")
def api_info() -> ResponseReturnValue:
    """The HSDS version and profile of this API."""
    return jsonify(mapping.api_info())


@blueprint.get("/services")
def services() -> ResponseReturnValue:
    """A page of services (fully nested with full=true), filtered as HSDS defines."""
    params.json_only(request.args, "minimal")
    full = params.flag(request.args, "full")
    vocabulary = _vocabulary()
    filters = params.service_filters(request.args, vocabulary)
    found = queries.services(filters, params.paging(request.args))
    if full:
        return _page([mapping.service_full(each, vocabulary) for each in found.items], found)
    return _page([mapping.service_summary(each) for each in found.items], found)


@blueprint.get("/services/<service_id>")
def service(service_id: str) -> ResponseReturnValue:
    """One fully nested service."""
    listing = queries.service(service_id) or abort(404, description="No such service.")
    return jsonify(mapping.service_full(listing, _vocabulary()))


@blueprint.get("/organizations")
def organizations() -> ResponseReturnValue:
    """A page of organizations; full=true nests their locations and services."""
    params.json_only(request.args)
    full_service = params.flag(request.args, "full_service")
    full = params.flag(request.args, "full") or full_service
    words, paging = params.search_words(request.args), params.paging(request.args)
    found = queries.organisations(words, paging, with_listings=full)
    if not full:
        return _page([mapping.organization_summary(each) for each in found.items], found)
    vocabulary = _vocabulary()
    contents = [
        mapping.organization_full(
            each, queries.published_listings_of(each), vocabulary, full_service
        )
        for each in found.items
    ]
    return _page(contents, found)


@blueprint.get("/organizations/<organization_id>")
def organization(organization_id: str) -> ResponseReturnValue:
    """One organization with its locations and services (in full with full_service=true)."""
    full_service = params.flag(request.args, "full_service")
    found = queries.organisation(organization_id) or abort(404, description="No such organization.")
    listings = queries.published_listings_of(found)
    return jsonify(mapping.organization_full(found, listings, _vocabulary(), full_service))


@blueprint.get("/locations")
def locations() -> ResponseReturnValue:
    """A page of the sites where published listings are delivered."""
    params.json_only(request.args)
    found = queries.locations(params.paging(request.args))
    vocabulary = _vocabulary()
    contents = [mapping.location_object(each.listing, each, vocabulary) for each in found.items]
    return _page(contents, found)


@blueprint.get("/locations/<location_id>")
def location(location_id: str) -> ResponseReturnValue:
    """One site."""
    found = queries.location(location_id) or abort(404, description="No such location.")
    return jsonify(mapping.location_object(found.listing, found, _vocabulary()))


@blueprint.get("/service_at_locations")
def service_at_locations() -> ResponseReturnValue:
    """A page of services at their sites, filtered as services are."""
    params.json_only(request.args, "postcode", "proximity")
    full = params.flag(request.args, "full")
    vocabulary = _vocabulary()
    filters = params.service_filters(request.args, vocabulary)
    found = queries.service_at_locations(filters, params.paging(request.args))
    link = mapping.service_at_location_full if full else mapping.service_at_location_summary
    return _page([link(each.listing, each, vocabulary) for each in found.items], found)


@blueprint.get("/service_at_locations/<service_at_location_id>")
def service_at_location(service_at_location_id: str) -> ResponseReturnValue:
    """One service at one site, with the service fully nested."""
    found = queries.service_at_location(service_at_location_id) or abort(
        404, description="No such service at location."
    )
    return jsonify(mapping.service_at_location_full(found.listing, found, _vocabulary()))


@blueprint.get("/taxonomies")
def taxonomies() -> ResponseReturnValue:
    """A page of our taxonomies."""
    params.json_only(request.args)
    words, paging = params.search_words(request.args), params.paging(request.args)
    found = queries.page_of(queries.taxonomies(_vocabulary(), words), paging)
    return _page([mapping.taxonomy_object(each) for each in found.items], found)


@blueprint.get("/taxonomies/<taxonomy_id>")
def taxonomy(taxonomy_id: str) -> ResponseReturnValue:
    """One taxonomy."""
    found = _vocabulary().taxonomy(taxonomy_id) or abort(404, description="No such taxonomy.")
    return jsonify(mapping.taxonomy_object(found))


@blueprint.get("/taxonomy_terms")
def taxonomy_terms() -> ResponseReturnValue:
    """A page of taxonomy terms, optionally of one taxonomy."""
    params.json_only(request.args)
    vocabulary = _vocabulary()
    params.flag(request.args, "top_only")  # checked only: every term of ours is a top term
    terms = queries.taxonomy_terms(
        vocabulary,
        params.search_words(request.args),
        params.taxonomies(request.args, vocabulary),
        params.uuids(request.args, "parent_id"),
    )
    found = queries.page_of(terms, params.paging(request.args))
    return _page([mapping.taxonomy_term(each, vocabulary) for each in found.items], found)


@blueprint.get("/taxonomy_terms/<term_id>")
def taxonomy_term(term_id: str) -> ResponseReturnValue:
    """One taxonomy term, with its taxonomy."""
    vocabulary = _vocabulary()
    found = vocabulary.term(term_id) or abort(404, description="No such taxonomy term.")
    return jsonify(mapping.taxonomy_term(found, vocabulary))
