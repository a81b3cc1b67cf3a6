"""Rendered error pages, and JSON errors for the API; faults of a dependency become 503s."""

import logging
from contextlib import suppress

from flask import Flask, Response, jsonify, render_template, request
from flask.globals import request_ctx
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

# Seconds a client is asked to wait after a 503: a lock or a restart usually clears by then.
RETRY_AFTER = 30


class TemporarilyUnavailable(Exception):
    """A part the request needs is down or overloaded; the answer is a 503, not a 500."""

    def __init__(self, message: str, retry_after: int = RETRY_AFTER) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def _wants_json() -> bool:
    """API clients get JSON errors; people get pages."""
    return request.path.startswith("/api/")


def unavailable_response(message: str, retry_after: int = RETRY_AFTER) -> ResponseReturnValue:
    """A 503 with Retry-After, as a page or JSON; it touches no database."""
    body: Response | str
    if _wants_json():
        body = jsonify(error="Service Unavailable", message=message)
    else:
        body = render_template("errors/unavailable.html", message=message)
    return body, 503, {"Retry-After": str(retry_after)}


def _is_database_fault(error: DBAPIError) -> bool:
    """Locked, read-only, unreachable or restarting databases, not mistakes in our queries."""
    if isinstance(error, OperationalError) or error.connection_invalidated:
        return True
    text = str(getattr(error, "orig", error)).lower()
    return any(
        marker in text
        for marker in ("read-only", "readonly", "locked", "could not connect", "terminating")
    )


def init_app(app: Flask) -> None:
    """Register the error handlers on the app."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        # Flask hands an HTTPException without a code (a proxy's) back without calling this.
        status = error.code or 500
        if request_ctx.url_adapter is None:
            # The Host header is not one of TRUSTED_HOSTS: no URL can be built for it at all.
            return (
                f"{status} {error.name}: {error.description}\n",
                status,
                {"Content-Type": "text/plain; charset=utf-8"},
            )
        if _wants_json():
            return jsonify(error=error.name, message=error.description), status
        template = "errors/404.html" if status == 404 else "errors/error.html"
        return render_template(template, error=error), status

    @app.errorhandler(TemporarilyUnavailable)
    def part_unavailable(error: TemporarilyUnavailable) -> ResponseReturnValue:
        log.warning("answered 503", extra={"path": request.path, "reason": error.message})
        return unavailable_response(error.message, error.retry_after)

    @app.errorhandler(PoolTimeout)
    @app.errorhandler(DBAPIError)
    def database_fault(error: Exception) -> ResponseReturnValue:
        from directory.extensions import db

        # The session's transaction is unusable now; a broken connection may fail even this.
        with suppress(Exception):
            db.session.rollback()
        if isinstance(error, DBAPIError) and not _is_database_fault(error):
            return unexpected_error(error)
        log.warning("database unavailable", extra={"path": request.path, "error": str(error)[:200]})
        unsaved = " What you sent has not been saved." if request.method == "POST" else ""
        return unavailable_response(
            f"The service cannot reach its database just now.{unsaved} Please try again in a "
            "minute."
        )

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> ResponseReturnValue:
        log.exception("unhandled error", extra={"path": request.path})
        failure = InternalServerError()
        if _wants_json():
            return jsonify(error=failure.name, message="Something went wrong on our side."), 500
        return render_template("errors/500.html"), 500
