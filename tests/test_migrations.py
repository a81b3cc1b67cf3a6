"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from directory.extensions import db


def test_migrated_schema_matches_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_migrations_run_down_and_up_again(empty_app):
    db.drop_all()
    upgrade()
    assert "listing" in inspect(db.engine).get_table_names()
    downgrade(revision="base")
    assert "listing" not in inspect(db.engine).get_table_names()
    upgrade()
    assert "search_outbox" in inspect(db.engine).get_table_names()
