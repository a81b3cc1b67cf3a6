"""The place a search is about: typed in the near-me box, or read from the search words."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _

from directory.geo import Ambiguous, GeoError, GeoResult, Unavailable
from directory.search.understanding import PlaceUnderstood
from search_index import PlaceScope

log = logging.getLogger(__name__)


@dataclass
class NearMe:
    """The point a near-me search measures from, or the reason there is none."""

    query: str
    place: GeoResult | None = None
    # "not_found", "ambiguous", "outside" (Channel Islands, Isle of Man) or "unavailable".
    problem: str | None = None
    message: str | None = None
    choices: list[GeoResult] = field(default_factory=list)

    @property
    def point(self) -> tuple[float, float] | None:
        """(latitude, longitude) to measure from, when the place resolved to one."""
        return self.place.point if self.place is not None and not self.problem else None


def locate(text: str) -> NearMe:
    """Resolve what a founder typed in `near` with the offline geo lookup; never raises."""
    try:
        place = current_app.extensions["geo"].resolve(text)
    except Ambiguous as ambiguous:
        return NearMe(text, problem="ambiguous", message=str(ambiguous),
                      choices=ambiguous.candidates)  # fmt: skip
    except Unavailable as error:
        log.warning("geo lookup unavailable", extra={"error": str(error)})
        return NearMe(text, problem="unavailable", message=str(error))
    except GeoError as error:
        return NearMe(text, problem="not_found", message=str(error))
    if place.outside or place.point is None:
        message = place.message or _("We could not find where %(place)s is.", place=place.label)
        return NearMe(text, place=place, problem="outside", message=message)
    return NearMe(text, place=place)


@dataclass(frozen=True)
class Place:
    """Where a search is about, whichever way the founder said it."""

    label: str
    kind: str  # postcode, sector, district, area, place, council, county or region
    point: tuple[float, float] | None
    lads: tuple[str, ...]
    region: str | None
    typed_in_words: bool  # read from the search words (a removable chip), not the near box

    def scope(self, radius_km: float) -> PlaceScope:
        """The search index's form of the place."""
        return PlaceScope(self.point, radius_km, self.lads, self.region)

    def as_dict(self) -> dict:
        """The API's shape of the place."""
        return {"label": self.label, "kind": self.kind, "region": self.region,
                "lat": self.point[0] if self.point else None,
                "lon": self.point[1] if self.point else None}  # fmt: skip


def from_near(near: NearMe) -> Place | None:
    """The place of a resolved near-me box."""
    if near.point is None or near.place is None:
        return None
    found = near.place
    lads = (found.lad_code,) if found.lad_code else ()
    return Place(found.label, found.kind, near.point, lads, found.region, False)


def from_words(understood: PlaceUnderstood | None) -> Place | None:
    """The place read from the search words."""
    if understood is None:
        return None
    return Place(understood.label, understood.kind, understood.point, understood.lads,
                 understood.region, True)  # fmt: skip
