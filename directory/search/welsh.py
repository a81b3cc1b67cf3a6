"""Welsh initial mutations: a word founders type may start differently from its dictionary form.

Welsh changes the first sound of a word after certain words: "busnes" (business) is "fusnes"
in "cymorth i fusnes", "musnes" in "fy musnes"; "grant" is "ngrant" in "fy ngrant"; "cyllid"
(funding) is "nghyllid" or "chyllid". The Welsh column of the search vocabulary lists each
word in its dictionary form; `forms` gives every form a founder may type, so a phrase is
understood whichever mutation it arrives in.
"""

from __future__ import annotations

from itertools import product

# Radical (dictionary) beginnings and what each becomes under the soft, nasal and aspirate
# mutations. Longer beginnings first: "ll" and "rh" before "l" and "r".
MUTATIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ll", ("l",)),
    ("rh", ("r",)),
    ("c", ("g", "ngh", "ch")),
    ("p", ("b", "mh", "ph")),
    ("t", ("d", "nh", "th")),
    ("g", ("", "ng")),
    ("b", ("f", "m")),
    ("d", ("dd", "n")),
    ("m", ("f",)),
)
VOWELS = "aeiouwyâêîôûŵŷ"
# Mutated forms that are everyday English words: never read as Welsh ("rant" is not "grant").
ENGLISH_CLASHES = frozenset({"rant", "rants", "ran"})


def forms(word: str) -> set[str]:
    """The word and every mutated form of it (and "h" before a vowel, as after "ei" her)."""
    word = word.lower()
    found = {word}
    for radical, mutated in MUTATIONS:
        if word.startswith(radical) and len(word) > len(radical):
            rest = word[len(radical) :]
            found.update(beginning + rest for beginning in mutated)
            break
    if word[:1] in VOWELS:
        found.add("h" + word)
    return found - ENGLISH_CLASHES


def radicals(word: str) -> list[str]:
    """The dictionary forms a possibly mutated word may come from ("Nghaerdydd": "Caerdydd")."""
    lower = word.lower()
    found = []
    for radical, mutated in MUTATIONS:
        for beginning in mutated:
            if beginning and lower.startswith(beginning) and len(lower) > len(beginning):
                found.append(radical + word[len(beginning) :])
    if lower[:1] == "h" and lower[1:2] in VOWELS:
        found.append(word[1:])
    if lower[:1] in VOWELS or lower[:1] in "lrw":
        found.append("g" + word)  # the soft mutation drops a g ("Wynedd": "Gwynedd")
    if word[:1].isupper():
        found = [candidate[:1].upper() + candidate[1:].lower() for candidate in found]
    return [candidate for candidate in dict.fromkeys(found) if candidate.lower() != lower]


def phrase_forms(phrase: str) -> set[str]:
    """Every way a phrase may be written with its words mutated (each word independently)."""
    words = phrase.split()
    return {" ".join(choice) for choice in product(*(sorted(forms(word)) for word in words))}
