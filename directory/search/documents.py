"""The mapping from a listing to the plain search document that search_index/ indexes."""

from directory.catalogue.models import Listing


def search_document(listing: Listing) -> dict:
    """Return the search document of a public listing."""
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
        # Where the listing's locations are, for near-me search; none for UK-wide or online.
        "points": [
            (location.latitude, location.longitude)
            for location in listing.locations
            if location.latitude is not None and location.longitude is not None
        ],
    }
