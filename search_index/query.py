"""Turn user text into plain words and synonym groups; user text never reaches QueryParser."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .schema import WORD_ANALYZER, stem_word

# Long pasted text would otherwise build huge queries; the first words carry the intent.
MAX_QUERY_WORDS = 32


@dataclass(frozen=True)
class QueryWord:
    """One word of the user's text: lower-case form, stem and where it sits in the text."""

    text: str
    stem: str
    start: int
    end: int


@dataclass
class Clause:
    """A part of the query that must match: any one alternative, each an AND of stems."""

    words: tuple[QueryWord, ...]
    alternatives: list[tuple[str, ...]]
    synonym: bool = False


def words_of(text: str) -> list[QueryWord]:
    """Split text into words the same way the indexing analyzer does, dropping stop words."""
    # Whoosh reuses one Token object while streaming, so copy what we need immediately.
    return [
        QueryWord(token.text, stem_word(token.text), token.startchar, token.endchar)
        for token in WORD_ANALYZER(text, chars=True)
    ]


class SynonymTable:
    """Groups of equivalent words and phrases, looked up by their stems."""

    def __init__(self, groups: Sequence[Sequence[str]]) -> None:
        self._groups: list[list[tuple[str, ...]]] = []
        self._lookup: dict[tuple[str, ...], int] = {}
        for group in groups:
            alternatives: list[tuple[str, ...]] = []
            for member in group:
                stems = tuple(word.stem for word in words_of(member))
                if stems and stems not in alternatives:
                    alternatives.append(stems)
            if not alternatives:
                continue
            group_id = len(self._groups)
            self._groups.append(alternatives)
            for stems in alternatives:
                # On overlap the first group listed wins, so the order of the list decides.
                self._lookup.setdefault(stems, group_id)
        self._longest = max((len(stems) for stems in self._lookup), default=1)

    def match(self, stems: Sequence[str], start: int) -> tuple[list[tuple[str, ...]], int] | None:
        """Return (alternatives, length) of the longest member starting at stems[start]."""
        for length in range(min(self._longest, len(stems) - start), 0, -1):
            group_id = self._lookup.get(tuple(stems[start : start + length]))
            if group_id is not None:
                return list(self._groups[group_id]), length
        return None


def parse(text: str, synonyms: SynonymTable) -> list[Clause]:
    """Parse user text into AND-combined clauses, expanding synonym members into their groups."""
    words = words_of(text)[:MAX_QUERY_WORDS]
    stems = [word.stem for word in words]
    clauses: list[Clause] = []
    position = 0
    while position < len(words):
        found = synonyms.match(stems, position)
        if found is not None:
            alternatives, length = found
            covered = tuple(words[position : position + length])
            clauses.append(Clause(covered, alternatives, synonym=True))
            position += length
        else:
            clauses.append(Clause((words[position],), [(stems[position],)]))
            position += 1
    return clauses
