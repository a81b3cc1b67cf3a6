"""The Start-up Support Directory: a Flask application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from directory import config as configuration
from directory.extensions import db, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Create the application: configure, then bind extensions, blueprints, CLI and errors."""
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    configure(app, test_config)
    register_logging(app)
    register_security(app)
    register_extensions(app)
    register_blueprints(app)
    register_template_helpers(app)
    register_cli(app)
    register_errorhandlers(app)
    return app


def configure(app: Flask, test_config: dict | None) -> None:
    """Load configuration from the environment, or from the mapping tests pass in."""
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(configuration.from_environment(Path(app.instance_path)))
    if test_config:
        app.config.from_mapping(test_config)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})


def register_logging(app: Flask) -> None:
    """Log as JSON lines, with an access log that leaves out query strings."""
    from directory.logs import configure_logging

    configure_logging(app)


def register_security(app: Flask) -> None:
    """Send the security headers on every response."""
    from directory import security

    security.init_app(app)


def register_extensions(app: Flask) -> None:
    """Bind the database, migrations, the taxonomy and the search index to the app."""
    from directory.search import outbox  # noqa: F401  (registers the outbox listener)
    from directory.search.service import IndexHolder
    from directory.taxonomy import load_taxonomy

    db.init_app(app)
    # Batch mode lets Alembic alter tables on SQLite by copying them.
    migrate.init_app(
        app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True
    )
    app.extensions["taxonomy"] = load_taxonomy(
        Path(app.config["SEED_DATA_DIR"]) / "taxonomies.yaml"
    )
    app.extensions["search_index"] = IndexHolder(app.config["SEARCH_INDEX_DIR"])


def register_blueprints(app: Flask) -> None:
    """Attach one blueprint per domain."""
    from directory.api.views import blueprint as api
    from directory.catalogue.views import blueprint as catalogue
    from directory.main.views import blueprint as main
    from directory.search.views import blueprint as search

    for blueprint in (main, search, catalogue, api):
        app.register_blueprint(blueprint)


def register_template_helpers(app: Flask) -> None:
    """Make the taxonomy and small formatting helpers available to every template."""
    from directory import presentation

    presentation.init_app(app)


def register_cli(app: Flask) -> None:
    """Add the grouped CLI commands: seed, catalogue, search."""
    from directory.catalogue.cli import catalogue_cli, seed_cli
    from directory.search.cli import search_cli

    app.cli.add_command(seed_cli)
    app.cli.add_command(catalogue_cli)
    app.cli.add_command(search_cli)


def register_errorhandlers(app: Flask) -> None:
    """Render 404 and 500 pages (and JSON errors under /api/)."""
    from directory.errors import init_app

    init_app(app)
