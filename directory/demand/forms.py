"""Forms of the insights pages."""

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class TokenForm(FlaskForm):
    """Name a new API token."""

    name = StringField(
        "Name of the token",
        validators=[
            DataRequired("Enter a name for the token"),
            Length(max=100, message="The name must be 100 characters or fewer"),
        ],
    )
