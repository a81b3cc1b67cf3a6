"""Role checks for views."""

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import abort
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

P = ParamSpec("P")
R = TypeVar("R")


def role_required(
    *roles: str,
) -> Callable[[Callable[P, R]], Callable[P, R | ResponseReturnValue]]:
    """Signed in and holding one of the roles (admins hold them all); otherwise 403."""

    # Someone not signed in gets login_required's redirect to the sign-in page instead.
    def decorator(view: Callable[P, R]) -> Callable[P, R | ResponseReturnValue]:
        @wraps(view)
        @login_required
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
