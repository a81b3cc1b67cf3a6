"""Catalogue records: the plain-dict shape of organisations and listings in seed_data/.

The same shape is validated, loaded into the database, and read back from it, so a loader
can tell created, updated and unchanged records apart by comparing records. Seed data,
imports and owners' forms all pass through `validate_listing`, so they obey one set of rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from typing import Any, TypedDict, cast

from flask_babel import gettext as _

from directory.catalogue.models import Listing, Location, Organisation
from directory.inputs import MAX_AMOUNT, column_length, web_address_problem
from directory.states import ApplicationStatus, ListingStatus
from directory.taxonomy import UK_WIDE, Taxonomy

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
POSTCODE_PATTERN = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_PATTERN = re.compile(r"^\+?[0-9 ()-]{7,20}$")
APPLICATION_STATUSES = tuple(ApplicationStatus)
LISTING_STATUSES = tuple(ListingStatus)
MIN_DESCRIPTION_WORDS = 30
MAX_SUMMARY_CHARS = 300

# Text a Welsh page shows instead of the English, where the organisation publishes it in Welsh.
WELSH_ORGANISATION_FIELDS = ("name_cy", "description_cy")
WELSH_LISTING_FIELDS = ("name_cy", "summary_cy", "description_cy", "eligibility_cy",
                        "how_to_apply_cy")  # fmt: skip
ORGANISATION_FIELDS = ("slug", "name", "website", "description", *WELSH_ORGANISATION_FIELDS,
                       "sources")  # fmt: skip
LOCATION_FIELDS = ("name", "address", "town", "postcode")
CONTACT_FIELDS = ("email", "phone", "form")
LISTING_FIELDS = (
    "slug", "name", "organisation", "summary", "description", "support_types", "stages",
    "sectors", "regions", "business_sizes", "tags", "locations", "website", "contact",
    "how_to_apply", "cost", "funding_min", "funding_max", "equity_taken", "eligibility",
    "application_status", "opens_on", "deadline", "next_round", "status", "closed_on",
    *WELSH_LISTING_FIELDS, "sources",
)  # fmt: skip
LIST_FIELDS = ("support_types", "stages", "sectors", "regions", "business_sizes", "tags")
DATE_FIELDS = ("opens_on", "deadline", "closed_on")
# What a source may say it supports: any listing or organisation field, or a location's part.
SUPPORTABLE = {
    *LISTING_FIELDS,
    *ORGANISATION_FIELDS,
    *(f"locations.{part}" for part in LOCATION_FIELDS),
    *(f"contact.{part}" for part in CONTACT_FIELDS),
} - {"slug", "sources"}
# Text limits come from the columns the text is stored in, so forms, imports and seed data
# all refuse what the database could not hold.
ORGANISATION_LIMITS = {
    field: column_length(getattr(Organisation, field))
    for field in ("slug", "name", "website", "name_cy")
}
LISTING_LIMITS = {
    field: column_length(getattr(Listing, field))
    for field in ("slug", "name", "summary", "website", "name_cy", "summary_cy")
}
LOCATION_LIMITS = {field: column_length(getattr(Location, field)) for field in LOCATION_FIELDS}
CONTACT_LIMITS = {
    part: column_length(getattr(Listing, f"contact_{part}")) for part in CONTACT_FIELDS
}
MAX_TAG_CHARS = 60

# A record as read from YAML, CSV or a form: its values are whatever was written, until validated.
Record = dict[str, Any]


class OrganisationRecord(TypedDict):
    """An organisation as seed files, imports and forms describe it (normalised: every field)."""

    slug: str
    name: str
    website: str | None
    description: str | None
    name_cy: str | None
    description_cy: str | None
    sources: Any  # a list of {url, retrieved, supports} once validate_organisation passes


class ListingRecord(TypedDict):
    """A listing as seed files, imports and forms describe it (normalised: every field present;
    the scalar values are what was written until validate_listing finds no problem)."""

    slug: str
    name: str
    organisation: str
    summary: str
    description: str
    support_types: list[str]
    stages: list[str]
    sectors: list[str]
    regions: list[str]
    business_sizes: list[str]
    tags: list[str]
    locations: list[dict[str, Any]]
    website: str | None
    contact: Any  # {email, phone, form} or None
    how_to_apply: str | None
    cost: str | None
    funding_min: Any  # a whole number of pounds
    funding_max: Any
    equity_taken: Any  # True, False or None (not known)
    eligibility: str | None
    application_status: str
    opens_on: Any  # a date
    deadline: Any
    next_round: str | None
    status: str
    closed_on: Any
    name_cy: str | None
    summary_cy: str | None
    description_cy: str | None
    eligibility_cy: str | None
    how_to_apply_cy: str | None
    sources: Any


# Called with a field and what is wrong with it. The message is a predicate that follows the
# field's name ("Description has fewer than 30 words"), written with gettext when the problem is
# found: English outside a request (the CLI) and on English pages, Welsh on a Welsh page.
RecordProblem = Callable[[str, str], None]


@dataclass(frozen=True)
class Problem:
    """One reason a record cannot be loaded."""

    source: str
    record: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.record}: {self.field}: {self.message}"


def normalise_organisation(raw: Mapping[str, Any]) -> OrganisationRecord:
    """Return an organisation record with every field present."""
    record = {field: _clean(raw.get(field)) for field in ORGANISATION_FIELDS}
    record["sources"] = normalise_sources(raw.get("sources"))
    return cast(OrganisationRecord, record)


def normalise_listing(raw: Mapping[str, Any]) -> ListingRecord:
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
    record["contact"] = normalise_contact(raw.get("contact"))
    record["sources"] = normalise_sources(raw.get("sources"))
    record["application_status"] = record["application_status"] or ApplicationStatus.ROLLING
    record["status"] = record["status"] or ListingStatus.ACTIVE
    return cast(ListingRecord, record)


def normalise_contact(raw: object) -> object:
    """The contact mapping with only the parts given, or None; a non-mapping is left for checks."""
    if not isinstance(raw, dict):
        return raw or None
    contact = {part: _clean(raw.get(part)) for part in CONTACT_FIELDS if _clean(raw.get(part))}
    extra = {key: value for key, value in raw.items() if key not in CONTACT_FIELDS}
    return {**contact, **extra} or None


def normalise_sources(raw: object) -> object:
    """Sources as a list of {url, retrieved, supports}, retrieval dates as dates (or as found)."""
    if not isinstance(raw, list):
        return raw if raw else []
    sources: list[object] = []
    for source in raw:
        if not isinstance(source, dict):
            sources.append(source)
            continue
        retrieved = source.get("retrieved")
        if isinstance(retrieved, str):
            with suppress(ValueError):  # left as text, validation names it
                retrieved = date.fromisoformat(retrieved)
        supports = source.get("supports")
        sources.append(
            {
                "url": _clean(source.get("url")),
                "retrieved": retrieved,
                "supports": list(supports) if isinstance(supports, list | tuple) else supports,
            }
        )
    return sources


def format_postcode(postcode: str) -> str:
    """Upper-case a postcode and put the single space before its inward code."""
    compact = re.sub(r"\s+", "", postcode).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def _clean(value: Any) -> Any:
    """Trim strings and turn empty strings into None, so missing and blank compare equal."""
    if isinstance(value, str):
        value = " ".join(value.split()) if "\n" not in value.strip() else value.strip()
        return value or None
    return value


def validate_organisation(
    record: OrganisationRecord, source: str, require_sources: bool = True
) -> list[Problem]:
    """Return every problem with one organisation record."""
    problems: list[Problem] = []
    name = record.get("slug") or "(organisation without slug)"

    def problem(field: str, message: str) -> None:
        problems.append(Problem(source, name, field, message))

    _check_slug(record.get("slug"), problem)
    if not isinstance(record.get("name"), str) or not record.get("name"):
        problem("name", _("is required"))
    _check_lengths(record, ORGANISATION_LIMITS, problem)
    _check_url(record.get("website"), problem)
    _check_sources(record.get("sources"), problem, require_sources)
    _check_welsh(record, WELSH_ORGANISATION_FIELDS, problem, require_sources)
    return problems


def validate_listing(
    raw: Mapping[str, Any],
    record: ListingRecord,
    source: str,
    taxonomy: Taxonomy,
    organisation_websites: dict[str, str | None],
    require_sources: bool = True,
) -> list[Problem]:
    """Return every problem with one listing record.

    `organisation_websites` maps each known organisation's slug to its website: a listing
    without its own website or contact is acted on through its organisation's.
    """
    problems: list[Problem] = []
    name = record.get("slug") or f"(listing {record.get('name') or 'without slug'})"

    def problem(field: str, message: str) -> None:
        problems.append(Problem(source, name, field, message))

    for field in sorted(set(raw) - set(LISTING_FIELDS)):
        problem(field, _("is not a listing field"))
    _check_slug(record["slug"], problem)
    _check_lengths(record, LISTING_LIMITS, problem)
    # Read by field name in the loops below.
    fields: Mapping[str, Any] = record
    for field in ("name", "summary", "description", "how_to_apply"):
        if not isinstance(fields[field], str) or not fields[field]:
            problem(field, _("is required"))
    for field in ("summary", "summary_cy"):
        if isinstance(fields[field], str) and len(fields[field]) > MAX_SUMMARY_CHARS:
            problem(field, _("is longer than %(count)s characters", count=MAX_SUMMARY_CHARS))
    if isinstance(record["description"], str) and (
        len(record["description"].split()) < MIN_DESCRIPTION_WORDS
    ):
        problem("description", _("has fewer than %(count)s words", count=MIN_DESCRIPTION_WORDS))
    if record["organisation"] not in organisation_websites:
        problem(
            "organisation",
            _("'%(value)s' is not a known organisation", value=record["organisation"]),
        )
    for field in ("support_types", "stages", "sectors", "business_sizes"):
        _check_terms(fields[field], taxonomy.slugs(field), field, problem)
    for field in ("support_types", "stages", "sectors"):
        if not fields[field]:
            problem(field, _("needs at least one value"))
    regions = record["regions"]
    if not regions:
        problem("regions", _("needs at least one region, or uk-wide"))
    elif UK_WIDE in regions and len(regions) > 1:
        problem("regions", _("is either uk-wide or a list of regions, not both"))
    elif UK_WIDE not in regions:
        _check_terms(regions, taxonomy.slugs("regions"), "regions", problem)
    if not all(isinstance(tag, str) and tag == tag.lower() for tag in record["tags"]):
        problem("tags", _("must be lower-case words"))
    elif any(len(tag) > MAX_TAG_CHARS for tag in record["tags"]):
        problem("tags", _("each tag must be %(count)s characters or fewer", count=MAX_TAG_CHARS))
    _check_locations(raw, problem)
    _check_url(record["website"], problem)
    _check_contact(record["contact"], problem)
    if not (
        record["website"] or record["contact"] or organisation_websites.get(record["organisation"])
    ):
        problem("website", _("a way to act is required: a website or a contact (here or on the "
                             "organisation)"))  # fmt: skip
    _check_amounts(record, problem)
    _check_rounds(record, problem)
    _check_sources(record["sources"], problem, require_sources)
    _check_welsh(record, WELSH_LISTING_FIELDS, problem, require_sources)
    return problems


def _check_welsh(
    record: Mapping[str, Any], fields: tuple[str, ...], problem: RecordProblem, cited: bool
) -> None:
    """Welsh text is text; where sources are required, a source must say it gives the Welsh
    (Welsh text comes from the organisation's own Welsh page, never from a translation here)."""
    sources = record.get("sources")
    supported = {
        field
        for source in (sources if isinstance(sources, list) else [])
        if isinstance(source, dict) and isinstance(source.get("supports"), list)
        for field in source["supports"]
    }
    for field in fields:
        value = record.get(field)
        if value is None:
            continue
        if not isinstance(value, str):
            problem(field, _("must be text"))
        elif cited and field not in supported:
            problem(
                field, _("needs a source whose `supports` names it (the Welsh page it is from)")
            )


def _check_locations(raw: Mapping[str, Any], problem: RecordProblem) -> None:
    """Each location needs a town; every part must fit its column; postcodes look like one."""
    for position, location in enumerate(raw.get("locations") or [], start=1):
        if not isinstance(location, dict):
            problem(f"locations[{position}]", _("must be a mapping"))
            continue
        for field in sorted(set(location) - set(LOCATION_FIELDS)):
            problem(f"locations[{position}].{field}", _("is not a location field"))
        if not location.get("town"):
            problem(f"locations[{position}].town", _("is required"))
        for field, limit in LOCATION_LIMITS.items():
            value = location.get(field)
            if value is not None and not isinstance(value, str | int):
                problem(f"locations[{position}].{field}", _("must be text"))
            elif value is not None and len(str(value)) > limit:
                problem(
                    f"locations[{position}].{field}",
                    _("must be %(count)s characters or fewer", count=limit),
                )
        postcode = location.get("postcode")
        if postcode and not POSTCODE_PATTERN.match(format_postcode(str(postcode))):
            problem(
                f"locations[{position}].postcode",
                _("'%(value)s' is not a UK postcode", value=postcode),
            )


def _check_contact(contact: object, problem: RecordProblem) -> None:
    """A contact has an email address, a phone number and/or a form's web address."""
    if contact is None:
        return
    if not isinstance(contact, dict):
        problem("contact", _("must be a mapping of email, phone and form"))
        return
    for key in sorted(set(contact) - set(CONTACT_FIELDS)):
        problem(f"contact.{key}", _("is not a contact field (email, phone, form)"))
    for part, limit in CONTACT_LIMITS.items():
        value = contact.get(part)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            problem(
                f"contact.{part}", _("must be text of %(count)s characters or fewer", count=limit)
            )
    email, phone = contact.get("email"), contact.get("phone")
    if isinstance(email, str) and not EMAIL_PATTERN.match(email):
        problem("contact.email", _("'%(value)s' is not an email address", value=email[:80]))
    if isinstance(phone, str) and not PHONE_PATTERN.match(phone):
        problem("contact.phone", _("'%(value)s' is not a phone number", value=phone[:40]))
    if contact.get("form") is not None:
        _check_url(contact["form"], problem, "contact.form")


def _check_amounts(record: Mapping[str, Any], problem: RecordProblem) -> None:
    """Amounts are whole pounds that fit the database, the smallest no more than the largest."""
    largest = f"{MAX_AMOUNT:,}"  # 2,000,000,000
    for field in ("funding_min", "funding_max"):
        value = record[field]
        if value is not None and (type(value) is not int or not 0 <= value <= MAX_AMOUNT):
            problem(
                field, _("must be a whole number of pounds from 0 to %(maximum)s", maximum=largest)
            )
    if (
        type(record["funding_min"]) is int
        and type(record["funding_max"]) is int
        and record["funding_min"] > record["funding_max"]
    ):
        problem("funding_min", _("is more than funding_max"))
    if record["equity_taken"] is not None and not isinstance(record["equity_taken"], bool):
        problem("equity_taken", _("must be true or false"))


def _check_rounds(record: Mapping[str, Any], problem: RecordProblem) -> None:
    """Statuses and dates: rounds say what is known of the next; ended programmes say when."""
    if record["application_status"] not in APPLICATION_STATUSES:
        problem(
            "application_status",
            _("must be one of %(values)s", values=", ".join(APPLICATION_STATUSES)),
        )
    if record["status"] not in LISTING_STATUSES:
        problem("status", _("must be one of %(values)s", values=", ".join(LISTING_STATUSES)))
    for field in DATE_FIELDS:
        if record[field] is not None and not isinstance(record[field], date):
            problem(field, _("must be a date written as YYYY-MM-DD"))
    if record["next_round"] is not None and not isinstance(record["next_round"], str):
        problem("next_round", _("must be text"))
    if record["application_status"] == ApplicationStatus.OPENS and record["opens_on"] is None:
        problem("opens_on", _("is required when application_status is opens"))
    if record["opens_on"] is not None and record["application_status"] != ApplicationStatus.OPENS:
        problem("opens_on", _("is only used when application_status is opens"))
    if record["status"] == ListingStatus.CLOSED and record["closed_on"] is None:
        problem("closed_on", _("is required when status is closed: when did it end?"))
    if record["closed_on"] is not None and record["status"] != ListingStatus.CLOSED:
        problem("closed_on", _("is only used when status is closed"))
    between_rounds = (
        record["application_status"] == ApplicationStatus.CLOSED
        and record["status"] != ListingStatus.CLOSED
    )
    if between_rounds and not (record["opens_on"] or record["next_round"]):
        problem("next_round", _("between rounds: say what is known of the next round"))


def _check_sources(sources: object, problem: RecordProblem, required: bool) -> None:
    """Each source is a web address, the date it was read and the fields it supports."""
    if not isinstance(sources, list):
        problem("sources", _("must be a list of {url, retrieved, supports}"))
        return
    if required and not sources:
        problem("sources", _("at least one source is required: where can each fact be checked?"))
    for number, source in enumerate(sources, start=1):
        label = f"sources[{number}]"
        if not isinstance(source, dict):
            problem(label, _("must be a mapping of url, retrieved and supports"))
            continue
        _check_url(source.get("url"), problem, f"{label}.url")
        if source.get("url") is None:
            problem(f"{label}.url", _("is required"))
        retrieved = source.get("retrieved")
        if not isinstance(retrieved, date):
            problem(f"{label}.retrieved", _("must be the date it was read, as YYYY-MM-DD"))
        elif retrieved > date.today():
            problem(f"{label}.retrieved", _("is in the future"))
        supports = source.get("supports")
        if not isinstance(supports, list) or not supports:
            problem(f"{label}.supports", _("must list the fields the source supports"))
        else:
            unknown = [str(field) for field in supports if field not in SUPPORTABLE]
            if unknown:
                problem(
                    f"{label}.supports",
                    _("names unknown fields: %(fields)s", fields=", ".join(unknown)),
                )


def _check_slug(slug: object, problem: RecordProblem) -> None:
    """Slugs are part of URLs: lower-case letters, digits and single hyphens."""
    if not isinstance(slug, str) or not SLUG_PATTERN.match(slug):
        problem("slug", _("'%(value)s' must be lower-case letters, digits and hyphens", value=slug))


def _check_terms(values: list[Any], allowed: list[str], field: str, problem: RecordProblem) -> None:
    """Every value must be a slug of the fixed taxonomy."""
    for value in values:
        if value not in allowed:
            problem(field, _not_a_term(field, value))
    if len(set(map(str, values))) != len(values):
        problem(field, _("repeats a value"))


def _not_a_term(field: str, value: object) -> str:
    """What is wrong with a value that is not a slug of the taxonomy `field`: a whole sentence
    for each taxonomy, so each language names it in its own words."""
    if field == "support_types":
        return _("'%(value)s' is not one of the fixed support types", value=value)
    if field == "stages":
        return _("'%(value)s' is not one of the fixed stages", value=value)
    if field == "sectors":
        return _("'%(value)s' is not one of the fixed sectors", value=value)
    if field == "business_sizes":
        return _("'%(value)s' is not one of the fixed business sizes", value=value)
    if field == "regions":
        return _("'%(value)s' is not one of the fixed regions", value=value)
    return f"'{value}' is not one of the fixed {field.replace('_', ' ')}"


def _check_url(url: object, problem: RecordProblem, field: str = "website") -> None:
    """Links must be absolute http(s) addresses with a host: never javascript: or data:."""
    if url is None:
        return
    if web_address_problem(str(url)):
        problem(
            field,
            _("'%(value)s' is not a web address starting http:// or https://", value=str(url)[:80]),
        )


def _check_lengths(
    record: Mapping[str, Any], limits: Mapping[str, int], problem: RecordProblem
) -> None:
    """Text must fit the column it is stored in."""
    for field, limit in limits.items():
        value = record.get(field)
        if isinstance(value, str) and len(value) > limit:
            most = f"{limit:,}"  # 1,000
            problem(field, _("must be %(count)s characters or fewer", count=most))
