"""The questionnaire's pages: one question each, answers in the URL, conditional questions,
validation in the GOV.UK error pattern, and links that were tampered with."""

from urllib.parse import parse_qs, urlsplit

import pytest

from directory.questionnaire.answers import Answers, applicable, first_unanswered, parse_answers
from tests.helpers import page_text

COMPLETE = {
    "place": "LS1 4AP",
    "stage": "start-up",
    "sector": "health",
    "need": ["funding", "advice"],
    "funding": ["grant", "loan"],
    "amount": "25k-100k",
    "equity": "no",
    "about": "skip",
    "size": "under-10",
}
WITHOUT_FUNDING = {
    "region": "north-east",
    "stage": "growth",
    "sector": "skip",
    "need": ["workspace", "export"],
    "about": "skip",
    "size": "skip",
}


def answer(client, question: str, **args):
    """Submit one question's form (a GET with continue=1); return the response."""
    return client.get(f"/check/{question}", query_string={**args, "continue": "1"})


def target(response) -> tuple[str, dict[str, list[str]]]:
    """Where a redirect goes: its path and its query arguments."""
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    parts = urlsplit(response.headers["Location"])
    return parts.path, parse_qs(parts.query)


def test_the_start_page_is_linked_from_home_and_navigation_and_starts_at_location(client):
    home = client.get("/").get_data(as_text=True)
    assert 'href="/check/"' in home
    assert "Answer a few questions" in page_text(home)
    start = client.get("/check/")
    assert start.status_code == 200
    assert 'href="/check/location"' in start.get_data(as_text=True)
    assert "Find support for your business" in page_text(start.get_data(as_text=True))


def test_the_whole_flow_keeps_every_answer_in_the_url(client):
    path, args = target(answer(client, "location", place="ls1 4ap", region=""))
    assert (path, args) == ("/check/stage", {"place": ["LS1 4AP"]})  # the resolved label
    path, args = target(answer(client, "stage", place="LS1 4AP", stage="start-up"))
    assert path == "/check/sector" and args["stage"] == ["start-up"]
    path, args = target(answer(client, "sector", **args, sector="health"))
    assert path == "/check/need"
    path, args = target(answer(client, "need", **args, need=["funding", "advice"]))
    assert path == "/check/funding-type" and args["need"] == ["funding", "advice"]
    path, args = target(answer(client, "funding-type", **args, funding=["grant", "loan"]))
    assert path == "/check/amount" and args["funding"] == ["grant", "loan"]
    path, args = target(answer(client, "amount", **args, amount="25k-100k"))
    assert path == "/check/equity"
    path, args = target(answer(client, "equity", **args, equity="no"))
    assert path == "/check/about"
    path, args = target(answer(client, "about", **args, about="skip"))
    assert path == "/check/size"
    path, args = target(answer(client, "size", **args, size="under-10"))
    assert path == "/check/answers"
    assert args == {key: v if isinstance(v, list) else [v] for key, v in COMPLETE.items()}
    # Nothing was kept anywhere but the URL: no cookie was ever set.
    assert "Set-Cookie" not in client.get("/check/answers", query_string=COMPLETE).headers


def test_funding_questions_are_asked_only_when_funding_is_wanted(client):
    base = {"region": "london", "stage": "start-up", "sector": "skip"}
    path, _args = target(answer(client, "need", **base, need=["advice"]))
    assert path == "/check/about"
    path, _args = target(answer(client, "need", **base, need=["advice", "funding"]))
    assert path == "/check/funding-type"
    # Opening a funding question without funding among the needs moves on instead.
    path, _args = target(client.get("/check/amount", query_string={**base, "need": "advice"}))
    assert path == "/check/about"


def test_dropping_funding_drops_its_answers(client):
    response = answer(client, "need", **{**COMPLETE, "need": ["advice"]}, change="1")
    path, args = target(response)
    assert path == "/check/answers"
    assert "amount" not in args and "equity" not in args and "funding" not in args
    # A hand-made URL with a funding answer but no funding need is read without it.
    html = client.get("/check/answers", query_string={**WITHOUT_FUNDING, "amount": "over-2m"})
    assert html.status_code == 200
    assert "Funding needed" not in page_text(html.get_data(as_text=True))


def test_adding_funding_while_changing_asks_its_questions_then_returns_to_the_summary(client):
    path, args = target(
        answer(client, "need", **{**WITHOUT_FUNDING, "need": ["funding"]}, change="1")
    )
    assert path == "/check/funding-type" and args["change"] == ["1"]
    path, args = target(answer(client, "funding-type", **args, funding="any"))
    assert path == "/check/amount" and args["change"] == ["1"]
    path, args = target(answer(client, "amount", **args, amount="under-25k"))
    assert path == "/check/equity" and args["change"] == ["1"]
    path, args = target(answer(client, "equity", **args, equity="yes"))
    assert path == "/check/answers" and "change" not in args
    assert args["amount"] == ["under-25k"] and args["equity"] == ["yes"]


def test_change_links_return_to_the_summary(client):
    html = client.get("/check/answers", query_string=COMPLETE).get_data(as_text=True)
    text = page_text(html)
    rows = [
        "Where your business is",
        "LS1 4AP (Yorkshire and the Humber)",
        "Stage",
        "Funding needed",
        "£25,000 to £100,000",
        "No, I want to keep full ownership",
    ]
    for row in rows:
        assert row in text
    assert "Kinds of funding Grants and competitions Loans" in text
    assert text.count("Change") >= 9
    assert 'href="/check/stage?place=LS1+4AP' in html and "change=1" in html
    # The change page's back link goes to the summary; answering goes back there too.
    stage = client.get("/check/stage", query_string={**COMPLETE, "change": "1"}).get_data(
        as_text=True
    )
    assert 'class="govuk-back-link"' in stage and 'href="/check/answers?place=LS1+4AP' in stage
    assert 'value="start-up" checked' in stage
    path, args = target(answer(client, "stage", **{**COMPLETE, "stage": "growth"}, change="1"))
    assert path == "/check/answers" and args["stage"] == ["growth"]


def test_back_links_step_back_through_the_questions(client):
    first = client.get("/check/location").get_data(as_text=True)
    assert '<a href="/check/" class="govuk-back-link">Back</a>' in first
    so_far = {"region": "wales", "stage": "growth", "sector": "skip"}
    need = client.get("/check/need", query_string=so_far).get_data(as_text=True)
    assert '<a href="/check/sector?region=wales&amp;stage=growth&amp;sector=skip"' in need
    summary = client.get("/check/answers", query_string=WITHOUT_FUNDING).get_data(as_text=True)
    assert 'class="govuk-back-link"' in summary and 'href="/check/size?' in summary


@pytest.mark.parametrize(
    ("question", "args", "message"),
    [
        ("location", {"place": "", "region": ""}, "Enter a postcode or town, or choose a region"),
        ("location", {"place": "Xqzzyville"}, "We could not find ‘Xqzzyville’"),
        ("location", {"place": "JE2 3AB"}, "If your business is in the UK, choose a region"),
        ("location", {"place": "x" * 101}, "in 100 characters or fewer"),
        ("stage", {"region": "wales"}, "Select the stage your business is at"),
        ("stage", {"region": "wales", "stage": "unicorn"}, "Select the stage your business is at"),
        ("need", {"region": "wales", "stage": "growth", "sector": "skip"},
         "Select the help you need"),
        ("amount", {"region": "wales", "stage": "growth", "sector": "skip", "need": "funding"},
         "Select how much funding you are looking for"),
    ],
)  # fmt: skip
def test_a_missing_or_bad_answer_is_explained_in_the_govuk_error_pattern(
    client, question, args, message
):
    response = answer(client, question, **args)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<title>Error: " in html
    assert 'class="govuk-error-summary"' in html and "There is a problem" in html
    assert 'class="govuk-error-message"' in html and message in page_text(html)
    assert 'class="govuk-form-group govuk-form-group--error"' in html
    # The summary links to the field, and the page keeps the other answers to go on with.
    assert 'href="#place"' in html if question == "location" else f'href="#{question}"' in html


def test_an_ambiguous_town_offers_a_choice_that_carries_on(client):
    html = answer(client, "location", place="Newport").get_data(as_text=True)
    assert "There is more than one ‘Newport’" in page_text(html)
    assert 'href="/check/stage?place=Newport,+Wales"' in html


def test_skippable_questions_offer_a_skip_link_and_others_do_not(client):
    location = client.get("/check/location").get_data(as_text=True)
    assert '<a class="govuk-link" href="/check/stage?region=skip" id="skip">' in location
    stage = client.get("/check/stage", query_string={"region": "skip"}).get_data(as_text=True)
    assert 'id="skip"' not in stage
    sector = client.get("/check/sector", query_string={"region": "skip", "stage": "growth"})
    assert 'href="/check/need?region=skip&amp;stage=growth&amp;sector=skip"' in sector.get_data(
        as_text=True
    )
    summary = client.get("/check/answers", query_string=WITHOUT_FUNDING)
    assert "Not given" in page_text(summary.get_data(as_text=True))


def test_every_question_page_has_a_hint_and_a_single_h1(client):
    args = {"region": "wales", "stage": "growth", "sector": "skip", "need": "funding"}
    for question in ("location", "stage", "sector", "need", "funding-type", "amount", "equity",
                     "about", "size"):  # fmt: skip
        html = client.get(f"/check/{question}", query_string=args).get_data(as_text=True)
        assert html.count("<h1") == 1, question
        assert 'class="govuk-hint"' in html, question
        assert 'method="get"' in html, question


@pytest.mark.parametrize(
    ("path", "args", "message"),
    [
        ("/check/results", {**COMPLETE, "utm_source": "x"}, "‘utm_source’ is not one of our"),
        ("/check/results", {**COMPLETE, "stage": "unicorn"}, "‘unicorn’ is not an answer"),
        ("/check/results", {**COMPLETE, "need": ["funding", "yachts"]}, "‘yachts’ is not an"),
        ("/check/results", {**COMPLETE, "stage": ["start-up", "growth"]}, "only one answer"),
        ("/check/results", {**COMPLETE, "place": "y" * 300}, "100 characters or fewer"),
        ("/check/results", {**COMPLETE, "stage": "skip"}, "‘skip’ is not an answer"),
        ("/check/answers", {**COMPLETE, "region": "atlantis"}, "‘atlantis’ is not an answer"),
        ("/check/results.csv", {**COMPLETE, "<script>": "1"}, "is not one of our questions"),
        ("/check/stage", {"change": "yes"}, "‘change’ can only be 1"),
        ("/check/stage", {"sector": "=cmd|' /C calc'!A0"}, "is not an answer"),
        ("/check/results", {**COMPLETE, "change": "1"}, "‘change’ is not one of our"),
    ],
)
def test_tampered_links_get_a_clear_message_and_a_way_back(client, path, args, message):
    response = client.get(path, query_string=args)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem with this link" in html
    assert message in page_text(html)
    assert 'href="/check/"' in html and 'id="continue-link"' in html
    assert "<script>" not in html.split("<main", 1)[1]


def test_a_place_that_no_longer_resolves_points_back_to_the_location_question(client):
    response = client.get("/check/results", query_string={**COMPLETE, "place": "Xqzzyville"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "We could not find" in page_text(html)
    assert 'href="/check/location?place=Xqzzyville' in html


def test_incomplete_answers_go_to_the_first_question_missing(client):
    path, args = target(client.get("/check/results", query_string={"stage": "growth"}))
    assert (path, args) == ("/check/location", {"stage": ["growth"]})
    path, _args = target(client.get("/check/answers", query_string={"region": "skip"}))
    assert path == "/check/stage"


def test_an_unknown_question_is_not_found(client):
    assert client.get("/check/favourite-colour").status_code == 404


def test_pages_are_cacheable_by_the_browser_only(client):
    for path in ("/check/", "/check/stage", "/check/answers", "/check/results"):
        response = client.get(path, query_string=WITHOUT_FUNDING)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "private, max-age=300", path


def test_answers_are_read_strictly_and_in_question_order(app):
    from werkzeug.datastructures import MultiDict

    questionnaire = app.extensions["questionnaire"]
    args = MultiDict([("size", "skip"), ("need", "advice"), ("need", "advice"),
                      ("stage", " growth "), ("region", "london"), ("place", "Leeds")])  # fmt: skip
    answers, problems = parse_answers(args, questionnaire)
    assert problems == []
    # The place wins over a region; repeated values count once; spaces are trimmed.
    assert answers.query_args(questionnaire) == {
        "place": ["Leeds"],
        "stage": ["growth"],
        "need": ["advice"],
        "size": ["skip"],
    }
    assert first_unanswered(questionnaire, answers).id == "sector"
    asked = [q.id for q in applicable(questionnaire, answers)]
    assert asked == ["location", "stage", "sector", "need", "about", "size"]
    with_funding = Answers({**answers.values, "need": ("funding",)})
    funding_questions = [q.id for q in applicable(questionnaire, with_funding)]
    assert "funding-type" in funding_questions and "amount" in funding_questions


def test_the_questionnaire_file_is_checked_against_the_taxonomy(app, tmp_path):
    from directory.questionnaire.questions import QuestionnaireError, load_questionnaire
    from tests.conftest import SEED_DIR

    text = (SEED_DIR / "questionnaire.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "questionnaire.yaml"
    broken.write_text(text.replace("support: [workspace]", "support: [desks]"), encoding="utf-8")
    with pytest.raises(QuestionnaireError, match="desks"):
        load_questionnaire(broken, app.extensions["taxonomy"])
