"""The /check/ pages: start, one question per page, check your answers, results and a CSV.

Every form is a GET form and every answer travels in the query string, so nothing is stored
between pages and each page has a stable URL that can be shared, bookmarked and cached.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from directory.demand.recording import record_questionnaire
from directory.geo import GeoResult
from directory.pages import cached_page
from directory.questionnaire.answers import (
    CHANGE,
    CONTINUE,
    CONTROL_KEYS,
    MAX_PLACE_CHARS,
    Answers,
    Problem,
    applicable,
    applies,
    first_unanswered,
    next_after,
    parse_answers,
    previous_before,
)
from directory.questionnaire.questions import SKIP, Question, Questionnaire, load_questionnaire
from directory.questionnaire.results import (
    SHOWN_PER_NEED,
    PlaceProblem,
    demand_answers,
    find_support,
    profile_for,
    resolve_place,
    results_csv,
)

blueprint = Blueprint("questionnaire", __name__, url_prefix="/check")
# Pages depend only on their URL (and the catalogue), so browsers may keep them a while; never
# shared caches, since a page can carry a signed-in user's navigation and a typed postcode.
CACHE_CONTROL = "private, max-age=300"


@blueprint.record_once
def load(state: BlueprintSetupState) -> None:
    """Read and check the questions once, when the blueprint is registered."""
    app = state.app
    path = Path(app.config["QUESTIONNAIRE_PATH"])
    app.extensions["questionnaire"] = load_questionnaire(path, app.extensions["taxonomy"])


@blueprint.after_request
def cache_headers(response: Response) -> Response:
    """Let the founder's own browser cache successful pages."""
    if response.status_code == 200:
        response.headers.setdefault("Cache-Control", CACHE_CONTROL)
    return response


def questionnaire() -> Questionnaire:
    """The app's questions."""
    return current_app.extensions["questionnaire"]


def question_url(question: Question, answers: Answers, changing: bool = False) -> str:
    """The page of one question, carrying the answers so far."""
    # Any, as url_for wants: no answer key is one of its own keywords (_external, _anchor).
    args: dict[str, Any] = answers.query_args(questionnaire())
    if changing:
        args[CHANGE] = 1
    return url_for("questionnaire.question", question_id=question.id, **args)


def answers_url(answers: Answers) -> str:
    """The check your answers page for these answers."""
    query: dict[str, Any] = answers.query_args(questionnaire())
    return url_for("questionnaire.check_answers", **query)


def results_url(answers: Answers, endpoint: str = "questionnaire.results") -> str:
    """The stable results URL (or its CSV) for these answers."""
    query: dict[str, Any] = answers.query_args(questionnaire())
    return url_for(endpoint, **query)


def url_after(question: Question, answers: Answers, changing: bool) -> str:
    """Where to go once a question is answered: on, or back to the summary when changing."""
    if changing:
        missing = first_unanswered(questionnaire(), answers)
        return question_url(missing, answers, changing=True) if missing else answers_url(answers)
    following = next_after(questionnaire(), answers, question)
    return question_url(following, answers) if following else answers_url(answers)


def invalid_link(
    problems: list[Problem], answers: Answers, fix_url: str | None = None
) -> tuple[str, int]:
    """A link someone edited or mistyped: say what is wrong and offer a way back, never a 500."""
    page = render_template(
        "questionnaire/invalid.html",
        problems=problems,
        continue_url=fix_url or answers_url(answers),
    )
    return page, 400


@blueprint.get("/")
def start() -> ResponseReturnValue:
    """What the questionnaire does, and a start button."""
    first = questionnaire().questions[0]
    return render_template(
        "questionnaire/start.html",
        start_url=question_url(first, Answers()),
        questions=questionnaire().questions,
    )


@dataclass
class Submission:
    """A question's answer as submitted: the values to keep, or what to say about it."""

    values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    error: str | None = None
    choices: list[GeoResult] = field(default_factory=list)


def check_submission(question: Question, answers: Answers) -> Submission:
    """Validate the answer just given to one question, GOV.UK style: one clear message."""
    if question.kind == "location":
        return _check_location(question, answers)
    values = answers.get(question.key)
    if values == (SKIP,) and question.skippable:
        return Submission({question.key: values})
    if (
        values
        and all(question.option(v) for v in values)
        and (question.multiple or len(values) == 1)
    ):
        return Submission({question.key: values})
    return Submission(error=question.error)


def _check_location(question: Question, answers: Answers) -> Submission:
    """A postcode or town that resolves to one place in the UK, or a region."""
    place_key = question.place_key
    places = answers.get(place_key) if place_key else ()
    region = answers.get(question.key)
    if place_key is None or not places:
        if region == (SKIP,):
            return Submission({question.key: region})
        if len(region) == 1 and question.option(region[0]):
            return Submission({question.key: region})
        return Submission(error=question.error)
    if len(places) > 1:
        return Submission(error=_("Enter one postcode or town"))
    if len(places[0]) > MAX_PLACE_CHARS:
        return Submission(
            error=_("Enter a postcode or town in %(max)s characters or fewer", max=MAX_PLACE_CHARS)
        )
    place, near = resolve_place(places[0])
    if place is not None and place.label is not None:
        return Submission({place_key: (place.label,)})
    if near.problem == "ambiguous":
        return Submission(error=near.message, choices=near.choices)
    if near.problem == "unavailable":
        return Submission(
            error=_("We cannot look up postcodes and towns just now: choose a region")
        )
    if near.problem == "outside":
        return Submission(
            error=_(
                "%(message)s If your business is in the UK, choose a region.",
                message=near.message,
            )
        )
    return Submission(
        error=_(
            "We could not find ‘%(place)s’. Check the postcode or town, or choose a region",
            place=places[0],
        )
    )


@blueprint.get("/<question_id>")
def question(question_id: str) -> ResponseReturnValue:
    """One question; its GET form comes back here, then on to the next question."""
    asked = questionnaire().get(question_id)
    if asked is None:
        abort(404)
    submitted = CONTINUE in request.args
    answers, problems = parse_answers(
        request.args, questionnaire(), CONTROL_KEYS, unchecked=asked if submitted else None
    )
    if problems:
        return invalid_link(problems, answers)
    changing = CHANGE in request.args
    if not applies(asked, answers):
        # e.g. the funding amount when funding is not among the needs
        missing = first_unanswered(questionnaire(), answers)
        target = question_url(missing, answers, changing) if missing else answers_url(answers)
        return redirect(target, 303)
    submission = None
    if submitted:
        submission = check_submission(asked, answers)
        if submission.error is None:
            answered = answers.replace(questionnaire(), asked, submission.values)
            return redirect(url_after(asked, answered, changing), 303)
    return render_question(asked, answers, changing, submission)


def render_question(
    asked: Question, answers: Answers, changing: bool, submission: Submission | None
) -> str:
    """The question page, with the answer so far and any error."""
    others = Answers({k: v for k, v in answers.values.items() if k not in asked.keys})
    hidden = [(k, v) for k, values in others.query_args(questionnaire()).items() for v in values]
    if changing:
        hidden.append((CHANGE, "1"))
    # Links leave out an answer that was just refused, so they never carry a bad value.
    clean = others if submission and submission.error else answers
    previous = previous_before(questionnaire(), clean, asked)
    if changing and first_unanswered(questionnaire(), clean) is None:
        back_url = answers_url(clean)
    elif previous is not None:
        back_url = question_url(previous, clean, changing=changing)
    else:
        back_url = url_for("questionnaire.start")
    skip_url = None
    if asked.skippable:
        skipped = answers.replace(questionnaire(), asked, {asked.key: (SKIP,)})
        skip_url = url_after(asked, skipped, changing)
    choice_urls = []
    if submission and submission.choices and asked.place_key:
        for choice in submission.choices:
            chosen = answers.replace(questionnaire(), asked, {asked.place_key: (choice.label,)})
            choice_urls.append((choice.label, url_after(asked, chosen, changing)))
    return render_template(
        "questionnaire/question.html",
        question=asked,
        selected=[v for v in answers.get(asked.key) if v != SKIP],
        place=answers.one(asked.place_key) if asked.place_key else None,
        hidden=hidden,
        back_url=back_url,
        skip_url=skip_url,
        error=submission.error if submission else None,
        choice_urls=choice_urls,
    )


def summary_rows(answers: Answers) -> list[dict[str, Any]]:
    """One row per question asked: its short name, the answer in words, and a change link."""
    rows = []
    for asked in questionnaire().questions:
        if not applies(asked, answers):
            continue
        rows.append(
            {
                "id": asked.id,
                "question": asked.short,
                "answer": _answer_words(asked, answers),
                "change_url": question_url(asked, answers, changing=True),
            }
        )
    return rows


def _answer_words(asked: Question, answers: Answers) -> list[str]:
    """An answer as the founder would say it."""
    place_text = answers.one(asked.place_key) if asked.place_key else None
    if place_text:
        place, _near = resolve_place(place_text)
        if place is None:
            return [place_text]
        label = place.label or place_text
        region = asked.option(place.region) if place.region else None
        return [f"{label} ({region.label})" if region else label]
    values = answers.get(asked.key)
    if values == (SKIP,):
        return [_("Not given")]
    return [asked.chosen(value).label for value in values]


def _read_complete_answers():
    """Answers from the URL for the summary and results; or the response to send instead."""
    answers, problems = parse_answers(request.args, questionnaire())
    if problems:
        return None, invalid_link(problems, answers)
    missing = first_unanswered(questionnaire(), answers)
    if missing is not None:
        return None, redirect(question_url(missing, answers), 303)
    return answers, None


@blueprint.get("/answers")
def check_answers() -> ResponseReturnValue:
    """Check your answers, with a change link for each."""
    answers, response = _read_complete_answers()
    if response is not None:
        return response
    return render_template(
        "questionnaire/answers.html",
        rows=summary_rows(answers),
        results_url=results_url(answers),
        back_url=question_url(applicable(questionnaire(), answers)[-1], answers),
    )


def _results_for_request():
    """Complete, valid answers and their results; or the response to send instead."""
    answers, response = _read_complete_answers()
    if response is not None:
        return None, None, response
    try:
        profile = profile_for(questionnaire(), answers)
    except PlaceProblem as problem:
        location = questionnaire().question_for("place")
        fix = question_url(location, answers, changing=True)
        return None, None, invalid_link([Problem("place", str(problem))], answers, fix)
    taxonomy = current_app.extensions["taxonomy"]
    return answers, find_support(questionnaire(), profile, taxonomy), None


@blueprint.get("/results")
@cached_page(cache_control=CACHE_CONTROL)
def results() -> ResponseReturnValue:
    """Results grouped by need, each explained; records one anonymous demand event."""
    answers, found, response = _results_for_request()
    if response is not None:
        return response
    page = render_template(
        "questionnaire/results.html",
        results=found,
        rows=summary_rows(answers),
        answers_url=answers_url(answers),
        csv_url=results_url(answers, "questionnaire.results_csv"),
        alert_url=url_for("alerts.new", kind="check", **answers.query_args(questionnaire())),
        shown_per_need=SHOWN_PER_NEED,
    )
    # After the page is built, and never failing it: the answer keys and the derived region.
    record_questionnaire(demand_answers(answers, found.profile, found.support), found.listing_count)
    return page


@blueprint.get("/results.csv", endpoint="results_csv")
def results_csv_download() -> ResponseReturnValue:
    """The same results, every one of them, as a spreadsheet-safe CSV."""
    _answers, found, response = _results_for_request()
    if response is not None:
        return response
    body = results_csv(
        found,
        current_app.extensions["taxonomy"],
        lambda slug: url_for("catalogue.listing", slug=slug, _external=True),
    )
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="support-for-your-business.csv"'},
    )
