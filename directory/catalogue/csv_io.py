"""The whole catalogue as one CSV file: export, and an all-or-nothing import of the same shape."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from directory.catalogue.editing import listing_record, organisation_record
from directory.catalogue.models import Listing
from directory.catalogue.records import (
    CONTACT_FIELDS,
    DATE_FIELDS,
    LIST_FIELDS,
    ORGANISATION_FIELDS,
    WELSH_LISTING_FIELDS,
    ListingRecord,
    OrganisationRecord,
    Record,
    normalise_listing,
    normalise_organisation,
    validate_listing,
    validate_organisation,
)
from directory.catalogue.seed import Catalogue
from directory.extensions import db
from directory.inputs import is_whole_number
from directory.spreadsheets import escape_cell, unescape_cell
from directory.states import ModerationState
from directory.taxonomy import Taxonomy

MODERATION_STATES = tuple(ModerationState)
ORGANISATION_COLUMNS = [f"organisation_{field}" for field in ORGANISATION_FIELDS if field != "slug"]
COLUMNS = [
    "slug",
    "name",
    "organisation",
    *ORGANISATION_COLUMNS,
    "summary",
    "description",
    "support_types",
    "stages",
    "sectors",
    "regions",
    "business_sizes",
    "tags",
    "locations",
    "website",
    "contact_email",
    "contact_phone",
    "contact_form",
    "how_to_apply",
    "cost",
    "funding_min",
    "funding_max",
    "equity_taken",
    "eligibility",
    "application_status",
    "opens_on",
    "deadline",
    "next_round",
    "status",
    "closed_on",
    *WELSH_LISTING_FIELDS,
    "moderation_state",
    "sources",
]
# Written by the export for readers (the open data); an import ignores them, since a check is
# made by the organisation or a moderator, never by a file.
EXPORT_ONLY_COLUMNS = ["last_checked_on", "last_checked_how"]
# Cells holding JSON: lists of mappings that a flat cell cannot hold otherwise.
JSON_COLUMNS = ("locations", "sources", "organisation_sources")
LIST_SEPARATOR = "|"


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return escape_cell(str(value))


def export_rows(published_only: bool = False) -> Iterable[list[str]]:
    """The header, then one row per listing (in any state, or published ones), by slug."""
    yield [*COLUMNS, *EXPORT_ONLY_COLUMNS]
    query = select(Listing).order_by(Listing.slug).options(selectinload("*"))
    if published_only:
        query = query.where(Listing.moderation_state == ModerationState.PUBLISHED)
    listings = db.session.scalars(query)
    for listing in listings:
        # Read by field name in the loops below.
        record: Mapping[str, Any] = listing_record(listing)
        organisation: Mapping[str, Any] = organisation_record(listing.organisation)
        row = {
            **record,
            "moderation_state": listing.moderation_state,
            "last_checked_on": listing.last_checked_on,
            "last_checked_how": listing.last_checked_how,
        }
        for field in ORGANISATION_FIELDS:
            if field != "slug":
                row[f"organisation_{field}"] = organisation[field]
        for field in LIST_FIELDS:
            row[field] = LIST_SEPARATOR.join(record[field])
        for part, value in (record["contact"] or {}).items():
            row[f"contact_{part}"] = value
        for column in JSON_COLUMNS:
            value = row[column]
            row[column] = json.dumps(value, default=_json_default) if value else ""
        yield [_cell(row.get(column)) for column in (*COLUMNS, *EXPORT_ONLY_COLUMNS)]


def _json_default(value: object) -> str:
    """Dates inside JSON cells (sources' retrieval dates) as ISO text."""
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def export_csv(published_only: bool = False) -> str:
    """The whole catalogue (or its published listings: the open data) as CSV text."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(export_rows(published_only))
    return buffer.getvalue()


def parse_catalogue_csv(
    text: str, taxonomy: Taxonomy, known_organisations: dict[str, str | None]
) -> tuple[Catalogue, dict[str, str], list[str]]:
    """Read and validate every row; return the catalogue, moderation states and problems.

    `known_organisations` maps the slugs of organisations already in the database to their
    websites. Problems read "line N, column: reason", counting the header as line 1. Sources
    are kept when given but not required: rows may come from owners' own listings.
    """
    problems: list[str] = []
    reader = csv.DictReader(io.StringIO(text))
    try:
        header = reader.fieldnames or []
        rows = list(reader)
    except csv.Error as error:
        # A cell over the csv module's size limit, or a NUL byte, names its line.
        return Catalogue({}, {}), {}, [_problem(reader.line_num, "file", str(error))]
    repeated = sorted({column for column in header if header.count(column) > 1})
    if repeated:
        return (
            Catalogue({}, {}),
            {},
            [_("line 1, header: repeats %(columns)s", columns=", ".join(repeated))],
        )
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        return (
            Catalogue({}, {}),
            {},
            [_("line 1, header: missing column(s) %(columns)s", columns=", ".join(missing))],
        )
    organisations: dict[str, OrganisationRecord] = {}
    listings: dict[str, ListingRecord] = {}
    states: dict[str, str] = {}
    raw_listings: list[tuple[int, Record]] = []
    for line, row in enumerate(rows, start=2):
        if None in row:
            problems.append(_("line %(line)s, row: has more cells than the header", line=line))
            continue
        values = {key: unescape_cell(value or "").strip() for key, value in row.items()}
        organisation = normalise_organisation(
            {
                "slug": values["organisation"],
                **{
                    field: values[f"organisation_{field}"] or None
                    for field in ORGANISATION_FIELDS
                    if field not in ("slug", "sources")
                },
                "sources": _json_cell(values, "organisation_sources", line, problems),
            }
        )
        for problem in validate_organisation(organisation, f"line {line}", require_sources=False):
            problems.append(_problem(line, f"organisation_{problem.field}", problem.message))
        earlier = organisations.setdefault(organisation["slug"], organisation)
        if earlier != organisation:
            problems.append(
                _(
                    "line %(line)s, organisation: details differ from an earlier row for the "
                    "same organisation",
                    line=line,
                )
            )
        raw, row_problems = _raw_listing(values, line)
        problems += row_problems
        if values["slug"] in listings:
            problems.append(
                _(
                    "line %(line)s, slug: '%(slug)s' appears on an earlier line",
                    line=line,
                    slug=values["slug"],
                )
            )
        listings[values["slug"]] = normalise_listing(raw)
        states[values["slug"]] = values["moderation_state"] or ModerationState.PUBLISHED
        if states[values["slug"]] not in MODERATION_STATES:
            problems.append(
                _(
                    "line %(line)s, moderation_state: must be one of %(states)s",
                    line=line,
                    states=", ".join(MODERATION_STATES),
                )
            )
        raw_listings.append((line, raw))
    websites = {**known_organisations,
                **{slug: org["website"] for slug, org in organisations.items()}}  # fmt: skip
    for line, raw in raw_listings:
        record = normalise_listing(raw)
        for problem in validate_listing(raw, record, "", taxonomy, websites, require_sources=False):
            problems.append(_problem(line, problem.field, problem.message))
    return Catalogue(organisations, listings), states, problems


def _raw_listing(values: dict[str, str], line: int) -> tuple[Record, list[str]]:
    """Turn one row's cells into a raw listing record, noting cells that cannot be read."""
    problems: list[str] = []
    raw: Record = {
        column: values[column] or None
        for column in COLUMNS
        if column not in ORGANISATION_COLUMNS
        and column != "moderation_state"
        and not column.startswith("contact_")
    }
    for field in LIST_FIELDS:
        raw[field] = [item.strip() for item in values[field].split(LIST_SEPARATOR) if item.strip()]
    raw["locations"] = _json_cell(values, "locations", line, problems)
    raw["sources"] = _json_cell(values, "sources", line, problems)
    raw["contact"] = {part: values[f"contact_{part}"] for part in CONTACT_FIELDS} or None
    for field in ("funding_min", "funding_max"):
        if values[field]:
            raw[field] = int(values[field]) if is_whole_number(values[field]) else values[field]
    equity = values["equity_taken"].lower()
    raw["equity_taken"] = {"true": True, "false": False, "": None}.get(equity, equity)
    for field in DATE_FIELDS:
        if values[field]:
            try:
                raw[field] = date.fromisoformat(values[field])
            except ValueError:
                raw[field] = values[field]
    return raw, problems


def _json_cell(values: dict[str, str], column: str, line: int, problems: list[str]) -> list[Any]:
    """A cell holding a JSON list; an unreadable one is noted and read as empty."""
    if not values[column]:
        return []
    try:
        value = json.loads(values[column])
        if isinstance(value, list):
            return value
    except (ValueError, RecursionError):  # RecursionError: deeply nested JSON
        pass
    problems.append(_("line %(line)s, %(column)s: is not a JSON list", line=line, column=column))
    return []


def _problem(line: int, column: str, message: str) -> str:
    """A problem as the import page lists it: where it is (the column's name stays as the
    file has it), then what is wrong."""
    return _("line %(line)s, %(column)s: %(problem)s", line=line, column=column, problem=message)
