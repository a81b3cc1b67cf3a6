"""Public listing and organisation pages."""

from flask import Blueprint, abort, redirect, render_template, request, url_for

from directory.catalogue import services
from directory.demand.recording import record_listing_open
from directory.inputs import is_whole_number

blueprint = Blueprint("catalogue", __name__)


@blueprint.get("/listings/<slug>")
def listing(slug: str):
    """Everything a founder needs to know about one listing."""
    found = services.public_listing(slug) or abort(404)
    rank = request.args.get("rank", "")
    if request.args.get("from") == "search" and is_whole_number(rank) and 0 < int(rank) <= 10_000:
        # Opened from a results page: record it, then keep the listing's URL canonical.
        record_listing_open(found.slug, int(rank))
        return redirect(url_for("catalogue.listing", slug=found.slug), 303)
    return render_template("catalogue/listing.html", listing=found)


@blueprint.get("/organisations/<slug>")
def organisation(slug: str):
    """An organisation and its public listings."""
    found = services.organisation_with_public_listings(slug) or abort(404)
    organisation, listings = found
    return render_template(
        "catalogue/organisation.html", organisation=organisation, listings=listings
    )
