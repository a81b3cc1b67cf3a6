"""SYNTHETIC alerts for benchmarks: confirmed, marked synthetic=True, at @example.invalid
addresses, asking for a realistic mix of searches and questionnaire answers."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlencode

from flask import current_app
from sqlalchemy.orm import Session

from directory.alerts.criteria import CriteriaError, criteria_for
from directory.alerts.models import Alert, AlertTerm, Subscriber
from directory.clock import utcnow
from directory.questionnaire.answers import Answers, applies
from directory.questionnaire.questions import SKIP
from directory.taxonomy import Taxonomy

WORDS = ["", "", "", "", "fintech", "medtech", "net zero", "food", "women", "university",
         "manufacturing", "creative", "export", "ai", "social enterprise"]  # fmt: skip
BATCH = 2000


def _search_query(rng: random.Random, taxonomy: Taxonomy) -> str:
    """A search page's query: some filters and perhaps a word, as founders combine them."""
    args: list[tuple[str, str]] = []
    word = rng.choice(WORDS)
    if word:
        args.append(("q", word))
    for name, taxonomy_name, chance in (
        ("region", "regions", 0.8),
        ("support", "support_types", 0.7),
        ("stage", "stages", 0.5),
        ("sector", "sectors", 0.25),
    ):
        if rng.random() < chance:
            args.append((name, rng.choice(taxonomy.slugs(taxonomy_name))))
    return urlencode(args)


def _check_query(rng: random.Random) -> str:
    """Complete questionnaire answers, each question answered as a founder might."""
    questionnaire = current_app.extensions["questionnaire"]
    answers = Answers({})
    for question in questionnaire.questions:
        if not applies(question, answers):
            continue
        if question.skippable and rng.random() < 0.3:
            value: tuple[str, ...] = (SKIP,)
        elif question.multiple:
            value = tuple(o.value for o in rng.sample(question.options, rng.randint(1, 2)))
        else:
            value = (rng.choice(question.options).value,)
        answers = Answers({**answers.values, question.key: value})
    return urlencode(
        [(k, v) for k, values in answers.query_args(questionnaire).items() for v in values]
    )


def add_synthetic_alerts(
    session: Session, count: int, seed: int, progress: Callable[[int], None]
) -> int:
    """Add `count` confirmed synthetic alerts, one per address, covered until a day ago."""
    rng = random.Random(seed)  # noqa: S311  (synthetic data, not secrets)
    taxonomy = current_app.extensions["taxonomy"]
    since = utcnow() - timedelta(days=1)
    terms_of: dict[tuple[str, str], dict[str, list[str]] | None] = {}
    start = session.query(Subscriber).count()
    for first in range(0, count, BATCH):
        for number in range(first, min(first + BATCH, count)):
            kind = "check" if rng.random() < 0.3 else "search"
            query = _check_query(rng) if kind == "check" else _search_query(rng, taxonomy)
            if (kind, query) not in terms_of:
                try:
                    terms_of[(kind, query)] = criteria_for(kind, query).terms
                except CriteriaError:
                    terms_of[(kind, query)] = None
            terms = terms_of[(kind, query)]
            if terms is None:
                continue
            subscriber = Subscriber(email=f"synthetic-{start + number}@example.invalid")
            alert = Alert(
                subscriber=subscriber,
                kind=kind,
                query=query,
                frequency="daily",
                confirmed_at=since,
                covered_until=since,
                synthetic=True,
                terms=[AlertTerm(facet=f, value=v) for f, values in terms.items() for v in values],
            )
            session.add(alert)
        session.commit()
        progress(min(BATCH, count - first))
    return count
