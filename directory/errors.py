"""Rendered error pages, and JSON errors for the API."""

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)


def _wants_json() -> bool:
    """API clients get JSON errors; people get pages."""
    return request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    """Register the error handlers on the app."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if _wants_json():
            return jsonify(error=error.name, message=error.description), error.code
        template = "errors/404.html" if error.code == 404 else "errors/error.html"
        return render_template(template, error=error), error.code

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        log.exception("unhandled error", extra={"path": request.path})
        failure = InternalServerError()
        if _wants_json():
            return jsonify(error=failure.name, message="Something went wrong on our side."), 500
        return render_template("errors/500.html"), 500
