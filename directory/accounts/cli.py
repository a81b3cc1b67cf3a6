"""`flask users ...`: bootstrap the first admin from the command line."""

import sys

import click
from flask.cli import with_appcontext

from directory.accounts import services
from directory.accounts.models import ROLES
from directory.accounts.passwords import password_problem
from directory.transactions import commit


@click.group("users", help="Manage user accounts.")
def users_cli() -> None:
    """Group of user commands."""


@users_cli.command("create", help="Create a user; the password is read from a prompt or stdin.")
@click.argument("email")
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=click.Choice(ROLES),
    help="A role to grant; repeat for several.",
)
@with_appcontext
def create_command(email: str, roles: tuple[str, ...]) -> None:
    """Create an active user with the given roles."""
    # Checked before the password is asked for, so a mistyped address costs no typing.
    if "@" not in email or len(email) > 254:
        raise click.ClickException(f"'{email}' is not an email address")
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    problem = password_problem(password, email)
    if problem:
        raise click.ClickException(problem)
    try:
        user = services.create_user(email, password, roles=roles)
    except services.AccountError as error:
        raise click.ClickException(str(error)) from None
    commit()
    click.echo(f"created {user.email} with roles: {', '.join(sorted(user.roles)) or 'none'}")


@users_cli.command(
    "prune", help="Delete registrations whose confirmation link expired unused (run daily)."
)
@with_appcontext
def prune_command() -> None:
    """Remove unconfirmed registrations older than the confirmation link's life."""
    removed = services.prune_registrations()
    commit()
    click.echo(f"removed {removed} expired registration(s)")
