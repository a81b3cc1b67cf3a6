"""Each finding of the attacker's probe, written as the attack: it failed before the fix."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from sqlalchemy import func, select

from directory.catalogue.models import Listing, Organisation
from directory.catalogue.ownership import Membership
from directory.demand.tokens import create_token
from directory.extensions import db
from tests.demand_helpers import demand_rows
from tests.helpers import (
    PASSWORD,
    csrf_token,
    listing,
    make_user,
    page_text,
    post_form,
    sign_in,
)
from tests.test_accounts import link_in, read_outbox
from tests.test_owners import NEW_LISTING

# --- 1. Absolute links come from BASE_URL, never from the request --------------------------


@pytest.fixture
def public_app(app):
    """The app as production runs it: no SERVER_NAME, so the Host header is the client's.

    CSRF is off here because an attacker's own HTTP client carries a valid token and cookie
    whatever Host it sends; the test client would drop the cookie for a foreign host.
    """
    app.config["SERVER_NAME"] = None
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def test_a_reset_requested_for_a_foreign_host_is_refused_and_sends_nothing(public_app):
    app, client = public_app, public_app.test_client()
    make_user("victim@example.org")
    response = client.post(
        "/account/reset", data={"email": "victim@example.org"}, headers={"Host": "evil.example"}
    )
    assert response.status_code == 400
    assert read_outbox(app) == []


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Forwarded-Host": "evil.example"},
        {"X-Forwarded-Server": "evil.example", "X-Original-Host": "evil.example"},
        {"Forwarded": "host=evil.example", "X-Forwarded-Proto": "https"},
    ],
)
def test_emailed_links_always_start_with_the_base_url(public_app, headers):
    app, client = public_app, public_app.test_client()
    make_user("victim@example.org")
    client.post("/account/reset", data={"email": "victim@example.org"}, headers=headers)
    [message] = read_outbox(app)
    links = re.findall(r"https?://\S+", message)
    assert links and all(link.startswith("http://localhost/account/reset/") for link in links)


def test_confirmation_links_and_api_links_use_the_base_url(public_app):
    app, client = public_app, public_app.test_client()
    refused = client.post(
        "/account/register", data={"email": "x@example.org"}, headers={"Host": "evil.example"}
    )
    assert refused.status_code == 400 and read_outbox(app) == []
    client.post(
        "/account/register", data={"email": "new@example.org"}, headers={"Host": "127.0.0.1"}
    )
    assert re.search(r"http://localhost/account/confirm/\S+", read_outbox(app)[-1])
    body = client.get("/api/v1/search?q=grant", headers={"Host": "127.0.0.1"}).get_json()
    assert body["links"]["html"].startswith("http://localhost/search?")
    assert all(result["url"].startswith("http://localhost/listings/") for result in body["results"])


def seen_address(app, **request) -> str:
    """The client address a view sees for one request."""
    from flask import request as current

    seen = []
    app.add_url_rule("/_address", "address", lambda: seen.append(current.remote_addr) or "ok")
    app.test_client().get("/_address", **request)
    return seen[0]


def test_proxy_headers_count_only_with_proxy_hops(databases, catalogue_template, tmp_path):
    from tests.conftest import make_app, seeded_copy

    url, index = seeded_copy(databases, catalogue_template, tmp_path)
    app = make_app(url, index, PROXY_HOPS=1)
    try:
        forwarded = {"REMOTE_ADDR": "10.0.0.2"}, {"X-Forwarded-For": "203.0.113.4"}
        assert seen_address(app, environ_base=forwarded[0], headers=forwarded[1]) == "203.0.113.4"
    finally:
        with app.app_context():
            db.engine.dispose()
        databases.drop(url)


def test_without_proxy_hops_a_forged_forwarded_for_is_ignored(app):
    headers = {"X-Forwarded-For": "203.0.113.4"}
    assert seen_address(app, environ_base={"REMOTE_ADDR": "10.0.0.2"}, headers=headers) == (
        "10.0.0.2"
    )


# --- 2. Disclosure control cannot be beaten by fake visitors -------------------------------


def fake_visitors_and_a_victim(client, path: str = "/search", **params) -> None:
    """Nine searches from one address with nine browsers, then the victim's one search."""
    for number in range(9):
        client.get(
            path,
            query_string=params,
            environ_base={"REMOTE_ADDR": f"203.0.113.{number + 5}"},
            headers={"User-Agent": f"Forged/{number}"},
        )
    client.get(path, query_string=params, environ_base={"REMOTE_ADDR": "198.51.100.9"})


@pytest.fixture
def analyst_token(app):
    analyst = make_user("analyst@example.org", roles=("analyst",))
    _row, token = create_token(analyst, "probe")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_nine_forged_browsers_cannot_lift_a_victims_search_over_the_threshold(
    client, analyst_token
):
    fake_visitors_and_a_victim(client, q="quantum tractor", region="wales", stage="pre-start")
    assert len({row.event_id for row in demand_rows()}) == 10  # every search was recorded
    rows = client.get("/api/v1/demand?group_by=region,stage", headers=analyst_token).get_json()[
        "rows"
    ]
    cell = next(r for r in rows if (r["region"], r["stage"]) == ("wales", "pre-start"))
    assert cell["visitor_days"] == "[c]"
    terms = client.get("/api/v1/demand?group_by=query", headers=analyst_token).get_json()["rows"]
    assert all("tractor" not in (row["query"] or "") for row in terms)


def test_owners_zero_result_queries_count_networks_too(app, client):
    found = listing("start-up-loans")
    owner = make_user("owner@example.org", roles=("owner",))
    db.session.add(
        Membership(user_id=owner.id, organisation_id=found.organisation_id, state="approved")
    )
    db.session.commit()
    fake_visitors_and_a_victim(client, q="zzyzx widget finance")
    sign_in(client, "owner@example.org")
    assert "zzyzx" not in client.get("/manage/").get_data(as_text=True)


def test_searches_from_ten_networks_are_released(client, analyst_token):
    for number in range(10):
        client.get(
            "/search",
            query_string={"q": "grant", "region": "wales"},
            environ_base={"REMOTE_ADDR": f"10.{number}.0.1"},
        )
    rows = client.get("/api/v1/demand?group_by=region", headers=analyst_token).get_json()["rows"]
    assert next(r for r in rows if r["region"] == "wales")["visitor_days"] == 10


# --- 4. The database fallback search has a work budget --------------------------------------

EVERY_FILTER = (
    "?q=" + "+".join(["grant", "loan", "support"] * 10)
    + "".join(f"&region={r}" for r in (
        "north-east", "north-west", "yorkshire-and-the-humber", "east-midlands", "west-midlands",
        "eastern", "london", "south-east", "south-west", "wales", "scotland", "northern-ireland"))
    + "".join(f"&stage={s}" for s in ("pre-start", "start-up", "growth", "established"))
    + "".join(f"&support={s}" for s in (
        "accelerator", "incubator", "workspace", "equity", "angel", "loan", "grant",
        "crowdfunding", "advice", "innovation", "export", "skills", "network", "award", "online"))
)  # fmt: skip


def break_index(app) -> None:
    """Take the search index away, as a failed disk would."""
    import shutil

    app.extensions["search_index"].close()
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"])


def test_a_costly_search_with_the_index_down_is_cut_off_with_a_503(app, client):
    break_index(app)
    app.config["FALLBACK_BUDGET_SECONDS"] = 0.0
    response = client.get("/search" + EVERY_FILTER)
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert "simpler mode" in page_text(response.get_data(as_text=True))
    api = client.get("/api/v1/search" + EVERY_FILTER)
    assert api.status_code == 503 and "simpler mode" in api.get_json()["message"]


def test_with_the_index_down_an_ordinary_search_still_answers(app, client):
    break_index(app)
    response = client.get("/search?q=loan&region=wales")
    assert response.status_code == 200
    assert "simpler mode" in page_text(response.get_data(as_text=True))


# --- 5. Input that used to cause 500s -------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "named"),
    [
        ("/search?page=%C2%B2", "page"),
        ("/search?page=%E2%91%A0", "page"),
        ("/search?near=LS1&radius_km=%C2%B3", "radius_km"),
        ("/search?page=" + "9" * 5000, "page"),
        ("/api/v1/search?per_page=%C2%B2", "per_page"),
        ("/api/v1/search?page=" + "9" * 5000, "page"),
    ],
)
def test_unicode_and_huge_numbers_are_named_not_500s(client, path, named):
    response = client.get(path)
    assert response.status_code in (200, 400)
    text = page_text(response.get_data(as_text=True)).lower()
    assert f"{named} must be a whole number" in text or "is longer than" in text


@pytest.mark.parametrize(
    "path",
    [
        "/listings/%00",
        "/organisations/%00",
        "/api/v1/listings/%00",
        "/api/v1/geo/%00",
        "/search?q=%00",
        "/search?near=LS1%00",
        "/check/results?place=LS1%00",
        "/manage/organisations/find?q=%00",
    ],
)
def test_nul_bytes_get_a_400_that_names_them(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "control character" in response.get_data(as_text=True)


def test_over_long_addresses_and_repeated_parameters_are_named(client):
    long = client.get("/search?q=" + "a" * 5000)
    assert long.status_code == 400 and "longer than" in long.get_data(as_text=True)
    repeated = client.get("/search?" + "&".join(["region=wales"] * 30))
    assert repeated.status_code == 400 and "more than 20 times" in repeated.get_data(as_text=True)


def test_a_town_longer_than_its_column_is_a_form_error(owner):
    client, organisation = owner
    response = post_form(
        client,
        "/manage/listings/new",
        {**NEW_LISTING, "organisation": organisation.slug, "location-1-town": "T" * 150},
        form_page=f"/manage/listings/new?organisation={organisation.slug}",
    )
    assert response.status_code == 200
    assert "120 characters or fewer" in page_text(response.get_data(as_text=True))


def test_a_nul_in_a_form_is_refused_and_nothing_is_saved(owner):
    client, organisation = owner
    response = post_form(
        client,
        "/manage/listings/new",
        {**NEW_LISTING, "organisation": organisation.slug, "name": "Quokka\x00 fund"},
        form_page=f"/manage/listings/new?organisation={organisation.slug}",
    )
    assert response.status_code == 400 and "control character" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).where(Listing.name.like("Quokka%"))) == 0


def test_a_proposed_organisation_cannot_carry_a_javascript_link(owner):
    client, _ = owner
    response = post_form(
        client,
        "/manage/organisations/new",
        {
            "name": "Evil Ventures",
            "website": "javascript:alert(document.cookie)",
            "description": "We invest.",
            "message": "I run it.",
        },
    )
    assert "starting http:// or https://" in page_text(response.get_data(as_text=True))
    assert db.session.scalars(select(Organisation).filter_by(name="Evil Ventures")).first() is None


# Admin CSV imports with cells a parser or a database column cannot take.


@pytest.fixture
def admin_client(app):
    make_user("admin@example.org", roles=("admin",))
    client = app.test_client()
    sign_in(client, "admin@example.org")
    return client


def exported_rows(admin_client) -> list[list[str]]:
    text = admin_client.get("/admin/catalogue/export.csv").get_data(as_text=True)
    return list(csv.reader(io.StringIO(text)))


def import_rows(admin_client, rows: list[list[str]]):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    data = io.BytesIO(buffer.getvalue().encode())
    return post_form(
        admin_client,
        "/admin/catalogue/import",
        {"file": (data, "catalogue.csv")},
        form_page="/admin/catalogue",
        content_type="multipart/form-data",
    )


def changed(rows: list[list[str]], column: str, value: str) -> list[list[str]]:
    """The header and the first listing's row with one cell replaced."""
    header, first = rows[0], list(rows[1])
    first[header.index(column)] = value
    return [header, first]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("description", "x" * 140_000, "field larger than field limit"),
        ("locations", "[" * 50_000 + "]" * 50_000, "locations: is not a JSON list"),
        ("locations", json.dumps([{"town": {"nested": ["deep"]}}]), "must be text"),
        ("funding_max", "9" * 5000, "whole number of pounds"),
        ("funding_max", "²", "whole number of pounds"),
        ("funding_max", str(2**70), "whole number of pounds"),
        ("slug", "a" * 130, "slug: must be 120 characters or fewer"),
        ("name", "N" * 250, "name: must be 200 characters or fewer"),
        ("website", "javascript:alert(1)", "not a web address"),
    ],
)
def test_import_cells_that_broke_the_import_are_named(admin_client, column, value, message):
    before = db.session.scalar(select(func.count()).select_from(Listing))
    response = import_rows(admin_client, changed(exported_rows(admin_client), column, value))
    assert response.status_code == 400
    assert message in page_text(response.get_data(as_text=True))
    assert db.session.scalar(select(func.count()).select_from(Listing)) == before


def test_an_import_with_a_repeated_header_is_refused(admin_client):
    rows = exported_rows(admin_client)[:2]
    rows = [[*rows[0], "slug"], [*rows[1], "other"]]
    response = import_rows(admin_client, rows)
    assert response.status_code == 400
    assert "header: repeats slug" in page_text(response.get_data(as_text=True))


# --- 7. The smaller findings ----------------------------------------------------------------


def test_a_stolen_session_replayed_with_the_victims_forwarded_for_is_still_ended(client):
    make_user("owner@example.org")
    token = csrf_token(client, "/account/login")
    client.post(
        "/account/login",
        data={"csrf_token": token, "email": "owner@example.org", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "198.51.100.1"},
    )
    assert client.get("/manage/", environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code == 200
    # The thief, elsewhere, claims the victim's address in a header: no longer believed.
    stolen = client.get(
        "/manage/",
        environ_base={"REMOTE_ADDR": "203.0.113.50"},
        headers={"X-Forwarded-For": "198.51.100.1"},
    )
    assert stolen.status_code == 302


def test_signed_in_pages_and_every_export_are_not_stored(app, client, admin_client):
    for path in ("/manage/", "/admin/catalogue", "/admin/catalogue/export.csv"):
        assert admin_client.get(path).headers["Cache-Control"] == "no-store", path
    anonymous = client.get("/check/results.csv?place=skip&region=wales&stage=start-up"
                           "&sector=skip&need=advice&size=skip")  # fmt: skip
    if anonymous.status_code == 200:
        assert anonymous.headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/search?q=grant").headers.get("Cache-Control", "")


def test_production_refuses_in_memory_rate_limits_and_a_missing_base_url(monkeypatch, tmp_path):
    from directory.config import from_environment

    monkeypatch.setenv("DIRECTORY_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.delenv("BASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="BASE_URL"):
        from_environment(tmp_path)
    monkeypatch.setenv("BASE_URL", "https://startup-support.example")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI"):
        from_environment(tmp_path)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379")
    config = from_environment(tmp_path)
    assert config["TRUSTED_HOSTS"] == ["startup-support.example", "localhost", "127.0.0.1"]


def test_search_check_reports_changes_not_yet_applied(app, runner):
    app.config["SEARCH_SYNC_AFTER_EDIT"] = False
    found = listing("start-up-loans")
    found.summary = "Changed while nobody applied the outbox."
    db.session.commit()
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1 and "behind by 1 change" in result.output
    runner.invoke(args=["search", "sync"])
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 0 and "matches" in result.output


def test_links_in_confirmation_emails_lead_to_the_same_site(app, client):
    token = csrf_token(client, "/account/register")
    client.post("/account/register", data={"csrf_token": token, "email": "x@example.org"})
    assert link_in(read_outbox(app)[-1]).startswith("/account/confirm/")
