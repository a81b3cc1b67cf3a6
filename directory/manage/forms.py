"""Owner forms: a listing, a request to manage an organisation, a proposed organisation."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import (  # type: ignore[attr-defined]  # SelectChoice: WTForms 3.3; stubs are 3.2
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from directory.catalogue.models import Listing, Organisation
from directory.catalogue.records import (
    MAX_SUMMARY_CHARS,
    Problem,
    Record,
)
from directory.inputs import column_length, is_whole_number, web_address_problem
from directory.states import ApplicationStatus
from directory.taxonomy import UK_WIDE

LOCATION_SLOTS = 3
TEXT_MAX = 5000
LINE_MAX = 200


def _length(maximum: int, label: str) -> Length:
    return Length(max=maximum, message=f"{label} must be {maximum:,} characters or fewer")


def web_address(_form: FlaskForm, field: StringField) -> None:
    """Only http(s) links are stored: a javascript: address would become a link on a page."""
    if field.data and web_address_problem(field.data.strip()):
        raise ValidationError("Enter a web address starting http:// or https://")


class ListingForm(FlaskForm):
    """Everything an owner says about a listing; domain rules are the catalogue's own."""

    name = StringField(
        "Name", [InputRequired("Enter the name"), _length(column_length(Listing.name), "Name")]
    )
    summary = TextAreaField(
        "Summary",
        [InputRequired("Enter a summary"), _length(MAX_SUMMARY_CHARS, "Summary")],
    )
    description = TextAreaField(
        "Description", [InputRequired("Enter a description"), _length(TEXT_MAX, "Description")]
    )
    support_types = SelectMultipleField("Type of support", validate_choice=False)
    stages = SelectMultipleField("Business stages", validate_choice=False)
    sectors = SelectMultipleField("Sectors", validate_choice=False)
    regions = SelectMultipleField("Where", validate_choice=False)
    business_sizes = SelectMultipleField("Business size", validate_choice=False)
    tags = StringField("Tags", [Optional(), _length(LINE_MAX, "Tags")])
    # Whether it is a web address is the catalogue's rule, checked with the others.
    website = StringField(
        "Website", [Optional(), _length(column_length(Listing.website), "Website")]
    )
    contact_email = StringField(
        "Email address for enquiries",
        [Optional(), _length(column_length(Listing.contact_email), "Email address")],
    )
    contact_phone = StringField(
        "Phone number", [Optional(), _length(column_length(Listing.contact_phone), "Phone number")]
    )
    contact_form = StringField(
        "Enquiry or application form",
        [Optional(), _length(column_length(Listing.contact_form), "Form address")],
    )
    how_to_apply = TextAreaField(
        "How to apply", [InputRequired("Say how to apply"), _length(TEXT_MAX, "How to apply")]
    )
    cost = StringField("Cost to the founder", [Optional(), _length(LINE_MAX * 2, "Cost")])
    funding_min = StringField("Smallest amount (£)", [Optional(), _length(12, "Amount")])
    funding_max = StringField("Largest amount (£)", [Optional(), _length(12, "Amount")])
    equity_taken = SelectField(
        "Does it take equity?",
        choices=[
            SelectChoice("", "Not applicable"),
            SelectChoice("no", "No"),
            SelectChoice("yes", "Yes"),
        ],
        validate_choice=False,
    )
    eligibility = TextAreaField("Eligibility", [Optional(), _length(TEXT_MAX, "Eligibility")])
    application_status = SelectField(
        "Applications",
        choices=[
            SelectChoice(ApplicationStatus.ROLLING, "Open all year"),
            SelectChoice(ApplicationStatus.OPEN, "Open now, for a limited time"),
            SelectChoice(ApplicationStatus.OPENS, "Opening on a date"),
            SelectChoice(ApplicationStatus.CLOSED, "Closed"),
        ],
        validate_choice=False,
    )
    opens_on = StringField("Opens on", [Optional(), _length(20, "Date")])
    deadline = StringField("Deadline", [Optional(), _length(20, "Date")])
    next_round = TextAreaField(
        "Next round", [Optional(), _length(LINE_MAX * 2, "What is known of the next round")]
    )
    sources = TextAreaField("Sources", [Optional(), _length(TEXT_MAX, "Sources")])

    def __init__(
        self, *args: Any, kept_sources: list[dict[str, Any]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.location_errors: dict[str, list[str]] = {}
        # The listing's current sources, so an address kept keeps its date and fields.
        self._kept_sources = kept_sources or []
        taxonomy = current_app.extensions["taxonomy"]
        for name in ("support_types", "stages", "sectors", "business_sizes"):
            getattr(self, name).choices = [
                SelectChoice(t.slug, t.label) for t in taxonomy.terms(name)
            ]
        self.regions.choices = [SelectChoice(UK_WIDE, "Anywhere in the UK")] + [
            SelectChoice(t.slug, t.label) for t in taxonomy.regions
        ]

    def raw_record(self) -> Record:
        """The form as a catalogue record, ready for the catalogue's own validation."""
        return {
            "name": self.name.data,
            "summary": self.summary.data,
            "description": self.description.data,
            "support_types": self.support_types.data or [],
            "stages": self.stages.data or [],
            "sectors": self.sectors.data or [],
            "regions": self.regions.data or [],
            "business_sizes": self.business_sizes.data or [],
            "tags": [t.strip().lower() for t in (self.tags.data or "").split(",") if t.strip()],
            "locations": self.locations_data(),
            "website": self.website.data or None,
            "contact": {
                "email": self.contact_email.data,
                "phone": self.contact_phone.data,
                "form": self.contact_form.data,
            },
            "how_to_apply": self.how_to_apply.data,
            "cost": self.cost.data or None,
            "funding_min": _amount(self.funding_min.data),
            "funding_max": _amount(self.funding_max.data),
            "equity_taken": {"yes": True, "no": False}.get(self.equity_taken.data),
            "eligibility": self.eligibility.data or None,
            "application_status": self.application_status.data,
            "opens_on": _date(self.opens_on.data),
            "deadline": _date(self.deadline.data),
            "next_round": self.next_round.data or None,
            "sources": _sources(self.sources.data, self._kept_sources),
        }

    def locations_data(self) -> list[dict[str, str | None]]:
        """Filled-in location slots, from the request form (they are plain inputs)."""
        from flask import request

        locations = []
        for slot in range(1, LOCATION_SLOTS + 1):
            # Kept whole: the catalogue's validation names a value too long for its column.
            values = {
                field: (request.form.get(f"location-{slot}-{field}") or "").strip()
                for field in ("name", "address", "town", "postcode")
            }
            if any(values.values()):
                locations.append({key: value or None for key, value in values.items()})
        return locations

    def fill(self, record: Record) -> None:
        """Show a record in the form, for editing."""
        self.sources.data = "\n".join(source["url"] for source in record.get("sources") or [])
        for part, value in (record.get("contact") or {}).items():
            getattr(self, f"contact_{part}").data = value
        for name in (
            "name",
            "summary",
            "description",
            "website",
            "how_to_apply",
            "cost",
            "eligibility",
            "application_status",
            "next_round",
            "support_types",
            "stages",
            "sectors",
            "regions",
            "business_sizes",
        ):
            getattr(self, name).data = record.get(name)
        self.tags.data = ", ".join(record.get("tags") or [])
        for name in ("funding_min", "funding_max"):
            getattr(self, name).data = "" if record.get(name) is None else str(record[name])
        equity = record.get("equity_taken")
        self.equity_taken.data = (
            "" if equity is None else {True: "yes", False: "no"}.get(equity, "")
        )
        for name in ("opens_on", "deadline"):
            value = record.get(name)
            getattr(self, name).data = value.isoformat() if isinstance(value, date) else ""

    def add_problems(self, problems: list[Problem]) -> None:
        """Show the catalogue's validation problems against the fields they concern."""
        for problem in problems:
            field = problem.field
            if field.startswith("locations["):
                self.location_errors.setdefault(field, []).append(problem.message)
                continue
            # "contact.email" is the contact_email field; "sources[2].url" the sources box.
            field = field.replace("contact.", "contact_").split("[", 1)[0]
            target = getattr(self, field, None)
            if target is not None and hasattr(target, "errors"):
                if isinstance(target.errors, tuple):
                    target.errors = list(target.errors)
                target.errors.append(_sentence(field, problem.message))
            else:
                self.form_errors.append(_sentence(field, problem.message))


def _sentence(field: str, message: str) -> str:
    """Turn 'stages', 'needs at least one value' into a sentence a person reads."""
    label = field.replace("_", " ").capitalize()
    return f"{label} {message}"


def _amount(text: str | None) -> int | str | None:
    """Read '£25,000' as 25000; leave anything else for validation to report."""
    if not text:
        return None
    cleaned = re.sub(r"[£,\s]", "", text)
    return int(cleaned) if is_whole_number(cleaned) else text


def _sources(text: str | None, kept: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One web address per line: kept ones keep their record, new ones are read today."""
    by_url = {source["url"]: source for source in kept if isinstance(source, dict)}
    sources = []
    for url in dict.fromkeys(line.strip() for line in (text or "").splitlines() if line.strip()):
        sources.append(
            by_url.get(url) or {"url": url, "retrieved": date.today(), "supports": ["description"]}
        )
    return sources


def _date(text: str | None) -> date | str | None:
    """Read 2027-03-31 or 31/3/2027 or 31 3 2027 as a date; anything else stays text."""
    if not text:
        return None
    text = text.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    parts = re.split(r"[\s/.-]+", text)
    if len(parts) == 3 and all(is_whole_number(part) and len(part) <= 4 for part in parts):
        try:
            return date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            return text
    return text


class MembershipRequestForm(FlaskForm):
    """Why the user should manage an existing organisation."""

    message = TextAreaField(
        "How are you connected to this organisation?",
        [
            InputRequired("Say how you are connected to the organisation"),
            _length(1000, "Your answer"),
        ],
    )


class OrganisationProposalForm(FlaskForm):
    """A new organisation, for moderators to check."""

    name = StringField(
        "Organisation name",
        [InputRequired("Enter the name"), _length(column_length(Organisation.name), "Name")],
    )
    website = StringField(
        "Website",
        [Optional(), _length(column_length(Organisation.website), "Website"), web_address],
    )
    description = TextAreaField(
        "What the organisation does",
        [InputRequired("Describe the organisation"), _length(2000, "Description")],
    )
    message = TextAreaField(
        "How are you connected to this organisation?",
        [
            InputRequired("Say how you are connected to the organisation"),
            _length(1000, "Your answer"),
        ],
    )


class ReasonForm(FlaskForm):
    """A moderator's reason for a decision."""

    reason = TextAreaField("Reason", [InputRequired("Give a reason"), _length(1000, "Reason")])
