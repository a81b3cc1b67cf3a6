"""The feedback form."""

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from directory.feedback.models import Feedback
from directory.inputs import column_length

MESSAGE_MAX = 2000
TOO_LONG = f"Feedback must be {MESSAGE_MAX:,} characters or fewer"


class FeedbackForm(FlaskForm):
    """What someone wants to tell us, and an address only if they want a reply."""

    message = TextAreaField(
        "What would you like to tell us?",
        [
            # Spaces alone are no feedback: the message is stripped before this check.
            DataRequired("Enter your feedback"),
            Length(
                max=MESSAGE_MAX, message=f"Feedback must be {MESSAGE_MAX:,} characters or fewer"
            ),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )
    email = EmailField(
        "Email address (optional)",
        [
            Optional(),
            Length(max=column_length(Feedback.email), message="Email address is too long"),
            Email("Enter an email address in the correct format, like name@example.com",
                  check_deliverability=False),
        ],
    )  # fmt: skip
    page = HiddenField()
