"""Listings made for a test, so a test says what it needs instead of leaning on a seeded slug."""

from __future__ import annotations

import itertools
from datetime import date

from directory.catalogue.changes import save_records
from directory.catalogue.models import Listing
from directory.catalogue.records import (
    normalise_listing,
    normalise_organisation,
    validate_listing,
    validate_organisation,
)
from directory.extensions import db
from directory.search.indexing import sync_index

_numbers = itertools.count(1)
# Read today, so the listing counts as checked against its sources.
SOURCE = {"url": "https://example.org/test-source", "retrieved": date.today(),
          "supports": ["name"]}  # fmt: skip


def make_listing(app, **fields) -> Listing:
    """A valid published listing (and its organisation) through the change service, committed
    and indexed; `fields` override the defaults of a seed record."""
    number = next(_numbers)
    organisation = normalise_organisation({
        "slug": f"test-organisation-{number}", "name": f"Test organisation {number}",
        "website": "https://example.org", "sources": [SOURCE],
    })  # fmt: skip
    record = normalise_listing({
        "slug": f"test-listing-{number}", "name": f"Test listing {number}",
        "organisation": organisation["slug"],
        "summary": "A listing made for one test.",
        "description": (
            "It exists only for the test that made it. It says what it is for in plain words, "
            "so the catalogue's checks accept it like any real record: who runs it, who it is "
            "for, and how a founder applies."
        ),
        "support_types": ["advice"], "stages": ["start-up"], "sectors": ["any"],
        "regions": ["uk-wide"], "website": "https://example.org/apply",
        "how_to_apply": "Apply on the website.", "sources": [SOURCE],
        **fields,
    })  # fmt: skip
    taxonomy = app.extensions["taxonomy"]
    websites = {organisation["slug"]: organisation["website"]}
    problems = validate_organisation(organisation, "factory") + validate_listing(
        record, record, "factory", taxonomy, websites
    )
    assert not problems, problems
    save_records(db.session, {organisation["slug"]: organisation}, {record["slug"]: record},
                 actor="test factory")  # fmt: skip
    db.session.commit()
    sync_index(app.config["SEARCH_INDEX_DIR"])
    db.session.rollback()
    return db.session.scalars(db.select(Listing).filter_by(slug=record["slug"])).one()
