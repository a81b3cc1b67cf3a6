"""The mapping from a listing to the plain search document that search_index/ indexes."""

from directory.catalogue.availability import open_interval
from directory.catalogue.models import Listing
from search_index import SearchDocument


def search_document(listing: Listing) -> SearchDocument:
    """Return the search document of a public listing."""
    interval = open_interval(listing)
    return {
        "id": str(listing.id),
        "slug": listing.slug,
        "name": listing.name,
        "organisation": listing.organisation.name,
        "summary": listing.summary,
        "description": listing.description,
        # Founders search in the taxonomy's words ("incubator", "loans", "Wales") and by town,
        # so those labels are searchable alongside the listing's own tags.
        "tags": [
            *(listing.tags or []),
            *(term.label for term in listing.support_types),
            *(term.label for term in listing.sectors if term.slug != "any"),
            *(["UK-wide"] if listing.uk_wide else [term.label for term in listing.regions]),
            *(location.town for location in listing.locations),
        ],
        "support_types": [term.slug for term in listing.support_types],
        "stages": [term.slug for term in listing.stages],
        "sectors": [term.slug for term in listing.sectors],
        "regions": listing.region_slugs,
        "status": listing.status,
        "deadline": listing.deadline,
        "application_status": listing.application_status,
        # Where the listing's locations are, for places and near-me; UK-wide support has no
        # place of its own whatever offices it has. A point is precise when a postcode gave it.
        "points": []
        if listing.uk_wide
        else [
            (location.latitude, location.longitude, bool(location.postcode))
            for location in listing.locations
            if location.latitude is not None and location.longitude is not None
        ],
        "lads": []
        if listing.uk_wide
        else sorted({location.lad_code for location in listing.locations if location.lad_code}),
        "open_from": interval[0] if interval else None,
        "open_until": interval[1] if interval else None,
    }
