"""The home page."""

from datetime import date

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

blueprint = Blueprint("main", __name__)

# When the accessibility statement was written, and when it was last reviewed.
STATEMENT_PREPARED = date(2026, 11, 30)
STATEMENT_REVIEWED = date(2026, 11, 30)


@blueprint.get("/")
def index() -> ResponseReturnValue:
    """Search box, quick links by region and stage, and what the service is."""
    return render_template("main/index.html")


@blueprint.get("/about")
def about() -> ResponseReturnValue:
    """What the service is, where its facts come from and what it records."""
    return render_template("main/about.html")


@blueprint.get("/accessibility")
def accessibility() -> ResponseReturnValue:
    """The accessibility statement: the standard, how it was tested, known issues."""
    return render_template(
        "main/accessibility.html",
        statement_prepared=STATEMENT_PREPARED,
        statement_reviewed=STATEMENT_REVIEWED,
    )


@blueprint.get("/privacy")
def privacy() -> ResponseReturnValue:
    """The privacy notice: what is recorded, what never is, for how long, and who sees it."""
    return render_template("main/privacy.html")
