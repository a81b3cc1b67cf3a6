"""Owner forms: a listing, a request to manage an organisation, a proposed organisation."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
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
from directory.i18n import in_welsh, term_label
from directory.inputs import column_length, is_whole_number, web_address_problem
from directory.states import ApplicationStatus
from directory.taxonomy import UK_WIDE

LOCATION_SLOTS = 3
TEXT_MAX = 5000
LINE_MAX = 200
NAME_MAX = column_length(Listing.name)
ORGANISATION_NAME_MAX = column_length(Organisation.name)
ANSWER_MAX = 1000
ORGANISATION_DESCRIPTION_MAX = 2000
# The owner's Welsh text, as the listing shows it on Welsh pages (all optional).
WELSH_FIELDS = ("name_cy", "summary_cy", "description_cy", "eligibility_cy", "how_to_apply_cy")


def _length(maximum: int, message: str) -> Length:
    """At most `maximum` characters; `message` says so in a whole sentence about the field."""
    return Length(max=maximum, message=message)


def _most(maximum: int) -> str:
    """A length limit as a sentence shows it: 5,000."""
    return f"{maximum:,}"


def web_address(_form: FlaskForm, field: StringField) -> None:
    """Only http(s) links are stored: a javascript: address would become a link on a page."""
    if field.data and web_address_problem(field.data.strip()):
        raise ValidationError(_("Enter a web address starting http:// or https://"))


class ListingForm(FlaskForm):
    """Everything an owner says about a listing; domain rules are the catalogue's own."""

    name = StringField(
        _l("Name"),
        [
            InputRequired(_l("Enter the name")),
            _length(
                NAME_MAX,
                _l("Name must be %(maximum)s characters or fewer", maximum=_most(NAME_MAX)),
            ),
        ],
    )
    summary = TextAreaField(
        _l("Summary"),
        [
            InputRequired(_l("Enter a summary")),
            _length(
                MAX_SUMMARY_CHARS,
                _l(
                    "Summary must be %(maximum)s characters or fewer",
                    maximum=_most(MAX_SUMMARY_CHARS),
                ),
            ),
        ],
    )
    description = TextAreaField(
        _l("Description"),
        [
            InputRequired(_l("Enter a description")),
            _length(
                TEXT_MAX,
                _l("Description must be %(maximum)s characters or fewer", maximum=_most(TEXT_MAX)),
            ),
        ],
    )
    support_types = SelectMultipleField(_l("Type of support"), validate_choice=False)
    stages = SelectMultipleField(_l("Business stages"), validate_choice=False)
    sectors = SelectMultipleField(_l("Sectors"), validate_choice=False)
    regions = SelectMultipleField(_l("Where"), validate_choice=False)
    business_sizes = SelectMultipleField(_l("Business size"), validate_choice=False)
    tags = StringField(
        _l("Tags"),
        [
            Optional(),
            _length(
                LINE_MAX,
                _l("Tags must be %(maximum)s characters or fewer", maximum=_most(LINE_MAX)),
            ),
        ],
    )
    # Whether it is a web address is the catalogue's rule, checked with the others.
    website = StringField(
        _l("Website"),
        [
            Optional(),
            _length(
                column_length(Listing.website),
                _l(
                    "Website must be %(maximum)s characters or fewer",
                    maximum=_most(column_length(Listing.website)),
                ),
            ),
        ],
    )
    contact_email = StringField(
        _l("Email address for enquiries"),
        [
            Optional(),
            _length(
                column_length(Listing.contact_email),
                _l(
                    "Email address must be %(maximum)s characters or fewer",
                    maximum=_most(column_length(Listing.contact_email)),
                ),
            ),
        ],
    )
    contact_phone = StringField(
        _l("Phone number"),
        [
            Optional(),
            _length(
                column_length(Listing.contact_phone),
                _l(
                    "Phone number must be %(maximum)s characters or fewer",
                    maximum=_most(column_length(Listing.contact_phone)),
                ),
            ),
        ],
    )
    contact_form = StringField(
        _l("Enquiry or application form"),
        [
            Optional(),
            _length(
                column_length(Listing.contact_form),
                _l(
                    "Form address must be %(maximum)s characters or fewer",
                    maximum=_most(column_length(Listing.contact_form)),
                ),
            ),
        ],
    )
    how_to_apply = TextAreaField(
        _l("How to apply"),
        [
            InputRequired(_l("Say how to apply")),
            _length(
                TEXT_MAX,
                _l("How to apply must be %(maximum)s characters or fewer", maximum=_most(TEXT_MAX)),
            ),
        ],
    )
    cost = StringField(
        _l("Cost to the founder"),
        [
            Optional(),
            _length(
                LINE_MAX * 2,
                _l("Cost must be %(maximum)s characters or fewer", maximum=_most(LINE_MAX * 2)),
            ),
        ],
    )
    funding_min = StringField(
        _l("Smallest amount (£)"),
        [Optional(), _length(12, _l("Amount must be %(maximum)s characters or fewer", maximum=12))],
    )
    funding_max = StringField(
        _l("Largest amount (£)"),
        [Optional(), _length(12, _l("Amount must be %(maximum)s characters or fewer", maximum=12))],
    )
    equity_taken = SelectField(
        _l("Does it take equity?"),
        choices=[
            SelectChoice("", _l("Not applicable")),
            SelectChoice("no", _l("No")),
            SelectChoice("yes", _l("Yes")),
        ],
        validate_choice=False,
    )
    eligibility = TextAreaField(
        _l("Eligibility"),
        [
            Optional(),
            _length(
                TEXT_MAX,
                _l("Eligibility must be %(maximum)s characters or fewer", maximum=_most(TEXT_MAX)),
            ),
        ],
    )
    application_status = SelectField(
        _l("Applications"),
        choices=[
            SelectChoice(ApplicationStatus.ROLLING, _l("Open all year")),
            SelectChoice(ApplicationStatus.OPEN, _l("Open now, for a limited time")),
            SelectChoice(ApplicationStatus.OPENS, _l("Opening on a date")),
            SelectChoice(ApplicationStatus.CLOSED, _l("Closed")),
        ],
        validate_choice=False,
    )
    opens_on = StringField(
        _l("Opens on"),
        [Optional(), _length(20, _l("Date must be %(maximum)s characters or fewer", maximum=20))],
    )
    deadline = StringField(
        _l("Deadline"),
        [Optional(), _length(20, _l("Date must be %(maximum)s characters or fewer", maximum=20))],
    )
    next_round = TextAreaField(
        _l("Next round"),
        [
            Optional(),
            _length(
                LINE_MAX * 2,
                _l(
                    "What is known of the next round must be %(maximum)s characters or fewer",
                    maximum=_most(LINE_MAX * 2),
                ),
            ),
        ],
    )
    sources = TextAreaField(
        _l("Sources"),
        [
            Optional(),
            _length(
                TEXT_MAX,
                _l("Sources must be %(maximum)s characters or fewer", maximum=_most(TEXT_MAX)),
            ),
        ],
    )
    # Welsh text, optional, with the English fields' limits; shown on Welsh pages. Labelled in
    # Welsh in both languages, as the text they hold (lang="cy"): the fieldset's legend and each
    # hint say in the page's language what they are.
    name_cy = StringField(
        "Enw",
        [
            Optional(),
            _length(
                NAME_MAX,
                _l(
                    "Name in Welsh must be %(maximum)s characters or fewer",
                    maximum=_most(NAME_MAX),
                ),
            ),
        ],
    )
    summary_cy = TextAreaField(
        "Crynodeb",
        [
            Optional(),
            _length(
                MAX_SUMMARY_CHARS,
                _l(
                    "Summary in Welsh must be %(maximum)s characters or fewer",
                    maximum=_most(MAX_SUMMARY_CHARS),
                ),
            ),
        ],
    )
    description_cy = TextAreaField(
        "Disgrifiad",
        [
            Optional(),
            _length(
                TEXT_MAX,
                _l(
                    "Description in Welsh must be %(maximum)s characters or fewer",
                    maximum=_most(TEXT_MAX),
                ),
            ),
        ],
    )
    eligibility_cy = TextAreaField(
        "Cymhwysedd",
        [
            Optional(),
            _length(
                TEXT_MAX,
                _l(
                    "Eligibility in Welsh must be %(maximum)s characters or fewer",
                    maximum=_most(TEXT_MAX),
                ),
            ),
        ],
    )
    how_to_apply_cy = TextAreaField(
        "Sut i wneud cais",
        [
            Optional(),
            _length(
                TEXT_MAX,
                _l(
                    "How to apply in Welsh must be %(maximum)s characters or fewer",
                    maximum=_most(TEXT_MAX),
                ),
            ),
        ],
    )

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
                SelectChoice(t.slug, term_label(t)) for t in taxonomy.terms(name)
            ]
        self.regions.choices = [SelectChoice(UK_WIDE, _("Anywhere in the UK"))] + [
            SelectChoice(t.slug, term_label(t)) for t in taxonomy.regions
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
            **{name: getattr(self, name).data or None for name in WELSH_FIELDS},
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
            *WELSH_FIELDS,
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
                target.errors.append(_sentence(field, problem.message, _label_of(target)))
            else:
                self.form_errors.append(_sentence(field, problem.message))


def _label_of(field: object) -> str | None:
    """A form field's label text, in the page's language (None if it has none)."""
    label = getattr(field, "label", None)
    text = getattr(label, "text", None)
    return str(text) if text else None


def _sentence(field: str, message: str, label: str | None = None) -> str:
    """Turn 'stages', 'needs at least one value' into a sentence a person reads.

    In English the message is a predicate that follows the field's name ("Stages needs at least
    one value"), as it always has. In Welsh it is a clause of its own, after the form's (Welsh)
    label for the field where it has one: "Camau busnes: dewiswch o leiaf un".
    """
    name = field.replace("_", " ").capitalize()
    if in_welsh():
        return _("%(field)s: %(message)s", field=label or name, message=message)
    return f"{name} {message}"


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


def _connection() -> TextAreaField:
    """How the user is connected to an organisation, for a moderator to check."""
    return TextAreaField(
        _l("How are you connected to this organisation?"),
        [
            InputRequired(_l("Say how you are connected to the organisation")),
            _length(
                ANSWER_MAX,
                _l(
                    "Your answer must be %(maximum)s characters or fewer", maximum=_most(ANSWER_MAX)
                ),
            ),
        ],
    )


class MembershipRequestForm(FlaskForm):
    """Why the user should manage an existing organisation."""

    message = _connection()


class OrganisationProposalForm(FlaskForm):
    """A new organisation, for moderators to check."""

    name = StringField(
        _l("Organisation name"),
        [
            InputRequired(_l("Enter the name")),
            _length(
                ORGANISATION_NAME_MAX,
                _l(
                    "Name must be %(maximum)s characters or fewer",
                    maximum=_most(ORGANISATION_NAME_MAX),
                ),
            ),
        ],
    )
    website = StringField(
        _l("Website"),
        [
            Optional(),
            _length(
                column_length(Organisation.website),
                _l(
                    "Website must be %(maximum)s characters or fewer",
                    maximum=_most(column_length(Organisation.website)),
                ),
            ),
            web_address,
        ],
    )
    description = TextAreaField(
        _l("What the organisation does"),
        [
            InputRequired(_l("Describe the organisation")),
            _length(
                ORGANISATION_DESCRIPTION_MAX,
                _l(
                    "Description must be %(maximum)s characters or fewer",
                    maximum=_most(ORGANISATION_DESCRIPTION_MAX),
                ),
            ),
        ],
    )
    # The organisation's Welsh name and description, if it publishes them (optional); labelled
    # in Welsh as the listing form's Welsh fields are.
    name_cy = StringField(
        "Enw’r sefydliad",
        [
            Optional(),
            _length(
                ORGANISATION_NAME_MAX,
                _l(
                    "Name in Welsh must be %(maximum)s characters or fewer",
                    maximum=_most(ORGANISATION_NAME_MAX),
                ),
            ),
        ],
    )
    description_cy = TextAreaField(
        "Beth mae’r sefydliad yn ei wneud",
        [
            Optional(),
            _length(
                ORGANISATION_DESCRIPTION_MAX,
                _l(
                    "Description in Welsh must be %(maximum)s characters or fewer",
                    maximum=_most(ORGANISATION_DESCRIPTION_MAX),
                ),
            ),
        ],
    )
    message = _connection()


class ReasonForm(FlaskForm):
    """A moderator's reason for a decision."""

    reason = TextAreaField(
        _l("Reason"),
        [
            InputRequired(_l("Give a reason")),
            _length(
                ANSWER_MAX,
                _l("Reason must be %(maximum)s characters or fewer", maximum=_most(ANSWER_MAX)),
            ),
        ],
    )
