"""The questionnaire's questions, read from seed_data/questionnaire.yaml and checked once.

Every text a founder reads (titles, hints, errors, option labels) is kept in English and in
Welsh (the file's `*_cy` keys, or a taxonomy's `cy`); `title`, `label` and the rest give the
text in the language being written now (directory.i18n.in_welsh()), so pages, reasons and
emails need not choose.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from directory.i18n import in_welsh
from directory.taxonomy import Taxonomy, Term
from directory.yamlfiles import read_yaml

KINDS = ("radios", "checkboxes", "location")
# The value a skipped question stores in the URL (never a taxonomy slug or option value).
SKIP = "skip"
# The answer keys the results and the demand record read by name.
REQUIRED_KEYS = frozenset(
    {"place", "region", "stage", "sector", "need", "funding", "amount", "equity", "about", "size"}
)


class QuestionnaireError(ValueError):
    """The questionnaire file is malformed or names something the taxonomy does not have."""


def _in_language(english: str, welsh: str | None) -> str:
    """The English text, or its Welsh when writing in Welsh and there is some."""
    return welsh if welsh and in_welsh() else english


@dataclass(frozen=True)
class Option:
    """One answer a question offers; needs carry the support types they stand for."""

    value: str
    label_en: str
    hint_en: str | None = None
    support: tuple[str, ...] = ()
    equity_support: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    label_cy: str | None = None
    hint_cy: str | None = None

    @property
    def label(self) -> str:
        """The option's label in the current language."""
        return _in_language(self.label_en, self.label_cy)

    @property
    def hint(self) -> str | None:
        """The option's hint in the current language, if it has one."""
        return _in_language(self.hint_en, self.hint_cy) if self.hint_en else None


@dataclass(frozen=True)
class Question:
    """One page of the questionnaire."""

    id: str
    key: str
    kind: str
    title_en: str
    short_en: str
    hint_en: str
    error_en: str
    options: tuple[Option, ...]
    skippable: bool = False
    # Asked only when the answer to `when[0]` includes `when[1]`.
    when: tuple[str, str] | None = None
    # Location only: the key of the postcode or town typed (the region goes in `key`).
    place_key: str | None = None
    # The Welsh of the texts above (None: the English is shown).
    title_cy: str | None = None
    short_cy: str | None = None
    hint_cy: str | None = None
    error_cy: str | None = None

    @property
    def title(self) -> str:
        """The question, in the current language."""
        return _in_language(self.title_en, self.title_cy)

    @property
    def short(self) -> str:
        """Its short name (check your answers, the start page), in the current language."""
        return _in_language(self.short_en, self.short_cy)

    @property
    def hint(self) -> str:
        """Its hint, in the current language."""
        return _in_language(self.hint_en, self.hint_cy)

    @property
    def error(self) -> str:
        """The message when nothing is chosen, in the current language."""
        return _in_language(self.error_en, self.error_cy)

    @property
    def keys(self) -> tuple[str, ...]:
        """Every query-string key this question answers."""
        return (self.key, self.place_key) if self.place_key else (self.key,)

    @property
    def multiple(self) -> bool:
        """Whether several options may be chosen."""
        return self.kind == "checkboxes"

    def option(self, value: str) -> Option | None:
        """The option with this value, if the question offers it."""
        return next((option for option in self.options if option.value == value), None)

    def chosen(self, value: str) -> Option:
        """The option behind an answer already checked against this question."""
        option = self.option(value)
        if option is None:
            raise KeyError(f"{self.id} offers no option {value!r}")
        return option


@dataclass(frozen=True)
class Questionnaire:
    """The questions in the order they are asked."""

    questions: tuple[Question, ...]

    def get(self, question_id: str) -> Question | None:
        """A question by its id (its URL segment)."""
        return next((q for q in self.questions if q.id == question_id), None)

    def by_key(self, key: str) -> Question | None:
        """The question that a query-string key answers."""
        return next((q for q in self.questions if key in q.keys), None)

    def question_for(self, key: str) -> Question:
        """The question answering one of the keys every questionnaire has (REQUIRED_KEYS)."""
        question = self.by_key(key)
        if question is None:
            raise KeyError(f"no question answers {key!r}")
        return question

    @property
    def keys(self) -> tuple[str, ...]:
        """Every answer key, in question order."""
        return tuple(key for question in self.questions for key in question.keys)


def load_questionnaire(path: Path, taxonomy: Taxonomy) -> Questionnaire:
    """Read and check the questionnaire file; raises QuestionnaireError naming the problem."""
    raw = read_yaml(path)
    questions = tuple(_question(entry, taxonomy) for entry in raw["questions"])
    questionnaire = Questionnaire(questions)
    keys = questionnaire.keys
    if len(set(keys)) != len(keys) or len({q.id for q in questions}) != len(questions):
        raise QuestionnaireError("question ids and keys must be unique")
    if not set(keys) >= REQUIRED_KEYS:
        raise QuestionnaireError(f"missing answer keys {sorted(REQUIRED_KEYS - set(keys))}")
    for question in questions:
        if question.when:
            key, value = question.when
            source = questionnaire.by_key(key)
            if source is None or source.option(value) is None:
                raise QuestionnaireError(
                    f"{question.id}: `when` names no such answer {key}={value}"
                )
    return questionnaire


def _question(entry: dict[str, Any], taxonomy: Taxonomy) -> Question:
    """One question from its YAML entry, with taxonomy options filled in and checked."""
    kind = entry["kind"]
    if kind not in KINDS:
        raise QuestionnaireError(f"{entry['id']}: kind must be one of {', '.join(KINDS)}")
    if kind == "location":
        options = tuple(_term_option(term) for term in taxonomy.regions)
    elif "taxonomy" in entry:
        excluded = set(entry.get("exclude", ()))
        options = tuple(
            _term_option(term)
            for term in taxonomy.terms(entry["taxonomy"])
            if term.slug not in excluded
        )
    else:
        options = tuple(_option(item, taxonomy, entry["id"]) for item in entry["options"])
    if any(option.value == SKIP for option in options):
        raise QuestionnaireError(f"{entry['id']}: `{SKIP}` is reserved for skipped questions")
    when = entry.get("when")
    return Question(
        id=entry["id"],
        key=entry["key"],
        kind=kind,
        title_en=entry["title"],
        short_en=entry["short"],
        hint_en=entry.get("hint", ""),
        error_en=entry["error"],
        options=options,
        skippable=bool(entry.get("skippable", False)),
        when=next(iter(when.items())) if when else None,
        place_key=entry.get("place_key"),
        title_cy=entry.get("title_cy"),
        short_cy=entry.get("short_cy"),
        hint_cy=entry.get("hint_cy"),
        error_cy=entry.get("error_cy"),
    )


def _term_option(term: Term) -> Option:
    """An option taken from a taxonomy term, with the term's Welsh label."""
    return Option(term.slug, term.label, label_cy=term.get("cy"))


def _option(item: dict[str, Any], taxonomy: Taxonomy, question_id: str) -> Option:
    """One listed option; support types must exist in the taxonomy."""
    support = tuple(item.get("support", ()))
    equity_support = tuple(item.get("equity_support", ()))
    known = set(taxonomy.slugs("support_types"))
    unknown = (set(support) | set(equity_support)) - known
    if unknown:
        raise QuestionnaireError(f"{question_id}: unknown support types {sorted(unknown)}")
    if not set(equity_support) <= set(support):
        raise QuestionnaireError(f"{question_id}: equity_support must be part of support")
    return Option(
        value=str(item["value"]),
        label_en=item["label"],
        hint_en=item.get("hint"),
        support=support,
        equity_support=equity_support,
        minimum=item.get("min"),
        maximum=item.get("max"),
        label_cy=item.get("label_cy"),
        hint_cy=item.get("hint_cy"),
    )
