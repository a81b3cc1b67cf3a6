"""The feedback form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from directory.feedback.models import Feedback
from directory.i18n import number
from directory.inputs import column_length

MESSAGE_MAX = 2000
TOO_LONG = _l("Feedback must be %(max)s characters or fewer", max=number(MESSAGE_MAX))


class FeedbackForm(FlaskForm):
    """What someone wants to tell us, and an address only if they want a reply."""

    message = TextAreaField(
        _l("What would you like to tell us?"),
        [
            # Spaces alone are no feedback: the message is stripped before this check.
            DataRequired(_l("Enter your feedback")),
            Length(max=MESSAGE_MAX, message=TOO_LONG),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )
    email = EmailField(
        _l("Email address (optional)"),
        [
            Optional(),
            Length(max=column_length(Feedback.email), message=_l("Email address is too long")),
            Email(_l("Enter an email address in the correct format, like name@example.com"),
                  check_deliverability=False),
        ],
    )  # fmt: skip
    page = HiddenField()
