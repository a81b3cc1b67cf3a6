"""Plain JSON shapes of listings and the taxonomy for the API."""

from flask import url_for

from directory.catalogue.models import Listing
from directory.taxonomy import TAXONOMY_NAMES, Taxonomy


def listing_summary(listing: Listing, distance_km: float | None = None) -> dict:
    """The short form of a listing used in search results (with its distance, near-me)."""
    summary = {
        "slug": listing.slug,
        "name": listing.name,
        "organisation": listing.organisation.name,
        "summary": listing.summary,
        "support_types": [term.slug for term in listing.support_types],
        "stages": [term.slug for term in listing.stages],
        "sectors": [term.slug for term in listing.sectors],
        "regions": listing.region_slugs,
        "url": url_for("catalogue.listing", slug=listing.slug, _external=True),
    }
    if distance_km is not None:
        summary["distance_km"] = round(distance_km, 1)
    return summary


def near_document(outcome) -> dict:
    """The near-me part of a search response: the point, the radius and the listings with no
    fixed place; nothing when the search was not near-me."""
    if outcome.near is None or outcome.near.point is None:
        return {}
    return {
        "near": outcome.near.place.as_dict(),
        "radius_km": outcome.params.radius_km,
        "elsewhere": {
            "total": outcome.elsewhere_total,
            "results": [listing_summary(listing) for listing in outcome.elsewhere],
        },
    }


def listing_detail(listing: Listing) -> dict:
    """Every public field of a listing."""
    return {
        **listing_summary(listing),
        "organisation": {
            "slug": listing.organisation.slug,
            "name": listing.organisation.name,
            "website": listing.organisation.website,
            "url": url_for("catalogue.organisation", slug=listing.organisation.slug,
                           _external=True),
        },
        "description": listing.description,
        "business_sizes": [term.slug for term in listing.business_sizes],
        "tags": list(listing.tags or []),
        "locations": [
            {
                "name": location.name,
                "address": location.address,
                "town": location.town,
                "postcode": location.postcode,
                "latitude": location.latitude,
                "longitude": location.longitude,
                "region": location.region_slug,
            }
            for location in listing.locations
        ],
        "website": listing.website,
        "contact": {
            "email": listing.contact_email,
            "phone": listing.contact_phone,
            "form": listing.contact_form,
        },
        "how_to_apply": listing.how_to_apply,
        "cost": listing.cost,
        "funding": {
            "min_gbp": listing.funding_min,
            "max_gbp": listing.funding_max,
            "equity_taken": listing.equity_taken,
        },
        "eligibility": listing.eligibility,
        "application_status": listing.application_status,
        "opens_on": listing.opens_on.isoformat() if listing.opens_on else None,
        "deadline": listing.deadline.isoformat() if listing.deadline else None,
        "next_round": listing.next_round,
        "status": listing.status,
        "closed_on": listing.closed_on.isoformat() if listing.closed_on else None,
        "last_checked_on": listing.last_checked_on.isoformat() if listing.last_checked_on else None,
        "last_checked_how": listing.last_checked_how,
        "sources": listing.sources,
        "updated_at": listing.updated_at.isoformat() if listing.updated_at else None,
    }  # fmt: skip


def taxonomy_document(taxonomy: Taxonomy) -> dict:
    """Every fixed taxonomy as lists of {slug, label, ...}."""
    return {
        name: [{"slug": t.slug, "label": t.label, **dict(t.extra)} for t in taxonomy.terms(name)]
        for name in TAXONOMY_NAMES
    }
