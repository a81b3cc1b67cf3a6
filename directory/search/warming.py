"""Getting a worker ready before the first founder arrives, and safe to fork once it is."""

from __future__ import annotations

import logging
import os
import weakref

from flask import Flask, render_template

from directory.extensions import db
from directory.search.params import SearchParams
from directory.search.service import search_listings

log = logging.getLogger(__name__)

# Pages founders open most, compiled before the first of them is asked for.
BUSIEST_TEMPLATES = (
    "main/index.html",
    "catalogue/listing.html",
    "questionnaire/results.html",
    "errors/404.html",
)


def warm_up(app: Flask) -> None:
    """Open the index, compile the busiest templates and build the first page of results.

    Called by gunicorn.conf.py in the master (preload_app), before it forks its workers, which
    then start warm. A fork cannot share the
    master's open index files or database connections, so each child drops them and opens its
    own (its post_fork hook warms the index again straight away).
    """
    with app.test_request_context("/search"):
        try:
            app.extensions["search_index"].warm()
            for name in BUSIEST_TEMPLATES:
                app.jinja_env.get_template(name)
            # The page founders land on first: rendering it builds its cards (no demand event).
            outcome = search_listings(SearchParams())
            render_template("search/results.html", outcome=outcome, errors=[])
        except Exception:
            # An empty or unreachable database: requests will say so; the server still starts.
            log.exception("the app was not warmed before serving")
        finally:
            db.session.remove()
            db.engine.dispose()
    reference = weakref.ref(app)
    os.register_at_fork(after_in_child=lambda: _after_fork(reference))


def _after_fork(reference: weakref.ref[Flask]) -> None:
    """In a forked child: forget the parent's index files and connections (never close theirs)."""
    app = reference()
    if app is None:
        return
    app.extensions["search_index"].close()  # the child's copies only; it reopens on first use
    with app.app_context():
        db.engine.dispose(close=False)
