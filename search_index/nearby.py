"""Near-me search: documents with a point within a radius, found through a bounding box.

Points are kept sorted by latitude, so a search bisects to the band of latitudes the radius
allows, drops points outside the band of longitudes, and only then measures distances with
geopy (great circle: within 0.5% of the geodesic distance, and much faster to compute).
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable

from geopy.distance import great_circle

KM_PER_DEGREE_LATITUDE = 111.2
MAX_RADIUS_KM = 500.0


class PointIndex:
    """Every document's points, sorted by latitude for bounding-box queries."""

    def __init__(self, points: Iterable[tuple[int, float, float]]) -> None:
        ordered = sorted((lat, lon, docnum) for docnum, lat, lon in points)
        self.lats = array("d", (lat for lat, _lon, _docnum in ordered))
        self.lons = array("d", (lon for _lat, lon, _docnum in ordered))
        self.docnums = array("l", (docnum for _lat, _lon, docnum in ordered))

    def __len__(self) -> int:
        return len(self.lats)

    def within(self, lat: float, lon: float, radius_km: float) -> dict[int, float]:
        """Docnum -> distance in km of its nearest point, for documents within the radius."""
        lat_span = radius_km / KM_PER_DEGREE_LATITUDE
        # Longitude degrees shrink towards the poles: use the widest span the band needs.
        widest = min(89.0, abs(lat) + lat_span)
        lon_span = lat_span / max(math.cos(math.radians(widest)), 1e-6)
        start = bisect_left(self.lats, lat - lat_span)
        stop = bisect_right(self.lats, lat + lat_span)
        origin = (lat, lon)
        found: dict[int, float] = {}
        lons, lats, docnums = self.lons, self.lats, self.docnums
        for position in range(start, stop):
            point_lon = lons[position]
            if abs(point_lon - lon) > lon_span:
                continue
            distance = great_circle(origin, (lats[position], point_lon)).km
            if distance <= radius_km:
                docnum = docnums[position]
                if docnum not in found or distance < found[docnum]:
                    found[docnum] = distance
        return found
