"""Register, confirm, sign in and out, change and reset passwords: /account/..."""

from collections.abc import Callable
from functools import partial
from typing import ParamSpec, TypeVar

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from directory.accounts import services
from directory.accounts.forms import (
    ChangePasswordForm,
    CreatePasswordForm,
    EmailForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
)
from directory.accounts.models import User
from directory.accounts.passwords import verify_password
from directory.extensions import limiter
from directory.inputs import required_text
from directory.mail import send_email
from directory.security import safe_next
from directory.transactions import after_commit, commit

blueprint = Blueprint("accounts", __name__, url_prefix="/account")

P = ParamSpec("P")
R = TypeVar("R")


def submitted_email() -> str:
    """Rate-limit key for a form's email field, so one account is limited from every address."""
    return "email:" + services.normalise_email(request.form.get("email", ""))[:254]


def submitted_email_and_address() -> str:
    """Rate-limit key for one account tried from one address."""
    return f"{submitted_email()}|{request.remote_addr}"


def _limit(limit_name: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Rate limits on a form's POSTs by client address and by the account it names."""
    address = limiter.limit(lambda: current_app.config[limit_name], methods=["POST"])
    account = limiter.limit(
        lambda: current_app.config[limit_name], methods=["POST"], key_func=submitted_email
    )
    return lambda view: address(account(view))


def _sign_in_limits(view: Callable[P, R]) -> Callable[P, R]:
    """Sign-in limits: per address, per account and address, and a higher per-account ceiling.

    Counting an account's attempts per address means someone who knows an address cannot
    lock its owner out from elsewhere; the per-account ceiling over all addresses is counted
    by the minute, so a spread-out attack slows guessing without locking anyone out for long.
    """
    limit = lambda: current_app.config["RATELIMIT_LOGIN"]  # noqa: E731
    ceiling = lambda: current_app.config["RATELIMIT_LOGIN_ACCOUNT"]  # noqa: E731
    for decorate in (
        limiter.limit(limit, methods=["POST"]),
        limiter.limit(limit, methods=["POST"], key_func=submitted_email_and_address),
        limiter.limit(ceiling, methods=["POST"], key_func=submitted_email),
    ):
        view = decorate(view)
    return view


def send_link(user: User, purpose: str, subject: str) -> None:
    """Email a signed one-time link (`confirm` or `reset`) to the user's address."""
    link = url_for(f"accounts.{purpose}", token=services.make_token(user, purpose), _external=True)
    # The page's language, so the link (built on that page) opens in the same language.
    send_email(user.email, subject, render_template(f"accounts/email/{purpose}.txt", link=link))


def tell_already_registered(email: str) -> None:
    """Email the owner of an address someone tried to register again."""
    send_email(
        email,
        _("You already have an account"),
        render_template(
            "accounts/email/already_registered.txt",
            login=url_for("accounts.login", _external=True),
            reset=url_for("accounts.forgotten", _external=True),
        ),
    )


def start_session(user: User) -> None:
    """Sign a user in on a fresh session, so no earlier session id can be fixed on them."""
    session.clear()
    login_user(user)


@blueprint.route("/register", methods=["GET", "POST"])
@_limit("RATELIMIT_REGISTER")
def register() -> ResponseReturnValue:
    """Create an account; the response never says whether the address was already registered."""
    form = RegisterForm()
    if form.validate_on_submit():
        user, pending = services.register(required_text(form.email))
        # Sent only once the commit succeeds, so a link never names an account that is not there.
        if pending:
            after_commit(partial(send_link, user, "confirm", _("Confirm your email address")))
        else:
            # Tell the owner of the address, not the person at the keyboard.
            after_commit(partial(tell_already_registered, user.email))
        commit()
        return render_template("accounts/check_email.html", email=form.email.data)
    return render_template("accounts/register.html", form=form)


@blueprint.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str) -> ResponseReturnValue:
    """From the emailed link: create the account's password, which confirms the address."""
    try:
        user = services.pending_registration(token)
    except services.AccountError as error:
        return render_template("accounts/link_problem.html", message=str(error)), 400
    form = CreatePasswordForm()
    form.account_email = user.email
    if form.validate_on_submit():
        services.complete_registration(user, required_text(form.password))
        commit()
        start_session(user)
        flash(_("Your email address is confirmed and you are signed in."))
        return redirect(url_for("manage.index"))
    return render_template("accounts/create_password.html", form=form, email=user.email)


@blueprint.route("/login", methods=["GET", "POST"])
@_sign_in_limits
def login() -> ResponseReturnValue:
    """Sign in; one message for every kind of failure, so accounts cannot be discovered."""
    form = LoginForm()
    next_url = request.args.get("next")
    if form.validate_on_submit():
        user = services.authenticate(required_text(form.email), required_text(form.password))
        if user is not None:
            commit()
            start_session(user)
            return redirect(safe_next(next_url, url_for("manage.index")))
        # WTForms makes errors a list once a form is validated; its stubs only say Sequence.
        form.password.errors.append(_("Enter a correct email address and password"))  # type: ignore[attr-defined]
    return render_template("accounts/login.html", form=form, next_url=next_url)


@blueprint.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    """Sign out here and everywhere else this account is signed in."""
    services.end_sessions(current_user)
    commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."))
    return redirect(url_for("main.index"))


@blueprint.route("/password", methods=["GET", "POST"])
@login_required
def change_password() -> ResponseReturnValue:
    """Change the password; every other session ends, this one carries on."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, required_text(form.current)):
            # A list once validated, as at sign-in; the stubs only say Sequence.
            form.current.errors.append(_("Your current password is not right"))  # type: ignore[attr-defined]
        else:
            services.set_password(current_user, required_text(form.password))
            commit()
            start_session(current_user)
            flash(_("Your password has been changed. Other devices have been signed out."))
            return redirect(url_for("manage.index"))
    return render_template("accounts/change_password.html", form=form)


@blueprint.route("/reset", methods=["GET", "POST"])
@_limit("RATELIMIT_RESET")
def forgotten() -> ResponseReturnValue:
    """Ask for a reset link; the answer is the same whether or not the address has an account."""
    form = EmailForm()
    if form.validate_on_submit():
        user = services.find_user(required_text(form.email))
        if user is not None and user.is_active:
            send_link(user, "reset", _("Reset your password"))
        return render_template("accounts/check_email.html", email=form.email.data, reset=True)
    return render_template("accounts/forgotten.html", form=form)


@blueprint.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str) -> ResponseReturnValue:
    """Set a new password from an emailed link, which then stops working."""
    try:
        user = services.user_from_token(token, "reset", services.RESET_MAX_AGE)
    except services.AccountError as error:
        return render_template("accounts/link_problem.html", message=str(error)), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.set_password(user, required_text(form.password))
        commit()
        flash(_("Your password has been reset. Sign in with your new password."))
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form)
