"""Public listing and organisation pages."""

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from directory.catalogue import services
from directory.inputs import is_whole_number
from directory.pages import cached_page
from directory.security import safe_next
from directory.signals import listing_opened_from_results

blueprint = Blueprint("catalogue", __name__)


@blueprint.get("/listings/<slug>")
@cached_page(vary=lambda: search_came_from())
def listing(slug: str) -> ResponseReturnValue:
    """Everything a founder needs to know about one listing."""
    found = services.public_listing(slug) or abort(404)
    rank = request.args.get("rank", "")
    if request.args.get("from") == "search" and is_whole_number(rank) and 0 < int(rank) <= 10_000:
        # Opened from a results page: record it, then keep the listing's URL canonical.
        listing_opened_from_results.send(
            # current_app is a proxy (typed as the Flask it stands for): the app is the sender.
            current_app._get_current_object(),  # type: ignore[attr-defined]
            slug=found.slug,
            rank=int(rank),
        )
        return redirect(url_for("catalogue.listing", slug=found.slug), 303)
    return render_template("catalogue/listing.html", listing=found, back=search_came_from())


# Pages a founder may have come from whose address leads back to the same results.
BACK_PATHS = {
    "/search": _l("Back to your search results"),
    "/check/results": _l("Back to your results"),
}


def search_came_from() -> tuple[str, str] | None:
    """(address, link text) of the search that led here, from the Referer this site sent."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host or referrer.path not in BACK_PATHS:
        return None
    back = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    safe_back = safe_next(back, "")
    return (safe_back, str(BACK_PATHS[referrer.path])) if safe_back else None


@blueprint.get("/organisations/<slug>")
def organisation(slug: str) -> ResponseReturnValue:
    """An organisation and its public listings."""
    found = services.organisation_with_public_listings(slug) or abort(404)
    organisation, listings = found
    return render_template(
        "catalogue/organisation.html", organisation=organisation, listings=listings
    )
