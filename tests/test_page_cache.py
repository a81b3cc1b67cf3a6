"""Anonymous pages kept per worker: served again with an ETag, and never stale after a change."""

import csv
import io
from datetime import UTC, datetime

from sqlalchemy import func, select

from directory.demand.models import DemandEvent
from directory.extensions import db
from directory.search.indexing import rebuild_index
from tests.helpers import (
    api_search,
    listing,
    make_user,
    page_text,
    post_form,
    result_slugs,
    sign_in,
)
from tests.test_catalogue_tools import exported, upload
from tests.test_owners import NEW_LISTING, create_listing, new_listing

SLUG = "start-up-loans"
SEARCH = "/search?q=start+up+loans"


def kept(client, path: str) -> str:
    """Ask for a page twice, as two anonymous founders would; the second is the kept copy."""
    first = client.get(path)
    second = client.get(path)
    assert first.status_code == second.status_code == 200
    assert second.headers["ETag"] and second.get_data() == first.get_data()
    return second.get_data(as_text=True)


def test_a_repeat_is_served_with_an_etag_and_revalidates_with_a_304(client):
    response = client.get(SEARCH)
    again = client.get(SEARCH)
    assert again.headers["ETag"] == response.headers["ETag"]
    # The address holds the founder's words: their browser may keep it, a shared cache not.
    assert again.headers["Cache-Control"] == "private, no-cache"
    filters_only = kept(client, "/search?support=grant&region=wales")
    assert filters_only
    assert client.get("/search?support=grant&region=wales").headers["Cache-Control"] == (
        "public, no-cache"
    )
    assert client.get(f"/listings/{SLUG}").headers["Cache-Control"] == "public, no-cache"
    assert "Cookie" in again.headers["Vary"]
    assert "Content-Security-Policy" in again.headers  # security headers on kept pages too
    unchanged = client.get(SEARCH, headers={"If-None-Match": again.headers["ETag"]})
    assert unchanged.status_code == 304 and unchanged.get_data() == b""
    other = client.get("/search?q=grant")
    assert other.headers["ETag"] != response.headers["ETag"]
    assert SLUG not in result_slugs(other.get_data(as_text=True))[:1]


def test_signed_in_pages_are_never_kept_or_shared(owner):
    owner_client, _ = owner
    response = owner_client.get(SEARCH)
    assert response.status_code == 200
    assert "ETag" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_every_request_for_a_kept_page_is_still_demand(app, client):
    for _ in range(3):
        assert client.get(SEARCH).status_code == 200
    client.get(SEARCH, headers={"If-None-Match": client.get(SEARCH).headers["ETag"]})
    for _ in range(2):
        assert client.get("/api/v1/search?q=start+up+loans").status_code == 200
    counts = dict(
        db.session.execute(
            select(DemandEvent.source, func.count(func.distinct(DemandEvent.event_id)))
            .where(DemandEvent.query == "start up loans")
            .group_by(DemandEvent.source)
        ).all()
    )
    assert counts == {"search_page": 5, "search_api": 2}


def test_an_owner_edit_shows_on_the_next_search_and_listing_page(owner, client):
    owner_client, _ = owner
    kept(client, SEARCH)
    kept(client, f"/listings/{SLUG}")
    data = {**NEW_LISTING, "name": listing(SLUG).name, "summary": "Loans for numbat founders.",
            "regions": ["uk-wide"]}  # fmt: skip
    assert post_form(owner_client, f"/manage/listings/{SLUG}/edit", data).status_code == 302
    assert "numbat founders" in page_text(client.get(SEARCH).get_data(as_text=True))
    assert "numbat founders" in page_text(client.get(f"/listings/{SLUG}").get_data(as_text=True))
    assert api_search(client, q="numbat")["total"] == 1


def test_a_pause_and_a_close_show_on_the_next_search_and_listing_page(owner, client):
    owner_client, _ = owner
    assert SLUG in result_slugs(kept(client, SEARCH))
    kept(client, f"/listings/{SLUG}")
    post_form(owner_client, f"/manage/listings/{SLUG}/pause", form_page="/manage/")
    assert "paused" in page_text(client.get(f"/listings/{SLUG}").get_data(as_text=True))
    card = client.get(SEARCH).get_data(as_text=True)
    assert SLUG in result_slugs(card) and "Paused" in page_text(card)
    post_form(owner_client, f"/manage/listings/{SLUG}/close", form_page="/manage/")
    assert SLUG not in result_slugs(client.get(SEARCH).get_data(as_text=True))
    ended = page_text(client.get(f"/listings/{SLUG}").get_data(as_text=True))
    assert "This programme has ended" in ended


def test_moderation_decisions_show_on_the_next_search_and_listing_page(owner, moderator, client):
    owner_client, organisation = owner
    kept(client, "/search?q=quokka")
    kept(client, f"/listings/{SLUG}")
    create_listing(owner_client, organisation)
    draft = new_listing()
    post_form(owner_client, f"/manage/listings/{draft.slug}/submit", form_page="/manage/")
    assert result_slugs(client.get("/search?q=quokka").get_data(as_text=True)) == []
    post_form(moderator, f"/moderate/listings/{draft.slug}/approve",
              form_page=f"/moderate/listings/{draft.slug}")  # fmt: skip
    assert result_slugs(client.get("/search?q=quokka").get_data(as_text=True)) == [draft.slug]
    post_form(moderator, f"/moderate/listings/{SLUG}/check", form_page=f"/moderate/listings/{SLUG}")
    assert "by a moderator" in page_text(client.get(f"/listings/{SLUG}").get_data(as_text=True))


def test_a_catalogue_import_shows_on_the_next_search_and_listing_page(app, client):
    make_user("admin@example.org", roles=("admin",))
    admin = app.test_client()
    sign_in(admin, "admin@example.org")
    kept(client, SEARCH)
    kept(client, f"/listings/{SLUG}")
    rows = list(csv.DictReader(io.StringIO(exported(admin))))
    for row in rows:
        if row["slug"] == SLUG:
            row["summary"] = "Loans imported for bilby founders."
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    assert upload(admin, buffer.getvalue()).status_code == 302
    assert "bilby founders" in page_text(client.get(f"/listings/{SLUG}").get_data(as_text=True))
    assert "bilby founders" in page_text(client.get(SEARCH).get_data(as_text=True))


def test_a_rebuilt_index_is_a_new_version(app, client):
    before = client.get(SEARCH).headers["ETag"]
    found = listing(SLUG)
    # Changed behind the outbox's back (a repair), then the index rebuilt from the database.
    db.session.execute(
        db.text("UPDATE listing SET summary = :summary WHERE id = :id"),
        {"summary": "Rebuilt for quoll founders.", "id": found.id},
    )
    db.session.commit()
    rebuild_index(app.config["SEARCH_INDEX_DIR"])
    response = client.get(SEARCH)
    assert "quoll founders" in page_text(response.get_data(as_text=True))
    assert response.headers["ETag"] != before


def test_with_the_index_away_pages_are_built_each_time_and_say_so(app, client, tmp_path):
    kept(client, SEARCH)
    app.extensions["search_index"].close()
    app.extensions["search_index"].index_dir = str(tmp_path / "missing")
    response = client.get(SEARCH)
    assert response.status_code == 200 and "ETag" not in response.headers
    assert SLUG in result_slugs(response.get_data(as_text=True))


def test_with_a_separate_indexer_listing_pages_change_at_once_and_search_after_sync(
    app, owner, client
):
    # Production: edits reach the index through `flask search sync --follow`, not the request.
    app.config["SEARCH_SYNC_AFTER_EDIT"] = False
    owner_client, _ = owner
    kept(client, f"/listings/{SLUG}")
    kept(client, "/search?q=dunnart")
    data = {**NEW_LISTING, "name": listing(SLUG).name, "summary": "Loans for dunnart founders.",
            "regions": ["uk-wide"]}  # fmt: skip
    assert post_form(owner_client, f"/manage/listings/{SLUG}/edit", data).status_code == 302
    assert "dunnart founders" in page_text(client.get(f"/listings/{SLUG}").get_data(as_text=True))
    assert result_slugs(client.get("/search?q=dunnart").get_data(as_text=True)) == []
    assert app.test_cli_runner().invoke(args=["search", "sync"]).exit_code == 0
    assert result_slugs(client.get("/search?q=dunnart").get_data(as_text=True)) == [SLUG]


def test_a_change_committed_elsewhere_reaches_kept_pages_within_the_check_interval(app, client):
    import time

    from sqlalchemy import create_engine, text

    watch = app.extensions["catalogue_changes"]
    watch.seconds = 0.2
    kept(client, f"/listings/{SLUG}")
    # Another host's transaction: the change and its outbox row, committed together.
    other_host = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with other_host.begin() as connection:
        connection.execute(
            text("UPDATE listing SET summary = 'Loans for potoroo founders.' WHERE slug = :slug"),
            {"slug": SLUG},
        )
        connection.execute(
            text("INSERT INTO search_outbox (listing_id, created_at) VALUES (:id, :now)"),
            {"id": listing(SLUG).id, "now": datetime.now(UTC)},
        )
    other_host.dispose()
    time.sleep(watch.seconds)
    assert "potoroo founders" in page_text(client.get(f"/listings/{SLUG}").get_data(as_text=True))
