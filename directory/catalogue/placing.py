"""Placing listing locations on the map, from their postcode or else their town."""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.catalogue.models import Listing, Location
from directory.extensions import db
from directory.geo.lookup import GeoError, GeoLookup, GeoResult

log = logging.getLogger(__name__)


def geocode(
    lookup: GeoLookup, postcode: str | None, town: str | None, regions: list[str]
) -> GeoResult | None:
    """The point of a postcode, else of a town (among same-named towns, one in regions)."""
    if postcode:
        try:
            result = lookup.resolve(postcode)
            if result.point is not None:
                return result
        except GeoError:
            pass
    if town:
        try:
            result = lookup.place_in_regions(town, regions)
        except GeoError:
            return None
        # A town of that name found only in another region is a namesake (the Pool in Leeds
        # for a centre in Pool, Cornwall): no point is better than a wrong one.
        elsewhere = "uk-wide" not in regions and result.region not in (None, *regions)
        if result.point is not None and not elsewhere:
            return result
    return None


def place_location(lookup: GeoLookup, location: Location, regions: list[str]) -> bool:
    """Set a location's coordinates, local authority and region; False if it cannot be placed."""
    result: GeoResult | None = geocode(lookup, location.postcode, location.town, regions)
    lat, lon = (result.lat, result.lon) if result else (None, None)
    values = {
        "latitude": lat,
        "longitude": lon,
        "lad_code": result.lad_code if result else None,
        "region_slug": result.region if result else None,
    }
    for name, value in values.items():
        # Assign only changes, so an unchanged location does not look edited.
        if getattr(location, name) != value:
            setattr(location, name, value)
    return result is not None


def place_locations(session: Session, lookup: GeoLookup | None = None) -> list[Location]:
    """Geocode every listing location; return those that could not be placed. Only flushes."""
    lookup = lookup or current_app.extensions["geo"]
    if not lookup.is_current():
        log.warning("postcode lookup not built: listing locations left unplaced")
        return list(session.scalars(select(Location)))
    unplaced = []
    for listing in session.scalars(select(Listing)):
        for location in listing.locations:
            if not place_location(lookup, location, listing.region_slugs):
                unplaced.append(location)
    session.flush()
    for location in unplaced:
        log.warning(
            "location could not be placed",
            extra={"listing": location.listing.slug, "town": location.town,
                   "postcode": location.postcode},
        )  # fmt: skip
    return unplaced


def unplaced_locations() -> list[Location]:
    """Locations of listings that have no coordinates."""
    query = select(Location).where(Location.latitude.is_(None)).order_by(Location.id)
    return list(db.session.scalars(query))
