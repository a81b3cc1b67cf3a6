"""Answers as they travel in the URL: strict validation, and the order questions come in.

Nothing is kept between requests: every page reads the answers from its query string and every
link writes them back, in question order, so a URL is a complete, shareable description.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from directory.i18n import PARAMETER as LANGUAGE
from directory.questionnaire.questions import SKIP, Question, Questionnaire

MAX_PLACE_CHARS = 100
# Keys that steer the pages rather than answer a question.
CHANGE = "change"  # came from "Check your answers": go back there afterwards
CONTINUE = "continue"  # the question's form was submitted
CONTROL_KEYS = (CHANGE, CONTINUE)
MAX_SHOWN_CHARS = 60


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a link, in words a founder can act on."""

    key: str
    message: str


@dataclass(frozen=True)
class Answers:
    """Answer values by query-string key; a key with no values is unanswered."""

    values: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def get(self, key: str) -> tuple[str, ...]:
        """All values of a key (empty when unanswered)."""
        return self.values.get(key, ())

    def one(self, key: str) -> str | None:
        """The single value of a key, or None."""
        values = self.get(key)
        return values[0] if values else None

    def answered(self, question: Question) -> bool:
        """Whether the question has an answer (a skip counts)."""
        return any(self.get(key) for key in question.keys)

    def required(self, key: str) -> str:
        """The single value of a key that complete answers always have."""
        value = self.one(key)
        if value is None:
            raise KeyError(f"{key} is unanswered")
        return value

    def given(self, key: str) -> str | None:
        """The single value of a key unless it was skipped."""
        value = self.one(key)
        return None if value == SKIP else value

    def replace(
        self, questionnaire: Questionnaire, question: Question, values: dict[str, tuple[str, ...]]
    ) -> Answers:
        """These answers with one question's answer replaced, dropping any that no longer apply."""
        changed = {k: v for k, v in self.values.items() if k not in question.keys}
        changed.update({k: tuple(v) for k, v in values.items() if v})
        return Answers(changed).pruned(questionnaire)

    def pruned(self, questionnaire: Questionnaire) -> Answers:
        """Only the answers of questions that apply, in question order."""
        kept = {}
        for question in applicable(questionnaire, self):
            for key in question.keys:
                if self.get(key):
                    kept[key] = self.get(key)
        return Answers(kept)

    def query_args(self, questionnaire: Questionnaire) -> dict[str, list[str]]:
        """The answers as query-string arguments, in question order."""
        return {key: list(self.get(key)) for key in questionnaire.keys if self.get(key)}


def applies(question: Question, answers: Answers) -> bool:
    """Whether a question is asked, given the answers so far."""
    if question.when is None:
        return True
    key, value = question.when
    return value in answers.get(key)


def applicable(questionnaire: Questionnaire, answers: Answers) -> list[Question]:
    """The questions asked for these answers, in order."""
    return [question for question in questionnaire.questions if applies(question, answers)]


def first_unanswered(questionnaire: Questionnaire, answers: Answers) -> Question | None:
    """The first question still to answer; None when the answers are complete."""
    return next((q for q in applicable(questionnaire, answers) if not answers.answered(q)), None)


def next_after(
    questionnaire: Questionnaire, answers: Answers, question: Question
) -> Question | None:
    """The question asked after this one (None after the last)."""
    asked = applicable(questionnaire, answers)
    later = asked[asked.index(question) + 1 :] if question in asked else asked
    return next(iter(later), None)


def previous_before(
    questionnaire: Questionnaire, answers: Answers, question: Question
) -> Question | None:
    """The question asked before this one (None before the first)."""
    asked = applicable(questionnaire, answers)
    if question not in asked:
        return None
    index = asked.index(question)
    return asked[index - 1] if index else None


def parse_answers(
    args: MultiDict[str, str],
    questionnaire: Questionnaire,
    allowed_controls: tuple[str, ...] = (),
    unchecked: Question | None = None,
) -> tuple[Answers, list[Problem]]:
    """Validate every answer in a query string; unknown keys and values are problems.

    `unchecked` is the question whose form was just submitted: its values are kept as typed,
    for the question page to check and explain next to the field.
    """
    problems: list[Problem] = []
    for key in dict.fromkeys(args.keys()):
        if key == LANGUAGE:
            continue  # the page's language (?lang=cy), not an answer
        if key in allowed_controls:
            if args.getlist(key) != ["1"]:
                problems.append(Problem(key, _("‘%(key)s’ can only be 1", key=key)))
        elif questionnaire.by_key(key) is None:
            problems.append(
                Problem(key, _("‘%(key)s’ is not one of our questions", key=_shown(key)))
            )
    values: dict[str, tuple[str, ...]] = {}
    for question in questionnaire.questions:
        for key in question.keys:
            raw = [" ".join(value.split()) for value in args.getlist(key)]
            raw = list(dict.fromkeys(value for value in raw if value))
            if not raw:
                continue
            if question is unchecked:
                values[key] = tuple(raw)
                continue
            problem = _check(question, key, raw)
            if problem:
                problems.append(Problem(key, problem))
            else:
                values[key] = tuple(raw)
    if unchecked is None:
        place_key = next((q.place_key for q in questionnaire.questions if q.place_key), None)
        if place_key and values.get(place_key):
            # A place is more precise than a region: it wins, and its region is derived.
            values.pop(questionnaire.question_for(place_key).key, None)
    return Answers(values).pruned(questionnaire), problems


def _check(question: Question, key: str, values: list[str]) -> str | None:
    """What is wrong with one key's values, or None."""
    if key == question.place_key:
        if len(values) > 1:
            return _("Give one postcode or town")
        if len(values[0]) > MAX_PLACE_CHARS:
            return _("A postcode or town must be %(max)s characters or fewer", max=MAX_PLACE_CHARS)
        return None
    if len(values) > 1 and not question.multiple:
        return _("‘%(question)s’ can have only one answer", question=question.short)
    for value in values:
        if value == SKIP and question.skippable and len(values) == 1:
            continue
        if question.option(value) is None:
            return _(
                "‘%(value)s’ is not an answer to ‘%(question)s’",
                value=_shown(value),
                question=question.title,
            )
    return None


def _shown(text: str) -> str:
    """Text from a URL, cut short for a message."""
    return text if len(text) <= MAX_SHOWN_CHARS else text[:MAX_SHOWN_CHARS] + "…"
