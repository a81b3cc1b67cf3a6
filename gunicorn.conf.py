"""gunicorn's settings for this service (gunicorn reads ./gunicorn.conf.py): `gunicorn wsgi:app`."""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# A request gets 30 s (a 5 MB catalogue import takes about 5); a stop lets requests finish
# and each worker's demand writer write what it holds.
timeout = 30
graceful_timeout = 20
# Load and warm the app once in the master, then fork: every worker answers its first request
# at once instead of importing and opening the index while a founder waits.
preload_app = True


def _directory_app(application):
    """The service's Flask app, or None for any other app served with these settings."""
    app = application.wsgi()
    return app if "search_index" in getattr(app, "extensions", {}) else None


def when_ready(server):
    """In the master, before any worker is forked: warm the app (directory/search/warming.py)."""
    app = _directory_app(server.app)
    if app is not None:
        from directory.search.warming import warm_up

        warm_up(app)


def post_fork(server, worker):
    """In each worker: open its own index and build its caches before it takes a request."""
    app = _directory_app(worker.app)
    if app is not None:
        app.extensions["search_index"].warm()
