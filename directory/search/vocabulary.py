"""The words founders type for kinds of support, stages, sectors and who support is for.

Read from seed_data/vocabulary.yaml and checked against the fixed taxonomies when the app
starts, so a typo in a slug stops the app rather than silently matching nothing.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from directory.search.welsh import phrase_forms
from directory.taxonomy import FACETS, Taxonomy
from directory.yamlfiles import SafeLoader, read_yaml
from search_index.query import words_of

# Vocabulary section -> (search facet, taxonomy checked against; None: free tag words).
# Founders say where in words the place reader understands, so regions have no section.
SECTIONS: dict[str, tuple[str, str | None]] = {
    facet.taxonomy: (facet.name, facet.taxonomy) for facet in FACETS if facet.name != "region"
} | {"tags": ("tags", None)}
IGNORE = "ignore"
# The Welsh column: the same sections again, in Welsh.
WELSH = "cymraeg"


class VocabularyError(ValueError):
    """The vocabulary file names a slug the taxonomies do not have, or is malformed."""


@dataclass(frozen=True)
class Meaning:
    """What a phrase means: values of one facet (or tag words), or nothing worth searching."""

    facet: str  # "support", "stage", "sector", "tags", or "ignore"
    values: tuple[str, ...]


class Vocabulary:
    """Phrases (as word stems) and what each means; the longest phrase at a position wins."""

    def __init__(self, meanings: dict[tuple[str, ...], list[Meaning]]) -> None:
        self._meanings = meanings
        self._longest = max((len(stems) for stems in meanings), default=1)

    def match(self, stems: Sequence[str], start: int) -> tuple[list[Meaning], int] | None:
        """The meanings and length of the longest phrase starting at stems[start], if any.

        A phrase can mean several things at once: "series a" is equity at the growth stage.
        """
        for length in range(min(self._longest, len(stems) - start), 0, -1):
            meanings = self._meanings.get(tuple(stems[start : start + length]))
            if meanings:
                return meanings, length
        return None

    def knows(self, word: str) -> bool:
        """Whether a single word is a phrase of the vocabulary (so it is not a place name)."""
        stems = tuple(w.stem for w in words_of(word))
        return len(stems) == 1 and stems in self._meanings


class _StrictLoader(SafeLoader):
    """YAML without silent overwrites: a key given twice is an error, not the last one wins."""


def _mapping_without_repeats(
    loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Hashable, Any]:
    seen = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise VocabularyError(f"{key} is given twice (line {key_node.start_mark.line + 1})")
        seen.add(key)
    return loader.construct_mapping(node, deep)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_repeats
)


def load_vocabulary(path: Path, taxonomy: Taxonomy) -> Vocabulary:
    """Read and check the vocabulary file."""
    raw = read_yaml(path, _StrictLoader)
    meanings: dict[tuple[str, ...], list[Meaning]] = {}

    def add(phrase: str, meaning: Meaning) -> None:
        stems = tuple(word.stem for word in words_of(str(phrase)))
        # Phrases made only of stop words ("in", "for") are dropped by the analyzer anyway.
        if not stems:
            return
        known = meanings.setdefault(stems, [])
        # A phrase listed under several sections means each; within one, the first entry wins.
        if all(meaning.facet != other.facet for other in known):
            known.append(meaning)

    for section, (facet, taxonomy_name) in SECTIONS.items():
        for key, phrases in (raw.get(section) or {}).items():
            values = _values(section, key, phrases, taxonomy_name, taxonomy)
            for phrase in phrases:
                add(phrase, Meaning(facet, values))
    for phrase in raw.get(IGNORE) or []:
        add(phrase, Meaning(IGNORE, ()))
    # The Welsh column: the same sections, each phrase in its dictionary form, understood in
    # every mutated form as well ("fusnes" and "musnes" are "busnes").
    welsh = raw.get(WELSH) or {}
    for section, (facet, taxonomy_name) in SECTIONS.items():
        for key, phrases in (welsh.get(section) or {}).items():
            values = _values(f"{WELSH}: {section}", key, phrases, taxonomy_name, taxonomy)
            for phrase in phrases:
                for written in phrase_forms(str(phrase)):
                    add(written, Meaning(facet, values))
    for phrase in welsh.get(IGNORE) or []:
        for written in phrase_forms(str(phrase)):
            add(written, Meaning(IGNORE, ()))
    return Vocabulary(meanings)


def _values(
    section: str, key: object, phrases: object, taxonomy_name: str | None, taxonomy: Taxonomy
) -> tuple[str, ...]:
    """The slugs (or tag words) a section's key stands for, checked against the taxonomy."""
    values = tuple(str(key).split()) if taxonomy_name else (str(key),)
    if taxonomy_name:
        unknown = [v for v in values if v not in taxonomy.slugs(taxonomy_name)]
        if unknown:
            raise VocabularyError(f"{section}: {', '.join(unknown)} is not a known slug")
    if not isinstance(phrases, list):
        raise VocabularyError(f"{section}: {key}: phrases must be a list")
    return values
