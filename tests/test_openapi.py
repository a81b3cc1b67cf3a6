"""The OpenAPI description: valid, documented on a page, and true of the running app.

schemathesis generates requests for every operation from the description and checks each
answer against it: no 500s, every status and body as described. Examples are bounded so the
suite stays quick (CI runs it on both databases).
"""

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from tests.browser import serve
from tests.helpers import page_text

EXAMPLES = 15
# What the description promises: no 500s, and every status, content type and body as described.
# (Whether a schema-valid value is also meaningful, a known place or slug, no schema can say.)
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture
def served(app):
    """The seeded app on a real port."""
    with serve(app) as base_url:
        yield base_url


def test_every_answer_matches_the_description(served):
    # schemathesis's own pytest plugin predates this pytest; Hypothesis drives it directly.
    api = schemathesis.openapi.from_url(f"{served}/api/openapi.json")
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 5
    for operation in operations:

        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(case=operation.as_strategy())
        def answers_as_described(case):
            case.call_and_validate(base_url=served, checks=CHECKS)

        answers_as_described()


def test_the_description_covers_every_public_json_endpoint(app, client):
    document = client.get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    described = {re.sub(r"\{\w+\}", "{}", route) for route in document["paths"]}
    served = {
        re.sub(r"<\w+>", "{}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/") and rule.rule != "/api/"
    }
    assert served == described


def test_the_documentation_page_lists_every_operation_without_scripts(client):
    response = client.get("/api/")
    html = response.get_data(as_text=True)
    assert (
        response.status_code == 200
        and "<script" not in html.split("</footer>")[0].split("<main")[1]
    )
    text = page_text(html)
    for path in ("/api/v1/search", "/api/v1/listings/{slug}", "/api/v1/demand"):
        assert f"GET {path}" in text
    assert "per_page" in text and "Bearer" in text
