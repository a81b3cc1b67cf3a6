"""Fixtures: a fresh app, database and search index for every test.

The real seed catalogue is loaded once per session into a template (an SQLite file, or a
PostgreSQL template database when TEST_DATABASE_URL is set) built through the migrations;
each test gets its own copy of that database and of the index.
"""

from __future__ import annotations

import itertools
import os
import shutil
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy import create_engine, text, update
from sqlalchemy.engine import make_url

from directory import create_app
from directory.config import database_url
from directory.extensions import db
from directory.search.models import SearchOutbox

ROOT = Path(__file__).resolve().parent.parent
# TEST_SEED_DATA_DIR lets a developer test against another copy of the catalogue.
SEED_DIR = Path(os.environ.get("TEST_SEED_DATA_DIR", ROOT / "seed_data"))
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
_counter = itertools.count()


class Databases:
    """Creates throwaway databases on SQLite files or on the PostgreSQL server under test."""

    def __init__(self, base: Path):
        self.base = base
        self.postgres = make_url(database_url(POSTGRES_URL)) if POSTGRES_URL else None
        self.prefix = f"{self.postgres.database}_{os.getpid()}" if self.postgres else ""

    def _admin(self, statement: str) -> None:
        """Run a statement that must be outside a transaction, on the server's own database."""
        engine = create_engine(self.postgres, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(statement))
        engine.dispose()

    def new(self, template: str | None = None) -> str:
        """Create an empty database, or a copy of a template; return its URL."""
        name = f"db{next(_counter)}"
        if self.postgres is None:
            path = self.base / f"{name}.sqlite3"
            if template:
                shutil.copyfile(make_url(template).database, path)
            return f"sqlite:///{path}"
        database = f"{self.prefix}_{name}"
        source = f" TEMPLATE {make_url(template).database} STRATEGY FILE_COPY" if template else ""
        self._admin(f'DROP DATABASE IF EXISTS "{database}"')
        self._admin(f'CREATE DATABASE "{database}"{source}')
        return self.postgres.set(database=database).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        """Remove a database made by new()."""
        if self.postgres is not None:
            self._admin(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


class SharedTemplateCache(BytecodeCache):
    """Compiled templates shared by every test app; each app would otherwise compile them again.

    Jinja keys a template by its name and a checksum of its source, so an edited template is
    compiled afresh."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        """Fill the bucket from an earlier app's compilation, if any."""
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        """Keep a compilation for the apps that follow."""
        self.compiled[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CACHE = SharedTemplateCache()


class FreshContextClient(FlaskClient):
    """A test client whose every request gets its own app context, as in a real server.

    Tests keep an app context open for their own database work; without this, requests would
    share its `g` (Flask-Login's cached user, Flask-WTF's CSRF token) and its database session.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def make_app(database: str, index_dir: Path, **overrides):
    """Create an app for tests on the given database and index directory."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database,
            "SEARCH_INDEX_DIR": str(index_dir),
            "SEED_DATA_DIR": str(SEED_DIR),
            "SERVER_NAME": "localhost",
            "BASE_URL": "http://localhost",
            "MAIL_OUTBOX_DIR": str(Path(index_dir).parent / "outbox"),
            "DEMAND_SALT_STORAGE": str(Path(index_dir).parent / "salts"),
            "DEMAND_SPOOL_DIR": str(Path(index_dir).parent / "spool"),
            # A database search with the index down takes about the whole 2 s a real request
            # gets on the 2-core test machine; tests of the fallback test its answers, and the
            # budget's own test sets it to nothing (test_hardening).
            "FALLBACK_BUDGET_SECONDS": 60.0,
            **overrides,
        }
    )
    app.test_client_class = FreshContextClient
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    return app


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    """argon2id at its cheapest parameters: the suite hashes and checks hundreds of passwords,
    and the service's own parameters (about 0.4 s a hash on the test machine) test nothing more."""
    from argon2 import PasswordHasher, profiles

    from directory.accounts import passwords

    cheap = PasswordHasher.from_parameters(profiles.CHEAPEST)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", cheap)
        patch.setattr(passwords, "_DUMMY_HASH", cheap.hash("not a real password"))
        yield


@pytest.fixture(scope="session", autouse=True)
def geo_lookup(tmp_path_factory):
    """A small postcode and place lookup (tests/geo_lookup.py), built once for every app."""
    from tests.geo_lookup import build_test_lookup

    path = build_test_lookup(tmp_path_factory.mktemp("geo") / "geo.sqlite3")
    previous = os.environ.get("GEO_LOOKUP_PATH")
    # Apps read it from the environment, so every app in the session uses this lookup.
    os.environ["GEO_LOOKUP_PATH"] = str(path)
    yield path
    if previous is None:
        os.environ.pop("GEO_LOOKUP_PATH", None)
    else:
        os.environ["GEO_LOOKUP_PATH"] = previous


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    """The factory of throwaway databases for this session."""
    return Databases(tmp_path_factory.mktemp("databases"))


@pytest.fixture(scope="session")
def catalogue_template(databases, tmp_path_factory):
    """A database migrated and seeded with the real catalogue, and its index, built once."""
    from flask_migrate import upgrade

    from directory.catalogue.seed import load_catalogue, read_catalogue
    from directory.search.indexing import rebuild_index

    url = databases.new()
    index_dir = tmp_path_factory.mktemp("template-index")
    app = make_app(url, index_dir)
    with app.app_context():
        upgrade()
        taxonomy = app.extensions["taxonomy"]
        load_catalogue(db.session, taxonomy, read_catalogue(SEED_DIR, taxonomy))
        db.session.commit()
        rebuild_index(str(index_dir))
        # The seed's outbox rows are older than the window `flask search sync` re-reads, so
        # syncs in tests apply only the changes the tests make, whenever they run.
        long_ago = datetime.now(UTC) - timedelta(days=1)
        db.session.execute(update(SearchOutbox).values(created_at=long_ago))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    app.extensions["search_index"].close()
    yield url, index_dir
    databases.drop(url)


def seeded_copy(databases, catalogue_template, folder: Path) -> tuple[str, Path]:
    """A new database copied from the seeded template, and a copy of its index in folder."""
    template_url, template_index = catalogue_template
    index_dir = folder / "index"
    shutil.copytree(template_index, index_dir, symlinks=True)
    return databases.new(template=template_url), index_dir


@contextmanager
def running_app(databases, url: str, index_dir: Path):
    """An app inside its context on a database made by `databases`, cleaned up afterwards."""
    app = make_app(url, index_dir)
    try:
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        app.extensions["search_index"].close()
        databases.drop(url)


@pytest.fixture
def app(databases, catalogue_template, tmp_path):
    """A fresh app with its own copy of the seeded database and index."""
    url, index_dir = seeded_copy(databases, catalogue_template, tmp_path)
    with running_app(databases, url, index_dir) as app:
        yield app


@pytest.fixture
def empty_app(databases, tmp_path):
    """A fresh app on an empty schema (taxonomy tables included), with no index yet."""
    from directory.catalogue.seed import load_taxonomy_tables

    with running_app(databases, databases.new(), tmp_path / "index") as app:
        db.create_all()
        load_taxonomy_tables(db.session, app.extensions["taxonomy"])
        db.session.commit()
        yield app


@pytest.fixture
def client(app):
    """A test client for the seeded app."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for the seeded app."""
    return app.test_cli_runner()


@pytest.fixture
def base_url(app):
    """The seeded app served on a real port, for browser tests (skips without Chromium)."""
    from tests.browser import require_chromium, serve

    require_chromium()
    with serve(app) as url:
        yield url


@pytest.fixture
def owner(app):
    """An owner approved to manage the organisation behind Start Up Loans, signed in."""
    from directory.accounts.services import find_user
    from directory.catalogue.ownership import Membership
    from tests.helpers import listing, signed_in

    client = signed_in(app, "owner@example.org", ("owner",))
    organisation = listing("start-up-loans").organisation
    user = find_user("owner@example.org")
    db.session.add(Membership(user_id=user.id, organisation_id=organisation.id, state="approved"))
    db.session.commit()
    return client, organisation


@pytest.fixture
def moderator(app):
    """A signed-in moderator."""
    from tests.helpers import signed_in

    return signed_in(app, "moderator@example.org", ("moderator",))
