"""Faults injected into the parts the service leans on: what a founder sees, and what is kept.

Index gone or corrupt, database locked, read-only or unreachable, Redis down, a worker killed
mid-request or stopped gracefully. None of them may turn into a 500.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from directory.demand.models import DemandEvent
from directory.extensions import db
from tests.conftest import POSTGRES_URL, ROOT, make_app, seeded_copy
from tests.helpers import PASSWORD, make_user, page_text, sign_in


@contextmanager
def app_on_copy(databases, catalogue_template, folder: Path, url_change=None, **config):
    """An app on its own copy of the seeded database, with extra settings; cleaned up after."""
    url, index = seeded_copy(databases, catalogue_template, folder)
    app_url = url_change(url) if url_change else url
    app = make_app(app_url, index, **config)
    try:
        with app.app_context():
            yield app, url
            db.session.remove()
            db.engine.dispose()
    finally:
        app.extensions["search_index"].close()
        databases.drop(url)


# --- the search index --------------------------------------------------------------------------


def test_with_the_index_gone_search_falls_back_and_says_so(app, client):
    import shutil

    app.extensions["search_index"].close()
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"])
    page = client.get("/search?q=loan")
    assert page.status_code == 200
    assert "simpler mode" in page_text(page.get_data(as_text=True))
    assert client.get("/api/v1/search?q=loan").get_json()["degraded"] is True


def test_with_the_index_corrupt_search_falls_back_and_says_so(app, client):
    assert client.get("/search?q=loan").status_code == 200  # opened while it was whole
    app.extensions["search_index"].close()
    generation = Path(app.config["SEARCH_INDEX_DIR"]) / "current"
    for path in generation.resolve().iterdir():
        if path.suffix in (".seg", ".toc"):
            path.write_bytes(b"\x00garbage" * 64)
    page = client.get("/search?q=loan")
    assert page.status_code == 200
    assert "simpler mode" in page_text(page.get_data(as_text=True))


# --- the database ------------------------------------------------------------------------------


@contextmanager
def lock_held_elsewhere(url: str):
    """Another connection holds a write lock: the whole file on SQLite, accounts on PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        connection = sqlite3.connect(parsed.database, isolation_level=None)
        connection.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    engine = create_engine(url)
    with engine.connect() as connection:
        transaction = connection.begin()
        connection.execute(text("LOCK TABLE user_account IN ACCESS EXCLUSIVE MODE"))
        try:
            yield
        finally:
            transaction.rollback()
    engine.dispose()


def test_a_locked_database_gives_a_503_with_retry_after_not_a_500(
    databases, catalogue_template, tmp_path
):
    with app_on_copy(databases, catalogue_template, tmp_path, DATABASE_LOCK_TIMEOUT_MS=200) as (
        app,
        url,
    ):
        make_user("owner@example.org")
        client = app.test_client()
        login_page = client.get("/account/login")
        assert login_page.status_code == 200
        with lock_held_elsewhere(url):
            signing_in = sign_in(client, "owner@example.org")
            # Searching only reads: it goes on while the write lock is held elsewhere.
            searching = client.get("/search?q=loan")
        assert signing_in.status_code == 503 and signing_in.headers["Retry-After"]
        assert "cannot reach its database" in page_text(signing_in.get_data(as_text=True))
        assert searching.status_code == 200
        # Once the lock is gone, everything works again.
        assert sign_in(client, "owner@example.org").status_code == 302


def read_only(url: str) -> str:
    """The same database, opened so that every write is refused."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"sqlite:///file:{parsed.database}?mode=ro&uri=true"
    return url


def test_a_read_only_database_serves_searches_and_refuses_writes_with_a_503(
    databases, catalogue_template, tmp_path
):
    url, index = seeded_copy(databases, catalogue_template, tmp_path)
    writer = make_app(url, index)
    with writer.app_context():
        make_user("owner@example.org")
        db.engine.dispose()
    options = {}
    if POSTGRES_URL:
        options = {"connect_args": {"options": "-c default_transaction_read_only=on"}}
    app = make_app(read_only(url), index, SQLALCHEMY_ENGINE_OPTIONS=options)
    try:
        client = app.test_client()
        assert client.get("/search?q=loan").status_code == 200
        assert client.get("/api/v1/search?q=loan").status_code == 200
        response = sign_in(client, "owner@example.org")
        assert response.status_code == 503
        assert "not been saved" in page_text(response.get_data(as_text=True))
    finally:
        with app.app_context():
            db.engine.dispose()
        app.extensions["search_index"].close()
        databases.drop(url)


def test_the_app_refuses_to_start_without_its_database(tmp_path):
    unreachable = (
        "postgresql+psycopg://root@127.0.0.1:1/nowhere"
        if POSTGRES_URL
        else f"sqlite:///{tmp_path}/missing-folder/db.sqlite3"
    )
    with pytest.raises(RuntimeError, match="cannot reach the database"):
        make_app(unreachable, tmp_path / "index")


def test_a_database_lost_mid_service_gives_503s_on_pages_and_the_api(app, client, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def gone(*args, **kwargs):
        raise OperationalError("SELECT", {}, Exception("could not connect to server"))

    monkeypatch.setattr(db.session, "scalars", gone)
    monkeypatch.setattr(db.session, "execute", gone)
    page = client.get("/listings/start-up-loans")
    assert page.status_code == 503 and page.headers["Retry-After"]
    api = client.get("/api/v1/listings/start-up-loans")
    assert api.status_code == 503 and "database" in api.get_json()["message"]


# --- Redis -------------------------------------------------------------------------------------


def test_with_redis_down_sign_in_works_and_the_limiter_says_it_fell_back(
    databases, catalogue_template, tmp_path, caplog
):
    caplog.set_level(logging.WARNING)
    with app_on_copy(
        databases, catalogue_template, tmp_path, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1"
    ) as (app, _url):
        make_user("owner@example.org")
        client = app.test_client()
        response = sign_in(client, "owner@example.org")
        assert response.status_code == 302
        assert "falling back to in-memory storage" in caplog.text


# --- workers stopped or killed -----------------------------------------------------------------

KILLED_WORKER = """
import os, signal, sys
sys.path.insert(0, {root!r})
from tests.conftest import make_app
from directory.demand import recording
from datetime import date
app = make_app({url!r}, {index!r}, DEMAND_RECORDING="background", DEMAND_BATCH_SECONDS=600,
               DEMAND_SPOOL_DIR={spool!r}, DEMAND_SALT_STORAGE={salts!r})
recorder = app.extensions["demand_recorder"]
for number in range(7):
    recorder.record(recording.EventDraft("search_page", date.today(), 9, f"10.0.{{number}}.0/24",
                                         query="killed"))
print("queued", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_events_of_a_killed_worker_are_recovered_by_the_next_and_logged(app, caplog, tmp_path):
    caplog.set_level(logging.WARNING)
    script = KILLED_WORKER.format(
        root=str(ROOT),
        url=app.config["SQLALCHEMY_DATABASE_URI"],
        index=app.config["SEARCH_INDEX_DIR"],
        spool=app.config["DEMAND_SPOOL_DIR"],
        salts=app.config["DEMAND_SALT_STORAGE"],
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert run.returncode == -signal.SIGKILL and "queued" in run.stdout, run.stderr[-2000:]
    assert db.session.scalar(select(func.count()).select_from(DemandEvent)) == 0
    # The next worker to record anything picks up what the killed one left.
    from directory.demand.recording import Recorder

    recorder = Recorder(app, "background", app.config["DEMAND_SPOOL_DIR"], batch_seconds=0.05)
    recorder._ensure_thread()
    recorder.flush()
    recorder.close()
    killed = db.session.scalars(select(DemandEvent).where(DemandEvent.query == "killed")).all()
    assert len(killed) == 7
    assert "recovered demand events from a worker that was killed" in caplog.text
    assert not list(Path(app.config["DEMAND_SPOOL_DIR"]).glob("*.jsonl"))[1:]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_worker_stopped_with_sigterm_writes_every_event_it_held(app, tmp_path):
    """Gunicorn's graceful stop: every search answered is recorded, none lost."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"],
        "DEMAND_SALT_STORAGE": app.config["DEMAND_SALT_STORAGE"],
        "DEMAND_SPOOL_DIR": app.config["DEMAND_SPOOL_DIR"],
        "DEMAND_RECORDING": "background",
        # Hold every event in memory until the stop: the stop alone must write them.
        "DEMAND_BATCH_SECONDS": "600",
        "SECRET_KEY": "test-secret",
        "BASE_URL": f"http://127.0.0.1:{port}",
    }
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
         "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        import urllib.request

        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)  # noqa: S310
                break
            except OSError:
                time.sleep(0.1)
        for number in range(40):
            with urllib.request.urlopen(  # noqa: S310
                f"http://127.0.0.1:{port}/search?q=sigterm{number % 3}", timeout=10
            ) as response:
                assert response.status == 200
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    rows = db.session.scalars(select(DemandEvent).where(DemandEvent.query.like("sigterm%"))).all()
    assert len({row.event_id for row in rows}) == 40


def test_a_locked_database_delays_demand_events_but_loses_none(
    databases, catalogue_template, tmp_path
):
    from directory.demand import recording
    from directory.demand.service import today

    with app_on_copy(databases, catalogue_template, tmp_path, DATABASE_LOCK_TIMEOUT_MS=100) as (
        app,
        url,
    ):
        recorder = recording.Recorder(app, "background", None, batch_seconds=0.05)
        if not POSTGRES_URL:
            with lock_held_elsewhere(url):
                for number in range(5):
                    recorder.record(
                        recording.EventDraft(
                            "search_page", today(), 9, f"10.{number}.0.0/24", query="locked"
                        )  # fmt: skip
                    )
                time.sleep(0.5)  # the writer tries, is refused, and holds on to them
        else:
            for number in range(5):
                recorder.record(
                    recording.EventDraft(
                        "search_page", today(), 9, f"10.{number}.0.0/24", query="locked"
                    )  # fmt: skip
                )
        recorder.flush(timeout=20)
        recorder.close()
        rows = db.session.scalars(select(DemandEvent).where(DemandEvent.query == "locked")).all()
        assert len(rows) == 5


def test_sign_in_still_needs_the_right_password_after_faults(app, client):
    make_user("owner@example.org")
    assert sign_in(client, "owner@example.org", "wrong " + PASSWORD).status_code == 200
    assert sign_in(client, "owner@example.org").status_code == 302
