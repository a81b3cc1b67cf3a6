"""End to end in headless Chromium: an owner's and a moderator's whole jobs, axe-checked."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import chromium_page, chromium_pages, follow, sign_in
from tests.helpers import make_user
from tests.test_accounts import link_in, read_outbox
from tests.test_browser import assert_accessible

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def moderator_account(app):
    """A moderator to sign in as."""
    make_user("moderator@example.org", roles=("moderator",))


def test_owner_registers_gets_approved_lists_and_is_found(app, base_url):
    with chromium_pages(2) as (owner, moderator):
        # The owner creates an account and confirms it from the email.
        owner.goto(base_url + "/account/register")
        assert_accessible(owner)
        owner.get_by_label("Email address").fill("founder.owner@example.org")
        follow(owner, "button", "Continue")
        expect(owner.locator("h1")).to_have_text("Check your email")
        owner.goto(base_url + link_in(read_outbox(app)[-1]))
        expect(owner.locator("h1")).to_have_text("Create your password")
        assert_accessible(owner)
        owner.get_by_label("Create a password").fill("plum kettle harbour")
        owner.get_by_label("Confirm password").fill("plum kettle harbour")
        follow(owner, "button", "Create account")
        expect(owner.locator("h1")).to_have_text("Your organisations and listings")
        assert_accessible(owner)

        # ...asks to manage an organisation already in the directory.
        owner.get_by_role("link", name="Ask to manage an organisation").click()
        owner.get_by_label("Organisation name").fill("British Business")
        follow(owner, "button", "Find")
        assert_accessible(owner)
        owner.get_by_role("link", name="Ask to manage British Business Bank").click()
        owner.get_by_label("How are you connected").fill("I manage the programme's website.")
        follow(owner, "button", "Send request")
        expect(owner.locator("body")).to_contain_text("Waiting for a moderator")

        # The moderator approves the request.
        sign_in(moderator, base_url, "moderator@example.org")
        moderator.goto(base_url + "/moderate/")
        assert_accessible(moderator)
        follow(moderator, "button", "Approve", first=True)
        expect(moderator.locator("body")).to_contain_text("approved")

        # The owner adds a listing and submits it.
        owner.goto(base_url + "/manage/")
        follow(owner, "link", "Add a listing for British Business Bank")
        assert_accessible(owner)
        owner.get_by_label("Name", exact=True).fill("Numbat Growth Clinic")
        owner.get_by_label("Summary").fill("Free monthly clinics on finance for growing firms.")
        owner.get_by_label("Description").fill(
            "Each month advisers meet owners of growing firms to talk through loans, equity "
            "and grants, explain what lenders look for and help prepare applications. Sessions "
            "last an hour and are free to any UK business that has traded for a year."
        )
        owner.locator("label[for='support_types-advice']").click()
        owner.locator("label[for='stages-growth']").click()
        owner.locator("label[for='sectors-any']").click()
        owner.locator("label[for='regions-uk-wide']").click()
        owner.get_by_label("How to apply").fill("Book a session on the website.")
        follow(owner, "button", "Save")
        expect(owner.locator("body")).to_contain_text("saved as a draft")
        assert_accessible(owner)
        follow(owner, "button", "Submit for review")
        expect(owner.locator("body")).to_contain_text("sent to the moderators")

        # The moderator reviews and publishes it.
        moderator.goto(base_url + "/moderate/")
        follow(moderator, "link", "Numbat Growth Clinic")
        assert_accessible(moderator)
        follow(moderator, "button", "Approve and publish")
        expect(moderator.locator("body")).to_contain_text("is published")

        # Founders find it.
        owner.goto(base_url + "/search?q=numbat")
        assert re.match(r"1 result", owner.locator("#result-count").inner_text())
        owner.get_by_role("link", name="Numbat Growth Clinic").click()
        expect(owner.locator("h1")).to_have_text("Numbat Growth Clinic")


def test_moderator_restores_an_earlier_version(app, base_url):
    with chromium_page() as moderator:
        sign_in(moderator, base_url, "moderator@example.org")
        moderator.goto(base_url + "/moderate/listings/start-up-loans")
        original = moderator.locator("p.govuk-body-l").inner_text()
        follow(moderator, "button", "Confirm still accurate")
        expect(moderator.locator("body")).to_contain_text("checked today")
        assert_accessible(moderator)
        follow(moderator, "button", "Restore this version", first=True)
        expect(moderator.locator("body")).to_contain_text("earlier version is restored")
        assert moderator.locator("p.govuk-body-l").inner_text() == original
        moderator.goto(base_url + "/listings/start-up-loans")
        expect(moderator.locator("body")).to_contain_text("against its published sources")
