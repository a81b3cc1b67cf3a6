"""Owners and moderators: organisations, drafts, moderation, edits, audit and restore."""

from datetime import date, timedelta

from sqlalchemy import select

from directory.accounts.models import User
from directory.audit.models import AuditEntry
from directory.catalogue.models import Listing, Organisation
from directory.catalogue.ownership import Membership
from directory.extensions import db
from tests.helpers import api_search, listing, make_user, page_text, post_form, sign_in

NEW_LISTING = {
    "name": "Quokka Foundry Pre-accelerator",
    "summary": "A ten-week evening programme for people testing a business idea.",
    "description": " ".join(
        [
            "Founders meet weekly with mentors to test their idea with real "
            "customers, build a simple prototype and learn the basics of "
            "pricing, finance and pitching before they commit to trading."
        ]
        * 2
    ),
    "support_types": ["accelerator", "advice"],
    "stages": ["pre-start"],
    "sectors": ["any"],
    "regions": ["north-east"],
    "how_to_apply": "Apply online before each cohort starts.",
    "application_status": "rolling",
    "equity_taken": "no",
    "funding_min": "",
    "funding_max": "",
    "location-1-town": "Sunderland",
    "location-1-postcode": "SR1 1PB",
}


def create_listing(client, organisation, **changes):
    """Fill in the new-listing form; return the response."""
    data = {**NEW_LISTING, "organisation": organisation.slug, **changes}
    return post_form(
        client,
        "/manage/listings/new",
        data,
        form_page=f"/manage/listings/new?organisation={organisation.slug}",
    )


def new_listing() -> Listing:
    """The listing the form created."""
    return db.session.scalars(select(Listing).filter_by(name=NEW_LISTING["name"])).one()


def test_a_draft_is_invisible_until_a_moderator_publishes_it(owner, moderator, client):
    owner_client, organisation = owner
    response = create_listing(owner_client, organisation)
    assert response.status_code == 302
    draft = new_listing()
    assert draft.moderation_state == "draft" and draft.organisation_id == organisation.id
    assert draft.locations[0].postcode == "SR1 1PB"
    assert draft.locations[0].region_slug == "north-east"  # placed on the map from the postcode
    assert 54.8 < draft.locations[0].latitude < 55.0
    assert client.get(f"/listings/{draft.slug}").status_code == 404
    assert api_search(client, q="quokka")["total"] == 0
    assert owner_client.get(f"/manage/listings/{draft.slug}/preview").status_code == 200

    post_form(owner_client, f"/manage/listings/{draft.slug}/submit", form_page="/manage/")
    assert "Quokka Foundry" in page_text(moderator.get("/moderate/").get_data(as_text=True))
    assert api_search(client, q="quokka")["total"] == 0
    post_form(
        moderator,
        f"/moderate/listings/{draft.slug}/approve",
        form_page=f"/moderate/listings/{draft.slug}",
    )
    assert client.get(f"/listings/{draft.slug}").status_code == 200
    assert [r["slug"] for r in api_search(client, q="quokka")["results"]] == [draft.slug]


def test_the_catalogue_rules_apply_to_owner_forms(owner):
    owner_client, organisation = owner
    response = create_listing(
        owner_client,
        organisation,
        stages=[],
        description="Too short.",
        website="not a url",
        **{"location-1-postcode": "ZZ"},
    )
    text = page_text(response.get_data(as_text=True))
    assert response.status_code == 200 and "There is a problem" in text
    assert "Stages needs at least one value" in text
    assert "Description has fewer than 30 words" in text
    assert "is not a web address" in text and "'ZZ' is not a UK postcode" in text
    assert db.session.scalars(select(Listing).filter_by(name=NEW_LISTING["name"])).first() is None


def test_over_long_fields_are_refused_with_a_message(owner):
    owner_client, organisation = owner
    response = create_listing(owner_client, organisation, name="x" * 201)
    assert "Name must be 200 characters or fewer" in page_text(response.get_data(as_text=True))


def test_editing_a_published_listing_is_live_at_once_and_audited(app, owner, client):
    owner_client, _ = owner
    found = listing("start-up-loans")
    form_page = f"/manage/listings/{found.slug}/edit"
    html = owner_client.get(form_page).get_data(as_text=True)
    assert found.summary in html
    data = {
        **NEW_LISTING,
        "name": found.name,
        "summary": "Loans for wallaby-minded founders.",
        "stages": ["pre-start", "start-up"],
        "regions": ["uk-wide"],
    }
    assert post_form(owner_client, form_page, data).status_code == 302
    assert client.get("/listings/start-up-loans").status_code == 200
    assert "wallaby-minded" in page_text(client.get("/listings/start-up-loans").get_data(True))
    assert api_search(client, q="wallaby")["total"] == 1
    entries = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.entity == "listing",
            AuditEntry.entity_id == found.id,
            AuditEntry.field == "summary",
        )
    ).all()
    assert entries[-1].after == "Loans for wallaby-minded founders."
    assert entries[-1].before == found.summary
    assert entries[-1].user.email == "owner@example.org"


def test_pause_close_and_still_accurate(owner, client):
    owner_client, _ = owner
    slug = "start-up-loans"
    post_form(owner_client, f"/manage/listings/{slug}/check", form_page="/manage/")
    text = page_text(client.get(f"/listings/{slug}").get_data(as_text=True))
    assert "by the organisation" in text and "Not yet checked" not in text
    post_form(owner_client, f"/manage/listings/{slug}/pause", form_page="/manage/")
    assert "paused" in page_text(client.get(f"/listings/{slug}").get_data(as_text=True))
    post_form(owner_client, f"/manage/listings/{slug}/close", form_page="/manage/")
    assert slug not in {r["slug"] for r in api_search(client, q="start up loans")["results"]}
    fields = {
        e.field
        for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.entity_id == listing(slug).id)
        )
    }
    assert {"status", "closed_on", "last_checked_by", "last_checked_how"} <= fields
    closed = listing(slug)
    assert closed.closed_on == date.today() and closed.last_checked_how == "owner"
    assert "This programme has ended" in page_text(client.get(f"/listings/{slug}").get_data(
        as_text=True))  # fmt: skip


def test_stale_listings_are_flagged_by_kind_and_queued_stalest_first(owner, moderator):
    owner_client, _ = owner
    loans = listing("start-up-loans")  # funding: due after 90 days
    advice = listing("bipc-london-british-library")
    assert "loan" in {t.slug for t in loans.support_types}
    assert not {"equity", "angel", "loan", "grant", "crowdfunding", "award"} & {
        t.slug for t in advice.support_types
    }
    loans.last_checked_on = date.today() - timedelta(days=91)
    advice.last_checked_on = date.today() - timedelta(days=91)  # other support: 180 days
    db.session.commit()
    owner_page = page_text(owner_client.get("/manage/").get_data(as_text=True))
    assert "Due for a check" in owner_page
    queue = moderator.get("/moderate/").get_data(as_text=True)
    assert 'href="/moderate/listings/start-up-loans"' in queue
    assert 'href="/moderate/listings/bipc-london-british-library"' not in queue
    advice.last_checked_on = date.today() - timedelta(days=200)
    db.session.commit()
    stale = page_text(moderator.get("/moderate/").get_data(as_text=True))
    # 20 days past 180 comes before 1 day past 90.
    assert stale.index(advice.name) < stale.index(loans.name)
    # A check past its window no longer reads as open.
    assert "Not confirmed lately" in page_text(
        moderator.get("/listings/start-up-loans").get_data(as_text=True)
    )


def test_a_moderator_can_restore_an_earlier_version(owner, moderator, client):
    owner_client, _ = owner
    found = listing("start-up-loans")
    original = found.summary
    form_page = f"/manage/listings/{found.slug}/edit"
    data = {
        **NEW_LISTING,
        "name": found.name,
        "summary": "Vandalised summary.",
        "regions": ["uk-wide"],
    }
    post_form(owner_client, form_page, data)
    assert listing("start-up-loans").summary == "Vandalised summary."
    history = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity == "listing", AuditEntry.entity_id == found.id)
        .order_by(AuditEntry.id)
    ).all()
    created = history[0].change_id  # the version the seed loader created
    review = f"/moderate/listings/{found.slug}"
    assert "Vandalised summary." in moderator.get(review).get_data(as_text=True)
    restored = post_form(moderator, f"{review}/restore/{created}", form_page=review)
    assert restored.status_code == 302, restored.get_data(as_text=True)[-3000:]
    db.session.expire_all()
    assert listing("start-up-loans").summary == original
    assert original in page_text(client.get("/listings/start-up-loans").get_data(as_text=True))


def test_requesting_an_organisation_and_approval_makes_an_owner(app, moderator):
    make_user("new@example.org")
    client = app.test_client()
    sign_in(client, "new@example.org")
    organisation = listing("knowledge-transfer-partnerships").organisation
    found = page_text(
        client.get(f"/manage/organisations/find?q={organisation.name[:6]}").get_data(as_text=True)
    )
    assert f"Ask to manage {organisation.name}" in found
    post_form(
        client,
        f"/manage/organisations/{organisation.slug}/request",
        {"message": "I run the programme."},
    )
    membership = db.session.scalars(select(Membership)).one()
    assert membership.state == "requested"
    assert client.get(f"/manage/listings/new?organisation={organisation.slug}").status_code == 404
    post_form(moderator, f"/moderate/memberships/{membership.id}/approve", form_page="/moderate/")
    db.session.expire_all()
    assert (
        "owner" in db.session.scalars(select(User).filter_by(email="new@example.org")).one().roles
    )
    assert client.get(f"/manage/listings/new?organisation={organisation.slug}").status_code == 200


def propose_wombat_ventures(app):
    """A new user proposes an organisation; return their client and the organisation."""
    make_user("new@example.org")
    proposer = app.test_client()
    sign_in(proposer, "new@example.org")
    post_form(
        proposer,
        "/manage/organisations/new",
        {
            "name": "Wombat Ventures",
            "description": "An early-stage fund in Leeds.",
            "website": "https://wombat.example",
            "message": "I am a partner.",
        },
    )
    organisation = db.session.scalars(select(Organisation).filter_by(name="Wombat Ventures")).one()
    return proposer, organisation


def test_a_proposed_organisation_is_hidden_until_approved_and_rejections_give_a_reason(
    app, moderator, client
):
    proposer, organisation = propose_wombat_ventures(app)
    assert organisation.moderation_state == "proposed"
    public_page = f"/organisations/{organisation.slug}"
    assert client.get(public_page).status_code == 404  # nobody has checked it yet
    membership = db.session.scalars(select(Membership)).one()
    post_form(
        moderator,
        f"/moderate/memberships/{membership.id}/reject",
        {"reason": "We could not find this fund."},
        form_page="/moderate/",
    )
    db.session.expire_all()
    assert membership.state == "rejected"
    text = page_text(proposer.get("/manage/").get_data(as_text=True))
    assert "We could not find this fund." in text
    assert client.get(public_page).status_code == 404


def test_an_approved_organisation_gets_its_public_page(app, moderator, client):
    _proposer, organisation = propose_wombat_ventures(app)
    membership = db.session.scalars(select(Membership)).one()
    post_form(moderator, f"/moderate/memberships/{membership.id}/approve", form_page="/moderate/")
    page = client.get(f"/organisations/{organisation.slug}")
    assert page.status_code == 200
    assert "An early-stage fund in Leeds." in page_text(page.get_data(as_text=True))


def test_rejected_submission_goes_back_with_the_reason(owner, moderator):
    owner_client, organisation = owner
    create_listing(owner_client, organisation)
    slug = new_listing().slug
    post_form(owner_client, f"/manage/listings/{slug}/submit", form_page="/manage/")
    post_form(
        moderator,
        f"/moderate/listings/{slug}/reject",
        {"reason": "Please add the cohort dates."},
        form_page=f"/moderate/listings/{slug}",
    )
    assert "Please add the cohort dates." in page_text(owner_client.get("/manage/").get_data(True))
    assert new_listing().moderation_state == "rejected"


def test_admins_grant_roles_deactivate_and_end_sessions(app):
    make_user("admin@example.org", roles=("admin",))
    user = make_user("analyst@example.org")
    admin = app.test_client()
    sign_in(admin, "admin@example.org")
    person = app.test_client()
    sign_in(person, "analyst@example.org")
    assert person.get("/moderate/").status_code == 403

    post_form(
        admin,
        f"/admin/users/{user.id}/roles",
        {"roles": ["analyst", "moderator"]},
        form_page="/admin/users",
    )
    db.session.expire_all()
    assert db.session.get(User, user.id).roles == {"analyst", "moderator"}
    assert person.get("/moderate/").status_code == 200

    post_form(admin, f"/admin/users/{user.id}/end-sessions", form_page="/admin/users")
    assert person.get("/manage/").status_code == 302  # signed out everywhere
    sign_in(person, "analyst@example.org")
    post_form(admin, f"/admin/users/{user.id}/deactivate", form_page="/admin/users")
    assert person.get("/manage/").status_code == 302
    assert sign_in(app.test_client(), "analyst@example.org").status_code == 200  # refused

    me = db.session.scalars(select(User).filter_by(email="admin@example.org")).one()
    post_form(
        admin, f"/admin/users/{me.id}/roles", {"roles": ["analyst"]}, form_page="/admin/users"
    )
    db.session.expire_all()
    assert "admin" in db.session.get(User, me.id).roles  # admins cannot demote themselves
