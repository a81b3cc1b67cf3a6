"""Reading a founder's search: a place, the kinds of support, stages and sectors, and names.

"accelerator manchester" is an accelerator (support) in Manchester (place); "funding for
pre-revenue idea" is any kind of funding for the pre-start stage; "Business Wales" is a name.
The place becomes the search's location, the concepts rank listings that meet them first, the
names rank their listings first, and whatever is left is searched as words. Nothing here is a
hard filter: only the filters a founder ticks are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from flask_babel import gettext as _

from directory.geo.areas import named_area
from directory.geo.lookup import Ambiguous, GeoError, GeoLookup, GeoResult, Unavailable
from directory.geo.places import place_key
from directory.geo.postcodes import read_postcode
from directory.search.vocabulary import IGNORE, Vocabulary
from directory.search.welsh import radicals
from search_index import Concept, name_words
from search_index.query import words_of

# Words that are also the names of towns or villages but that founders type as words.
PLACE_STOPWORDS = frozenset(
    {
        "reading", "sale", "deal", "street", "march", "hope", "wells", "ware", "bury", "stone",
        "ash", "hook", "hale", "grays", "bridge", "green", "market", "cross", "park", "hill",
        "field", "church", "hall", "college", "university", "world", "nelson", "seed", "angel",
        "lean", "start", "grant", "mentor", "trade", "ideas", "idea", "funding", "fund", "capital",
        "venture", "digital", "creative", "science", "space", "tech", "data", "health", "food",
        "farm", "retail", "energy", "water", "forest", "ford", "port", "wood", "dale", "heath",
        "moor", "mill", "cliff", "lodge", "marsh", "grange", "ferry", "rock", "rose",
        "royal", "union", "station", "tower", "view", "wick",
    }
)  # fmt: skip
# A single word names a town only if at least this many people live there (GeoNames).
MIN_ONE_WORD_TOWN = 2000
MAX_PLACE_WORDS = 5
# Facets whose words say more than their concept: "fashion" and "music" are both the creative
# sector, so a listing that names the one typed is the better match; "accelerator" says no more
# than the accelerator concept.
NARROW_FACETS = ("sector", "tags")
MAX_NAME_WORDS = 8
_TOKEN = re.compile(r"[^\W_][\w'’&.-]*")
# Little words that tie a place to the rest ("accelerator in Leeds"), dropped with the place.
# The little words tying a place on, in English and Welsh ("yng Nghaerdydd", "ger Abertawe").
PLACE_CONNECTORS = ("in", "near", "around", "at", "across", "for",
                    "yn", "yng", "ym", "i", "ger", "o")  # fmt: skip


@dataclass(frozen=True)
class PlaceUnderstood:
    """A place read from the search: what was typed, and where it is."""

    words: str
    label: str
    kind: str  # postcode, sector, district, place, council, county or region
    point: tuple[float, float] | None
    lads: tuple[str, ...]
    region: str | None

    def as_dict(self) -> dict:
        """The API's shape of the understood place."""
        return {"words": self.words, "label": self.label, "kind": self.kind,
                "region": self.region}  # fmt: skip


@dataclass
class Understanding:
    """What a search's text was read as."""

    text: str
    remaining: str = ""
    boost: str = ""
    # The words read as sectors or tags, narrower than the concept ("fashion", "women founders").
    literal: str = ""
    place: PlaceUnderstood | None = None
    ambiguous: Ambiguous | None = None
    concepts: list[Concept] = field(default_factory=list)
    names: tuple[str, ...] = ()
    # A postcode in the words that does not exist: said to the founder, left out of the search.
    problem: str | None = None
    # The text without the place (set when a place, or a postcode that does not exist, is found).
    asked: str | None = None

    def values(self, facet: str) -> list[str]:
        """The understood values of one facet (support, stage, sector, tags)."""
        return [v for concept in self.concepts if concept.facet == facet for v in concept.values]

    @property
    def has_words(self) -> bool:
        """Whether the text holds anything to search for, beyond common words and punctuation."""
        return bool(self.place or self.ambiguous or self.concepts or words_of(self.without_place()))

    def without_place(self) -> str:
        """The search text without the place's words (or an ambiguous place name, or a
        postcode that does not exist)."""
        return self.text if self.asked is None else self.asked

    def as_dict(self) -> dict:
        """The API's `understood` object."""
        return {
            "place": self.place.as_dict() if self.place else None,
            "region": self.place.region if self.place else None,
            "support": self.values("support"),
            "stage": self.values("stage"),
            "sector": self.values("sector"),
            "tags": self.values("tags"),
            "words": self.remaining,
            # A postcode in the words that does not exist, left out of the search.
            "problem": self.problem,
            # A town name several places share: searched without a place until one is chosen.
            "ambiguous_place": {
                "words": self.ambiguous.query,
                "candidates": [candidate.as_dict() for candidate in self.ambiguous.candidates],
            }
            if self.ambiguous
            else None,
        }


def understand(
    text: str, vocabulary: Vocabulary, geo: GeoLookup | None, find_place: bool = True
) -> Understanding:
    """Read a search's text; never raises (an unusable lookup means no place is found)."""
    understanding = Understanding(text)
    rest = text
    if find_place and geo is not None:
        unknown = _unknown_postcode(text, geo)
        if unknown is not None:
            words, understanding.problem = unknown
            rest = _remove_place(rest, words)
        place, ambiguous = _find_place(rest, vocabulary, geo)
        if place is not None:
            understanding.place = place
            rest = _remove_place(rest, place.words)
        elif ambiguous is not None:
            understanding.ambiguous = ambiguous
            rest = _remove_place(rest, ambiguous.query)
        understanding.asked = " ".join(rest.split())
    _read_concepts(understanding, rest, vocabulary)
    understanding.names = _names(text)
    return understanding


def _remove_place(text: str, words: str) -> str:
    """The text without a place's words and the little word tying them on ("in Leeds")."""
    at = text.find(words)
    if at < 0:
        return text
    before, after = text[:at].split(), text[at + len(words) :].split()
    if before and before[-1].lower() in PLACE_CONNECTORS:
        before.pop()
    return " ".join(before + after)


def _unknown_postcode(text: str, geo: GeoLookup) -> tuple[str, str] | None:
    """A whole postcode in the words that the lookup does not know: (its words, the message)."""
    tokens = _tokens(text)
    for size in (2, 1):
        for first in range(len(tokens) - size + 1):
            span = text[tokens[first].start() : tokens[first + size - 1].end()]
            postcode = read_postcode(span)
            if postcode is None or postcode.kind != "postcode":
                continue
            try:
                found = geo.resolve(span)
            except Unavailable:
                return None
            except Ambiguous:
                continue
            except GeoError as error:
                return span, str(error)
            if found.outside or found.point is None:  # Jersey, Guernsey, the Isle of Man
                return span, found.message or _(
                    "We could not find where %(place)s is.", place=found.label
                )
            return None
    return None


def _tokens(text: str) -> list[re.Match]:
    return list(_TOKEN.finditer(text))


def _find_place(
    text: str, vocabulary: Vocabulary, geo: GeoLookup
) -> tuple[PlaceUnderstood | None, Ambiguous | None]:
    """The longest, leftmost run of words that names a place; or an ambiguous name."""
    tokens = _tokens(text)
    ambiguous = None
    for size in range(min(MAX_PLACE_WORDS, len(tokens)), 0, -1):
        for first in range(len(tokens) - size + 1):
            span = text[tokens[first].start() : tokens[first + size - 1].end()]
            try:
                found = _place(span, size, vocabulary, geo)
            except Ambiguous as choice:
                ambiguous = ambiguous or choice
                continue
            if found is not None:
                return found, None
    return None, ambiguous


def _place(span: str, size: int, vocabulary: Vocabulary, geo: GeoLookup) -> PlaceUnderstood | None:
    """What a run of words names, if a place; raises Ambiguous for a shared town name."""
    key = place_key(span)
    # Common words are never places, whatever a gazetteer calls them ("from" is Frome).
    if not key or not words_of(span):
        return None
    area = named_area(span)
    if area is not None and area.kind in ("region", "county"):
        return PlaceUnderstood(span, area.label, area.kind, None, area.lads, area.region)
    postcode = read_postcode(span)
    if postcode is not None and postcode.kind in ("postcode", "sector", "district"):
        return _from_geo(span, geo)
    if size == 1 and (
        len(key) < 3 or key in PLACE_STOPWORDS or vocabulary.knows(key) or key.isdigit()
    ):
        return None
    if size > 1 and all(vocabulary.knows(word) for word in key.split()):
        return None
    found = _from_geo(span, geo, min_population=MIN_ONE_WORD_TOWN if size == 1 else 0)
    if found is not None:
        return found
    if size == 1:
        # A Welsh place after "yng", "ym" or "i" arrives mutated ("yng Nghaerdydd", "ym
        # Mangor"): read as the place only when its dictionary form is a town in Wales.
        for radical in radicals(span):
            found = _welsh_place(radical, geo)
            if found is not None:
                return replace(found, words=span)
    if area is not None:  # a council named like no town ("Northumberland", "Highland")
        return PlaceUnderstood(span, area.label, area.kind, None, area.lads, area.region)
    return None


def _welsh_place(name: str, geo: GeoLookup) -> PlaceUnderstood | None:
    """A town in Wales by this name (of several sharing it, the one in Wales: Welsh grammar
    mutated the name, so Bangor in Gwynedd, not County Down)."""
    try:
        found = _from_geo(name, geo, min_population=MIN_ONE_WORD_TOWN)
    except Ambiguous as choice:
        welsh = [c for c in choice.candidates if c.region == "wales" and c.point is not None]
        if len(welsh) != 1:
            return None
        place = welsh[0]
        lads = (place.lad_code,) if place.lad_code else ()
        return PlaceUnderstood(name, place.label, "place", place.point, lads, place.region)
    return found if found is not None and found.region == "wales" else None


def _from_geo(span: str, geo: GeoLookup, min_population: int = 0) -> PlaceUnderstood | None:
    """A postcode or town the lookup knows inside the 12 regions, as an understood place."""
    try:
        result: GeoResult = geo.resolve(span)
    except Ambiguous:
        raise
    except GeoError:
        return None
    if result.point is None or result.outside or result.region is None:
        return None
    if result.kind == "place" and result.population < min_population:
        return None
    kind = "place" if result.kind == "place" else result.kind
    lads = (result.lad_code,) if result.lad_code else ()
    return PlaceUnderstood(span, result.label, kind, result.point, lads, result.region)


def _read_concepts(understanding: Understanding, text: str, vocabulary: Vocabulary) -> None:
    """Find the vocabulary's phrases in the text; keep the other words to search as words."""
    words = words_of(text)
    stems = [word.stem for word in words]
    values: dict[str, list[str]] = {}
    tags: list[str] = []
    remaining: list[str] = []
    boost: list[str] = []
    literal: list[str] = []
    position = 0
    while position < len(words):
        found = vocabulary.match(stems, position)
        if found is None:
            remaining.append(words[position].text)
            position += 1
            continue
        meanings, length = found
        phrase = [word.text for word in words[position : position + length]]
        for meaning in meanings:
            if meaning.facet == IGNORE:
                continue
            boost.extend(phrase)
            if meaning.facet in NARROW_FACETS:
                literal.append(" ".join(phrase))
            if meaning.facet == "tags":
                tags.extend(v for v in meaning.values if v not in tags)
            else:
                known = values.setdefault(meaning.facet, [])
                known.extend(v for v in meaning.values if v not in known)
        position += length
    # One concept per facet: "accelerator or incubator" is met by either.
    understanding.concepts = [
        Concept(facet, tuple(facet_values)) for facet in ("support", "stage", "sector")
        if (facet_values := values.get(facet))
    ] + [Concept("tags", (tag,)) for tag in tags]  # fmt: skip
    understanding.remaining = " ".join(remaining)
    understanding.boost = " ".join(dict.fromkeys(boost))
    understanding.literal = " ".join(dict.fromkeys(literal))


def _names(text: str) -> tuple[str, ...]:
    """The whole text and its runs of two or more words, as names to look for."""
    words = name_words(text).split()[:MAX_NAME_WORDS]
    runs = {" ".join(words)} if words else set()
    for size in range(2, len(words)):
        for first in range(len(words) - size + 1):
            runs.add(" ".join(words[first : first + size]))
    return tuple(sorted(runs))
