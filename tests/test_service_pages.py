"""The accessibility statement, the privacy notice and the feedback form."""

import re

from sqlalchemy import func, select

from directory.demand.retention import DEFAULT_MONTHS
from directory.extensions import db
from directory.feedback.models import Feedback
from tests.conftest import make_app, seeded_copy
from tests.helpers import csrf_token, make_user, page_text, post_form, sign_in


def test_every_page_links_the_service_pages_in_its_footer(client):
    for path in ("/", "/search?q=grant", "/listings/start-up-loans", "/check/"):
        html = client.get(path).get_data(as_text=True)
        footer = html[html.index('<footer class="govuk-footer"') :]
        for link in ('href="/accessibility"', 'href="/privacy"', 'href="/feedback"'):
            assert link in footer, (path, link)


def test_the_accessibility_statement_says_the_standard_the_testing_and_how_to_report(client):
    text = page_text(client.get("/accessibility").get_data(as_text=True))
    assert "WCAG) version 2.2 at level AA" in text
    assert "Known issues" in text and "How we tested it" in text and "axe-core" in text
    assert "Reporting accessibility problems" in text and "feedback form" in text


def test_the_privacy_notice_matches_what_the_service_keeps(client):
    text = page_text(client.get("/privacy").get_data(as_text=True))
    # The retention the notice promises is what `flask demand prune` does by default.
    assert f"Demand events {DEFAULT_MONTHS} months" in text
    assert "What we never store" in text and "postcode or town you typed" in text
    assert "Who can see what" in text and "Moderators : feedback" in text


def test_feedback_needs_no_account_and_keeps_the_page_without_its_query(client):
    page = client.get("/feedback?page=/search%3Fq%3Dmy%2Bsecret%2Bidea").get_data(as_text=True)
    assert 'name="page" type="hidden" value="/search"' in page
    response = post_form(
        client,
        "/feedback",
        {"message": "Please add more Growth Hubs.", "email": "", "page": "/search"},
    )
    assert response.status_code == 200
    assert "Thank you" in page_text(response.get_data(as_text=True))
    stored = db.session.scalars(select(Feedback)).one()
    assert (stored.message, stored.page, stored.email) == (
        "Please add more Growth Hubs.",
        "/search",
        None,
    )


def test_feedback_without_a_message_is_an_error_that_keeps_what_was_typed(client):
    response = post_form(client, "/feedback", {"message": "  ", "email": "me@example.org"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Error: " in html
    assert "Enter your feedback" in page_text(html)
    assert 'value="me@example.org"' in html
    assert db.session.scalar(select(func.count()).select_from(Feedback)) == 0


def test_feedback_without_its_csrf_token_is_refused(client):
    response = client.post("/feedback", data={"message": "hello"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Feedback)) == 0


def test_feedback_is_rate_limited(databases, catalogue_template, tmp_path):
    url, index = seeded_copy(databases, catalogue_template, tmp_path)
    app = make_app(url, index, RATELIMIT_FEEDBACK="2/minute")
    try:
        with app.app_context():
            client = app.test_client()
            statuses = []
            for number in range(3):
                token = csrf_token(client, "/feedback")
                response = client.post(
                    "/feedback", data={"csrf_token": token, "message": f"Note {number}"}
                )
                statuses.append(response.status_code)
            assert statuses == [200, 200, 429]
            assert db.session.scalar(select(func.count()).select_from(Feedback)) == 2
            db.session.remove()
            db.engine.dispose()
    finally:
        app.extensions["search_index"].close()
        databases.drop(url)


def test_moderators_read_feedback_and_dealing_with_it_deletes_it(app, client):
    post_form(client, "/feedback", {"message": "The Leeds results were great.", "page": "/"})
    make_user("moderator@example.org", roles=("moderator",))
    moderator = app.test_client()
    sign_in(moderator, "moderator@example.org")
    queue = moderator.get("/moderate/").get_data(as_text=True)
    part = queue[queue.index('id="feedback"') :]
    assert "The Leeds results were great." in page_text(part[: part.index("</ul>")])
    action = re.search(r'action="(/moderate/feedback/\d+/done)"', part).group(1)
    response = post_form(moderator, action, form_page="/moderate/")
    assert response.status_code in (302, 303)
    assert db.session.scalar(select(func.count()).select_from(Feedback)) == 0
    # Only moderators see it.
    assert client.get("/moderate/").status_code in (302, 303, 403)
