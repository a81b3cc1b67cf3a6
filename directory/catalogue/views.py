"""Public listing and organisation pages."""

from flask import Blueprint, abort, render_template

from directory.catalogue import services

blueprint = Blueprint("catalogue", __name__)


@blueprint.get("/listings/<slug>")
def listing(slug: str):
    """Everything a founder needs to know about one listing."""
    found = services.public_listing(slug) or abort(404)
    return render_template("catalogue/listing.html", listing=found)


@blueprint.get("/organisations/<slug>")
def organisation(slug: str):
    """An organisation and its public listings."""
    found = services.organisation_with_public_listings(slug) or abort(404)
    organisation, listings = found
    return render_template(
        "catalogue/organisation.html", organisation=organisation, listings=listings
    )
