"""Geography, offline: postcodes, places, local authorities and regions.

`flask geo build` turns the ONS postcode directory into a compact SQLite lookup; `GeoLookup`
answers from it without loading it into memory. Nothing here calls the network.
"""

from flask import Flask

from directory.geo.lookup import Ambiguous, GeoError, GeoLookup, GeoResult, NotFound, Unavailable

__all__ = ["Ambiguous", "GeoError", "GeoLookup", "GeoResult", "NotFound", "Unavailable"]


def init_app(app: Flask) -> None:
    """Attach the lookup, opened lazily on first use, as app.extensions["geo"]."""
    app.extensions["geo"] = GeoLookup(app.config["GEO_LOOKUP_PATH"])
