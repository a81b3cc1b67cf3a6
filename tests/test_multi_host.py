"""Two hosts, one PostgreSQL and one Redis: each host serves from its own index, kept up to date
by its own `flask search sync --follow`; an edit on one shows in the other's search within 5 s,
and sessions and rate limits hold across both (docs/operations.md, "Production layout")."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from directory.catalogue.ownership import Membership
from directory.extensions import db
from tests.conftest import POSTGRES_URL, ROOT, make_app, seeded_copy
from tests.helpers import PASSWORD, listing, make_user, unavailable

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
EDIT_REACHES_OTHER_HOST_SECONDS = 5.0


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def started(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    """A process of the project, its output in a log file for when the test fails."""
    with log.open("w") as handle:  # the child keeps its own copy of the file
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)


def wait_for(url: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not come up")


def csrf_token(client: httpx.Client, url: str) -> str:
    return CSRF.search(client.get(url).text).group(1)


@pytest.fixture
def two_hosts(databases, catalogue_template, tmp_path):
    """Two app hosts with their own indexes and indexers on one PostgreSQL and one Redis."""
    if not POSTGRES_URL:
        pytest.skip("several hosts share one PostgreSQL: run with TEST_DATABASE_URL")
    import redis

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379").ping()
    except redis.exceptions.ConnectionError:
        unavailable("REQUIRE_REDIS", "no Redis on 127.0.0.1:6379")
    url, index = seeded_copy(databases, catalogue_template, tmp_path)
    app = make_app(url, index)
    with app.app_context():
        owner = make_user("owner@example.org", roles=("owner",))
        organisation = listing("start-up-loans").organisation
        db.session.add(Membership(user_id=owner.id, organisation_id=organisation.id,
                                  state="approved"))  # fmt: skip
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    app.extensions["search_index"].close()
    prefix = f"hosts-{uuid.uuid4().hex}"
    hosts = []
    with ExitStack() as stack:
        for name in ("a", "b"):
            folder = tmp_path / name
            shutil.copytree(index, folder / "index", symlinks=True)
            env = {
                **os.environ,
                "DATABASE_URL": url,
                "SEARCH_INDEX_DIR": str(folder / "index"),
                "SECRET_KEY": "shared-by-every-host",
                "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
                "RATELIMIT_KEY_PREFIX": prefix,
                "RATELIMIT_LOGIN": "4/minute",
                # Production: the indexer applies edits, not the request that made them.
                "SEARCH_SYNC_AFTER_EDIT": "0",
                "SESSION_COOKIE_SECURE": "0",
                "MAIL_OUTBOX_DIR": str(folder / "outbox"),
                "DEMAND_SALT_STORAGE": str(folder / "salts"),
                "DEMAND_SPOOL_DIR": str(folder / "spool"),
                "INSTANCE_PATH": str(folder / "instance"),
            }
            port = free_port()
            web = started([sys.executable, "-m", "gunicorn", "--workers", "1", "--bind",
                           f"127.0.0.1:{port}", "wsgi:app"], env, folder / "web.log")  # fmt: skip
            indexer = started(
                [sys.executable, "-m", "flask", "--app", "wsgi", "search", "sync", "--follow",
                 "--interval", "0.5"], env, folder / "indexer.log",
            )  # fmt: skip
            for process in (web, indexer):
                stack.callback(process.wait, 30)
                stack.callback(process.terminate)
            hosts.append(f"http://127.0.0.1:{port}")
        for host in hosts:
            wait_for(host + "/")
        yield hosts
    databases.drop(url)


def test_an_edit_on_one_host_shows_on_the_other_and_sessions_and_limits_are_shared(two_hosts):
    first, second = two_hosts
    with httpx.Client(timeout=10) as browser:  # one browser: its cookie goes to both hosts
        sign_in = {"email": "owner@example.org", "password": PASSWORD}
        token = csrf_token(browser, first + "/account/login")
        response = browser.post(first + "/account/login", data={"csrf_token": token, **sign_in})
        assert response.status_code == 302
        # The session made on one host is good on the other.
        assert browser.get(second + "/manage/").status_code == 200

        edit = "/manage/listings/start-up-loans/edit"
        form = browser.get(first + edit).text
        fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form))
        fields.update(re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', form))
        fields.update(summary="Loans for bilbyesque founders.", csrf_token=CSRF.search(form)[1])
        data: dict[str, str | list[str]] = {k: html.unescape(v) for k, v in fields.items()}
        for name in ("support_types", "stages", "sectors", "regions"):
            data[name] = re.findall(rf'name="{name}"[^>]*value="([^"]+)"[^>]*checked', form)
        status = re.search(r'name="application_status".*?<option value="(\w+)" selected', form,
                           re.S)  # fmt: skip
        data["application_status"] = status.group(1)
        response = browser.post(first + edit, data=data)
        assert response.status_code == 302, re.findall(
            r"error-message[^>]*>(.*?)</p>", response.text, re.S
        )

        deadline = time.monotonic() + EDIT_REACHES_OTHER_HOST_SECONDS
        found = 0
        while time.monotonic() < deadline and not found:
            found = httpx.get(second + "/api/v1/search", params={"q": "bilbyesque"}).json()["total"]
            time.sleep(0.2)
        assert found == 1, "the edit did not reach the other host's search within 5 s"

    # Sign-in attempts count across both hosts: once one host refuses, so does the other.
    def attempt(client: httpx.Client, host: str) -> int:
        token = csrf_token(client, host + "/account/login")
        wrong = {"csrf_token": token, "email": "nobody@example.org", "password": "wrong"}
        return client.post(host + "/account/login", data=wrong).status_code

    with httpx.Client(timeout=10) as stranger:
        statuses = [attempt(stranger, first) for _ in range(6)]
        assert statuses[0] == 200 and 429 in statuses, statuses
        assert attempt(stranger, second) == 429
