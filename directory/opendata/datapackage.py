"""The catalogue as an HSDS tabular data package: one CSV per HSDS table and datapackage.json.

Built from the same objects as /api/hsds/ (directory/hsds/mapping.py), flattened: each table
holds an object's own fields, and nested objects become rows of their own tables, joined by ids.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from flask import current_app

from directory.hsds import mapping
from directory.opendata.catalogue import LICENCE, published_listings
from directory.spreadsheets import escape_cell

# HSDS tables, in the order a reader joins them.
TABLES = (
    "organization", "service", "location", "service_at_location", "address", "phone",
    "service_area", "attribute", "taxonomy", "taxonomy_term",
)  # fmt: skip
# Where nested objects sit in their parents, and which table they belong to.
NESTED = {
    "organization": "organization",
    "service_at_locations": "service_at_location",
    "location": "location",
    "addresses": "address",
    "phones": "phone",
    "service_areas": "service_area",
    "attributes": "attribute",
    "taxonomy_term": "taxonomy_term",
    "taxonomy_detail": "taxonomy",
}


# Fields of the API's objects that HSDS 3.0's tabular form has no column for.
NOT_TABULAR = {"last_modified"}


def _scalars(item: dict[str, Any]) -> dict[str, Any]:
    """An object's own fields: what a row holds (nested objects have tables of their own)."""
    return {name: value for name, value in item.items()
            if not isinstance(value, dict | list) and name not in NOT_TABULAR}  # fmt: skip


# A nested row's link to the object it sat in, as HSDS's tables name it.
FOREIGN_KEYS = {
    ("address", "location"): "location_id",
    ("phone", "service"): "service_id",
    ("phone", "location"): "location_id",
    ("service_area", "service"): "service_id",
    ("service_at_location", "service"): "service_id",
}


def _rows(
    table: str, item: dict[str, Any], parent: tuple[str, str] | None = None
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(table, row) for an object and every object nested in it, each linked to its parent."""
    row = _scalars(item)
    if parent is not None and (table, parent[0]) in FOREIGN_KEYS:
        row.setdefault(FOREIGN_KEYS[(table, parent[0])], parent[1])
    yield table, row
    for name, value in item.items():
        child = NESTED.get(name)
        if child is None:
            continue
        for nested in value if isinstance(value, list) else [value]:
            if isinstance(nested, dict):
                yield from _rows(child, nested, (table, row["id"]))


def hsds_tables() -> dict[str, list[dict[str, Any]]]:
    """Every published listing's HSDS objects as rows by table, each row once."""
    vocabulary = mapping.vocabulary(current_app.extensions["taxonomy"])
    seen: dict[str, dict[str, dict[str, Any]]] = {table: {} for table in TABLES}
    for listing in published_listings():
        for table, row in _rows("service", mapping.service_full(listing, vocabulary)):
            seen[table].setdefault(row["id"], row)
    for taxonomy in vocabulary.taxonomies:
        seen["taxonomy"].setdefault(*_keyed(mapping.taxonomy_object(taxonomy)))
    for term in vocabulary.terms:
        seen["taxonomy_term"].setdefault(*_keyed(_scalars(mapping.taxonomy_term(term, vocabulary))))
    return {table: list(rows.values()) for table, rows in seen.items()}


def _keyed(row: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return row["id"], row


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    """Every field any row has, in the order they first appear."""
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    return list(columns)


def _field_type(rows: list[dict[str, Any]], column: str) -> str:
    """A Table Schema type for a column, from its values."""
    values = [row[column] for row in rows if row.get(column) is not None]
    if values and all(isinstance(value, bool) for value in values):
        return "boolean"
    if values and all(isinstance(value, int) for value in values):
        return "integer"
    if values and all(isinstance(value, int | float) for value in values):
        return "number"
    return "string"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape_cell(str(value)) if isinstance(value, str) else str(value)


def datapackage_zip(generated: datetime) -> bytes:
    """The zip: datapackage.json and one CSV per table."""
    tables = hsds_tables()
    resources = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in TABLES:
            rows = tables[table]
            columns = _columns(rows)
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow(columns)
            for row in rows:
                writer.writerow([_cell(row.get(column)) for column in columns])
            archive.writestr(f"{table}.csv", text.getvalue())
            resources.append({
                "name": table,
                "path": f"{table}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "schema": {
                    "fields": [{"name": c, "type": _field_type(rows, c)} for c in columns],
                    "primaryKey": "id",
                },
            })  # fmt: skip
        package = {
            "profile": "tabular-data-package",
            "name": "start-up-support-directory-hsds",
            "title": "Start-up Support Directory: the open catalogue as Open Referral HSDS 3.0",
            "created": generated.isoformat(timespec="seconds"),
            "licenses": [
                {"name": LICENCE["id"], "path": LICENCE["url"], "title": LICENCE["name"]}
            ],  # fmt: skip
            "resources": resources,
        }
        archive.writestr("datapackage.json", json.dumps(package, indent=1))
    return buffer.getvalue()
