"""Listing and organisation pages, error pages and what the logs keep."""

import json
import logging

from directory.extensions import db
from tests.helpers import listing, page_text


def test_listing_page_shows_what_a_founder_needs(client):
    found = listing("start-up-loans")
    page = page_text(client.get("/listings/start-up-loans").get_data(as_text=True))
    assert found.name in page and found.organisation.name in page
    assert found.summary in page
    assert "How to apply" in page and found.how_to_apply in page
    assert "Last checked on" in page and "against its published sources" in page
    assert "Sources" in page


def test_listing_page_links_the_website_and_shows_funding(client):
    found = listing("start-up-loans")
    html = client.get("/listings/start-up-loans").get_data(as_text=True)
    assert f'href="{found.website}"' in html
    if found.funding_max:
        assert f"£{found.funding_max:,}" in html


def test_unpublished_listing_is_not_found(client):
    found = listing("start-up-loans")
    found.moderation_state = "draft"
    db.session.commit()
    assert client.get("/listings/start-up-loans").status_code == 404
    assert client.get("/api/v1/listings/start-up-loans").status_code == 404


def test_organisation_page_lists_its_listings(client):
    organisation = listing("start-up-loans").organisation
    page = client.get(f"/organisations/{organisation.slug}").get_data(as_text=True)
    assert organisation.name in page
    for each in organisation.listings:
        assert f'href="/listings/{each.slug}"' in page


def test_unknown_pages_get_a_rendered_404(client):
    response = client.get("/listings/no-such-listing")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
    assert client.get("/organisations/nobody").status_code == 404


def test_an_unexpected_error_gets_the_500_page(app, client, monkeypatch):
    from directory.catalogue import services

    def broken(slug):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(services, "public_listing", broken)
    response = client.get("/listings/start-up-loans")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.get_data(as_text=True)
    api = client.get("/api/v1/listings/start-up-loans")
    assert api.status_code == 500 and api.get_json()["error"] == "Internal Server Error"


def test_access_log_is_json_without_query_strings(client, caplog):
    with caplog.at_level(logging.INFO, logger="directory.access"):
        client.get("/search?q=my+secret+idea&region=london")
    records = [r for r in caplog.records if r.name == "directory.access"]
    assert records and records[-1].path == "/search" and records[-1].status == 200
    from directory.logs import JsonFormatter

    [handler] = [h for h in logging.getLogger().handlers if isinstance(h.formatter, JsonFormatter)]
    formatted = handler.format(records[-1])
    entry = json.loads(formatted)
    assert entry["path"] == "/search" and entry["status"] == 200
    assert "secret" not in formatted and "q=" not in formatted


def test_security_headers_keep_pages_self_contained(client):
    html = client.get("/").get_data(as_text=True)
    assert "<script>" not in html  # no inline script: only same-origin module files
    assert "http://" not in html.replace("http://localhost", "")
    assert "https://" not in html


def test_every_response_carries_the_security_headers(client):
    for path in ("/", "/search?q=loan", "/no-such-page", "/api/v1/taxonomy"):
        headers = client.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "object-src 'none'" in policy and "base-uri 'none'" in policy
        assert "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in headers
    assert "Strict-Transport-Security" in client.get("/", base_url="https://localhost").headers
