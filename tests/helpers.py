"""Small helpers shared by tests: reading results from pages and the API."""

import re
from html import unescape

from sqlalchemy import select

from directory.catalogue.models import Listing
from directory.extensions import db


def result_slugs(html: str, container: str = "results") -> list[str]:
    """Slugs of the listings linked from one results list of a page, in order."""
    match = re.search(rf'<ul class="govuk-list" id="{container}">(.*?)</ul>\s*(?:<nav|</div>)',
                      html, re.S)  # fmt: skip
    if not match:
        return []
    return re.findall(r'href="/listings/([a-z0-9-]+)"', match.group(1))


def result_count(html: str) -> int:
    """The result count a page shows."""
    match = re.search(r'id="result-count">([\d,]+) result', html)
    assert match, "no result count on the page"
    return int(match.group(1).replace(",", ""))


def page_text(html: str) -> str:
    """The page's text without tags, for assertions on what a person reads."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def listing(slug: str) -> Listing:
    """Load a listing by slug."""
    return db.session.scalars(select(Listing).filter_by(slug=slug)).one()


def api_search(client, **params) -> dict:
    """Call the search API and return its JSON, asserting success."""
    response = client.get("/api/v1/search", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()
