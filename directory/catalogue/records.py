"""Catalogue records: the plain-dict shape of organisations and listings in seed_data/.

The same shape is validated, loaded into the database, and read back from it, so a loader
can tell created, updated and unchanged records apart by comparing records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from directory.catalogue.models import Listing, Location, Organisation
from directory.inputs import MAX_AMOUNT, column_length, web_address_problem
from directory.taxonomy import UK_WIDE, Taxonomy

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
POSTCODE_PATTERN = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
APPLICATION_STATUSES = ("open", "rolling", "closed", "opens")
LISTING_STATUSES = ("active", "paused", "closed")
MIN_DESCRIPTION_WORDS = 30
MAX_SUMMARY_CHARS = 300

ORGANISATION_FIELDS = ("slug", "name", "website", "description", "provenance")
LOCATION_FIELDS = ("name", "address", "town", "postcode")
LISTING_FIELDS = (
    "slug", "name", "organisation", "summary", "description", "support_types", "stages",
    "sectors", "regions", "business_sizes", "tags", "locations", "website", "how_to_apply",
    "cost", "funding_min", "funding_max", "equity_taken", "eligibility", "application_status",
    "opens_on", "deadline", "status", "provenance",
)  # fmt: skip
LIST_FIELDS = ("support_types", "stages", "sectors", "regions", "business_sizes", "tags")
# Text limits come from the columns the text is stored in, so forms, imports and seed data
# all refuse what the database could not hold.
ORGANISATION_LIMITS = {
    field: column_length(getattr(Organisation, field)) for field in ("slug", "name", "website")
}
LISTING_LIMITS = {
    field: column_length(getattr(Listing, field))
    for field in ("slug", "name", "summary", "website")
}
LOCATION_LIMITS = {field: column_length(getattr(Location, field)) for field in LOCATION_FIELDS}
MAX_TAG_CHARS = 60


@dataclass(frozen=True)
class Problem:
    """One reason a record cannot be loaded."""

    source: str
    record: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.record}: {self.field}: {self.message}"


def normalise_organisation(raw: dict) -> dict:
    """Return an organisation record with every field present."""
    return {field: _clean(raw.get(field)) for field in ORGANISATION_FIELDS}


def normalise_listing(raw: dict) -> dict:
    """Return a listing record with every field present, lists as lists, text trimmed."""
    record = {field: _clean(raw.get(field)) for field in LISTING_FIELDS}
    for field in LIST_FIELDS:
        record[field] = list(raw.get(field) or [])
    record["locations"] = [
        {field: _clean(location.get(field)) for field in LOCATION_FIELDS}
        for location in (raw.get("locations") or [])
        if isinstance(location, dict)
    ]
    for location in record["locations"]:
        if isinstance(location["postcode"], str):
            location["postcode"] = format_postcode(location["postcode"])
    record["application_status"] = record["application_status"] or "rolling"
    record["status"] = record["status"] or "active"
    return record


def format_postcode(postcode: str) -> str:
    """Upper-case a postcode and put the single space before its inward code."""
    compact = re.sub(r"\s+", "", postcode).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def _clean(value):
    """Trim strings and turn empty strings into None, so missing and blank compare equal."""
    if isinstance(value, str):
        value = " ".join(value.split()) if "\n" not in value.strip() else value.strip()
        return value or None
    return value


def validate_organisation(record: dict, source: str) -> list[Problem]:
    """Return every problem with one organisation record."""
    problems: list[Problem] = []
    name = record.get("slug") or "(organisation without slug)"

    def problem(field: str, message: str) -> None:
        problems.append(Problem(source, name, field, message))

    _check_slug(record.get("slug"), problem)
    if not isinstance(record.get("name"), str) or not record.get("name"):
        problem("name", "is required")
    _check_lengths(record, ORGANISATION_LIMITS, problem)
    _check_url(record.get("website"), problem)
    if not record.get("provenance"):
        problem("provenance", "is required: say where the facts came from")
    return problems


def validate_listing(
    raw: dict, record: dict, source: str, taxonomy: Taxonomy, organisation_slugs: set[str]
) -> list[Problem]:
    """Return every problem with one listing record."""
    problems: list[Problem] = []
    name = record.get("slug") or f"(listing {record.get('name') or 'without slug'})"

    def problem(field: str, message: str) -> None:
        problems.append(Problem(source, name, field, message))

    for field in sorted(set(raw) - set(LISTING_FIELDS)):
        problem(field, "is not a listing field")
    _check_slug(record["slug"], problem)
    _check_lengths(record, LISTING_LIMITS, problem)
    for field in ("name", "summary", "description", "how_to_apply", "provenance"):
        if not isinstance(record[field], str) or not record[field]:
            problem(field, "is required")
    if isinstance(record["summary"], str) and len(record["summary"]) > MAX_SUMMARY_CHARS:
        problem("summary", f"is longer than {MAX_SUMMARY_CHARS} characters")
    if isinstance(record["description"], str) and (
        len(record["description"].split()) < MIN_DESCRIPTION_WORDS
    ):
        problem("description", f"has fewer than {MIN_DESCRIPTION_WORDS} words")
    if record["organisation"] not in organisation_slugs:
        problem("organisation", f"'{record['organisation']}' is not a known organisation")
    for field, taxonomy_name in (
        ("support_types", "support_types"),
        ("stages", "stages"),
        ("sectors", "sectors"),
        ("business_sizes", "business_sizes"),
    ):
        _check_terms(record[field], taxonomy.slugs(taxonomy_name), field, problem)
    for field in ("support_types", "stages", "sectors"):
        if not record[field]:
            problem(field, "needs at least one value")
    regions = record["regions"]
    if not regions:
        problem("regions", "needs at least one region, or uk-wide")
    elif UK_WIDE in regions and len(regions) > 1:
        problem("regions", "is either uk-wide or a list of regions, not both")
    elif UK_WIDE not in regions:
        _check_terms(regions, taxonomy.slugs("regions"), "regions", problem)
    if not all(isinstance(tag, str) and tag == tag.lower() for tag in record["tags"]):
        problem("tags", "must be lower-case words")
    elif any(len(tag) > MAX_TAG_CHARS for tag in record["tags"]):
        problem("tags", f"each tag must be {MAX_TAG_CHARS} characters or fewer")
    for position, location in enumerate(raw.get("locations") or [], start=1):
        if not isinstance(location, dict):
            problem(f"locations[{position}]", "must be a mapping")
            continue
        for field in sorted(set(location) - set(LOCATION_FIELDS)):
            problem(f"locations[{position}].{field}", "is not a location field")
        if not location.get("town"):
            problem(f"locations[{position}].town", "is required")
        for field, limit in LOCATION_LIMITS.items():
            value = location.get(field)
            if value is not None and not isinstance(value, str | int):
                problem(f"locations[{position}].{field}", "must be text")
            elif value is not None and len(str(value)) > limit:
                problem(f"locations[{position}].{field}", f"must be {limit} characters or fewer")
        postcode = location.get("postcode")
        if postcode and not POSTCODE_PATTERN.match(format_postcode(str(postcode))):
            problem(f"locations[{position}].postcode", f"'{postcode}' is not a UK postcode")
    _check_url(record["website"], problem)
    for field in ("funding_min", "funding_max"):
        value = record[field]
        if value is not None and (type(value) is not int or not 0 <= value <= MAX_AMOUNT):
            problem(field, f"must be a whole number of pounds from 0 to {MAX_AMOUNT:,}")
    if (
        type(record["funding_min"]) is int
        and type(record["funding_max"]) is int
        and record["funding_min"] > record["funding_max"]
    ):
        problem("funding_min", "is more than funding_max")
    if record["equity_taken"] is not None and not isinstance(record["equity_taken"], bool):
        problem("equity_taken", "must be true or false")
    if record["application_status"] not in APPLICATION_STATUSES:
        problem("application_status", f"must be one of {', '.join(APPLICATION_STATUSES)}")
    if record["status"] not in LISTING_STATUSES:
        problem("status", f"must be one of {', '.join(LISTING_STATUSES)}")
    for field in ("opens_on", "deadline"):
        if record[field] is not None and not isinstance(record[field], date):
            problem(field, "must be a date written as YYYY-MM-DD")
    if record["application_status"] == "opens" and record["opens_on"] is None:
        problem("opens_on", "is required when application_status is opens")
    if record["opens_on"] is not None and record["application_status"] != "opens":
        problem("opens_on", "is only used when application_status is opens")
    return problems


def _check_slug(slug, problem) -> None:
    """Slugs are part of URLs: lower-case letters, digits and single hyphens."""
    if not isinstance(slug, str) or not SLUG_PATTERN.match(slug):
        problem("slug", f"'{slug}' must be lower-case letters, digits and hyphens")


def _check_terms(values: list, allowed: list[str], field: str, problem) -> None:
    """Every value must be a slug of the fixed taxonomy."""
    for value in values:
        if value not in allowed:
            problem(field, f"'{value}' is not one of the fixed {field.replace('_', ' ')}")
    if len(set(map(str, values))) != len(values):
        problem(field, "repeats a value")


def _check_url(url, problem, field: str = "website") -> None:
    """Links must be absolute http(s) addresses with a host: never javascript: or data:."""
    if url is None:
        return
    if web_address_problem(str(url)):
        problem(field, f"'{str(url)[:80]}' is not a web address starting http:// or https://")


def _check_lengths(record: dict, limits: dict[str, int | None], problem) -> None:
    """Text must fit the column it is stored in."""
    for field, limit in limits.items():
        value = record.get(field)
        if isinstance(value, str) and limit is not None and len(value) > limit:
            problem(field, f"must be {limit:,} characters or fewer")
