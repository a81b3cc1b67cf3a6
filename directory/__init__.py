"""The Start-up Support Directory: a Flask application factory."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Config, Flask, has_request_context
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry
from werkzeug.middleware.proxy_fix import ProxyFix

from directory import config as configuration
from directory.extensions import csrf, db, limiter, login_manager, migrate

PACKAGE_ROOT = Path(__file__).resolve().parent
# A checkout (pyproject.toml beside the package) keeps instance/ in the project; an installed
# package keeps it in the working directory, unless INSTANCE_PATH says where.
CHECKOUT_ROOT = PACKAGE_ROOT.parent if (PACKAGE_ROOT.parent / "pyproject.toml").is_file() else None


class DirectoryFlask(Flask):
    """Flask, with absolute links built on the configured BASE_URL instead of the Host header."""

    def url_for(self, endpoint: str, *, _external: bool | None = None, **values: Any) -> str:
        """Build a URL; an absolute one always starts with BASE_URL, in a request or not."""
        if not _external:
            return super().url_for(endpoint, _external=_external, **values)
        base = urlsplit(self.config["BASE_URL"])
        if has_request_context():
            # The path as this request's routing builds it (with any script root).
            path = super().url_for(endpoint, _external=False, **values)
            return f"{base.scheme}://{base.netloc}{path}"
        anchor = values.pop("_anchor", None)
        self.inject_url_defaults(endpoint, values)
        adapter = self.url_map.bind(base.netloc, url_scheme=base.scheme)
        url = adapter.build(endpoint, values, force_external=True)
        return f"{url}#{anchor}" if anchor else url


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create the application: configure, then bind extensions, blueprints, CLI and errors."""
    app = DirectoryFlask(
        __name__, instance_path=str(instance_path()), instance_relative_config=True
    )
    configure(app, test_config)
    register_proxies(app)
    register_logging(app)
    register_security(app)
    register_extensions(app)
    check_database(app)
    register_blueprints(app)
    register_template_helpers(app)
    register_cli(app)
    register_errorhandlers(app)
    return app


def instance_path() -> Path:
    """Where this installation keeps its own files (database, index, lookup, keys)."""
    if os.environ.get("INSTANCE_PATH"):
        return Path(os.environ["INSTANCE_PATH"]).resolve()
    return (CHECKOUT_ROOT or Path.cwd()) / "instance"


def configure(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    """Load configuration from the environment, or from the mapping tests pass in."""
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(configuration.from_environment(Path(app.instance_path)))
    if test_config:
        app.config.from_mapping(test_config)
    if app.debug and "SESSION_COOKIE_SECURE" not in os.environ:
        # A debug server is plain http on this machine: Secure cookies would never come back.
        app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = False
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config))


def engine_options(config: Config) -> dict[str, Any]:
    """Pool and driver settings: a lock held elsewhere makes a request wait briefly, then 503."""
    options: dict[str, Any] = {"pool_pre_ping": True}
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        wait = int(config["DATABASE_LOCK_TIMEOUT_MS"])
        options["connect_args"] = {"options": f"-c lock_timeout={wait}"}
    return options


def register_proxies(app: Flask) -> None:
    """Believe X-Forwarded-For and -Proto only from the configured number of proxies."""
    hops = app.config["PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def _sqlite_pragmas(wait_ms: int) -> Callable[[DBAPIConnection, ConnectionPoolEntry], None]:
    """WAL lets searches read while a write holds the lock; writers wait briefly, then a 503."""

    def on_connect(connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(wait_ms)}")
        cursor.close()

    return on_connect


def register_logging(app: Flask) -> None:
    """Log as JSON lines, with an access log that leaves out query strings."""
    from directory.logs import configure_logging

    configure_logging(app)


def register_security(app: Flask) -> None:
    """Refuse unusable input before any view runs, and send the security headers."""
    from directory import inputs, security

    inputs.init_app(app)
    security.init_app(app)


def check_database(app: Flask) -> None:
    """Refuse to start when the database cannot be reached, rather than serve 500s later."""
    from sqlalchemy import event, text
    from sqlalchemy.engine import make_url

    from directory.extensions import db

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            wait = app.config["DATABASE_LOCK_TIMEOUT_MS"]
            event.listen(db.engine, "connect", _sqlite_pragmas(wait))
        try:
            with db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as error:
            where = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string()
            raise RuntimeError(f"cannot reach the database at {where}: {error}") from error


def register_extensions(app: Flask) -> None:
    """Bind the database, migrations, the taxonomy and the search index to the app."""
    from flask_babel import lazy_gettext as _l

    from directory import geo, models, pages, transactions  # noqa: F401  (models: for the metadata and Alembic)
    from directory.accounts.services import load_session_user, session_identifier
    from directory.demand import recording as demand_recording
    from directory.search import outbox
    from directory.search.cards import CardCache
    from directory.search.indexing import ChangeWatch, IndexHolder, catalogue_version
    from directory.search.vocabulary import load_vocabulary
    from directory.taxonomy import load_taxonomy

    db.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    # Translated when flashed, in the language of the page that asked for a sign-in.
    login_manager.login_message = _l("Sign in to continue.")
    login_manager.localize_callback = str
    # "strong": a session whose address or browser changes is ended, not just marked fresh.
    login_manager.session_protection = "strong"
    login_manager._session_identifier_generator = session_identifier
    login_manager.user_loader(load_session_user)
    # Batch mode lets Alembic alter tables on SQLite by copying them.
    migrate.init_app(
        app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True
    )
    app.extensions["taxonomy"] = load_taxonomy(
        Path(app.config["SEED_DATA_DIR"]) / "taxonomies.yaml"
    )
    app.extensions["search_vocabulary"] = load_vocabulary(
        Path(app.config["SEARCH_VOCABULARY_PATH"]), app.extensions["taxonomy"]
    )
    app.extensions["search_index"] = IndexHolder(app.config["SEARCH_INDEX_DIR"])
    app.extensions["search_cards"] = CardCache()
    app.extensions["catalogue_changes"] = ChangeWatch()
    app.extensions["catalogue_version"] = catalogue_version
    pages.init_app(app, catalogue_version)
    transactions.init_app(app)
    outbox.init_app(app)
    geo.init_app(app)
    # Search, listing and questionnaire views all record demand, so the recorder is the app's.
    demand_recording.init_app(app)


def register_blueprints(app: Flask) -> None:
    """Attach one blueprint per domain."""
    from directory.accounts.views import blueprint as accounts
    from directory.admin.views import blueprint as admin
    from directory.alerts.views import blueprint as alerts
    from directory.api.views import blueprint as api
    from directory.api.views import reference as api_reference
    from directory.catalogue.views import blueprint as catalogue
    from directory.demand.views import blueprint as insights
    from directory.feedback.views import blueprint as feedback
    from directory.geo.views import blueprint as geo
    from directory.hsds.views import blueprint as hsds
    from directory.main.views import blueprint as main
    from directory.manage.views import blueprint as manage
    from directory.moderation.views import blueprint as moderation
    from directory.opendata.views import blueprint as opendata
    from directory.questionnaire.views import blueprint as questionnaire
    from directory.search.views import blueprint as search

    for blueprint in (main, search, questionnaire, catalogue, api, accounts, manage, moderation,
                      admin, geo, insights, feedback, opendata, api_reference, hsds,
                      alerts):  # fmt: skip
        app.register_blueprint(blueprint)
    # The JSON API changes nothing and takes no cookies' authority, so it needs no CSRF token.
    csrf.exempt(api)
    csrf.exempt(hsds)
    csrf.exempt(api_reference)
    csrf.exempt(geo)


def register_template_helpers(app: Flask) -> None:
    """Make the language, the taxonomy and small formatting helpers available to templates."""
    from directory import i18n, presentation

    i18n.init_app(app)
    presentation.init_app(app)


def register_cli(app: Flask) -> None:
    """Add the grouped CLI commands: seed, catalogue, search, users."""
    from directory.accounts.cli import users_cli
    from directory.alerts.cli import alerts_cli
    from directory.catalogue.cli import catalogue_cli, unplaced_command
    from directory.cli import seed_cli
    from directory.demand.cli import demand_cli
    from directory.geo.cli import geo_cli
    from directory.search.cli import search_cli

    geo_cli.add_command(unplaced_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(alerts_cli)
    app.cli.add_command(seed_cli)
    app.cli.add_command(catalogue_cli)
    app.cli.add_command(search_cli)
    app.cli.add_command(geo_cli)
    app.cli.add_command(demand_cli)


def register_errorhandlers(app: Flask) -> None:
    """Render 404 and 500 pages (and JSON errors under /api/)."""
    from directory.errors import init_app

    init_app(app)
