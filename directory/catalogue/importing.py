"""The admin's catalogue import: a whole CSV file validated, then applied through the change
service, or nothing applied."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from directory.accounts.models import User
from directory.catalogue.changes import save_listing
from directory.catalogue.csv_io import parse_catalogue_csv
from directory.catalogue.models import Listing, Organisation
from directory.catalogue.seed import LoadReport, load_catalogue
from directory.extensions import db


def import_catalogue_csv(text: str, user: User) -> tuple[LoadReport | None, list[str]]:
    """Apply a catalogue CSV (only flushes); (report, []) or (None, every problem found)."""
    known = dict(db.session.execute(select(Organisation.slug, Organisation.website)).all())
    taxonomy = current_app.extensions["taxonomy"]
    parsed, states, problems = parse_catalogue_csv(text, taxonomy, known)
    if problems:
        return None, problems
    report = load_catalogue(db.session(), taxonomy, parsed, actor=f"CSV import by {user.email}")
    for listing in db.session.scalars(select(Listing).where(Listing.slug.in_(list(states)))):
        if listing.moderation_state != states[listing.slug]:
            save_listing(listing, user, moderation_state=states[listing.slug])
    return report, []
