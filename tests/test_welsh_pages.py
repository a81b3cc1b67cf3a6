"""The service's own pages in Welsh: home, about, accessibility, privacy, feedback and errors."""

import re

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from directory.extensions import csrf, db
from directory.feedback.models import Feedback
from tests.conftest import make_app, seeded_copy
from tests.helpers import csrf_token, page_text, post_form


def title(html: str) -> str:
    return page_text(re.search(r"<title>(.*?)</title>", html, re.S).group(1))


def main_text(html: str) -> str:
    return page_text(html[html.index("<main") : html.index("</main>")])


def test_the_home_page_in_welsh_keeps_welsh_through_its_search_box(client):
    html = client.get("/?lang=cy").get_data(as_text=True)
    text = main_text(html)
    assert "Dod o hyd i gymorth i’ch busnes newydd" in text
    assert "Cymorth fesul rhanbarth" in text and "Cymorth fesul cam" in text
    # Region and stage links use the taxonomy's Welsh labels, and stay in Welsh.
    assert re.search(r'href="/search\?region=wales&amp;lang=cy">Cymru</a>', html)
    assert "Gogledd Iwerddon" in text and "Northern Ireland" not in text
    assert "Atebwch ychydig o gwestiynau i ddod o hyd i gymorth i’ch busnes" in text
    # The search box is a GET form: it carries the language itself.
    form = html[html.index('role="search"') : html.index("</form>")]
    assert '<input type="hidden" name="lang" value="cy">' in form
    assert ">Chwilio</button>" in form and "Chwilio am gymorth" in form
    assert "Find support for your start-up" not in html
    results = client.get("/search?q=grant&lang=cy")
    assert results.status_code == 200 and '<html lang="cy"' in results.text


def test_the_english_home_page_is_unchanged(client):
    html = client.get("/").get_data(as_text=True)
    assert '<h1 class="govuk-heading-xl">Find support for your start-up</h1>' in html
    assert 'role="search" class="govuk-!-margin-bottom-6">\n' in html
    assert 'name="lang"' not in html
    assert "For example: accelerator, angel investment, R&amp;D grant, workspace in Leeds" in html
    assert re.search(r'href="/search\?region=wales">Wales</a>', html)


def test_about_in_welsh(client):
    html = client.get("/about?lang=cy").get_data(as_text=True)
    assert title(html) == "Ynghylch y gwasanaeth hwn – Cyfeiriadur Cymorth i Fusnesau Newydd"
    text = main_text(html)
    assert "O ble daw’r wybodaeth" in text and "Eich preifatrwydd" in text
    assert 'dyddiad "gwiriwyd ddiwethaf"' in text
    assert 'lang=cy">ddata agored</a>' in html
    assert "Where the information comes from" not in html


def test_the_accessibility_statement_in_welsh(client):
    html = client.get("/accessibility?lang=cy").get_data(as_text=True)
    assert title(html) == "Datganiad hygyrchedd – Cyfeiriadur Cymorth i Fusnesau Newydd"
    text = main_text(html)
    for heading in (
        "Datganiad hygyrchedd",
        "Pa mor hygyrch yw’r gwasanaeth hwn",
        "Problemau hysbys",
        "Sut y gwnaethom ei brofi",
        "Rhoi gwybod am broblemau hygyrchedd",
        "Y weithdrefn orfodi",
    ):
        assert heading in text
    assert "chwyddo hyd at 400% heb i’r testun lifo oddi ar y sgrin" in text
    assert "(WCAG) fersiwn 2.2 ar lefel AA" in text
    # Dates in Welsh words.
    assert "Paratowyd y datganiad hwn ar 30 Tachwedd 2026" in text
    assert 'href="/feedback?page=/accessibility&amp;lang=cy"' in html
    # No English paragraph left behind.
    assert "Known issues" not in text and "How we tested it" not in text
    assert "We aim" not in text and "Equality and Human Rights" not in text


def test_the_english_accessibility_statement_keeps_its_dates(client):
    text = page_text(client.get("/accessibility").get_data(as_text=True))
    assert (
        "This statement was prepared on 30 November 2026 and last reviewed on 30 November 2026."
        in text
    )
    assert "zoom in up to 400% without the text spilling off the screen" in text


def test_the_privacy_notice_in_welsh(client):
    html = client.get("/privacy?lang=cy").get_data(as_text=True)
    assert title(html) == "Hysbysiad preifatrwydd – Cyfeiriadur Cymorth i Fusnesau Newydd"
    text = main_text(html)
    for heading in (
        "Pan fyddwch yn chwilio",
        "Beth nad ydym byth yn ei storio",
        "Cwcis",
        "Hysbysiadau e-bost",
        "Am ba hyd rydym yn cadw pethau",
        "Pwy sy’n gallu gweld beth",
    ):
        assert heading in text
    # Every table cell is in Welsh.
    assert "Beth Am ba hyd" in text
    assert "Digwyddiadau galw 13 mis, ac yna’n cael eu cyfuno’n gyfansymiau wythnosol" in text
    assert "Cofrestriadau heb eu cadarnhau 3 diwrnod" in text
    assert "Cymedrolwyr : adborth" in text
    assert "<strong>digwyddiad galw</strong>" in html
    for english in ("Demand events", "How long", "Until a moderator", "Everyone", "Cookies"):
        assert english not in text
    assert 'href="/feedback?page=/privacy&amp;lang=cy"' in html


def test_the_feedback_form_in_welsh_shows_welsh_errors_and_sends(client):
    page = client.get("/feedback?lang=cy").get_data(as_text=True)
    assert title(page) == "Rhoi adborth – Cyfeiriadur Cymorth i Fusnesau Newydd"
    assert "Beth hoffech chi ei ddweud wrthym?" in page
    assert "Cyfeiriad e-bost (dewisol)" in page and ">Anfon adborth</button>" in page
    assert 'href="/privacy?lang=cy#feedback"' in page

    refused = post_form(client, "/feedback?lang=cy", {"message": "  ", "email": "not-an-address"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200 and '<html lang="cy"' in html
    assert title(html) == "Gwall: Rhoi adborth – Cyfeiriadur Cymorth i Fusnesau Newydd"
    assert "Mae problem wedi codi" in html
    assert '<span class="govuk-visually-hidden">Gwall:</span> Rhowch eich adborth' in html
    assert "Rhowch gyfeiriad e-bost yn y fformat cywir, fel enw@enghraifft.com" in html
    assert "Enter your feedback" not in html and "There is a problem" not in html
    assert db.session.scalar(select(func.count()).select_from(Feedback)) == 0

    sent = post_form(client, "/feedback?lang=cy", {"message": "Diolch!", "page": "/"})
    thanks = sent.get_data(as_text=True)
    assert sent.status_code == 200
    assert "Diolch am eich adborth" in main_text(thanks)
    assert "Bydd cymedrolwr yn ei ddarllen." in thanks
    assert db.session.scalars(select(Feedback)).one().message == "Diolch!"


def test_too_long_feedback_is_refused_in_welsh(client):
    response = post_form(client, "/feedback?lang=cy", {"message": "x" * 2001})
    assert "Rhaid i’r adborth fod yn 2,000 nod neu lai" in response.get_data(as_text=True)
    english = post_form(client, "/feedback", {"message": "x" * 2001})
    assert "Feedback must be 2,000 characters or fewer" in english.get_data(as_text=True)


def test_the_404_page_in_welsh(client):
    response = client.get("/no-such-page?lang=cy")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert title(html) == "Heb ddod o hyd i’r dudalen – Cyfeiriadur Cymorth i Fusnesau Newydd"
    assert "Os teipioch y cyfeiriad gwe, gwiriwch ei fod yn gywir." in html
    assert '<a class="govuk-link" href="/search?lang=cy">Chwiliwch am gymorth</a>' in html
    assert "Page not found" not in html


def test_bad_input_is_refused_in_welsh_but_the_api_keeps_english(client):
    response = client.get("/search?lang=cy&q=a%00b")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Cais annilys" in html and "Mae nod rheoli yn ‘q’." in html
    assert "Mynd i’r dudalen gychwyn" in html and "Bad Request" not in html
    repeated = client.get("/search?lang=cy&" + "&".join(["region=wales"] * 21))
    assert "Rhoddwyd ‘region’ fwy na 20 gwaith." in repeated.get_data(as_text=True)
    english = client.get("/search?q=a%00b").get_data(as_text=True)
    assert "Bad Request" in english and "‘q’ contains a control character." in english
    api = client.get("/api/v1/search?lang=cy&q=a%00b")
    assert api.status_code == 400
    assert api.get_json()["message"] == "‘q’ contains a control character."


def test_a_form_without_its_token_is_refused_in_welsh(client):
    response = client.post("/feedback?lang=cy", data={"message": "hello"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nid oedd modd gwirio’r ffurflen" in html and "CSRF" not in html


def test_too_many_requests_in_welsh(databases, catalogue_template, tmp_path):
    url, index = seeded_copy(databases, catalogue_template, tmp_path)
    app = make_app(url, index, RATELIMIT_FEEDBACK="1/minute")
    try:
        with app.app_context():
            client = app.test_client()
            for _attempt in range(2):
                token = csrf_token(client, "/feedback?lang=cy")
                response = client.post(
                    "/feedback?lang=cy", data={"csrf_token": token, "message": "Nodyn"}
                )
            html = response.get_data(as_text=True)
            assert response.status_code == 429
            assert title(html) == "Gormod o geisiadau – Cyfeiriadur Cymorth i Fusnesau Newydd"
            assert "Rydych wedi gwneud mwy o geisiadau nag a ganiateir." in html
            db.session.remove()
            db.engine.dispose()
    finally:
        app.extensions["search_index"].close()
        databases.drop(url)


def test_a_database_fault_is_explained_in_welsh(app, client):
    def locked():
        raise OperationalError("UPDATE listing", {}, Exception("database is locked"))

    csrf.exempt(locked)
    app.add_url_rule("/locked-for-test", "locked_for_test", locked, methods=["GET", "POST"])
    app.add_url_rule("/api/locked-for-test", "api_locked_for_test", locked)
    welsh = client.get("/locked-for-test?lang=cy")
    assert welsh.status_code == 503 and welsh.headers["Retry-After"]
    text = main_text(welsh.get_data(as_text=True))
    assert "Mae’n ddrwg gennym, nid yw’r gwasanaeth ar gael" in text
    assert "Ni all y gwasanaeth gysylltu â’i gronfa ddata ar hyn o bryd." in text
    assert "roi cynnig arall arni" in text
    posted = main_text(client.post("/locked-for-test?lang=cy").get_data(as_text=True))
    assert "Nid yw’r hyn a anfonoch wedi’i gadw." in posted
    english = main_text(client.get("/locked-for-test").get_data(as_text=True))
    assert (
        "The service cannot reach its database just now. Please try again in a minute." in english
    )
    # The API answers in English whatever the address asks.
    api = client.get("/api/locked-for-test?lang=cy")
    assert api.status_code == 503
    assert api.get_json()["message"] == (
        "The service cannot reach its database just now. Please try again in a minute."
    )
