"""/feedback: anyone can tell us something, no account needed."""

from flask import Blueprint, current_app, render_template, request
from flask.typing import ResponseReturnValue

from directory.extensions import limiter
from directory.feedback.forms import FeedbackForm
from directory.feedback.services import leave_feedback, page_path
from directory.inputs import required_text
from directory.transactions import commit

blueprint = Blueprint("feedback", __name__)


@blueprint.route("/feedback", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_FEEDBACK"], methods=["POST"])
def feedback() -> ResponseReturnValue:
    """Send feedback about the service or a page; kept for the moderators."""
    form = FeedbackForm()
    if request.method == "GET":
        # The page the feedback link was on (its path only: a query may hold a search).
        form.page.data = page_path(request.args.get("page")) or page_path(request.referrer)
    if form.validate_on_submit():
        leave_feedback(required_text(form.message), form.email.data, form.page.data)
        commit()
        return render_template("feedback/thanks.html")
    return render_template("feedback/form.html", form=form)
