"""Correcting misspelt query words against the index's own vocabulary."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .query import QueryWord
from .schema import stem_word

if TYPE_CHECKING:
    from .snapshot import Snapshot

# Shorter words are too ambiguous to correct, longer ones are not words a person typed.
MIN_CORRECTABLE = 4
MAX_CORRECTABLE = 30
# Four-letter words have too many neighbours at distance 2 ("fund" -> "find", "fond"), so they
# accept one edit only, where a swap of neighbouring letters counts as one ("laon" -> "loan").
SHORT_WORD = 4
CACHE_LIMIT = 4096


def correct(snapshot: Snapshot, word: str) -> str | None:
    """Return the most frequent indexed word within a small edit distance, or None."""
    cache = snapshot.corrections
    if word in cache:
        return cache[word]
    correction = None
    if word.isalpha() and MIN_CORRECTABLE <= len(word) <= MAX_CORRECTABLE:
        near: set[str] = set()
        far: set[str] = set()
        for leaf, _offset in snapshot.leaves:
            near.update(leaf.terms_within("vocabulary", word, 1))
            far.update(leaf.terms_within("vocabulary", word, 2))
        # Whoosh's automaton counts a swap of neighbouring letters as two edits; we count it
        # as one, as a typist would ("grnat" is nearer "grant" than "great" is).
        distances = {candidate: 2 for candidate in far}
        for candidate in far:
            if candidate in near or is_adjacent_swap(word, candidate):
                distances[candidate] = 1
        if len(word) <= SHORT_WORD:
            distances = {c: d for c, d in distances.items() if d == 1}
        # Typists seldom miss the first letter: a word that differs there is another word, not
        # a typo of it ("ferry" is not "Derry"), unless the first two letters were swapped.
        distances = {c: d for c, d in distances.items() if keeps_first_letter(word, c)}
        distances.pop(word, None)
        # The nearest, then the most common among live documents (a word found only in
        # deleted documents would lead to no results: it is never a correction).
        found = {c: snapshot.word_mask(stem_word(c)).bit_count() for c in distances}
        ranked = sorted(
            (distance, -found[candidate], candidate)
            for candidate, distance in distances.items()
            if found[candidate]
        )
        correction = ranked[0][2] if ranked else None
    if len(cache) >= CACHE_LIMIT:
        cache.clear()
    cache[word] = correction
    return correction


def keeps_first_letter(word: str, other: str) -> bool:
    """Tell whether other starts as word does, or is word with its first two letters swapped."""
    # A swap that changes the first letter can only be of the first two letters.
    return other[:1] == word[:1] or is_adjacent_swap(word, other)


def is_adjacent_swap(word: str, other: str) -> bool:
    """Tell whether other is word with two neighbouring letters swapped."""
    if len(word) != len(other):
        return False
    differences = [i for i, (a, b) in enumerate(zip(word, other, strict=True)) if a != b]
    return (
        len(differences) == 2
        and differences[1] == differences[0] + 1
        and word[differences[0]] == other[differences[1]]
        and word[differences[1]] == other[differences[0]]
    )


def suggestion(text: str, corrections: list[tuple[QueryWord, str]]) -> str | None:
    """The user's text with corrected words replaced, or None when nothing was corrected."""
    if not corrections:
        return None
    pieces = []
    last = 0
    for word, replacement in sorted(corrections, key=lambda item: item[0].start):
        pieces.append(text[last : word.start])
        pieces.append(replacement)
        last = word.end
    pieces.append(text[last:])
    return "".join(pieces)
