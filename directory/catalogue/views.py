"""Public listing and organisation pages."""

from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, render_template, request, url_for

from directory.catalogue import services
from directory.demand.recording import record_listing_open
from directory.inputs import is_whole_number
from directory.security import safe_next

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
    return render_template("catalogue/listing.html", listing=found, back=search_came_from())


# Pages a founder may have come from whose address leads back to the same results.
BACK_PATHS = {"/search": "Back to your search results", "/check/results": "Back to your results"}


def search_came_from() -> tuple[str, str] | None:
    """(address, link text) of the search that led here, from the Referer this site sent."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host or referrer.path not in BACK_PATHS:
        return None
    back = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return safe_next(back, "") or None, BACK_PATHS[referrer.path]


@blueprint.get("/organisations/<slug>")
def organisation(slug: str):
    """An organisation and its public listings."""
    found = services.organisation_with_public_listings(slug) or abort(404)
    organisation, listings = found
    return render_template(
        "catalogue/organisation.html", organisation=organisation, listings=listings
    )
