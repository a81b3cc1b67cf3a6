"""Configuration: every setting the code reads is declared in config.py and read from the
environment."""

import re
from pathlib import Path

from sqlalchemy import func, select

from directory.config import from_environment
from directory.demand.models import DemandEvent
from directory.extensions import db
from tests.conftest import make_app, seeded_copy

ROOT = Path(__file__).resolve().parent.parent
# Keys Flask and its extensions define for themselves, set in create_app or by tests.
FRAMEWORK_KEYS = {"TESTING", "SERVER_NAME", "SQLALCHEMY_ENGINE_OPTIONS", "DEBUG"}
READ = re.compile(r"""config(?:\.get\(|\[)\s*["']([A-Z][A-Z0-9_]+)["']""")


def test_every_setting_the_code_reads_is_declared(tmp_path, monkeypatch):
    monkeypatch.delenv("DIRECTORY_ENV", raising=False)
    declared = set(from_environment(tmp_path))
    read = {
        key
        for path in (ROOT / "directory").rglob("*.py")
        for key in READ.findall(path.read_text(encoding="utf-8"))
    }
    assert read, "the pattern finds the settings the code reads"
    assert read - declared - FRAMEWORK_KEYS == set()


def test_settings_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DEMAND_RECORDING", "off")
    monkeypatch.setenv("MAIL_SMTP_STARTTLS", "0")
    monkeypatch.setenv("QUESTIONNAIRE_PATH", "/elsewhere/questions.yaml")
    config = from_environment(tmp_path)
    assert config["DEMAND_RECORDING"] == "off"
    assert config["MAIL_SMTP_STARTTLS"] is False
    assert config["QUESTIONNAIRE_PATH"] == "/elsewhere/questions.yaml"


def test_demand_recording_off_in_the_environment_records_nothing(
    databases, catalogue_template, tmp_path, monkeypatch
):
    monkeypatch.setenv("DEMAND_RECORDING", "off")
    url, index = seeded_copy(databases, catalogue_template, tmp_path)
    app = make_app(url, index)
    try:
        with app.app_context():
            assert app.test_client().get("/search?q=grant").status_code == 200
            assert db.session.scalar(select(func.count()).select_from(DemandEvent)) == 0
            db.session.remove()
            db.engine.dispose()
    finally:
        app.extensions["search_index"].close()
        databases.drop(url)
