"""Accounts: registration without enumeration, sign-in, sessions, passwords and resets."""

import re
from datetime import timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from sqlalchemy import select

from directory.accounts import passwords
from directory.accounts.models import User
from directory.extensions import db
from tests.helpers import PASSWORD, csrf_token, make_user, page_text, post_form, sign_in


@pytest.fixture
def outbox(app):
    """The offline email backend's messages, as a function returning their text."""
    return lambda: read_outbox(app)


def read_outbox(app) -> list[str]:
    """Every email the app wrote to its outbox folder, oldest first, as text."""
    folder = Path(app.config["MAIL_OUTBOX_DIR"])
    paths = sorted(folder.glob("*.eml")) if folder.exists() else []
    parsed = [message_from_bytes(p.read_bytes(), policy=default) for p in paths]
    return [f"To: {m['To']}\nSubject: {m['Subject']}\n\n{m.get_content()}" for m in parsed]


def link_in(message: str) -> str:
    """The first link to this site in an email, as a path."""
    return re.search(r"http://[^/\s]+(/\S+)", message).group(1)


def register(client, email: str):
    """Fill in the registration form: an email address only."""
    return post_form(client, "/account/register", {"email": email})


def create_password(client, link: str, password: str = PASSWORD):
    """Follow a confirmation link and create the account's password."""
    return post_form(client, link, {"password": password, "confirm": password})


def registered(client, outbox, email: str, password: str = PASSWORD):
    """Register, then confirm from the emailed link with a password; the final response."""
    register(client, email)
    return create_password(client, link_in(outbox()[-1]), password)


def test_registration_confirms_by_email_then_signs_in(client, outbox):
    response = register(client, "founder@example.org")
    assert "Check your email" in page_text(response.get_data(as_text=True))
    user = db.session.scalars(select(User).filter_by(email="founder@example.org")).one()
    assert not user.is_active_account and user.password_hash is None
    assert sign_in(client, "founder@example.org").status_code == 200  # not yet confirmed
    link = link_in(outbox()[-1])
    assert "Create your password" in page_text(client.get(link).get_data(as_text=True))
    confirm = create_password(client, link)
    assert confirm.status_code == 302 and confirm.headers["Location"] == "/manage/"
    assert client.get("/manage/").status_code == 200
    assert client.get(link).status_code == 400  # the link works once


def test_registering_someone_elses_address_first_gives_no_way_in(app, client, outbox):
    """The squatting attack: the attacker registers the victim's address before they do."""
    attacker = app.test_client()
    register(attacker, "victim@example.org")
    # Whatever the attacker would have chosen, the account has no password to sign in with.
    for guess in (PASSWORD, "", "not a real password: equalises sign-in timing"):
        assert sign_in(attacker, "victim@example.org", guess).status_code == 200
    assert attacker.get("/manage/").status_code == 302
    # The real owner registers (or simply uses the first link) and sets their own password.
    register(client, "victim@example.org")
    create_password(client, link_in(outbox()[-1]), "victim's own secret words")
    assert client.get("/manage/").status_code == 200
    assert sign_in(attacker, "victim@example.org", PASSWORD).status_code == 200
    assert attacker.get("/manage/").status_code == 302
    assert len(db.session.scalars(select(User)).all()) == 1


def test_an_unconfirmed_registration_expires(app, client, runner, outbox):
    register(client, "late@example.org")
    link = link_in(outbox()[-1])
    user = db.session.scalars(select(User).filter_by(email="late@example.org")).one()
    user.created_at = user.created_at - timedelta(days=4)
    db.session.commit()
    assert "removed 1 expired registration" in runner.invoke(args=["users", "prune"]).output
    assert db.session.scalars(select(User)).first() is None
    assert client.get(link).status_code == 400


def test_registering_a_known_address_looks_the_same_and_tells_its_owner(client, outbox):
    make_user("owner@example.org")
    known = page_text(register(client, "owner@example.org").get_data(as_text=True))
    unknown = page_text(register(client, "new@example.org").get_data(as_text=True))
    assert known.replace("owner@", "X@") == unknown.replace("new@", "X@")
    email = outbox()[0]
    assert "To: owner@example.org\nSubject: You already have an account" in email
    # The owner is told how to get in: the sign-in and reset pages, both of which answer.
    assert "Sign in: http://localhost/account/login" in email
    assert "Forgotten your password? http://localhost/account/reset" in email
    assert {client.get(path).status_code for path in ("/account/login", "/account/reset")} == {200}
    assert len(db.session.scalars(select(User)).all()) == 2


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "8 characters or more"),
        ("password1", "too common"),
        ("qwertyuiop", "too common"),
        ("x" * 129, "128 characters or fewer"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(client, outbox, password, message):
    page = page_text(registered(client, outbox, "a@example.org", password).get_data(as_text=True))
    assert message in page
    assert db.session.scalars(select(User)).one().password_hash is None


@pytest.mark.parametrize(
    "password",
    ["correcthorse", "no digits or symbols at all", "9" * 8 + "z", "a long passphrase " * 7],
)
def test_any_uncommon_password_of_8_to_128_characters_is_accepted(client, outbox, password):
    assert registered(client, outbox, "a@example.org", password[:128]).status_code == 302
    assert db.session.scalars(select(User)).one().is_active_account


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(client):
    make_user("owner@example.org")
    wrong = sign_in(client, "owner@example.org", "not the password")
    unknown = sign_in(client, "nobody@example.org", "not the password")
    assert wrong.status_code == unknown.status_code == 200
    assert "Enter a correct email address and password" in page_text(wrong.get_data(as_text=True))
    strip = lambda r: re.sub(r'value="[^"]*"', "", r.get_data(as_text=True))  # noqa: E731
    assert strip(wrong) == strip(unknown)


def test_unknown_emails_cost_a_password_hash_check_too(client, monkeypatch):
    make_user("owner@example.org")
    checks = []

    class CountingHasher:
        def verify(self, password_hash, password):
            checks.append(password_hash)
            return real.verify(password_hash, password)

    real = passwords._hasher
    monkeypatch.setattr(passwords, "_hasher", CountingHasher())
    sign_in(client, "owner@example.org", "wrong password")
    sign_in(client, "nobody@example.org", "wrong password")
    assert len(checks) == 2  # one argon2 verification each way, so timing is alike


def test_passwords_are_stored_as_argon2id(client):
    user = make_user("owner@example.org")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_sign_out_ends_every_session_of_the_user(app):
    make_user("owner@example.org")
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, "owner@example.org")
    sign_in(phone, "owner@example.org")
    assert phone.get("/manage/").status_code == 200
    assert post_form(laptop, "/account/logout", form_page="/manage/").status_code == 302
    assert laptop.get("/manage/").status_code == 302
    assert phone.get("/manage/").headers["Location"].startswith("/account/login")


def test_password_change_ends_other_sessions_but_not_this_one(app):
    make_user("owner@example.org")
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, "owner@example.org")
    sign_in(phone, "owner@example.org")
    new = "quiet lantern meadow"
    response = post_form(
        laptop, "/account/password", {"current": PASSWORD, "password": new, "confirm": new}
    )
    assert response.status_code == 302
    assert laptop.get("/manage/").status_code == 200
    assert phone.get("/manage/").status_code == 302
    assert sign_in(app.test_client(), "owner@example.org", new).status_code == 302


def test_reset_link_sets_a_new_password_once(app, client, outbox):
    make_user("owner@example.org")
    other = app.test_client()
    sign_in(other, "owner@example.org")
    unknown = post_form(client, "/account/reset", {"email": "nobody@example.org"})
    known = post_form(client, "/account/reset", {"email": "owner@example.org"})
    assert page_text(unknown.get_data(as_text=True)).replace("nobody", "X") == page_text(
        known.get_data(as_text=True)
    ).replace("owner", "X")
    assert len(outbox()) == 1
    link = link_in(outbox()[0])
    new = "quiet lantern meadow"
    assert post_form(client, link, {"password": new, "confirm": new}).status_code == 302
    assert sign_in(app.test_client(), "owner@example.org", new).status_code == 302
    assert sign_in(app.test_client(), "owner@example.org", PASSWORD).status_code == 200
    assert other.get("/manage/").status_code == 302  # other sessions ended
    assert client.get(link).status_code == 400  # used


def test_a_tampered_reset_link_is_refused(client):
    response = client.get("/account/reset/not-a-real-token")
    assert response.status_code == 400
    assert "not valid" in page_text(response.get_data(as_text=True))


def test_users_create_bootstraps_an_admin_from_stdin(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "Admin@Example.org", "--role", "admin"],
        input="plum kettle harbour\n",
    )
    assert result.exit_code == 0, result.output
    assert "created admin@example.org with roles: admin" in result.output
    weak = runner.invoke(args=["users", "create", "b@example.org"], input="password\n")
    assert weak.exit_code == 1 and "too common" in weak.output
    again = runner.invoke(args=["users", "create", "admin@example.org"], input=PASSWORD + "\n")
    assert again.exit_code == 1 and "already exists" in again.output
    # A mistyped address is refused before any password is asked for (no prompt in the output).
    typo = runner.invoke(args=["users", "create", "admin.example.org"], input="")
    assert typo.exit_code == 1
    assert typo.output == "Error: 'admin.example.org' is not an email address\n"


def test_a_deactivated_user_cannot_sign_in(client):
    user = make_user("owner@example.org")
    user.is_active_account = False
    db.session.commit()
    assert sign_in(client, "owner@example.org").status_code == 200


def test_csrf_token_is_on_every_form(client):
    for path in ("/account/login", "/account/register", "/account/reset"):
        assert csrf_token(client, path)
