"""Rendered error pages, and JSON errors for the API; faults of a dependency become 503s."""

import logging
from contextlib import suppress

from flask import Flask, Response, jsonify, render_template, request
from flask.globals import request_ctx
from flask.typing import ResponseReturnValue
from flask_babel import LazyString, force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError, TooManyRequests

from directory.i18n import ENGLISH, in_welsh

log = logging.getLogger(__name__)

# Seconds a client is asked to wait after a 503: a lock or a restart usually clears by then.
RETRY_AFTER = 30


class TemporarilyUnavailable(Exception):
    """A part the request needs is down or overloaded; the answer is a 503, not a 500.

    The message may be a lazy_gettext string: the page shows it in the page's language, the
    API's JSON and the log in English.
    """

    def __init__(self, message: str | LazyString, retry_after: int = RETRY_AFTER) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


# Werkzeug's own name and description of each error a person may meet, to be shown in Welsh
# (the msgids copy Werkzeug's English; English pages keep Werkzeug's text as it is).
ERROR_NAMES = {
    400: _l("Bad Request"),
    401: _l("Unauthorized"),
    403: _l("Forbidden"),
    404: _l("Not Found"),
    405: _l("Method Not Allowed"),
    406: _l("Not Acceptable"),
    409: _l("Conflict"),
    410: _l("Gone"),
    413: _l("Request Entity Too Large"),
    414: _l("Request URI Too Large"),
    415: _l("Unsupported Media Type"),
    422: _l("Unprocessable Entity"),
    429: _l("Too Many Requests"),
    431: _l("Request Header Fields Too Large"),
    500: _l("Internal Server Error"),
    503: _l("Service Unavailable"),
}
ERROR_DESCRIPTIONS = {
    400: _l("The browser (or proxy) sent a request that this server could not understand."),
    401: _l(
        "The server could not verify that you are authorized to access the URL requested. You "
        "either supplied the wrong credentials (e.g. a bad password), or your browser doesn't "
        "understand how to supply the credentials required."
    ),
    403: _l(
        "You don't have the permission to access the requested resource. It is either "
        "read-protected or not readable by the server."
    ),
    405: _l("The method is not allowed for the requested URL."),
    406: _l(
        "The resource identified by the request is only capable of generating response entities "
        "which have content characteristics not acceptable according to the accept headers sent "
        "in the request."
    ),
    409: _l(
        "A conflict happened while processing the request. The resource might have been modified "
        "while the request was being processed."
    ),
    410: _l(
        "The requested URL is no longer available on this server and there is no forwarding "
        "address. If you followed a link from a foreign page, please contact the author of this "
        "page."
    ),
    413: _l("The data value transmitted exceeds the capacity limit."),
    414: _l(
        "The length of the requested URL exceeds the capacity limit for this server. The request "
        "cannot be processed."
    ),
    415: _l("The server does not support the media type transmitted in the request."),
    422: _l("The request was well-formed but was unable to be followed due to semantic errors."),
    429: _l("This user has exceeded an allotted request count. Try again later."),
    431: _l("One or more header fields exceeds the maximum size."),
    500: _l(
        "The server encountered an internal error and was unable to complete your request. "
        "Either the server is overloaded or there is an error in the application."
    ),
    503: _l(
        "The server is temporarily unable to service your request due to maintenance downtime "
        "or capacity problems. Please try again later."
    ),
}


def wants_json() -> bool:
    """API clients get JSON errors (always in English); people get pages."""
    return request.path.startswith("/api/")


def error_text(error: HTTPException, status: int) -> tuple[str, str]:
    """An error's name and description for its page, in the page's language.

    English pages show Werkzeug's (or the raiser's) words unchanged. Welsh pages show the
    Welsh for Werkzeug's standard words; a description written by our own code (a 400 naming
    bad input) is already in the page's language, so it is kept.
    """
    name, description = error.name, error.description or ""
    if not in_welsh():
        return name, description
    if status in ERROR_NAMES:
        name = str(ERROR_NAMES[status])
    if isinstance(error, CSRFError):
        # Flask-WTF's reasons ("The CSRF token is missing.") are for developers.
        description = _(
            "The form could not be checked, perhaps because it was open for too long. Go back, "
            "reload the page and try again."
        )
    elif status in ERROR_DESCRIPTIONS and (
        # Werkzeug's own words; a rate limit's description is the limit ("10 per 1 minute").
        isinstance(error, TooManyRequests) or vars(error).get("description") is None
    ):
        description = str(ERROR_DESCRIPTIONS[status])
    return name, description


def in_english(message: str | LazyString) -> str:
    """A message (perhaps a lazy_gettext string) as English text, for JSON and logs."""
    with force_locale(ENGLISH):
        return str(message)


def unavailable_response(
    message: str | LazyString, retry_after: int = RETRY_AFTER
) -> ResponseReturnValue:
    """A 503 with Retry-After, as a page or JSON; it touches no database."""
    body: Response | str
    if wants_json():
        body = jsonify(error="Service Unavailable", message=in_english(message))
    else:
        body = render_template("errors/unavailable.html", message=str(message))
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
        if wants_json():
            return jsonify(error=error.name, message=error.description), status
        template = "errors/404.html" if status == 404 else "errors/error.html"
        name, description = error_text(error, status)
        return render_template(template, error=error, name=name, description=description), status

    @app.errorhandler(TemporarilyUnavailable)
    def part_unavailable(error: TemporarilyUnavailable) -> ResponseReturnValue:
        log.warning(
            "answered 503", extra={"path": request.path, "reason": in_english(error.message)}
        )
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
        if request.method == "POST":
            message = _l(
                "The service cannot reach its database just now. What you sent has not been "
                "saved. Please try again in a minute."
            )
        else:
            message = _l(
                "The service cannot reach its database just now. Please try again in a minute."
            )
        return unavailable_response(message)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> ResponseReturnValue:
        log.exception("unhandled error", extra={"path": request.path})
        failure = InternalServerError()
        if wants_json():
            return jsonify(error=failure.name, message="Something went wrong on our side."), 500
        return render_template("errors/500.html"), 500
