"""One choke point for request input, and the shared readers of numbers and lengths.

Every request passes `check_request` before any view runs: an address that is too long, a
parameter repeated too often, a value too long, or a control character (NUL and friends) gets a
400 that names the problem, so no view, form or database driver ever sees them. Numbers are
read only from ASCII digits, and text lengths come from the model columns they are stored in.
"""

from __future__ import annotations

import re
from contextlib import nullcontext
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, request
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import InstrumentedAttribute
from wtforms import StringField

from directory.i18n import ENGLISH, number

# The whole address (path and query string). Browsers and proxies cope with 8 kB; ours are far
# shorter, and a search URL with every filter value of every taxonomy is about 1.5 kB.
MAX_URL_CHARS = 4096
# Values of one query-string parameter: more than any taxonomy has terms.
MAX_VALUES_PER_PARAMETER = 20
# All query-string values together.
MAX_QUERY_VALUES = 60
# One query-string value (the search box takes 500; the rest is headroom for the API).
MAX_QUERY_VALUE_CHARS = 2000
# Whole numbers are read from at most this many digits: enough for any page, amount or radius.
MAX_DIGITS = 12

# C0 controls and DEL. Form fields may hold line breaks and tabs; addresses may hold none.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_FORM_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class InputProblem(ValueError):
    """A request value that cannot be used, with the message a person reads."""


def check_request() -> None:
    """Refuse, with a 400 naming the problem, input that no route can use."""
    # A person reads the problem in the page's language; the API's JSON errors stay in English.
    with force_locale(ENGLISH) if request.path.startswith("/api/") else nullcontext():
        problem = request_problem()
    if problem:
        abort(400, description=problem)


def request_problem() -> str | None:
    """The first thing wrong with the request's address or form, or None."""
    raw_query = request.query_string.decode("latin-1")
    if len(request.path) + len(raw_query) > MAX_URL_CHARS:
        return _(
            "The web address is longer than %(limit)s characters.", limit=number(MAX_URL_CHARS)
        )
    if _CONTROL.search(request.path):
        return _("The web address contains a control character.")
    total = 0
    for name in request.args:
        values = request.args.getlist(name)
        total += len(values)
        label = _label(name)
        if len(values) > MAX_VALUES_PER_PARAMETER:
            return _(
                "%(name)s is given more than %(limit)s times.",
                name=label,
                limit=MAX_VALUES_PER_PARAMETER,
            )
        for value in (name, *values):
            if _CONTROL.search(value):
                return _("%(name)s contains a control character.", name=label)
            if len(value) > MAX_QUERY_VALUE_CHARS:
                return _(
                    "%(name)s is longer than %(limit)s characters.",
                    name=label,
                    limit=number(MAX_QUERY_VALUE_CHARS),
                )
    if total > MAX_QUERY_VALUES:
        return _("The web address has more than %(limit)s values.", limit=MAX_QUERY_VALUES)
    if request.method == "POST" and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        for name in request.form:
            for value in (name, *request.form.getlist(name)):
                if _FORM_CONTROL.search(value):
                    return _(
                        "The form field %(name)s contains a control character.",
                        name=_label(name),
                    )
    return None


def _label(name: str) -> str:
    """A parameter's name fit to show back: printable and short."""
    return "‘" + _CONTROL.sub("", name)[:40] + "’"


def whole_number(text: str | None, name: str, minimum: int = 0, maximum: int | None = None) -> int:
    """Read a whole number written in ASCII digits ("²" and "①" are not numbers here)."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > MAX_DIGITS:
        raise InputProblem(f"{name} must be a whole number")
    value = int(text)
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" to {maximum:,}" if maximum is not None else " or more"
        raise InputProblem(f"{name} must be a whole number from {minimum:,}{upper}")
    return value


def is_whole_number(text: str | None) -> bool:
    """Whether text is a plain run of ASCII digits of a sensible length."""
    return bool(text and text.isascii() and text.isdigit() and len(text) <= MAX_DIGITS)


def column_length(attribute: InstrumentedAttribute[Any]) -> int:
    """The length limit of a model's string column."""
    length = getattr(attribute.property.columns[0].type, "length", None)
    if length is None:
        raise TypeError(f"{attribute} has no length limit")
    return length


def required_text(field: StringField) -> str:
    """The text of a field that has passed its InputRequired or DataRequired validator."""
    if field.data is None:
        raise ValueError(f"{field.name} is read before it was validated as required")
    return field.data


# Whole pounds: the database's integer columns hold up to 2,147,483,647.
MAX_AMOUNT = 2_000_000_000


def web_address_problem(url: str) -> str | None:
    """Why text cannot be stored as a link (only http and https are), or None."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return "is not a web address"
    if parts.scheme not in ("http", "https") or "." not in host or re.search(r"\s", url):
        return "must be a web address starting http:// or https://"
    return None


def init_app(app: Flask) -> None:
    """Check every request before its view runs."""
    app.before_request(check_request)
