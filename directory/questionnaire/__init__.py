"""The "Find support for your business" questionnaire: questions as data, answers in the URL.

`questions` reads seed_data/questionnaire.yaml; `answers` validates a query string and walks
the flow (which question comes next, which apply); `results` turns complete answers into
explained results grouped by need; `views` is the /check/ blueprint.
"""
