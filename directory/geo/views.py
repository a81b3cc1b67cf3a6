"""The geography API: what a postcode or place name resolves to."""

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from directory.geo.lookup import Ambiguous, NotFound, Unavailable

blueprint = Blueprint("geo", __name__, url_prefix="/api/v1/geo")


@blueprint.get("/<text>")
def lookup(text: str) -> ResponseReturnValue:
    """Resolve a postcode, sector, district, area or place; 300 lists the choices of a name."""
    try:
        result = current_app.extensions["geo"].resolve(text)
    except Ambiguous as ambiguous:
        return jsonify(
            query=ambiguous.query,
            kind="place",
            error="ambiguous",
            message=str(ambiguous),
            candidates=[candidate.as_dict() for candidate in ambiguous.candidates],
        ), 300
    except NotFound as error:
        return jsonify(query=text, error="not_found", message=str(error)), 404
    except Unavailable as error:
        return jsonify(query=text, error="unavailable", message=str(error)), 503
    return jsonify(result.as_dict())
