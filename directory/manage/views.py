"""Owners keep their own listings accurate: /manage/..."""

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from directory.accounts.forms import EmptyForm
from directory.alerts.waiting import released_waiting
from directory.audit.services import history
from directory.catalogue import changes
from directory.demand.service import owner_figures, parse_period
from directory.inputs import required_text
from directory.manage import services
from directory.manage.forms import (
    LOCATION_SLOTS,
    ListingForm,
    MembershipRequestForm,
    OrganisationProposalForm,
)
from directory.states import ListingStatus, ModerationState
from directory.transactions import commit

blueprint = Blueprint("manage", __name__, url_prefix="/manage")


@blueprint.before_request
@login_required
def require_sign_in() -> None:
    """Every page here is for signed-in users."""


def commit_listing_change(message: str) -> None:
    """Commit (the index catches up after the commit), and tell the user."""
    commit()
    flash(str(message))  # a lazy message is put into words now, in the page's language


@blueprint.get("/")
def index() -> ResponseReturnValue:
    """The user's organisations, their listings with anything that needs attention."""
    organisation_ids = services.managed_organisation_ids(current_user)
    listings = services.listings_of(organisation_ids)
    published = [item for item in listings if item.moderation_state == ModerationState.PUBLISHED]
    return render_template(
        "manage/index.html",
        memberships=services.memberships(current_user),
        listings=listings,
        stale={listing.id for listing in listings if services.is_stale(listing)},
        form=EmptyForm(),
        # Anonymised demand for the last 28 days, through disclosure control.
        demand=owner_figures(published, current_app.extensions["taxonomy"], parse_period({})),
        # Founders with alerts waiting for support like each listing, through the same control.
        waiting=released_waiting(published),
    )


@blueprint.get("/organisations/find")
def find_organisation() -> ResponseReturnValue:
    """Search for an existing organisation to ask to manage."""
    text = request.args.get("q", "")[:100]
    return render_template(
        "manage/find_organisation.html",
        text=text,
        organisations=services.searchable_organisations(text),
    )


@blueprint.route("/organisations/<slug>/request", methods=["GET", "POST"])
def request_organisation(slug: str) -> ResponseReturnValue:
    """Ask a moderator to let the user manage an organisation."""
    organisation = services.searchable_organisations_by_slug(slug) or abort(404)
    form = MembershipRequestForm()
    if form.validate_on_submit():
        services.request_membership(current_user, organisation, required_text(form.message))
        commit()
        flash(
            _(
                "Your request to manage %(organisation)s has been sent to the moderators.",
                organisation=organisation.name,
            )
        )
        return redirect(url_for("manage.index"))
    return render_template("manage/request.html", form=form, organisation=organisation)


@blueprint.route("/organisations/new", methods=["GET", "POST"])
def propose_organisation() -> ResponseReturnValue:
    """Propose an organisation that is not in the directory yet."""
    form = OrganisationProposalForm()
    if form.validate_on_submit():
        services.propose_organisation(
            current_user,
            required_text(form.name),
            form.website.data,
            required_text(form.description),
            required_text(form.message),
            name_cy=form.name_cy.data,
            description_cy=form.description_cy.data,
        )
        commit()
        flash(
            _(
                "%(organisation)s has been sent to the moderators for approval.",
                organisation=form.name.data,
            )
        )
        return redirect(url_for("manage.index"))
    return render_template("manage/propose.html", form=form)


@blueprint.route("/listings/new", methods=["GET", "POST"])
def new_listing() -> ResponseReturnValue:
    """Create a listing in draft for one of the user's organisations."""
    organisation_slug = request.values.get("organisation", "")
    organisation = services.owned_organisation_or_404(current_user, organisation_slug)
    form = ListingForm()
    if form.validate_on_submit():
        record, problems = services.validate_owner_record(form.raw_record(), organisation)
        if not problems:
            listing = changes.create_draft(current_user, organisation, record)
            commit()
            flash(_("Your listing is saved as a draft. Submit it for review when it is ready."))
            return redirect(url_for("manage.edit_listing", slug=listing.slug))
        form.add_problems(problems)
    return render_template(
        "manage/listing_form.html",
        form=form,
        organisation=organisation,
        listing=None,
        slots=LOCATION_SLOTS,
    )


@blueprint.route("/listings/<slug>/edit", methods=["GET", "POST"])
def edit_listing(slug: str) -> ResponseReturnValue:
    """Edit a listing; a published listing changes at once, and the change is audited."""
    listing = services.owned_listing_or_404(current_user, slug)
    form = ListingForm(kept_sources=listing.sources)
    if form.validate_on_submit():
        record, problems = services.validate_owner_record(
            changes.editable_record(listing, form.raw_record()), listing.organisation
        )
        if not problems:
            # An owner who edits a listing has looked at it: that counts as a check.
            changes.save_listing(
                listing,
                current_user,
                {**record, "slug": listing.slug},
                last_checked_on=date.today(),
                last_checked_by="the organisation",
                last_checked_how="owner",
            )
            commit_listing_change(
                _("Your changes are saved. They are live now.")
                if listing.moderation_state == ModerationState.PUBLISHED
                else _("Your changes are saved.")
            )
            return redirect(url_for("manage.edit_listing", slug=listing.slug))
        form.add_problems(problems)
    elif request.method == "GET":
        form.fill(changes.editable_record(listing, {}))
    return render_template(
        "manage/listing_form.html",
        form=form,
        listing=listing,
        organisation=listing.organisation,
        slots=LOCATION_SLOTS,
        actions=EmptyForm(),
    )


@blueprint.get("/listings/<slug>/preview")
def preview_listing(slug: str) -> ResponseReturnValue:
    """The listing as founders would see it, whatever its state."""
    listing = services.owned_listing_or_404(current_user, slug)
    return render_template("catalogue/listing.html", listing=listing, preview=True)


@blueprint.get("/listings/<slug>/history")
def listing_history(slug: str) -> ResponseReturnValue:
    """The listing's audit trail."""
    listing = services.owned_listing_or_404(current_user, slug)
    return render_template(
        "audit/history.html",
        listing=listing,
        entries=history("listing", listing.id),
        restore_form=None,
    )


# Button actions: each is a POST with a CSRF token, allowed only in the states that make sense.
_DRAFTS = {ModerationState.DRAFT, ModerationState.REJECTED}
_LIVE = {ModerationState.PUBLISHED}
ACTIONS = {
    "submit": (_DRAFTS, _l("Your listing has been sent to the moderators.")),
    "pause": (_LIVE, _l("Your listing is paused: founders see it is not taking applications.")),
    "close": (_LIVE | _DRAFTS, _l("Your listing is closed.")),
    "reopen": (_LIVE, _l("Your listing is active again.")),
    "check": (_LIVE, _l("Thank you: the listing shows today as the date it was last checked.")),
}


@blueprint.post("/listings/<slug>/<action>")
def listing_action(slug: str, action: str) -> ResponseReturnValue:
    """Submit, pause, close, reopen, or confirm a listing is still accurate."""
    listing = services.owned_listing_or_404(current_user, slug)
    if action not in ACTIONS:
        abort(404)
    states, message = ACTIONS[action]
    if not EmptyForm().validate_on_submit():
        abort(400)
    if listing.moderation_state not in states:
        flash(_("That cannot be done to this listing in its current state."))
        return redirect(url_for("manage.index"))
    if action == "submit":
        changes.submit(listing, current_user)
    elif action == "check":
        changes.confirm_accurate(listing, current_user, "the organisation", "owner")
    else:
        changes.set_status(
            listing,
            current_user,
            {
                "pause": ListingStatus.PAUSED,
                "close": ListingStatus.CLOSED,
                "reopen": ListingStatus.ACTIVE,
            }[action],
        )
    commit_listing_change(message)
    return redirect(url_for("manage.index"))
