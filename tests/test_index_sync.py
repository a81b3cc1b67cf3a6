"""The outbox keeps the index in step; a failing index degrades search, never breaks it.

`flask search sync` also re-reads the outbox rows of the last OUTBOX_GRACE, for transactions
that committed after a later one was applied. The seed writes a row for every listing, so for
that long after a test session seeds its catalogue each sync would refresh every listing, and a
test of an edit would pass whatever sync did with the edit's own row. Each test here starts with
the seed's rows older than the window, as on a server that has run a while, and the window is
exercised on purpose by giving rows the age a test needs.
"""

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from whoosh.index import open_dir

from directory.extensions import db
from directory.search.documents import search_document
from directory.search.indexing import OUTBOX_GRACE, sync_index
from directory.search.models import SearchOutbox
from search_index import apply_changes
from tests.helpers import api_search, listing, page_text, result_count


def outbox_count() -> int:
    """Rows in the search outbox."""
    return db.session.scalar(select(func.count()).select_from(SearchOutbox))


def current_generation(app) -> Path:
    """The index generation directory the `current` link points at."""
    return Path(app.config["SEARCH_INDEX_DIR"], "current").resolve()


def age_outbox(age: timedelta, *ids: int) -> None:
    """Make outbox rows (all of them when no ids are given) `age` old, and commit."""
    statement = update(SearchOutbox).values(created_at=datetime.now(UTC) - age)
    if ids:
        statement = statement.where(SearchOutbox.id.in_(ids))
    db.session.execute(statement)
    db.session.commit()


def newest_outbox_id() -> int:
    """The id of the last outbox row written."""
    return db.session.scalar(select(func.max(SearchOutbox.id)))


def sync(app) -> str:
    """Run `flask search sync` once, asserting it worked; return what it printed."""
    result = app.test_cli_runner().invoke(args=["search", "sync"])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_listing_change_writes_the_outbox_in_the_same_transaction(app):
    before = outbox_count()
    found = listing("start-up-loans")
    found.name = "Start Up Loans renamed"
    db.session.rollback()
    assert outbox_count() == before  # rolled back together
    found = listing("start-up-loans")
    found.name = "Start Up Loans renamed"
    db.session.commit()
    rows = db.session.scalars(select(SearchOutbox).where(SearchOutbox.id > 0)).all()
    assert found.id in {row.listing_id for row in rows[before:]}


def test_sync_makes_an_edit_searchable(app, client):
    found = listing("start-up-loans")
    found.summary = "Government-backed finance for zanzibarian founders."
    db.session.commit()
    assert api_search(client, q="zanzibarian")["total"] == 0  # not yet applied
    assert "applied changes to 1 listing(s)" in sync(app)
    assert [r["slug"] for r in api_search(client, q="zanzibarian")["results"]] == ["start-up-loans"]


def test_sync_removes_unpublished_and_deleted_listings(app, client):
    draft = listing("start-up-loans")
    draft.moderation_state = "draft"
    gone = listing("knowledge-transfer-partnerships")
    db.session.delete(gone)
    db.session.commit()
    assert "applied changes to 2 listing(s)" in sync(app)
    slugs = {r["slug"] for r in api_search(client, per_page=100, q="loan")["results"]}
    assert "start-up-loans" not in slugs
    assert api_search(client, q="knowledge transfer partnership")["total"] == 0 or all(
        r["slug"] != "knowledge-transfer-partnerships"
        for r in api_search(client, q="knowledge transfer partnership")["results"]
    )
    check = app.test_cli_runner().invoke(args=["search", "check"])
    assert check.exit_code == 0 and "matches the database" in check.output


def test_organisation_rename_reaches_its_listings(app, client):
    organisation = listing("start-up-loans").organisation
    organisation.name = "Quuxly Bank"
    db.session.commit()
    sync(app)
    assert "start-up-loans" in {r["slug"] for r in api_search(client, q="quuxly")["results"]}


def test_check_reports_a_mismatch_and_fails(app):
    found = listing("start-up-loans")
    found.moderation_state = "draft"
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["search", "check"])
    assert result.exit_code == 1
    assert f"in the index but not public: 1 id(s): {found.id}" in result.output


def test_rebuild_swaps_in_a_fresh_generation(app, client):
    old = current_generation(app)
    found = listing("start-up-loans")
    found.summary = "Finance for quokkafied founders."
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert current_generation(app) != old and not old.exists()
    assert api_search(client, q="quokkafied")["total"] == 1


def test_missing_index_falls_back_to_the_database(app, client):
    Path(app.config["SEARCH_INDEX_DIR"], "current").unlink()
    app.extensions["search_index"].close()
    response = client.get("/search?q=loan&region=wales")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Search is running in a simpler mode" in page_text(page)
    assert result_count(page) > 0
    body = api_search(client, q="loan", region="wales")
    assert body["degraded"] is True and body["total"] == result_count(page)
    sync = app.test_cli_runner().invoke(args=["search", "sync"])
    assert sync.exit_code == 1 and "flask search rebuild" in sync.output


def test_corrupt_index_falls_back_to_the_database(app, client):
    app.extensions["search_index"].close()
    for path in current_generation(app).iterdir():
        if path.suffix in (".seg", ".toc"):
            path.write_bytes(b"not a whoosh file")
    response = client.get("/search?q=loan")
    assert response.status_code == 200
    assert "Search is running in a simpler mode" in page_text(response.get_data(as_text=True))


def test_a_locked_index_never_fails_a_committed_edit(app, client):
    writer = open_dir(str(current_generation(app))).writer()
    try:
        found = listing("start-up-loans")
        found.summary = "Loans for wombatish founders."
        db.session.commit()  # the edit commits whatever the index is doing
        result = app.test_cli_runner().invoke(args=["search", "sync", "--wait", "0.3"])
        assert result.exit_code == 1 and "lock" in result.output.lower()
        assert client.get("/search?q=loan").status_code == 200
    finally:
        writer.cancel()
    assert listing("start-up-loans").summary == "Loans for wombatish founders."
    assert app.test_cli_runner().invoke(args=["search", "sync"]).exit_code == 0
    assert api_search(client, q="wombatish")["total"] == 1


def test_an_edit_made_while_the_index_is_locked_reaches_search_without_a_manual_sync(app, client):
    from directory.search.indexing import refresh_index_after_edit

    writer = open_dir(str(current_generation(app))).writer()
    try:
        found = listing("start-up-loans")
        found.summary = "Loans for platypus founders."
        db.session.commit()
        refresh_index_after_edit()  # what every edit view calls after its commit
        assert api_search(client, q="platypus")["total"] == 0
    finally:
        writer.cancel()
    # The lock is gone: the retry that the edit left running applies it on its own.
    for _ in range(100):
        if api_search(client, q="platypus")["total"] == 1:
            break
        time.sleep(0.1)
    assert api_search(client, q="platypus")["total"] == 1
    result = app.test_cli_runner().invoke(args=["search", "check"])
    assert result.exit_code == 0 and "behind" not in result.output


def test_index_directory_holds_only_the_current_generation_after_rebuilds(app):
    runner = app.test_cli_runner()
    for _ in range(3):
        assert runner.invoke(args=["search", "rebuild"]).exit_code == 0
    generations = os.listdir(Path(app.config["SEARCH_INDEX_DIR"], "generations"))
    assert generations == [current_generation(app).name]


@pytest.mark.parametrize(
    ("age", "re_read"), [(timedelta(0), True), (OUTBOX_GRACE / 2, True), (2 * OUTBOX_GRACE, False)]
)
def test_sync_re_reads_recent_changes_committed_after_a_later_one(app, client, age, re_read):
    slow = listing("start-up-loans")
    slow.summary = "Loans for aardvarkish founders."
    db.session.commit()
    slow_row = newest_outbox_id()
    quick = listing("knowledge-transfer-partnerships")
    quick.summary = "Partnerships for okapine founders."
    db.session.commit()
    # The indexer applied the later row before the earlier one's transaction committed, so its
    # position is past a change it never saw.
    apply_changes(
        app.config["SEARCH_INDEX_DIR"], [search_document(quick)], [], position=newest_outbox_id()
    )
    age_outbox(age, slow_row)
    assert api_search(client, q="aardvarkish")["total"] == 0
    # Rows within the window are read again (the quick one too: re-applying is harmless).
    assert f"applied changes to {2 if re_read else 1} listing(s)" in sync(app)
    assert api_search(client, q="aardvarkish")["total"] == (1 if re_read else 0)
    assert api_search(client, q="okapine")["total"] == 1


def test_a_follower_applies_each_recent_change_once(app):
    found = listing("start-up-loans")
    found.summary = "Loans for capybaran founders."
    db.session.commit()
    index_dir = app.config["SEARCH_INDEX_DIR"]
    applied: set[int] = set()
    assert sync_index(index_dir, applied) == 1
    # `flask search sync --follow` remembers the rows of the window it has applied ...
    assert sync_index(index_dir, applied) == 0
    # ... where a single run applies the window's rows again.
    assert sync_index(index_dir) == 1
