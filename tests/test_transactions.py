"""One transaction boundary: emails and index refreshes wait for the commit."""

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from directory.accounts.models import User
from directory.extensions import db
from directory.transactions import after_commit, commit
from tests.helpers import api_search, csrf_token, listing, make_user, post_form, sign_in


def outbox_files(app) -> list:
    from pathlib import Path

    folder = Path(app.config["MAIL_OUTBOX_DIR"])
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def test_actions_run_after_the_commit_and_never_after_a_rollback(app):
    ran = []
    after_commit(lambda: ran.append("first"))
    db.session.rollback()
    commit()
    assert ran == []
    after_commit(lambda: ran.append("second"))
    commit()
    assert ran == ["second"]


def test_a_failing_action_does_not_undo_or_hide_the_commit(app, caplog):
    listing("start-up-loans").summary = "Saved whatever happens next."
    after_commit(lambda: 1 / 0)
    commit()
    db.session.expire_all()
    assert listing("start-up-loans").summary == "Saved whatever happens next."
    assert "an action after a commit failed" in caplog.text


def test_registration_sends_no_link_when_its_commit_fails(app, client, monkeypatch):
    token = csrf_token(client, "/account/register")

    def refuse():
        raise OperationalError("COMMIT", {}, Exception("database is locked"))

    monkeypatch.setattr(db.session, "commit", refuse)
    response = client.post(
        "/account/register", data={"csrf_token": token, "email": "new@example.org"}
    )
    monkeypatch.undo()
    assert response.status_code == 503
    assert outbox_files(app) == []
    assert db.session.scalar(select(User.id).where(User.email == "new@example.org")) is None


def test_registration_sends_its_link_after_the_commit(app, client):
    token = csrf_token(client, "/account/register")
    client.post("/account/register", data={"csrf_token": token, "email": "new@example.org"})
    (email,) = outbox_files(app)
    assert "new@example.org" in email.read_text()
    assert db.session.scalar(select(User.email)) == "new@example.org"


def test_an_edit_in_a_request_reaches_search_once_committed_without_the_view_asking(app, client):
    found = listing("start-up-loans")
    found.summary = "Loans for founders, checked by a numbatishly keen team."
    db.session.commit()  # outside a request: queued in the outbox, not yet indexed
    assert api_search(client, q="numbatishly")["total"] == 0
    make_user("moderator@example.org", roles=("moderator",))
    sign_in(client, "moderator@example.org")
    response = post_form(client, f"/moderate/listings/{found.slug}/check", form_page="/moderate/")
    assert response.status_code in (302, 303)
    # The moderator's commit wrote an outbox row; the refresh after it applied the backlog.
    assert api_search(client, q="numbatishly")["total"] == 1


def test_a_closed_programme_comes_after_an_open_one_that_matches_as_well(app, client):
    from tests.factories import make_listing

    kinds = {"support_types": ["award"], "tags": ["wombatcraft"], "regions": ["wales"]}
    between = make_listing(app, name="A wombatcraft prize (between rounds)",
                           application_status="closed", next_round="Opens again in spring.",
                           **kinds)  # fmt: skip
    rolling = make_listing(app, name="Wombatcraft prize", **kinds)
    body = api_search(client, q="wombatcraft")
    # "A wombatcraft..." comes first by name, so only the ranking puts it second.
    assert [r["slug"] for r in body["results"]] == [rolling.slug, between.slug]
    assert body["results"][1]["availability"]["state"] == "between_rounds"
