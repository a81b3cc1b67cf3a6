"""Property-based fuzzing of every public query string: any text, any unicode, any repetition.

Never a 500, and never slower than the fallback search's work budget (with room for a slow
shared machine). Example counts are bounded for CI; FUZZ_EXAMPLES raises them locally.
"""

from __future__ import annotations

import os
import shutil
import time
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
# Seconds a request may take: the fallback's budget plus rendering on a loaded 2-core machine.
CEILING_SECONDS = 5.0

PARAMETERS = [
    "q", "near", "radius_km", "page", "per_page", "sort", "region", "stage", "support", "sector",
    "status", "place", "need", "amount", "equity", "size", "interpret", "open_now",
]  # fmt: skip
QUESTIONNAIRE = ["", "place", "stage", "sector", "need", "amount", "size", "answers", "results",
                 "results.csv"]  # fmt: skip

values = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from(
        [
            "²",
            "①",
            "-1",
            "0",
            "9" * 40,
            "wales",
            "uk-wide",
            "LS1 4AP",
            "%00",
            "\x00",
            "((",
            "AND OR NOT",
            "*",
            "🙂",
            "Caerdydd",
            " ",
        ]
    ),  # fmt: skip
)
pairs = st.lists(
    st.tuples(st.one_of(st.sampled_from(PARAMETERS), st.text(max_size=12)), values), max_size=25
)
settings_ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def query_string(items: list[tuple[str, str]]) -> str:
    """Encode pairs as a browser would, keeping repetition and order."""
    return "&".join(f"{quote(name, safe='')}={quote(value, safe='')}" for name, value in items)


def fetch(client, path: str):
    """One request, checked: no 500, no slower than the ceiling."""
    started = time.perf_counter()
    response = client.get(path)
    elapsed = time.perf_counter() - started
    assert response.status_code < 500 or response.status_code == 503, (path, response.status)
    assert elapsed < CEILING_SECONDS, (path, elapsed)
    return response


@pytest.fixture(params=["index", "fallback"])
def fuzzed_client(request, app):
    """A client of the seeded app, with the index in place or taken away."""
    if request.param == "fallback":
        app.extensions["search_index"].close()
        shutil.rmtree(app.config["SEARCH_INDEX_DIR"])
    return app.test_client()


@settings_
@given(items=pairs, api=st.booleans())
def test_search_never_fails_on_any_query_string(fuzzed_client, items, api):
    fetch(fuzzed_client, ("/api/v1/search?" if api else "/search?") + query_string(items))


@settings_
@given(items=pairs, page=st.sampled_from(QUESTIONNAIRE))
def test_the_questionnaire_never_fails_on_any_query_string(client, items, page):
    fetch(client, f"/check/{page}?" + query_string(items))


@settings_
@given(text=st.text(max_size=120))
def test_the_geo_api_never_fails_on_any_text(client, text):
    if text.strip("/.") == "" or "/" in text:
        text = text.replace("/", " ") or "x"
    fetch(client, "/api/v1/geo/" + quote(text, safe=""))
