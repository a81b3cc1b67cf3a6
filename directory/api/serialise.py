"""Plain JSON shapes of listings and the taxonomy for the API."""

from datetime import date
from typing import Any

from flask import url_for

from directory.catalogue.models import Listing
from directory.catalogue.records import WELSH_LISTING_FIELDS
from directory.search.cards import listing_summary
from directory.search.service import Result, SearchOutcome
from directory.taxonomy import TAXONOMY_NAMES, Taxonomy


def search_result(found: Result) -> dict[str, Any]:
    """A listing in search results, with its place tier and distance (precise points only)."""
    return {
        **found.card.summary,
        "tier": found.tier,
        "distance_km": round(found.distance_km, 1) if found.distance_km is not None else None,
        "located_in": found.located_in,
        "matches_all": found.complete,
    }


def search_document(outcome: SearchOutcome) -> dict[str, Any]:
    """The JSON answer to a search."""
    params = outcome.params
    return {
        "total": outcome.total,
        "complete": outcome.complete,
        "page": params.page,
        "per_page": params.per_page,
        "understood": outcome.understanding.as_dict() if params.interpret else None,
        "place": outcome.place.as_dict() if outcome.place else None,
        "radius_km": params.radius_km if outcome.place and outcome.place.point else None,
        "tiers": {"all": outcome.tier_totals, "complete": outcome.complete_tiers}
        if outcome.place else None,
        "results": [search_result(found) for found in outcome.results],
        "facets": {name: outcome.facets.get(name, {}) for name in ("region", "stage", "support",
                                                                  "sector")},
        "suggestion": outcome.suggestion,
        "degraded": outcome.degraded,
    }  # fmt: skip


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def listing_detail(listing: Listing) -> dict[str, Any]:
    """Every public field of a listing."""
    return {
        **listing_summary(listing),
        "organisation": {
            "slug": listing.organisation.slug,
            "name": listing.organisation.name,
            "name_cy": listing.organisation.name_cy,
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
        # The listing's own Welsh text, where it has some (null where it has none).
        "welsh": {field.removesuffix("_cy"): getattr(listing, field)
                  for field in WELSH_LISTING_FIELDS},
        "sources": listing.sources,
        "updated_at": listing.updated_at.isoformat() if listing.updated_at else None,
    }  # fmt: skip


def taxonomy_document(taxonomy: Taxonomy) -> dict[str, list[dict[str, Any]]]:
    """Every fixed taxonomy as lists of {slug, label, ...}."""
    return {
        name: [{"slug": t.slug, "label": t.label, **dict(t.extra)} for t in taxonomy.terms(name)]
        for name in TAXONOMY_NAMES
    }
