"""The questionnaire and email alerts in Welsh: questions, options, reasons and errors; an alert
made in Welsh confirmed and sent in Welsh, with links that keep Welsh."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask_babel import force_locale
from sqlalchemy import select, update

from directory.alerts.models import Alert
from directory.catalogue.models import Listing
from directory.clock import utcnow
from directory.extensions import db
from directory.i18n import long_date
from tests.factories import make_listing
from tests.helpers import page_text
from tests.test_alerts import back_date, link_in, messages, text_of
from tests.test_questionnaire import COMPLETE

CHECK = {"region": "wales", "stage": "start-up", "sector": "skip", "need": "advice",
         "about": "skip", "size": "skip"}  # fmt: skip
SEARCH = {"support": "accelerator", "region": "north-east"}


@pytest.fixture(autouse=True)
def catalogue_published_long_ago(app):
    """The seeded catalogue was loaded moments ago; to alerts it is old news."""
    db.session.execute(update(Listing).values(published_at=utcnow() - timedelta(days=90)))
    db.session.commit()


def welsh(client, path: str, args: dict | None = None):
    """GET a page in Welsh."""
    return client.get(path, query_string={**(args or {}), "lang": "cy"})


def redirect_target(response) -> tuple[str, dict[str, list[str]]]:
    """Where a redirect goes: its path and its query arguments."""
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    parts = urlsplit(response.headers["Location"])
    return parts.path, parse_qs(parts.query)


# The questionnaire


def test_the_start_page_in_welsh_lists_the_questions_in_welsh(client):
    page = welsh(client, "/check/")
    assert page.status_code == 200
    assert '<html lang="cy"' in page.text
    text = page_text(page.text)
    assert "Dod o hyd i gymorth i’ch busnes" in text
    assert "lleoliad eich busnes" in text
    assert "mathau o gyllid (dim ond os oes angen cyllid arnoch)" in text
    assert "Dechrau nawr" in text and "Start now" not in text
    assert 'href="/check/location?lang=cy"' in page.text


def test_a_question_in_welsh_offers_welsh_options_and_keeps_welsh_on_submit(client):
    page = welsh(client, "/check/need", {"region": "wales", "stage": "start-up", "sector": "skip"})
    assert page.status_code == 200
    text = page_text(page.text)
    assert "Pa help sydd ei angen arnoch chi?" in text
    assert "Cyllid neu fuddsoddiad" in text and "Cymorth allforio a masnach" in text
    assert "Parhau" in text and "Continue" not in text
    assert "Funding or investment" not in text
    # The GET form carries the language, or Welsh would be lost on the next page.
    form = page.text.split('<form method="get"')[1].split("</form>")[0]
    assert '<input type="hidden" name="lang" value="cy">' in form

    answered = welsh(client, "/check/need", {"region": "wales", "stage": "start-up",
                                            "sector": "skip", "need": "funding",
                                            "continue": "1"})  # fmt: skip
    path, args = redirect_target(answered)
    assert path == "/check/funding-type" and args["lang"] == ["cy"]
    assert args["need"] == ["funding"]
    following = client.get(answered.headers["Location"])
    assert following.status_code == 200
    assert "Pa fathau o gyllid fyddai’n addas i chi?" in page_text(following.text)


def test_taxonomy_options_are_in_welsh(client):
    page = welsh(client, "/check/location")
    text = page_text(page.text)
    assert "Ble mae eich busnes wedi’i leoli?" in text
    assert "Cod post neu dref" in text and "Dewiswch ranbarth" in text
    assert "Gogledd-ddwyrain Lloegr" in text and "North East" not in text


def test_a_validation_error_is_in_welsh(client):
    page = welsh(client, "/check/stage", {"region": "wales", "continue": "1"})
    assert page.status_code == 200
    assert "<title>Gwall:" in page.text
    text = page_text(page.text)
    assert "Mae problem wedi codi" in text
    assert "Dewiswch y cam y mae eich busnes arno" in text
    assert "Select the stage" not in text
    unknown = welsh(client, "/check/location", {"place": "Nowhereville", "continue": "1"})
    assert "Ni allem ddod o hyd i ‘Nowhereville’" in page_text(unknown.text)


def test_a_tampered_link_is_explained_in_welsh(client):
    page = welsh(client, "/check/answers", {**COMPLETE, "stage": "unicorn"})
    assert page.status_code == 400
    text = page_text(page.text)
    assert "Mae problem gyda’r ddolen hon" in text
    assert "Nid yw ‘unicorn’ yn ateb i ‘Ar ba gam mae eich busnes?’" in text
    # The language itself is never taken for an answer.
    assert "lang" not in page.text.split('id="link-problems"')[1].split("</ul>")[0]


def test_check_your_answers_in_welsh(client):
    page = welsh(client, "/check/answers", COMPLETE)
    assert page.status_code == 200
    text = page_text(page.text)
    assert "Gwirio eich atebion" in text
    assert "Grantiau a chystadlaethau" in text and "Heb ei roi" in text
    assert "Newid maint y busnes" in text
    assert re.search(r'href="/check/results\?[^"]*lang=cy"', page.text)


def test_results_in_welsh_give_welsh_reasons_and_headings(client):
    page = welsh(client, "/check/results", COMPLETE)
    assert page.status_code == 200
    text = page_text(page.text)
    assert "Cymorth sy’n addas i’ch atebion" in text
    assert re.search(r"\d+ rhestriad ar gyfer 3 math o help", text)
    assert "yna’r agosaf at y lleoliad a roesoch (LS1 4AP)" in text
    assert "Cyllid neu fuddsoddiad: grantiau a chystadlaethau" in text
    assert re.search(r"\d+ canlyniad", text)
    assert "Yn cynnig yr help sydd ei angen arnoch: Grantiau" in text
    assert "Gwiriwch cyn gwneud cais" in text
    for english in ("Offers the help you need", "Why it fits", "Funding or investment",
                    "Check before you apply"):  # fmt: skip
        assert english not in text, english
    alert_link = re.search(r'href="([^"]*/alerts/new[^"]*)"', page.text).group(1)
    assert "lang=cy" in alert_link


def test_the_same_results_in_english_are_unchanged(client):
    text = page_text(client.get("/check/results", query_string=COMPLETE).text)
    assert "Support that fits your answers" in text
    assert "Offers the help you need: Grants" in text
    assert "Funding or investment: grants and competitions" in text


# Alerts


def ask_in_welsh(client, email: str, args: dict, kind: str = "search", frequency: str = "daily"):
    """Open the alert form in Welsh and send it, as a browser would (to the form's action)."""
    page = client.get(f"/alerts/new?{urlencode({'kind': kind, **args, 'lang': 'cy'}, doseq=True)}")
    assert page.status_code == 200, page.text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    kept = html.unescape(
        re.search(r'id="query" name="query" type="hidden" value="([^"]*)"', page.text).group(1)
    )
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', page.text).group(1))
    data = {"csrf_token": token, "email": email, "frequency": frequency, "kind": kind,
            "query": kept}  # fmt: skip
    return client.post(action, data=data)


def test_the_alert_form_in_welsh(client):
    page = welsh(client, "/alerts/new", {"kind": "check", **CHECK})
    assert page.status_code == 200
    text = page_text(page.text)
    assert "Cael hysbysiadau e-bost ar gyfer yr atebion hyn" in text
    assert "Cam: Busnes newydd" in text and "Anghenion: Cyngor a mentora" in text
    assert "Rhanbarth: Cymru" in text
    assert "Pa mor aml y dylem anfon e-bost atoch?" in text and "Bob dydd" in text
    assert re.search(r'<form method="post" action="/alerts/new\?lang=cy"', page.text)
    search = page_text(welsh(client, "/alerts/new", {"kind": "search", **SEARCH}).text)
    assert "Cymorth: Cyflymydd" in search and "Rhanbarth: Gogledd-ddwyrain Lloegr" in search


def test_an_alert_form_error_is_in_welsh(client):
    page = welsh(client, "/alerts/new", {"kind": "search", **SEARCH})
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    refused = client.post(
        "/alerts/new?lang=cy",
        data={"csrf_token": token, "email": "founder@example.org", "kind": "search",
              "query": urlencode(SEARCH)},
    )  # fmt: skip
    text = page_text(refused.text)
    assert "Dewiswch pa mor aml y dylem anfon e-bost atoch" in text
    assert "Cymorth: Cyflymydd" in text


def test_an_alert_asked_in_welsh_is_confirmed_in_welsh(app, client):
    response = ask_in_welsh(client, "sylfaenydd@example.org", CHECK, kind="check")
    assert "Gwiriwch eich e-bost" in page_text(response.text)
    alert = db.session.scalars(select(Alert)).one()
    assert alert.language == "cy"
    (email,) = messages(app)
    assert email["Subject"] == "Cadarnhewch eich hysbysiad cymorth"
    body = text_of(email)
    assert "I ddechrau’r hysbysiad, dilynwch y ddolen hon" in body
    assert "- Cam: Busnes newydd" in body and "To start the alert" not in body
    link = link_in(body, "/alerts/confirm/")
    assert link.endswith("?lang=cy")
    confirmed = client.get(link)
    assert confirmed.status_code == 200
    text = page_text(confirmed.text)
    assert "Mae eich hysbysiad wedi dechrau" in text
    assert "Byddwn yn anfon e-bost atoch bob dydd" in text
    manage = re.search(r'href="(/alerts/manage/[^"]+)"', confirmed.text).group(1)
    assert "lang=cy" in manage
    page = client.get(html.unescape(manage))
    assert "Eich atebion: bob dydd" in page_text(page.text)


def test_asking_again_in_english_for_a_welsh_alert_answers_in_the_alerts_language(app, client):
    ask_in_welsh(client, "sylfaenydd@example.org", SEARCH)
    client.get(link_in(text_of(messages(app)[-1]), "/alerts/confirm/"))
    page = client.get(f"/alerts/new?{urlencode({'kind': 'search', **SEARCH})}")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    client.post("/alerts/new", data={"csrf_token": token, "email": "sylfaenydd@example.org",
                                     "frequency": "daily", "kind": "search",
                                     "query": urlencode(SEARCH)})  # fmt: skip
    already = messages(app)[-1]
    assert already["Subject"] == "Mae gennych yr hysbysiad cymorth hwn eisoes"
    body = text_of(already)
    assert "- Cymorth: Cyflymydd" in body
    assert link_in(body, "/alerts/manage/").endswith("?lang=cy")


def test_a_welsh_alerts_digest_is_in_welsh_beside_an_english_one(app, client):
    """`flask alerts send` runs outside any request: each digest in its alert's language."""
    ask_in_welsh(client, "sylfaenydd@example.org", SEARCH)
    client.get(link_in(text_of(messages(app)[-1]), "/alerts/confirm/"))
    page = client.get(f"/alerts/new?{urlencode({'kind': 'search', **SEARCH})}")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    client.post("/alerts/new", data={"csrf_token": token, "email": "founder@example.org",
                                     "frequency": "daily", "kind": "search",
                                     "query": urlencode(SEARCH)})  # fmt: skip
    client.get(link_in(text_of(messages(app)[-1]), "/alerts/confirm/"))
    welsh_alert, english_alert = db.session.scalars(select(Alert).order_by(Alert.id)).all()
    assert (welsh_alert.language, english_alert.language) == ("cy", "en")
    deadline = date.today() + timedelta(days=14)
    new = make_listing(app, name="Tyne deep tech accelerator", support_types=["accelerator"],
                       regions=["north-east"])  # fmt: skip
    closing = make_listing(app, name="Tees cohort accelerator", support_types=["accelerator"],
                           regions=["uk-wide"], application_status="open",
                           deadline=deadline)  # fmt: skip
    db.session.get(Listing, closing.id).published_at = utcnow() - timedelta(days=60)
    db.session.commit()
    back_date(welsh_alert)
    back_date(english_alert)

    before = len(messages(app))
    result = app.test_cli_runner().invoke(args=["alerts", "send"])
    assert result.exit_code == 0, result.output
    sent = {m["To"]: m for m in messages(app)[before:]}
    digest = sent["sylfaenydd@example.org"]
    assert digest["Subject"] == "2 diweddariad ar gyfer eich hysbysiad cymorth"
    text = text_of(digest)
    assert "Newydd ar gyfer eich hysbysiad cymorth (bob dydd):" in text
    assert "- Cymorth: Cyflymydd" in text
    assert "Newydd ei restru" in text
    with force_locale("cy"):
        assert f"Dyddiad cau: {long_date(deadline)}" in text
    assert "Pam mae’n cyfateb: Yn cynnig yr help sydd ei angen arnoch: Cyflymydd" in text
    assert "Yn gwasanaethu Gogledd-ddwyrain Lloegr" in text and "Ar gael unrhyw le yn y DU" in text
    for english in ("Newly listed", "Why it matches", "Offers the help", "Deadline:"):
        assert english not in text, english
    assert f"http://localhost/listings/{new.slug}?lang=cy" in text
    assert link_in(text, "/alerts/unsubscribe/").endswith("?lang=cy")
    assert link_in(text, "/alerts/manage/").endswith("?lang=cy")
    assert "lang=cy" in digest["List-Unsubscribe"]
    html_part = digest.get_body(preferencelist=("html",)).get_content()
    assert '<html lang="cy">' in html_part and "Gweld popeth sy’n cyfateb heddiw" in html_part

    in_english = sent["founder@example.org"]
    assert in_english["Subject"] == "2 updates for your support alert"
    english_text = text_of(in_english)
    assert "Offers the help you need: Accelerator" in english_text
    assert "Newly listed" in english_text
    assert "lang=cy" not in english_text
