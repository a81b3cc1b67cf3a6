"""Moderators keep the catalogue trustworthy: /moderate/..."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from directory.accounts.forms import EmptyForm
from directory.accounts.permissions import role_required
from directory.audit.services import history
from directory.catalogue import changes
from directory.catalogue.links import problem_links
from directory.catalogue.models import Listing
from directory.catalogue.ownership import Membership
from directory.catalogue.services import stale_listings
from directory.extensions import db
from directory.feedback.models import Feedback
from directory.feedback.services import dealt_with, waiting_feedback
from directory.inputs import required_text
from directory.manage.forms import ReasonForm
from directory.manage.services import decide_membership
from directory.moderation import services
from directory.states import MembershipState, ModerationState
from directory.transactions import commit

blueprint = Blueprint("moderation", __name__, url_prefix="/moderate")


@blueprint.before_request
@role_required("moderator")
def require_moderator() -> None:
    """Every page here is for moderators and admins."""


def listing_or_404(slug: str) -> Listing:
    """Any listing, in any state."""
    return services.any_listing(slug) or abort(404)


@blueprint.get("/")
def queue() -> ResponseReturnValue:
    """Submissions, ownership requests, and listings past their check window, stalest first."""
    submitted = services.submitted_listings()
    requests = services.membership_requests()
    stale = stale_listings(limit=50)
    links = problem_links(db.session())
    feedback = waiting_feedback()
    return render_template(
        "moderation/queue.html",
        submitted=submitted,
        requests=requests,
        stale=stale,
        links=links,
        feedback=feedback,
        form=EmptyForm(),
        reason_form=ReasonForm(),
    )


@blueprint.get("/listings/<slug>")
def review(slug: str) -> ResponseReturnValue:
    """A listing as founders would see it, with its history and the decisions to make."""
    listing = listing_or_404(slug)
    return render_template(
        "moderation/review.html",
        listing=listing,
        entries=history("listing", listing.id),
        form=EmptyForm(),
        reason_form=ReasonForm(),
    )


@blueprint.post("/listings/<slug>/approve")
def approve(slug: str) -> ResponseReturnValue:
    """Publish a submitted listing."""
    listing = listing_or_404(slug)
    if listing.moderation_state != ModerationState.SUBMITTED:
        abort(409, description=_("Only a submitted listing can be approved."))
    changes.publish(listing, current_user)
    commit()
    flash(_("%(listing)s is published.", listing=listing.name))
    return redirect(url_for("moderation.queue"))


@blueprint.post("/listings/<slug>/reject")
def reject(slug: str) -> ResponseReturnValue:
    """Send a submission back to its owners with a reason."""
    listing = listing_or_404(slug)
    form = ReasonForm()
    if listing.moderation_state != ModerationState.SUBMITTED:
        abort(409, description=_("Only a submitted listing can be sent back."))
    if not form.validate_on_submit():
        flash(_("Give a reason, so the owners know what to change."))
        return redirect(url_for("moderation.review", slug=slug))
    changes.reject(listing, current_user, required_text(form.reason))
    commit()
    flash(_("%(listing)s has been sent back to its owners.", listing=listing.name))
    return redirect(url_for("moderation.queue"))


@blueprint.post("/listings/<slug>/check")
def check(slug: str) -> ResponseReturnValue:
    """Record that a moderator confirmed the listing is still accurate."""
    listing = listing_or_404(slug)
    changes.confirm_accurate(listing, current_user, "a moderator", "moderator")
    commit()
    flash(_("%(listing)s is marked as checked today.", listing=listing.name))
    return redirect(url_for("moderation.review", slug=slug))


@blueprint.post("/listings/<slug>/restore/<change_id>")
def restore(slug: str, change_id: str) -> ResponseReturnValue:
    """Put a listing back as it was after an earlier change."""
    listing = listing_or_404(slug)
    try:
        changes.restore(listing, current_user, change_id)
    except LookupError:
        abort(404)
    commit()
    flash(_("The earlier version is restored. The restore itself is in the history."))
    return redirect(url_for("moderation.review", slug=slug))


@blueprint.post("/memberships/<int:membership_id>/<decision>")
def decide(membership_id: int, decision: str) -> ResponseReturnValue:
    """Approve or reject a request to manage an organisation (and any proposed organisation)."""
    membership = db.session.get(Membership, membership_id) or abort(404)
    if decision not in ("approve", "reject") or membership.state != MembershipState.REQUESTED:
        abort(404)
    form = ReasonForm()
    if decision == "reject" and not form.validate_on_submit():
        flash(_("Give a reason for rejecting the request."))
        return redirect(url_for("moderation.queue"))
    decide_membership(
        membership,
        current_user,
        decision == "approve",
        form.reason.data if decision == "reject" else None,
    )
    commit()
    if decision == "approve":
        flash(_("Request from %(email)s approved.", email=membership.user.email))
    else:
        flash(_("Request from %(email)s rejected.", email=membership.user.email))
    return redirect(url_for("moderation.queue"))


@blueprint.post("/feedback/<int:feedback_id>/done")
def feedback_done(feedback_id: int) -> ResponseReturnValue:
    """Mark feedback as dealt with, which deletes it (as the privacy notice says)."""
    feedback = db.session.get(Feedback, feedback_id) or abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    dealt_with(feedback)
    commit()
    flash(_("The feedback is marked as dealt with and deleted."))
    return redirect(url_for("moderation.queue"))
