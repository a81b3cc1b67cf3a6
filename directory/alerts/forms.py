"""The alert form: an address and how often. The search itself travels in hidden fields."""

from flask_babel import lazy_gettext as _l
from wtforms import (  # type: ignore[attr-defined]  # SelectChoice: WTForms 3.3; stubs are 3.2
    HiddenField,
    RadioField,
    SelectChoice,
)
from wtforms.validators import AnyOf, InputRequired

from directory.accounts.forms import EmailForm
from directory.alerts.models import FREQUENCIES, KINDS


class AlertForm(EmailForm):
    """Ask for email alerts about a search or a questionnaire's answers."""

    frequency = RadioField(
        _l("How often should we email you?"),
        choices=[
            SelectChoice("daily", _l("Daily, when there is something new")),
            SelectChoice("weekly", _l("Weekly, when there is something new")),
        ],
        default="weekly",
        validators=[InputRequired(_l("Choose how often we should email you")), AnyOf(FREQUENCIES)],
    )
    kind = HiddenField(validators=[AnyOf(KINDS)])
    query = HiddenField()
