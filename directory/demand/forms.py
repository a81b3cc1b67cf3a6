"""Forms of the insights pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class TokenForm(FlaskForm):
    """Name a new API token."""

    name = StringField(
        _l("Name of the token"),
        validators=[
            DataRequired(_l("Enter a name for the token")),
            Length(max=100, message=_l("The name must be 100 characters or fewer")),
        ],
    )
