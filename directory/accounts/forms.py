"""Account forms. Every state-changing form is a FlaskForm, so it carries a CSRF token."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import Email, EqualTo, InputRequired, Length, ValidationError

from directory.accounts.passwords import MAX_LENGTH, password_problem

EMAIL_MAX = 254


class EmptyForm(FlaskForm):
    """A form with only a CSRF token, for buttons that change something."""


class EmailForm(FlaskForm):
    """Asks for an email address."""

    email = EmailField(
        _l("Email address"),
        validators=[
            InputRequired(_l("Enter your email address")),
            Length(
                max=EMAIL_MAX,
                message=_l(
                    "Email address must be %(maximum)s characters or fewer", maximum=EMAIL_MAX
                ),
            ),
            Email(
                _l("Enter an email address in the correct format, like name@example.com"),
                check_deliverability=False,
            ),
        ],
    )


class LoginForm(EmailForm):
    """Email and password."""

    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Enter your password")), Length(max=MAX_LENGTH * 4)],
    )


class NewPasswordMixin:
    """A new password, checked against the policy, typed twice."""

    password = PasswordField(
        _l("Create a password"), validators=[InputRequired(_l("Enter a password"))]
    )
    confirm = PasswordField(
        _l("Confirm password"),
        validators=[
            InputRequired(_l("Confirm your password")),
            EqualTo("password", message=_l("The passwords do not match")),
        ],
    )

    def validate_password(self, field: PasswordField) -> None:
        """Length and common-password checks, with no composition rules."""
        # The address the password belongs to, so it cannot be the password.
        email = self.email.data if hasattr(self, "email") else getattr(self, "account_email", "")
        problem = password_problem(field.data or "", email or "")
        if problem:
            raise ValidationError(problem)


class RegisterForm(EmailForm):
    """Only an email address: the password is set from the link sent to it."""


class CreatePasswordForm(NewPasswordMixin, FlaskForm):
    """The first password, reached from a confirmation link."""


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    """A new password, reached from an emailed link."""


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    """The current password and a new one."""

    current = PasswordField(
        _l("Current password"), validators=[InputRequired(_l("Enter your password"))]
    )
