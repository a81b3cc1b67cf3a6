"""The home page."""

from flask import Blueprint, render_template

blueprint = Blueprint("main", __name__)


@blueprint.get("/")
def index():
    """Search box, quick links by region and stage, and what the service is."""
    return render_template("main/index.html")


@blueprint.get("/about")
def about():
    """What the service is, where its facts come from and what it records."""
    return render_template("main/about.html")
