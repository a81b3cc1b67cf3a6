"""Small helpers shared by tests: reading results from pages and the API."""

import os
import re
from html import unescape
from typing import NoReturn

import pytest
from sqlalchemy import select

from directory.catalogue.models import Listing
from directory.extensions import db


def result_slugs(html: str, container: str = "results") -> list[str]:
    """Slugs of the listings whose result cards are inside an element of a page, in order."""
    start = html.find(f'id="{container}"')
    if start < 0:
        return []
    end = html.find('class="govuk-pagination"', start)
    part = html[start : end if end > 0 else len(html)]
    # Result links may carry the demand marker (?from=search&rank=N) after the slug.
    return re.findall(
        r'app-result__title"><a class="govuk-link" href="/listings/([a-z0-9-]+)(?:\?[^"]*)?"',
        part,
    )


def result_count(html: str) -> int:
    """How many results a search page says there are in all (0 when it says none)."""
    match = re.search(r'id="result-total">[^<]*? of ([\d,]+) result', html)
    if match:
        return int(match.group(1).replace(",", ""))
    assert 'id="result-count">No results' in html, "no result count on the page"
    return 0


def result_headline(html: str) -> str:
    """The heading that says how many results meet the whole search."""
    match = re.search(r'id="result-count">([^<]*)<', html)
    assert match, "no result heading on the page"
    return unescape(match.group(1))


def page_text(html: str) -> str:
    """The page's text without tags, for assertions on what a person reads."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def listing(slug: str) -> Listing:
    """Load a listing by slug, fresh from the database (requests use their own sessions)."""
    query = select(Listing).filter_by(slug=slug).execution_options(populate_existing=True)
    return db.session.scalars(query).one()


def api_search(client, **params) -> dict:
    """Call the search API and return its JSON, asserting success."""
    response = client.get("/api/v1/search", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')


def csrf_token(client, path: str) -> str:
    """The CSRF token of the (first) form on a page."""
    html = client.get(path).get_data(as_text=True)
    field = CSRF_INPUT.search(html)
    assert field, f"no CSRF token on {path}"
    return re.search(r'value="([^"]+)"', field.group(0)).group(1)


def post_form(client, path: str, data: dict | None = None, form_page: str | None = None, **kwargs):
    """POST a form the way a browser would, with the CSRF token from its page."""
    token = csrf_token(client, form_page or path)
    return client.post(path, data={"csrf_token": token, **(data or {})}, **kwargs)


PASSWORD = "plum kettle harbour"


def make_user(email: str, roles: tuple[str, ...] = (), password: str = PASSWORD):
    """An active user with roles, committed."""
    from directory.accounts.services import create_user

    user = create_user(email, password, roles=roles)
    db.session.commit()
    return user


def sign_in(client, email: str, password: str = PASSWORD, next_url: str | None = None):
    """Sign in through the login form; returns the response (not followed)."""
    path = "/account/login" + (f"?next={next_url}" if next_url else "")
    credentials = {"email": email, "password": password}
    return post_form(client, path, credentials, form_page="/account/login")


def signed_in(app, email: str, roles: tuple[str, ...] = ()):
    """A test client signed in as a new user with these roles."""
    make_user(email, roles=roles)
    client = app.test_client()
    sign_in(client, email)
    return client


def unavailable(variable: str, reason: str) -> NoReturn:
    """Skip a test whose data or service is missing, unless CI requires it (REQUIRE_...=1)."""
    if os.environ.get(variable):
        pytest.fail(f"{variable} is set but {reason}")
    pytest.skip(reason)
