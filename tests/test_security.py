"""The security baseline, attacked: CSRF, open redirects, other owners' data, roles, rate
limits, cookies and session protection, request sizes."""

import uuid

import pytest
from sqlalchemy import select

from directory.catalogue.models import Listing
from directory.catalogue.ownership import Membership
from directory.extensions import db
from tests.conftest import make_app, seeded_copy
from tests.helpers import (
    PASSWORD,
    csrf_token,
    listing,
    make_user,
    post_form,
    sign_in,
    unavailable,
)
from tests.test_owners import NEW_LISTING


@pytest.fixture
def two_owners(app):
    """Owner A of Start Up Loans' organisation, with a draft; owner B of another, signed in."""
    a = make_user("a@example.org", roles=("owner",))
    b = make_user("b@example.org", roles=("owner",))
    org_a = listing("start-up-loans").organisation
    org_b = listing("knowledge-transfer-partnerships").organisation
    assert org_a.id != org_b.id
    db.session.add_all(
        [
            Membership(user_id=a.id, organisation_id=org_a.id, state="approved"),
            Membership(user_id=b.id, organisation_id=org_b.id, state="approved"),
        ]
    )
    db.session.commit()
    client_a = app.test_client()
    sign_in(client_a, "a@example.org")
    post_form(
        client_a,
        "/manage/listings/new",
        {**NEW_LISTING, "organisation": org_a.slug},
        form_page=f"/manage/listings/new?organisation={org_a.slug}",
    )
    draft = db.session.scalars(select(Listing).filter_by(name=NEW_LISTING["name"])).one()
    client_b = app.test_client()
    sign_in(client_b, "b@example.org")
    return client_b, draft, org_a


def test_owner_b_cannot_read_or_change_anything_of_owner_a(two_owners, client):
    client_b, draft, org_a = two_owners
    published = "start-up-loans"
    for slug in (draft.slug, published):
        for path in (
            f"/manage/listings/{slug}/edit",
            f"/manage/listings/{slug}/preview",
            f"/manage/listings/{slug}/history",
        ):
            assert client_b.get(path).status_code in (403, 404), path
        token = csrf_token(client_b, "/manage/")
        for action in ("edit", "submit", "pause", "close", "reopen", "check"):
            response = client_b.post(
                f"/manage/listings/{slug}/{action}", data={"csrf_token": token, **NEW_LISTING}
            )
            assert response.status_code in (403, 404), action
    assert client_b.get(f"/manage/listings/new?organisation={org_a.slug}").status_code == 404
    token = csrf_token(client_b, "/manage/")
    sneaky = client_b.post(
        "/manage/listings/new",
        data={"csrf_token": token, "organisation": org_a.slug, **NEW_LISTING},
    )
    assert sneaky.status_code == 404
    assert "Quokka" not in client_b.get("/manage/").get_data(as_text=True)
    # The public never sees the draft either.
    assert client.get(f"/listings/{draft.slug}").status_code == 404
    db.session.expire_all()
    assert db.session.get(Listing, draft.id).moderation_state == "draft"
    assert listing(published).status == "active"


def test_only_moderators_moderate_and_only_admins_administer(app, two_owners):
    client_b, draft, _ = two_owners
    token = csrf_token(client_b, "/manage/")
    for path in (
        "/moderate/",
        f"/moderate/listings/{draft.slug}",
        "/admin/users",
        "/admin/catalogue",
        "/admin/catalogue/export.csv",
    ):
        assert client_b.get(path).status_code == 403, path
    for path in (
        f"/moderate/listings/{draft.slug}/approve",
        f"/moderate/listings/{draft.slug}/reject",
        "/moderate/memberships/1/approve",
        "/admin/users/1/roles",
        "/admin/users/1/deactivate",
        "/admin/catalogue/import",
    ):
        assert client_b.post(path, data={"csrf_token": token}).status_code == 403, path
    anonymous = app.test_client()
    assert anonymous.get("/moderate/").headers["Location"].startswith("/account/login")
    make_user("mod@example.org", roles=("moderator",))
    moderator = app.test_client()
    sign_in(moderator, "mod@example.org")
    assert moderator.get("/moderate/").status_code == 200
    assert moderator.get("/admin/users").status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/account/login",
        "/account/register",
        "/account/reset",
        "/account/logout",
        "/account/password",
        "/manage/listings/start-up-loans/check",
        "/moderate/listings/x/approve",
        "/admin/users/1/roles",
        "/admin/catalogue/import",
    ],
)
def test_a_post_without_a_csrf_token_is_refused(app, path):
    make_user("admin@example.org", roles=("admin",))
    client = app.test_client()
    sign_in(client, "admin@example.org")
    response = client.post(path, data={"email": "admin@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert client.post(path, data={"csrf_token": "forged"}).status_code == 400


@pytest.mark.parametrize(
    "next_url",
    [
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
        "/%09/evil.example",
        "\\\\evil.example",
        "http:evil.example",
        "/%5Cevil.example",
        "%2F%2Fevil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
        "///evil.example",
        "/%2F/evil.example",
    ],
)
def test_next_only_leads_to_this_site(client, next_url):
    make_user("owner@example.org")
    response = sign_in(client, "owner@example.org", next_url=next_url.replace("%", "%25"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/manage/"


def test_a_relative_next_is_followed(client):
    make_user("owner@example.org")
    response = sign_in(client, "owner@example.org", next_url="/manage/organisations/find")
    assert response.headers["Location"] == "/manage/organisations/find"


def limited_app(databases, catalogue_template, tmp_path, **config):
    """An app on a copy of the seeded database with tight rate limits."""
    url, index = seeded_copy(databases, catalogue_template, tmp_path)
    return make_app(
        url,
        index,
        RATELIMIT_LOGIN="3/minute",
        RATELIMIT_LOGIN_ACCOUNT="5/minute",
        RATELIMIT_REGISTER="3/minute",
        RATELIMIT_RESET="3/minute",
        **config,
    ), url


def attempt(client, path, email, address):
    """One form POST from a client address."""
    data = {"email": email, "password": "wrong password", "confirm": "wrong password"}
    token = csrf_token(client, path)
    return client.post(
        path, data={"csrf_token": token, **data}, environ_base={"REMOTE_ADDR": address}
    )


@pytest.mark.parametrize("path", ["/account/login", "/account/register", "/account/reset"])
def test_rate_limits_by_address_and_by_account(databases, catalogue_template, tmp_path, path):
    app, url = limited_app(databases, catalogue_template, tmp_path)
    try:
        client = app.test_client()
        for n in range(3):
            assert attempt(client, path, f"user{n}@example.org", "10.0.0.1").status_code != 429
        assert attempt(client, path, "other@example.org", "10.0.0.1").status_code == 429
        # The same account from many addresses is limited too (sign-in: at a higher ceiling).
        allowed = 5 if path == "/account/login" else 3
        for n in range(allowed):
            assert attempt(client, path, "target@example.org", f"10.0.1.{n}").status_code != 429
        assert attempt(client, path, "target@example.org", "10.0.2.1").status_code == 429
    finally:
        close_app(app)
        databases.drop(url)


def test_someone_who_knows_an_address_cannot_lock_its_owner_out(
    databases, catalogue_template, tmp_path
):
    """The lock-out attack: failed sign-ins for a known account from the attacker's address."""
    app, url = limited_app(databases, catalogue_template, tmp_path)
    try:
        with app.app_context():
            make_user("owner@example.org")
        client = app.test_client()
        for _ in range(3):
            attempt(client, "/account/login", "owner@example.org", "192.0.2.66")
        assert (
            attempt(client, "/account/login", "owner@example.org", "192.0.2.66").status_code == 429
        )
        owner = app.test_client()
        token = csrf_token(owner, "/account/login")
        response = owner.post(
            "/account/login",
            data={"csrf_token": token, "email": "owner@example.org", "password": PASSWORD},
            environ_base={"REMOTE_ADDR": "198.51.100.20"},
        )
        assert response.status_code == 302 and response.headers["Location"] == "/manage/"
    finally:
        close_app(app)
        databases.drop(url)


def close_app(app) -> None:
    """Close an app's database connections, so none is left for the garbage collector."""
    with app.app_context():
        db.engine.dispose()


def test_rate_limits_can_be_shared_through_redis(databases, catalogue_template, tmp_path):
    import redis

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379").ping()
    except redis.exceptions.ConnectionError:
        unavailable("REQUIRE_REDIS", "no Redis on 127.0.0.1:6379")
    prefix = f"test-{uuid.uuid4().hex}"
    first, url1 = limited_app(
        databases,
        catalogue_template,
        tmp_path / "1",
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379",
        RATELIMIT_KEY_PREFIX=prefix,
    )
    second, url2 = limited_app(
        databases,
        catalogue_template,
        tmp_path / "2",
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379",
        RATELIMIT_KEY_PREFIX=prefix,
    )
    try:
        # Two app processes (workers) share one count.
        for n in range(3):
            response = attempt(
                first.test_client(), "/account/login", f"x{n}@example.org", "10.1.0.1"
            )
            assert response.status_code == 200
        response = attempt(second.test_client(), "/account/login", "y@example.org", "10.1.0.1")
        assert response.status_code == 429
    finally:
        close_app(first)
        close_app(second)
        databases.drop(url1)
        databases.drop(url2)


def test_session_cookie_is_httponly_lax_and_secure(client):
    make_user("owner@example.org")
    cookie = sign_in(client, "owner@example.org").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_cookies_are_secure_except_on_a_debug_server(app, databases, tmp_path):
    assert app.config["SESSION_COOKIE_SECURE"] is True
    debug = make_app("sqlite://", tmp_path / "index", DEBUG=True)
    assert debug.config["SESSION_COOKIE_SECURE"] is False


def test_a_stolen_session_from_another_browser_is_ended(client):
    make_user("owner@example.org")
    sign_in(client, "owner@example.org")
    assert client.get("/manage/").status_code == 200
    other_browser = client.get("/manage/", headers={"User-Agent": "Stolen/1.0"})
    assert other_browser.status_code == 302


def test_oversized_requests_are_refused(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    token = csrf_token(client, "/account/login")
    response = client.post("/account/login", data={"csrf_token": token, "email": "x" * 20_000})
    assert response.status_code == 413
